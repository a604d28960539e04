import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSifliChip } from '../../src/families/sifli/chips.js';
import { locateStub } from '../../src/families/sifli/stub-locate.js';
import { sifliFamily } from '../../src/families/sifli/index.js';
import { isAnyflashError } from '../../src/core/errors.js';
import { simBench } from './helpers.js';

const chip52 = findSifliChip('SF32LB52')!;

function sandbox(): { root: string; done(): void } {
  const root = mkdtempSync(join(tmpdir(), 'anyflash-sifli-'));
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

function put(path: string, bytes: number[]): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Uint8Array.from(bytes));
}

test('--stub FILE wins over everything', () => {
  const s = sandbox();
  try {
    put(join(s.root, 'mine.bin'), [1, 2, 3]);
    put(join(s.root, 'sdk', 'tools', 'uart_download', 'file', 'ram_patch_52X.bin'), [9]);
    const got = locateStub(chip52, 'nor', { path: join(s.root, 'mine.bin'), env: { SIFLI_SDK_PATH: join(s.root, 'sdk') }, home: s.root });
    assert.deepEqual([...got.stub], [1, 2, 3]);
    assert.match(got.source, /--stub/);
  } finally {
    s.done();
  }
});

test('a SiFli SDK install provides the stub for the memory type', () => {
  const s = sandbox();
  try {
    put(join(s.root, 'sdk', 'tools', 'uart_download', 'file', 'ram_patch_52X_NAND.bin'), [7, 7]);
    const got = locateStub(chip52, 'nand', { env: { SIFLI_SDK_PATH: join(s.root, 'sdk') }, home: s.root });
    assert.deepEqual([...got.stub], [7, 7]);
  } finally {
    s.done();
  }
});

test('sftool-lib in the Cargo registry: the newest version is used', () => {
  const s = sandbox();
  try {
    const src = join(s.root, '.cargo', 'registry', 'src', 'index.crates.io-1949cf8c6b5b557f');
    put(join(src, 'sftool-lib-0.2.9', 'stub', 'ram_patch_52X.bin'), [2, 9]);
    put(join(src, 'sftool-lib-0.2.10', 'stub', 'ram_patch_52X.bin'), [2, 10]);
    const got = locateStub(chip52, 'nor', { env: {}, home: s.root });
    assert.deepEqual([...got.stub], [2, 10]);
    assert.match(got.source, /Cargo registry/);
  } finally {
    s.done();
  }
});

test('ANYFLASH_SIFLI_STUB may name a directory; the 58 key file is picked up beside its stub', () => {
  const s = sandbox();
  try {
    put(join(s.root, 'stubs', 'ram_patch_58X.bin'), [5, 8]);
    put(join(s.root, 'stubs', '58X_sig_pub.der'), [0x30]);
    const got = locateStub(findSifliChip('sf32lb58')!, 'nor', { env: { ANYFLASH_SIFLI_STUB: join(s.root, 'stubs') }, home: s.root });
    assert.deepEqual([...got.stub], [5, 8]);
    assert.deepEqual([...got.sigPub!], [0x30]);
  } finally {
    s.done();
  }
});

test('nothing found: stub-missing names the file, where it was looked for and where to get it', () => {
  const s = sandbox();
  try {
    assert.throws(
      () => locateStub(chip52, 'nor', { env: { SIFLI_SDK_PATH: join(s.root, 'nosdk') }, home: s.root }),
      (e) => {
        assert.ok(isAnyflashError(e, 'stub-missing'));
        assert.match(e.message, /ram_patch_52X\.bin/);
        assert.ok(e.evidence.some((l) => l.includes('nosdk')));
        assert.ok(e.advice.some((a) => a.includes('--stub')) && e.advice.some((a) => a.includes('sftool')));
        return true;
      },
    );
  } finally {
    s.done();
  }
});

test('with a named chip, connect fails with stub-missing before touching the board', async () => {
  const s = sandbox();
  const saved = { ...process.env };
  const bench = await simBench();
  try {
    process.env.HOME = s.root;
    process.env.CARGO_HOME = join(s.root, '.cargo');
    delete process.env.SIFLI_SDK_PATH;
    delete process.env.SIFLI_SDK;
    delete process.env.ANYFLASH_SIFLI_STUB;
    await assert.rejects(sifliFamily.connect({ transport: bench.transport, chip: 'sf32lb52', events: () => {} }), (e) => isAnyflashError(e, 'stub-missing'));
    assert.equal(bench.link.counters.toDevice, 0);
    // While detecting, the line's story comes first: a chip that answers, then the missing stub.
    await assert.rejects(
      sifliFamily.connect({ transport: bench.transport, before: 'no-reset', connectAttempts: 1, events: () => {} }),
      (e) => isAnyflashError(e, 'stub-missing'),
    );
    assert.ok(bench.link.counters.toDevice > 0);
  } finally {
    process.env = saved;
    await bench.close();
    s.done();
  }
});
