// The CLI's entry points as one start-up chunk plus lazily loaded ones, in place of tsc's ~130
// separate modules for a device command: Node resolves and reads far fewer files, so every
// command starts about 40 ms sooner. Library users keep tsc's modules (dist/index.js).
// Chunks stay beside the entries in dist/cli, so paths relative to a module (dist/web) still hold.
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks of an earlier build would otherwise pile up (their names are content hashes).
for (const name of readdirSync('dist/cli')) if (/^chunk-.*\.js$/.test(name)) rmSync(`dist/cli/${name}`);

await build({
  entryPoints: ['dist/cli/main.js', 'dist/cli/esptool-main.js'],
  outdir: 'dist/cli',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
