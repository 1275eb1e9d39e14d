#!/usr/bin/env node
// The `concordat` command: builds on first use when needed, then runs the CLI from dist/.
import { buildIfNeeded } from '../scripts/build-if-needed.mjs';

buildIfNeeded();
await import('../dist/apps/cli/src/main.js');
