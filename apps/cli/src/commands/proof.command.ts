import type { Command } from 'commander';
import type { ConsistencyProofResult, InclusionProofResult } from '../../../../libs/event-store/src/audit/service.js';
import type { DigestFile } from '../../../../libs/event-store/src/audit/export.js';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';
import { parsePosition, withAuditedStore } from './export.command.js';
import { fetchAuditJson, type ServerOptions } from './replay.command.js';
import { readDigestFile } from './verify.command.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.length <= 64 && value.every((v) => typeof v === 'string');

/** A served inclusion proof, checked for shape only: whether it proves anything is checkInclusionProof's to say. */
function asInclusionProof(body: unknown): InclusionProofResult {
  if (!isRecord(body)) throw new CliError('the server answered an inclusion proof in an unexpected shape');
  const { position, leafIndex, treeSize, eventHash, leafHash, proof, root } = body;
  if (typeof position !== 'string' || typeof treeSize !== 'string' || typeof eventHash !== 'string' || typeof leafHash !== 'string' || typeof root !== 'string' || !isStrings(proof)) {
    throw new CliError('the server answered an inclusion proof in an unexpected shape');
  }
  if (leafIndex !== undefined && typeof leafIndex !== 'string') throw new CliError('the server answered an inclusion proof in an unexpected shape');
  // The leaf index is the event's ordinal: on EventStoreDB, whose positions have gaps, it differs from the position.
  return leafIndex === undefined ? { position, treeSize, eventHash, leafHash, proof, root } : { position, leafIndex, treeSize, eventHash, leafHash, proof, root };
}

function asConsistencyProof(body: unknown): ConsistencyProofResult {
  if (!isRecord(body)) throw new CliError('the server answered a consistency proof in an unexpected shape');
  const { size1, size2, root1, root2, proof } = body;
  if (typeof size1 !== 'string' || typeof size2 !== 'string' || typeof root1 !== 'string' || typeof root2 !== 'string' || !isStrings(proof)) {
    throw new CliError('the server answered a consistency proof in an unexpected shape');
  }
  return { size1, size2, root1, root2, proof };
}

interface InclusionOptions extends ServerOptions {
  position: string;
  digest?: string;
}

interface ConsistencyOptions extends ServerOptions {
  fromDigest: string;
  toDigest: string;
}

const serverOptions = (command: Command): Command =>
  command
    .option('--server <url>', 'ask a running concordat server for the proof (default: compute it from the configured store)')
    .option('--token <jwt>', 'bearer token for --server (default: CONCORDAT_TOKEN)');

export const proofCommand: CliCommand = {
  name: 'proof',
  register(program: Command, io: CliIo): void {
    const proof = program.command('proof').description('get a Merkle proof and check it against digests you hold (exit 1 when it does not verify)');

    serverOptions(
      proof
        .command('inclusion')
        .description('prove that the event at a position is in the log a digest commits to')
        .requiredOption('--position <position>', "the event's global position")
        .option('--digest <file>', 'the digest to check against (default: the current digest of the same source, which proves less)'),
    ).action(async (options: InclusionOptions) => {
      const position = parsePosition('--position', options.position) ?? 0n;
      const { checkInclusionProof, digestAt, inclusionProof, parseDigest } = await import('../../../../libs/event-store/src/audit/index.js');
      const held = options.digest === undefined ? undefined : readDigestFile(options.digest, parseDigest, '--digest');
      let digest: DigestFile;
      let served: InclusionProofResult;
      if (options.server !== undefined) {
        const server = { ...options, server: options.server };
        digest = held ?? parseDigest(JSON.stringify(await fetchAuditJson(io, server, 'audit/digest')));
        served = asInclusionProof(await fetchAuditJson(io, server, `audit/proofs/inclusion?position=${position}&treeSize=${digest.treeSize}`));
      } else {
        [digest, served] = await withAuditedStore(io, async (store) => {
          const d = held ?? (await digestAt(store));
          return [d, await inclusionProof(store, position, BigInt(d.treeSize))] as const;
        });
      }
      const ok = checkInclusionProof(served, digest);
      io.out(JSON.stringify({ ok, position: served.position, treeSize: digest.treeSize, root: digest.root, eventHash: served.eventHash, leafHash: served.leafHash, proof: served.proof }, null, 2));
      if (!ok) throw new CliError(`the inclusion proof for position ${position} does not lead to the digest's root (tree size ${digest.treeSize})`);
      if (held === undefined) io.err('checked against the current digest of the same source: keep a digest of your own and pass --digest to prove more');
    });

    serverOptions(
      proof
        .command('consistency')
        .description('prove that the log a later digest commits to extends the log an earlier digest commits to')
        .requiredOption('--from-digest <file>', 'the earlier digest')
        .requiredOption('--to-digest <file>', 'the later digest'),
    ).action(async (options: ConsistencyOptions) => {
      const { checkConsistencyProof, consistencyProof, parseDigest } = await import('../../../../libs/event-store/src/audit/index.js');
      const older = readDigestFile(options.fromDigest, parseDigest, '--from-digest');
      const newer = readDigestFile(options.toDigest, parseDigest, '--to-digest');
      if (BigInt(older.treeSize) > BigInt(newer.treeSize)) throw new CliError(`--from-digest (tree size ${older.treeSize}) is larger than --to-digest (${newer.treeSize})`);
      const served =
        options.server !== undefined
          ? asConsistencyProof(await fetchAuditJson(io, { ...options, server: options.server }, `audit/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`))
          : await withAuditedStore(io, (store) => consistencyProof(store, BigInt(older.treeSize), BigInt(newer.treeSize)));
      const ok = checkConsistencyProof(served, older, newer);
      io.out(JSON.stringify({ ok, from: { treeSize: older.treeSize, root: older.root }, to: { treeSize: newer.treeSize, root: newer.root }, proof: served.proof }, null, 2));
      if (!ok) throw new CliError(`the log at tree size ${newer.treeSize} does not extend the log at tree size ${older.treeSize}: the history was rewritten, or a digest is not this ledger's`);
    });
  },
};
