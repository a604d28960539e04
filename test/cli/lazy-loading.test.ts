import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';

// Every command used to load all of the CLI's modules (simulators, families, transports, the
// explain signatures, the TOML reader) before doing anything. A module loader hook lists what a
// run really loads, so a static import that undoes the laziness fails here, on any machine speed.
const dir = mkdtempSync(join(tmpdir(), 'anyflash-lazy-'));
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.ANYFLASH_MODULE_LOG, url + '\\n');
  return next(url, context);
}
`,
);
const registrar = join(dir, 'register.mjs');
writeFileSync(registrar, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

const dist = pathToFileURL(resolve('dist')).href + '/';
// dist/cli/main.js is a bundle (scripts/bundle-cli.mjs): run tsc's module graph behind it, whose
// dynamic imports are the bundle's lazily loaded chunks, so that paths say what was loaded.
const entry = join(dir, 'main.mjs');
writeFileSync(entry, `import { runCommandLine } from ${JSON.stringify(dist + 'cli/compat/run.js')};\nprocess.exitCode = await runCommandLine(process.argv.slice(2));\n`);
const modules = pathToFileURL(resolve('node_modules')).href + '/';

/** The modules one CLI run loads: dist-relative paths and package names. */
function loadedBy(args: string[], status = 0): { paths: string[]; stdout: string } {
  const log = join(dir, `${args.join('_').replace(/[^a-z0-9]+/gi, '_')}.log`);
  writeFileSync(log, '');
  // In a scratch folder with a scratch home: no anyflash.toml anywhere, so none is read.
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(registrar).href, entry, ...args], {
    cwd: dir,
    env: { ...process.env, ANYFLASH_MODULE_LOG: log, ANYFLASH_HOME: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, status, run.stderr);
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const paths = urls.map((u) => (u.startsWith(dist) ? u.slice(dist.length) : u.startsWith(modules) ? `node_modules/${u.slice(modules.length)}` : u));
  return { paths, stdout: run.stdout };
}

/** What only some commands use: a command that does not use one must not load it. */
const HEAVY = {
  simulators: /^sim\//,
  families: /^families\/(esp|beken|sifli)\//,
  transports: /^transport\/(rfc2217|tcp|node-serial|open)/,
  signatures: /^diagnose\/signatures\//,
  elfReaders: /^formats\/(defmt|symbolizer|dwarf)/,
  completions: /^cli\/completions\//,
  productionLine: /^cli\/line\/(session|station|hub)/,
  packages: /^node_modules\/(smol-toml|fflate|esptool-js|ws)\//,
};
const loadedOf = (paths: string[], kinds: (keyof typeof HEAVY)[]): string[] => paths.filter((p) => kinds.some((k) => HEAVY[k].test(p)));

describe('the CLI loads what a command uses', () => {
  it('--help loads no simulator, family, transport, signature table or TOML reader', () => {
    const { paths, stdout } = loadedBy(['--help']);
    assert.match(stdout, /Usage: anyflash/);
    assert.ok(paths.includes('cli/compat/run.js'), 'the hook saw the CLI load');
    assert.deepEqual(loadedOf(paths, Object.keys(HEAVY) as (keyof typeof HEAVY)[]), []);
  });

  it('info on a simulated chip loads its family and simulator, not the signatures, completions or TOML reader', () => {
    const { paths, stdout } = loadedBy(['info', '-p', 'sim:esp32', '--chip', 'esp32', '--json']);
    assert.equal(JSON.parse(stdout).chip, 'esp32');
    assert.ok(paths.some((p) => p.startsWith('families/esp/')) && paths.some((p) => p.startsWith('sim/esp/')));
    assert.deepEqual(loadedOf(paths, ['signatures', 'elfReaders', 'completions', 'productionLine']), []);
    assert.deepEqual(paths.filter((p) => /smol-toml/.test(p)), [], 'no anyflash.toml exists, so the TOML reader stays unloaded');
  });

  it('with --chip only the protocol code of that family loads', () => {
    const { paths, stdout } = loadedBy(['info', '-p', 'sim:esp32', '--chip', 'esp32', '--json']);
    assert.equal(JSON.parse(stdout).chip, 'esp32');
    assert.ok(paths.includes('families/esp/device.js'));
    // (The simulators share a few frame and CRC codecs with the flashers; the connect code is what --chip spares.)
    assert.deepEqual(paths.filter((p) => /^families\/(beken|sifli)\/(index|device|link|detect|connect|identify)\.js$/.test(p) || p === 'families/sniff.js'), []);
  });

  it('a command on a network port loads no simulator (only sim: ports do)', () => {
    // Nothing listens on port 1: the open fails, after the port code ran.
    const { paths } = loadedBy(['info', '-p', 'tcp://127.0.0.1:1', '--chip', 'esp32'], 1);
    assert.ok(paths.includes('cli/open-port.js'), 'the port code ran');
    assert.deepEqual(loadedOf(paths, ['simulators']), []);
  });

  it('sim --help and help sim still list every simulated chip (they load when sim is chosen)', () => {
    for (const args of [['sim', '--help'], ['help', 'sim']]) {
      const { paths, stdout } = loadedBy(args);
      for (const chip of ['esp32', 'bk7231n', 'sf32lb52']) assert.match(stdout, new RegExp(`\\b${chip}\\b`), args.join(' '));
      assert.ok(paths.some((p) => p.startsWith('sim/')), 'the chip list comes from the simulators');
    }
  });
});
