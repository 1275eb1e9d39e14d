import { run } from './program.js';

// The `concordat` binary (bin/concordat.js imports this after building). Sets the exit code; never exits early,
// so `serve` keeps the process alive.
process.exitCode = await run(process.argv.slice(2));
