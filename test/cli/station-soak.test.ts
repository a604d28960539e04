import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import type { DeviceRecord } from '../../src/engine/record.js';
import { run, type WriteFlags } from '../../src/cli/commands/write.js';
import { SimHub } from '../../src/cli/line/hub.js';
import { runOne } from '../../src/cli/line/session.js';
import { claiming, runStation } from '../../src/cli/line/station.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What a long station run could pile up per board: heap and simulated flash, handles, abort listeners. */
async function footprint(signal: AbortSignal): Promise<{ bytes: number; handles: number; listeners: number }> {
  // Freed buffers are counted out only after a later collection.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 200));
  }
  const m = process.memoryUsage();
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  return { bytes: m.heapUsed + m.arrayBuffers, handles, listeners: getEventListeners(signal, 'abort').length };
}

test('a station run over 40 boards in quick succession keeps no memory, handles or listeners per board', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-soak-'));
  process.env.ANYFLASH_HOME = join(dir, 'home');
  writeFileSync(join(dir, 'app.bin'), pseudoRandomBytes(0x2000, 22));
  // Each ESP32 board holds 4 MiB of simulated flash, and its firmware runs on a timer once reset.
  const hub = new SimHub(`sim-hub:${Array(40).fill('esp32').join(',')}?every=30&hold=0`);
  const stop = new AbortController();
  const records: DeviceRecord[] = [];
  const before = await footprint(stop.signal);
  await run(['0x10000', join(dir, 'app.bin')], {} as WriteFlags, async (flags, fn, check) => {
    await check?.();
    await runStation(
      hub,
      Infinity,
      stop.signal,
      (port, signal, claim) => runOne(port, port, 'soak', flags, claiming(fn, claim), signal, { observe: () => {}, follow: false }),
      (r) => records.push(r),
    );
    return 0;
  });
  // The boards that finished last are still plugged in: the operator takes them out (hold=0).
  assert.deepEqual(await hub.present(), []);
  const after = await footprint(stop.signal);
  assert.equal(records.length, 40);
  assert.equal(records.filter((r) => r.result === 'pass').length, 40, records.find((r) => r.result !== 'pass')?.error);
  // Forty boards kept would be 160 MiB.
  const grown = after.bytes - before.bytes;
  assert.ok(grown < 16 * 2 ** 20, `memory grew ${(grown / 2 ** 20).toFixed(1)} MiB over 40 boards`);
  assert.equal(after.listeners, 0, 'the station removed its Ctrl-C listener');
  assert.ok(after.handles <= before.handles + 1, `handles ${before.handles} before, ${after.handles} after`);
});
