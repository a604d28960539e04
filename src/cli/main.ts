#!/usr/bin/env node
import { buildProgram } from './program.js';
import { runMain } from './run.js';

// `anyflash … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

await runMain(buildProgram(), process.argv);
