import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

/**
 * Command lines that cannot be read: each ends with `error [code]: …` and a "what to do" line (a
 * suggestion or the valid values), exit 2, nothing sent anywhere, and no `undefined` in the text.
 */
const ROOT = resolve('.');
const cwd = mkdtempSync(join(tmpdir(), 'anyflash-errs-'));
writeFileSync(join(cwd, 'app.bin'), new Uint8Array(4096).fill(0x11));

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], {
      cwd,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANYFLASH_') && k !== 'FORCE_COLOR')), ANYFLASH_HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const cases: Array<{ name: string; args: string[]; code: string; says: RegExp; todo: RegExp; bin?: string; exit?: number }> = [
  { name: 'unknown option', args: ['write', '--prot', 'x', '0x1000', 'app.bin'], code: 'unknown-option', says: /Unknown option '--prot'/, todo: /Did you mean --port\?/ },
  { name: 'unknown command', args: ['wirte', '0x1000', 'app.bin'], code: 'bad-input', says: /Unknown command 'wirte'/, todo: /Did you mean write\?/ },
  { name: 'bad choice', args: ['write', '-p', 'sim:esp32', '--after', 'bogus', '0x1000', 'app.bin'], code: 'bad-input', says: /'bogus' is invalid/, todo: /Use one of: hard-reset, soft-reset, no-reset, no-reset-stub, watchdog-reset/ },
  { name: 'missing argument', args: ['write', '-p', 'sim:esp32'], code: 'bad-input', says: /Missing required argument 'files'/, todo: /anyflash write --help/ },
  { name: 'option without its value', args: ['info', '-p'], code: 'bad-input', says: /'-p, --port <port>' argument missing/, todo: /anyflash info --help/ },
  { name: 'esptool: unknown command', args: ['--chip', 'esp32', 'wrte_flash', '0x1000', 'app.bin'], code: 'bad-input', says: /Unknown esptool command "wrte_flash"/, todo: /Did you mean write_flash\?/ },
  { name: 'esptool: unknown option', args: ['--chip', 'esp32', '-p', 'sim:esp32', 'write_flash', '--flash_mod', 'dio', '0x1000', 'app.bin'], code: 'unknown-option', says: /Unknown option --flash_mod for esptool write-flash/, todo: /Did you mean --flash-mode\?/ },
  { name: 'esptool: bad reset mode', args: ['--chip', 'esp32', '-p', 'sim:esp32', '--before', 'hard_reset', 'write_flash', '0x1000', 'app.bin'], code: 'bad-input', says: /--before hard_reset is not a reset mode/, todo: /default-reset, usb-reset, no-reset, no-reset-no-sync/ },
  { name: 'esptool: bad merge-bin format', args: ['--chip', 'esp32', 'merge_bin', '--format', 'elf', '-o', 'out.bin', '0x1000', 'app.bin'], code: 'bad-input', says: /'elf' is invalid/, todo: /Use one of: raw, hex, uf2/ },
  { name: 'esptool: global option without its value', args: ['--chip', 'esp32', 'write_flash', '0x1000', 'app.bin', '--baud'], code: 'bad-input', says: /Option --baud of esptool write-flash needs a value/, todo: /--baud VALUE/ },
  { name: 'repeated --port before an esptool command', args: ['--port', 'sim:esp32', '--port', 'sim:esp32s3', 'read_flash', '0x1000', '0x100', 'out.bin'], code: 'bad-input', says: /--port was given 2 different ports/, todo: /one command per port/ },
  { name: 'repeated --port on a one-device command', args: ['read', '-p', 'sim:esp32', '0x1000', '0x100', 'out.bin', '--port', 'sim:esp32c3'], code: 'bad-input', says: /--port was given 2 different ports \(sim:esp32, sim:esp32c3\)/, todo: /one command per port/ },
  { name: 'missing @argfile', args: ['--chip', 'esp32', 'write_flash', '@flash_args'], code: 'file-not-found', says: /Argument file flash_args/, todo: /build folder/ },
  { name: 'sftool: unknown command', args: ['-c', 'SF32LB52', '-p', 'sim:sf32lb52', 'write_flsh', 'app.bin@0x12020000'], code: 'bad-input', says: /Unknown sftool command "write_flsh"/, todo: /Did you mean write_flash\?/ },
  { name: 'sftool: bad erase_region range', args: ['-c', 'SF32LB52', '-p', 'sim:sf32lb52', 'erase_region', '0x12020000'], code: 'bad-input', says: /erase_region "0x12020000" is not ADDRESS:SIZE/, todo: /0x12020000:0x100000/ },
  { name: 'bk7231tools: unknown command', args: ['bk7231tools', 'chip_inf', '-d', 'sim:bk7231n'], code: 'bad-input', says: /Unknown bk7231tools command "chip_inf"/, todo: /Did you mean chip_info\?/ },
  { name: 'ltchiptool: unknown flash command', args: ['ltchiptool', 'flash', 'wirte', 'app.bin'], code: 'bad-input', says: /Unknown ltchiptool flash command "wirte"/, todo: /Did you mean flash write\?/ },
  { name: 'espflash: unknown command', args: ['espflash', 'board-inf'], code: 'bad-input', says: /Unknown espflash command "board-inf"/, todo: /Did you mean board-info\?/ },
  { name: 'espflash: -b that is neither a baud nor a reset mode', args: ['espflash', 'board-info', '-p', 'sim:esp32', '-b', 'fast'], code: 'bad-input', says: /-b fast is neither a baud rate nor a reset mode/, todo: /-B\/--baud/ },
  { name: 'anyflash-esptool: esptool grammar only', bin: 'dist/cli/esptool-main.js', args: ['write', '0x1000', 'app.bin'], code: 'bad-input', says: /Unknown esptool command "write"/, todo: /Did you mean write-flash\?/ },
];

describe('command lines that cannot be read are refused in the house format', { concurrency: 2 }, () => {
  for (const c of cases) {
    it(`${c.name} → exit 2, ${c.code}`, async () => {
      const r = await run(c.bin ?? 'dist/cli/main.js', c.args);
      const lines = r.stderr.trim().split('\n');
      assert.equal(r.code, c.exit ?? 2, r.stderr);
      assert.match(lines[0]!, new RegExp(`^error \\[${c.code}\\]: `));
      assert.match(lines[0]!, c.says);
      assert.match(lines[1]!, /^what to do: /);
      assert.match(lines[1]!, c.todo);
      assert.doesNotMatch(r.stderr + r.stdout, /undefined/);
    });
  }

  it('--json gives the parse error as a JSON document', async () => {
    const r = await run('dist/cli/main.js', ['write', '--prot', 'x', 'app.bin', '--json']);
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.error.code, 'unknown-option');
    assert.deepEqual(doc.error.advice, ['Did you mean --port?']);
  });

  it("anyflash-esptool and anyflash esptool exit as esptool v5: 1 for a serial port error, 2 for other failures", async () => {
    const port = await run('dist/cli/esptool-main.js', ['--port', join(cwd, 'no-such-tty'), 'chip_id']);
    assert.equal(port.code, 1, port.stderr);
    assert.match(port.stderr, /error \[port-not-found\]/);
    const file = await run('dist/cli/esptool-main.js', ['--port', 'sim:esp32', 'write_flash', '0x10000', 'missing.bin']);
    assert.equal(file.code, 2, file.stderr);
    assert.match(file.stderr, /error \[file-not-found\]: missing\.bin does not exist/);
    // A chip that does not answer is esptool's FatalError (2); anyflash's own exit code for it is 1.
    const args = ['--port', 'sim:esp32?boot=firmware&auto-reset=0', '--before', 'no_reset', '--connect-attempts', '1', 'chip_id'];
    const fatal = await run('dist/cli/esptool-main.js', args);
    assert.equal(fatal.code, 2, fatal.stderr);
    assert.match(fatal.stderr, /error \[firmware-owns-uart\]/);
    const named = await run('dist/cli/main.js', ['esptool', ...args]);
    assert.equal(named.code, 2, named.stderr);
    const own = await run('dist/cli/main.js', args);
    assert.equal(own.code, 1, own.stderr);
  });

  it('a verify that finds differences exits 2 through anyflash-esptool (esptool v5), 1 through anyflash', async () => {
    // A fresh simulated chip reads 0xff where app.bin holds 0x11.
    const args = ['--chip', 'esp32', '--port', 'sim:esp32', 'verify_flash', '0x10000', 'app.bin'];
    const esptool = await run('dist/cli/esptool-main.js', args);
    assert.equal(esptool.code, 2, esptool.stderr);
    assert.match(esptool.stdout + esptool.stderr, /verify-mismatch/);
    const own = await run('dist/cli/main.js', args);
    assert.equal(own.code, 1, own.stderr);
  });

  it('@argfile paths are relative to the current folder, as in esptool', async () => {
    writeFileSync(join(cwd, 'args'), '--flash_mode dio\n0x10000 "app.bin"\n');
    const r = await run('dist/cli/main.js', ['--chip', 'esp32', '-p', 'sim:esp32', 'write_flash', '@args', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.regions.map((x: { address: number; verified: boolean }) => [x.address, x.verified]), [[0x10000, true]]);
  });
});
