import type { Command } from 'commander';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { DigestFile } from '../../../../libs/event-store/src/audit/export.js';
import { ProgressReporter } from '../../../../libs/ledger/src/audit/progress.js';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';

interface VerifyOptions {
  export: string;
  digest?: string;
  workers?: string;
}

const SAMPLE_BYTES = 1024 * 1024;
const MAX_WORKERS = 16;

/** Events in a file of `size` bytes, from the mean line length of its first MiB: for the ETA when no digest says. */
async function estimateLines(path: string, size: number): Promise<number | null> {
  if (size === 0) return 0;
  const file = await open(path, 'r');
  try {
    const sample = Buffer.alloc(Math.min(SAMPLE_BYTES, size));
    const { bytesRead } = await file.read(sample, 0, sample.length, 0);
    let lines = 0;
    for (let i = sample.indexOf(0x0a); i !== -1 && i < bytesRead; i = sample.indexOf(0x0a, i + 1)) lines += 1;
    return lines === 0 ? null : Math.round((size / bytesRead) * lines);
  } finally {
    await file.close();
  }
}

export function readDigestFile(path: string, parse: (text: string) => DigestFile, option: string): DigestFile {
  if (!existsSync(path)) throw new CliError(`${option}: no such file ${path}`);
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${option} ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  register(program: Command, io: CliIo): void {
    program
      .command('verify')
      .description(
        'verify an NDJSON export offline: recompute every event hash, chain link and position and the Merkle root, and ' +
          'check them against a saved digest; names the first discrepancy and exits 1 on any',
      )
      .requiredOption('--export <file>', 'the NDJSON export to verify')
      .option('--digest <file>', 'a digest file (concordat digest --out) the export must reproduce')
      .option(
        '--workers <n>',
        `worker threads checking blocks of the export ahead of the sequential checks: 0 (this thread only) to ${MAX_WORKERS}, or auto (one per core on a machine of two or more)`,
        'auto',
      )
      .action(async (options: VerifyOptions) => {
        const { defaultBlockWorkers, parseDigest, verifyExportBytes, workerBlockChecker } = await import('../../../../libs/event-store/src/audit/index.js');
        if (!existsSync(options.export)) throw new CliError(`--export: no such file ${options.export}`);
        const given = options.workers ?? 'auto';
        const workers = given === 'auto' ? defaultBlockWorkers() : /^\d{1,2}$/.test(given) ? Number(given) : Number.NaN;
        if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS) throw new CliError(`--workers must be 0..${MAX_WORKERS} or auto`);
        const digest = options.digest === undefined ? undefined : readDigestFile(options.digest, parseDigest, '--digest');
        const total = digest !== undefined ? Number(digest.treeSize) : await estimateLines(options.export, statSync(options.export).size);
        const progress = new ProgressReporter('verify', total, { write: io.err });
        const bytes = createReadStream(options.export, { highWaterMark: 1024 * 1024 });
        const blockChecker = workers > 0 ? workerBlockChecker(workers) : undefined;
        const result = await verifyExportBytes(bytes, digest, {
          blockChecker,
          eventsTotal: total ?? undefined,
          progressEvery: 4096,
          onProgress: (p) => progress.update(p.eventsDone),
        })
          .finally(() => blockChecker?.close())
          .finally(() => bytes.destroy());
        progress.finish(result.eventsVerified);
        const discrepancy = result.firstDiscrepancy;
        io.out(
          JSON.stringify(
            {
              ok: result.ok,
              eventsVerified: result.eventsVerified,
              root: result.root,
              headHash: result.headHash,
              digestMatched: result.digestMatched,
              firstDiscrepancy: discrepancy === null ? null : { ...discrepancy, position: discrepancy.position.toString() },
            },
            null,
            2,
          ),
        );
        if (discrepancy !== null) {
          throw new CliError(`the export is not the log from position ${discrepancy.position} (line ${discrepancy.line}): ${discrepancy.reason}: ${discrepancy.detail}`);
        }
        io.err(`verified ${result.eventsVerified} events${digest === undefined ? ' (no digest given: the chain is intact, but nothing ties it to a digest you hold)' : `; the Merkle root matches the digest (tree size ${digest.treeSize})`}`);
      });
  },
};
