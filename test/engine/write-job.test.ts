import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { isAnyflashError } from '../../src/core/errors.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import { runWriteJob } from '../../src/engine/job.js';
import { planWrite } from '../../src/engine/plan.js';
import { Reconnector } from '../../src/engine/reconnect.js';
import { connectDevice } from '../../src/families/index.js';
import { openSimPort } from '../../src/sim/port.js';
import { TransportWrapper } from '../../src/transport/wrapper.js';
import type { ReadOptions } from '../../src/transport/types.js';
import { regionsFor, type FileEntry } from '../../web/src/files.js';
import { runCli } from '../cli/harness.js';

/** An ESP image header for the chip with this image id (ESP32 0, ESP32-S3 9), padded to `size`. */
function espImage(imageChipId: number, size: number, seed: number): Uint8Array {
  const b = pseudoRandomBytes(size, seed);
  b.set([0xe9, 0x01, 0x02, 0x20], 0);
  b[12] = imageChipId & 0xff;
  b[13] = imageChipId >> 8;
  b[15] = 0; // min revision 0.0
  b[16] = 0;
  b[17] = 0xff; // max revision: any
  b[18] = 0xff;
  b[23] = 0;
  return b;
}

const files = {
  'app.bin': { address: 0x10000, bytes: espImage(0, 0x6000, 1) },
  'boot.bin': { address: 0x1000, bytes: espImage(0, 0x2000, 2) },
  'parts.bin': { address: 0x8000, bytes: pseudoRandomBytes(0xc00, 3) },
};

function scratchFiles(which: Record<string, { bytes: Uint8Array }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-job-'));
  for (const [name, f] of Object.entries(which)) writeFileSync(join(dir, name), f.bytes);
  return dir;
}

/** The web page's path: its file list → the engine's plan → the engine's job on an in-process chip. */
async function webPlan(entries: FileEntry[], url = 'sim:esp32'): Promise<{ order: string[]; critical: string[] }> {
  const port = openSimPort(url);
  await port.transport.open();
  try {
    const device = await connectDevice({ transport: port.transport, chip: 'esp32', wait: false, events: () => {} });
    const { regions } = regionsFor(entries, device.chip, device.family);
    const planned = await planWrite(device, regions);
    const events: AnyflashEvent[] = [];
    await runWriteJob(device, planned, { events: (e) => void events.push(e) });
    const plan = events.find((e) => e.type === 'plan');
    assert.ok(plan?.type === 'plan');
    return { order: plan.regions.map((r) => r.name ?? ''), critical: planned.filter((r) => r.critical).map((r) => r.name) };
  } finally {
    await port.transport.close();
    port.device.dispose();
  }
}

const entries = (which: Record<string, { address: number; bytes: Uint8Array }>): FileEntry[] =>
  Object.entries(which).map(([name, f], i) => ({ id: i, name, bytes: f.bytes, address: f.address }));

test('the web page and the CLI write the same plan: bootloader and partition table last, the app first', async () => {
  const web = await webPlan(entries(files));
  assert.deepEqual(web.critical.sort(), ['boot.bin', 'parts.bin']);
  assert.equal(web.order[0], 'app.bin');

  const dir = scratchFiles(files);
  const cli = await runCli(['write', '--port', 'sim:esp32', '--json-events', '0x10000', join(dir, 'app.bin'), '0x1000', join(dir, 'boot.bin'), '0x8000', join(dir, 'parts.bin')]);
  assert.equal(cli.code, 0, cli.stderr);
  const plan = cli.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AnyflashEvent).find((e) => e.type === 'plan');
  assert.ok(plan?.type === 'plan', cli.stdout);
  assert.deepEqual(plan.regions.map((r) => r.name!.replace(/^.*[\\/]/, '')), web.order);
});

test('the web page refuses another chip\'s image with wrong-chip-image, as the CLI does', async () => {
  const s3 = { 'app.bin': { address: 0x10000, bytes: espImage(9, 0x2000, 4) } };
  await assert.rejects(webPlan(entries(s3)), (e) => isAnyflashError(e, 'wrong-chip-image') && /ESP32-S3/i.test(e.message));

  const dir = scratchFiles(s3);
  const cli = await runCli(['write', '--port', 'sim:esp32', '--json', '0x10000', join(dir, 'app.bin')]);
  assert.notEqual(cli.code, 0);
  assert.equal((JSON.parse(cli.stdout) as { error: { code: string } }).error.code, 'wrong-chip-image');
});

/** Records what happens on the port: boot or firmware text read, closes and opens, in order. */
class Recorder extends TransportWrapper {
  readonly log: string[] = [];
  override async open(): Promise<void> {
    this.log.push('open');
    await super.open();
  }
  override async close(): Promise<void> {
    this.log.push('close');
    await super.close();
  }
  override async read(options: ReadOptions): Promise<Uint8Array> {
    const data = await super.read(options);
    const text = new TextDecoder('latin1').decode(data);
    if (/rst:0x|ets |boot:0x|invalid header|[IWE] \(\d+\) \w+:/.test(text)) this.log.push('boot-text');
    return data;
  }
}

test('after a brownout the reconnect policy hears the boot text on the port still open, then reopens', async () => {
  const port = openSimPort('sim:esp32?fault=brownout=50%25&boot=firmware&seed=3&fault-write-size=196608');
  const recorder = new Recorder(port.transport);
  await recorder.open();
  const image = pseudoRandomBytes(0x30000, 7);
  try {
    const signal = AbortSignal.timeout(60_000);
    const device = await connectDevice({ transport: recorder, chip: 'esp32', wait: false, signal, events: () => {} });
    recorder.log.length = 0;
    const events: AnyflashEvent[] = [];
    const reconnector = new Reconnector(
      recorder,
      device,
      {
        open: async () => {
          await recorder.open();
          return recorder;
        },
        connect: (t, baud) => connectDevice({ transport: t, chip: 'esp32', baud, connectAttempts: 4, wait: false, signal, events: () => {} }),
      },
      { events: (e) => void events.push(e), signal, listenMs: 500 },
    );
    const recovery = {
      reconnect: (context: Parameters<typeof reconnector.reconnect>[0]) => {
        recorder.log.push('reconnect');
        return reconnector.reconnect(context);
      },
    };
    const summary = await runWriteJob(device, [{ name: 'app', address: 0x10000, data: image }], { recovery, signal });
    assert.deepEqual(port.device.flash.data.subarray(0x10000, 0x40000), image);
    assert.equal(summary.recoveries?.reboots, 1, JSON.stringify(summary.recoveries));
    const start = recorder.log.indexOf('reconnect');
    const firstClose = recorder.log.indexOf('close', start);
    assert.ok(start >= 0 && firstClose > start, recorder.log.join(' '));
    assert.equal(recorder.log.slice(start, firstClose).includes('boot-text'), true, `boot text heard before the reopen: ${recorder.log.join(' ')}`);
    assert.equal(recorder.log[firstClose + 1], 'open');
  } finally {
    port.faults?.dispose();
    await port.transport.close().catch(() => {});
    port.device.dispose();
  }
});
