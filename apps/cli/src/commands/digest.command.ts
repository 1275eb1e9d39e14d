import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import type { CliIo } from '../io.js';
import type { CliCommand } from './command.js';
import { parsePosition, withAuditedStore } from './export.command.js';

interface DigestOptions {
  position?: string;
  out?: string;
}

export const digestCommand: CliCommand = {
  name: 'digest',
  register(program: Command, io: CliIo): void {
    program
      .command('digest')
      .description('print (or save) the RFC 6962 Merkle digest of the configured store: tree size, root, head position and hash')
      .option('--position <position>', 'digest over positions 0..position (default: the whole log)')
      .option('--out <file>', 'write the digest file here (default: standard output)')
      .action(async (options: DigestOptions) => {
        const position = parsePosition('--position', options.position);
        const { digestAt, formatDigest } = await import('../../../../libs/event-store/src/audit/index.js');
        const text = await withAuditedStore(io, async (store) => formatDigest(await digestAt(store, position)));
        if (options.out === undefined) io.out(text.trimEnd());
        else {
          writeFileSync(options.out, text);
          io.err(`digest written to ${options.out}`);
        }
      });
  },
};
