#!/usr/bin/env node
import { runCommandLine } from './compat/run.js';
import { useNodeHashes } from './node-hash.js';

useNodeHashes();

// `anyflash … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// Also reads esptool, espflash, bk7231tools, ltchiptool and sftool command lines (src/cli/compat).
process.exitCode = await runCommandLine(process.argv.slice(2));
