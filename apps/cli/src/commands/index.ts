import type { CliCommand } from './command.js';
import { demoCommand } from './demo.command.js';
import { digestCommand } from './digest.command.js';
import { exportCommand } from './export.command.js';
import { proofCommand } from './proof.command.js';
import { replayCommand } from './replay.command.js';
import { serveCommand } from './serve.command.js';
import { tokenCommand } from './token.command.js';
import { verifyCommand } from './verify.command.js';

export type { CliCommand } from './command.js';

/**
 * Every `concordat` subcommand, in the order `--help` lists them. To add one (export, verify, replay, digest,
 * proof, demo, ...): write `commands/<name>.command.ts` exporting a CliCommand, and append it here.
 */
export const COMMANDS: readonly CliCommand[] = [serveCommand, tokenCommand, exportCommand, verifyCommand, replayCommand, digestCommand, proofCommand, demoCommand];
