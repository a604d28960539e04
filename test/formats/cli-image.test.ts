import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fx = (p: string): string => join(root, 'test/fixtures', p);
const tmp = mkdtempSync(join(tmpdir(), 'anyflash-image-'));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('anyflash image elf2image writes the esptool-identical image', () => {
  const out = join(tmp, 'app.bin');
  const r = cli('image', 'elf2image', '--chip', 'esp32s3', '--flash-mode', 'dout', '--flash-freq', '40m', '--flash-size', '8MB', '-o', out, fx('elf/esp32s3-app.elf'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(out), readFileSync(fx('esp/esp32s3-app.bin')));
});

test('anyflash image info --json describes an app image', () => {
  const r = cli('image', 'info', '--json', fx('esp/esp32c6-app.bin'));
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { kind: string; esp: { chip: string; appDescriptor: { projectName: string; mmuPageSize: number }; hash: { valid: boolean } } };
  assert.equal(doc.kind, 'esp-image');
  assert.equal(doc.esp.chip, 'esp32c6');
  assert.equal(doc.esp.appDescriptor.projectName, 'anyflash-esp32c6');
  assert.equal(doc.esp.appDescriptor.mmuPageSize, 32768);
  assert.equal(doc.esp.hash.valid, true);
});

test('anyflash image merge --format hex writes what esptool merge-bin writes', () => {
  const out = join(tmp, 'm.hex');
  const r = cli('image', 'merge', '--chip', 'esp32', '--format', 'hex', '--flash-mode', 'qio', '--flash-freq', '80m', '--flash-size', '8MB',
    '-o', out, '0x1000', fx('esp/esp32-bootloader.bin'), `${fx('esp/esp8266-app-0x10000.bin')}@0x8000`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), readFileSync(fx('esp/merged-esp32.hex'), 'utf8'));
});

test('bad inputs exit with code 2 and one clear line', () => {
  const notElf = cli('image', 'elf2image', '--chip', 'esp32', '-o', join(tmp, 'x.bin'), fx('esp/esp32-app.bin'));
  assert.equal(notElf.code, 2);
  assert.match(notElf.stderr, /error \[bad-input\]: .*esp32-app\.bin is not a usable ELF file: no ELF magic/);
  const csv = join(tmp, 'bad.csv');
  writeFileSync(csv, '# name,type,subtype,offset,size\nnvs,data,nvs,0x9000,0x6000\nfactory,app,factory,0x18000,1M\n');
  const pt = cli('partitions', csv);
  assert.equal(pt.code, 2);
  assert.match(pt.stderr, /bad\.csv line 3: partition factory offset 0x18000 is not aligned to 0x10000/);
  assert.equal(cli('image', 'info', join(tmp, 'missing.bin')).code, 2);
});

test('anyflash partitions converts CSV to the gen_esp32part binary and prints the table', () => {
  const out = join(tmp, 'pt.bin');
  const r = cli('partitions', fx('partitions/single-app.csv'), '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(out), readFileSync(fx('partitions/single-app.bin')));
  assert.match(r.stdout, /factory\s+app\s+factory\s+0x10000\s+0x100000\s+1 MB/);
});
