import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { isAnyflashError } from '../../src/core/errors.js';
import type { DeviceRecord } from '../../src/engine/record.js';
import { SimHub } from '../../src/cli/line/hub.js';
import { connectDevice } from '../../src/families/index.js';
import { sharedSimTransport } from '../../src/sim/port.js';
import { runCli } from './harness.js';

const IMAGE_AT = 0x20000;

/** Journal files left under an ANYFLASH_HOME, as `device/job.json`. */
function journals(home: string): string[] {
  const dir = join(home, 'journal');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((f) => `${d}/${f}`));
}

test('a test drives the simulated hub: a board pulled out comes back in the next unused slot with its flash, and its old port is gone', async () => {
  const hub = new SimHub('sim-hub:esp32,bk7231n?every=0');
  const [esp, bk] = await hub.present();
  assert.deepEqual([esp, bk], ['sim:esp32?slot=1', 'sim:bk7231n?slot=2']);
  sharedSimTransport(bk!).link.device.flash.data.set([1, 2, 3], 0x20000);
  hub.replug(bk!, 0);
  assert.equal(hub.exhausted(), false, 'a board on its way back is still to come');
  assert.deepEqual(await hub.present(), [esp, 'sim:bk7231n?slot=3']);
  assert.deepEqual([...sharedSimTransport('sim:bk7231n?slot=3').link.device.flash.data.subarray(0x20000, 0x20003)], [1, 2, 3]);
  assert.throws(() => sharedSimTransport(bk!), (e: unknown) => isAnyflashError(e) && e.code === 'port-not-found');
  assert.equal(hub.exhausted(), true);
  assert.throws(() => new SimHub('sim-hub:esp32;replug=50%'), /replug=50% is not AT:DURATION/);
  assert.throws(() => new SimHub('sim-hub:esp32,esp99'), /No simulator for "esp99"/);
});

/** The MAC the family reads from the hub's board at `port`. */
async function hubMac(port: string): Promise<string | undefined> {
  const transport = sharedSimTransport(port);
  await transport.open();
  try {
    const device = await connectDevice({ transport, wait: false, noStub: true, events: () => {} });
    return (await device.info()).mac;
  } finally {
    await transport.close();
  }
}

test('boards of one chip on a simulated hub have distinct MACs under the vendor OUI (a board\'s mac= wins), and a replugged board keeps its own', async () => {
  const hub = new SimHub('sim-hub:esp32,esp32,esp32;mac=24:0a:c4:12:34:57,bk7231n,bk7231n?every=0');
  const ports = await hub.present();
  const macs = [];
  for (const port of ports) macs.push(await hubMac(port));
  assert.deepEqual(macs, ['24:0a:c4:12:34:56', '24:0a:c4:12:34:58', '24:0a:c4:12:34:57', 'c8:47:8c:12:34:56', 'c8:47:8c:12:34:57']);
  hub.replug(ports[1]!, 0);
  hub.replug(ports[4]!, 0);
  const back = (await hub.present()).filter((p) => !ports.includes(p));
  assert.deepEqual(back, ['sim:esp32?slot=6', 'sim:bk7231n?slot=7']);
  assert.deepEqual([await hubMac(back[0]!), await hubMac(back[1]!)], ['24:0a:c4:12:34:58', 'c8:47:8c:12:34:57']);
  assert.throws(() => new SimHub('sim-hub:sf32lb52;mac=02:00:00:00:00:01'), /reads no MAC/);
});

test('a board unplugged mid-write and plugged into another slot resumes by its identity: ESP32 and BK7231N end with the image, recorded once as resumed, and send only the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-replug-'));
  const home = join(dir, 'home');
  const image = pseudoRandomBytes(0x40000, 20);
  writeFileSync(join(dir, 'app.bin'), image);
  // Pulled out once programming passes 0x54000 (13/16 of the image), back 300 ms later in a new slot.
  const board = (chip: string): string => `${chip};flash-file=${join(dir, `${chip}.flash`)};replug=0x54000:300ms`;
  // --count 2: the third board, plugged in while the first two run or are out, is not flashed.
  const hub = `sim-hub:${board('esp32')},${board('bk7231n')},esp32c3;flash-file=${join(dir, 'esp32c3.flash')}?every=200`;
  const r = await runCli(['station', '--json-events', '--count', '2', '--hub', hub, '--record', join(dir, 'st'), `0x${IMAGE_AT.toString(16)}`, join(dir, 'app.bin')], {
    timeoutMs: 60_000,
    env: { ANYFLASH_HOME: home },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const result = lines.at(-1) as { passed: number; failed: number };
  assert.deepEqual([result.passed, result.failed], [2, 0], 'each board counted once');

  const recorded = readFileSync(join(dir, 'st.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeviceRecord);
  assert.deepEqual(recorded.map((x) => x.chip).sort(), ['bk7231n', 'esp32']);
  for (const rec of recorded) {
    const chip = rec.chip!;
    assert.equal(rec.result, 'pass', chip);
    assert.equal(rec.resumed, true, `${chip} record says it resumed`);
    // Slots 1-3 hold the hub's boards; the two that come back go into 4 and 5.
    assert.match(rec.port, /slot=[45]$/, `${chip} finished in a slot of its own, not the one it was pulled from`);
    const flash = readFileSync(join(dir, `${chip}.flash`));
    assert.ok(flash.subarray(IMAGE_AT, IMAGE_AT + image.length).equals(image), `${chip} flash holds the image`);

    const events = lines.filter((e) => e.device === `sim:${chip}`);
    assert.ok(
      events.some((e) => e.code === 'port-vanished' && /was unplugged; the device is back on/.test(String(e.message))),
      `${chip}: the job on the old port is told its device moved`,
    );
    assert.ok(events.some((e) => e.code === 'job-resumed' && /\d+ % written/.test(String(e.message))), `${chip}: the journal told how far the first plug got`);
    // Only the second plug finishes a write; what it sent is the part the first plug did not.
    const written = events.filter((e) => e.type === 'finish' && e.op === 'write').map((e) => e.bytes as number);
    assert.equal(written.length, 1, `${chip}: one finished write`);
    assert.ok(written[0]! > 0 && written[0]! <= image.length / 4, `${chip}: ${written[0]} B sent after the replug, of ${image.length}`);
  }
  assert.deepEqual(journals(home), [], 'finished jobs leave no journal');
  const third = readFileSync(join(dir, 'esp32c3.flash'));
  assert.ok(!third.subarray(IMAGE_AT, IMAGE_AT + image.length).equals(image), 'the board past --count is left alone');
});

test('two ESP32 boards on one hub are two devices: the one pulled out mid-write is told as moved in one line, resumes once, and the CSV says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-replug-two-'));
  const home = join(dir, 'home');
  writeFileSync(join(dir, 'app.bin'), pseudoRandomBytes(0x20000, 22));
  const hub = 'sim-hub:esp32;replug=75%:300ms,esp32?every=100';
  const r = await runCli(['station', '--hub', hub, '--record', join(dir, 'st'), `0x${IMAGE_AT.toString(16)}`, join(dir, 'app.bin')], {
    timeoutMs: 60_000,
    env: { ANYFLASH_HOME: home },
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /2 of 2 devices passed/);
  // The old port's job says where the board went on, in one line: no error, no "run the same command again".
  assert.equal(r.stderr.match(/Moved: the board is back on sim:esp32\?slot=3 and resumes there\./g)?.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /Run the same command again|error \[port-vanished\]|FAIL/);
  assert.match(r.stderr, /PASS {2}sim:esp32\?slot=3 .*\(resumed after a replug\)/);

  const recorded = readFileSync(join(dir, 'st.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeviceRecord);
  assert.deepEqual(recorded.map((x) => [x.port, x.mac, x.resumed]).sort(), [
    ['sim:esp32?slot=2', '24:0a:c4:12:34:57', undefined],
    ['sim:esp32?slot=3', '24:0a:c4:12:34:56', true],
  ]);
  const csv = readFileSync(join(dir, 'st.csv'), 'utf8').trim().split('\n');
  assert.match(csv[0]!, /,resumed$/);
  assert.deepEqual(csv.slice(1).map((l) => [l.split(',')[2], l.split(',').at(-1)]).sort(), [
    ['sim:esp32?slot=2', ''],
    ['sim:esp32?slot=3', 'true'],
  ]);
  assert.deepEqual(journals(home), [], 'finished jobs leave no journal');
});

test('Ctrl-C during a station run reports every board, exits non-zero and leaves the journal of the board being written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-station-int-'));
  const home = join(dir, 'home');
  writeFileSync(join(dir, 'app.bin'), pseudoRandomBytes(0x10000, 21));
  // The BK7231N finishes at once; the ESP32 runs at the wire's real speed, so Ctrl-C finds it writing.
  const child = spawn(process.execPath, [resolve('dist/cli/main.js'), 'station', '--hub', 'sim-hub:bk7231n,esp32;realtime=1?every=100', '0x20000', join(dir, 'app.bin')], {
    env: { PATH: process.env.PATH, ANYFLASH_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!interrupted && /PASS {2}sim:bk7231n/.test(stderr) && /\[sim:esp32\] Flasher stub uploaded/.test(stderr)) {
      interrupted = true;
      setTimeout(() => child.kill('SIGINT'), 300);
    }
  });
  const code = await new Promise<number | null>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      done(c);
    });
  });
  assert.ok(interrupted, stderr);
  assert.notEqual(code, 0, stderr);
  assert.match(stderr, /PASS {2}sim:bk7231n\?slot=1/);
  assert.match(stderr, /\[sim:esp32\] Stopped \(aborted\): stopped after 0 of 1 region/);
  assert.match(stderr, /FAIL {2}sim:esp32\?realtime=1&slot=2 .* aborted: Stopped by Ctrl-C/);
  assert.match(stdout, /1 of 2 devices passed/);
  const left = journals(home);
  assert.equal(left.length, 1, left.join());
  assert.match(left[0]!, /^esp32-240ac4123456\//);
  const journal = JSON.parse(readFileSync(join(home, 'journal', left[0]!), 'utf8')) as { verified: number[]; port: string };
  assert.deepEqual(journal.verified, []);
  assert.equal(journal.port, 'sim:esp32?realtime=1&slot=2');
});
