#!/usr/bin/env node
// The `concordat` command: builds on first use when needed, then runs the CLI from dist/.
import { buildIfNeeded } from '../scripts/build-if-needed.mjs';

// Only serving needs the dashboard built; every other command stays quick.
buildIfNeeded({ dashboard: process.argv.slice(2).includes('serve') });
await import('../dist/apps/cli/src/main.js');
