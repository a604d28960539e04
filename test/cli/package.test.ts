import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Packed {
  files: Array<{ path: string; size: number }>;
  unpackedSize: number;
}

it('the npm tarball ships what a user runs and reads: no screenshots, no source maps into an unshipped src/', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const packed = (JSON.parse(out) as Packed[])[0]!;
  const paths = packed.files.map((f) => f.path);
  for (const needed of ['dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'docs/errors.md', 'package.json']) {
    assert.ok(paths.includes(needed), `${needed} is missing from the tarball`);
  }
  assert.deepEqual(paths.filter((p) => p.endsWith('.map')), []);
  assert.deepEqual(paths.filter((p) => p.startsWith('docs/screenshots/') || p.startsWith('src/') || p.startsWith('test/')), []);
});

it('anyflash --version says the version package.json has', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const out = execFileSync(process.execPath, ['dist/cli/main.js', '--version'], { encoding: 'utf8' });
  assert.equal(out.trim(), pkg.version);
});
