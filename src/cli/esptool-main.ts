#!/usr/bin/env node
import { runCommandLine } from './compat/run.js';
import { useNodeHashes } from './node-hash.js';

// `anyflash-esptool`: esptool's command line and exit codes, for build systems that run esptool
// (ESPTOOL=…, Arduino's tools.esptool_py.cmd, PlatformIO's upload_command).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

useNodeHashes();
process.exitCode = await runCommandLine(process.argv.slice(2), 'esptool');
