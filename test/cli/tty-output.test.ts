import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Output } from '../../src/cli/output.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import { runCli } from './harness.js';

/** Runs events through an Output that believes stderr is an 80-column terminal; returns what it drew. */
function drawn(events: AnyflashEvent[], tty = true): string {
  let text = '';
  const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
  const saved = { write: stderr.write, isTTY: stderr.isTTY, columns: stderr.columns };
  stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof stderr.write;
  stderr.isTTY = tty;
  stderr.columns = 80;
  try {
    const out = new Output({});
    for (const e of events) out.events(e);
  } finally {
    Object.assign(stderr, saved);
  }
  return text;
}

/** The text of each redraw, without terminal control sequences. */
function frames(text: string): string[] {
  return text
    .replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '\n')
    .split(/[\r\n]+/)
    .filter((l) => l.trim() !== '');
}

it('a verify bar that got no progress events still ends at 100 % with its rate', () => {
  const region = { address: 0x10000, size: 0x1000, name: 'app.bin' };
  const f = frames(drawn([{ type: 'start', op: 'verify', region, total: 0x1000 }, { type: 'finish', op: 'verify', region, seconds: 0.05 }]));
  const last = f.at(-1)!;
  assert.match(last, /100% \| 4096\/4096 B \| 80\.0 KiB\/s/, last);
});

it('a long file name fits the terminal line with an ellipsis instead of being cut off', () => {
  const name = '/home/someone/projects/firmware/build/esp-idf/this-is-a-very-long-application-image-name-for-the-board.bin';
  const region = { address: 0x10000, size: 0x100000, name };
  const f = frames(
    drawn([
      { type: 'start', op: 'write', region, total: 0x100000 },
      { type: 'progress', op: 'write', region, done: 0x80000, total: 0x100000 },
      { type: 'finish', op: 'write', region, seconds: 2 },
    ]),
  );
  for (const line of f) assert.ok(line.length <= 79, `${line.length}: ${line}`);
  assert.match(f.at(-1)!, / this-is-a-very-long-.*…\.bin$/);
});

it('the flasher stub upload ends with a sentence, not a bare "stub done in"', () => {
  const text = drawn([{ type: 'start', op: 'stub', total: 4000 }, { type: 'finish', op: 'stub', seconds: 0.15 }], false);
  assert.match(text, /^Flasher stub uploaded and running \(0\.15 s\)\.$/m);
  assert.doesNotMatch(text, /stub done/);
});

it('info labels its facts for people; --json gives the flash id in hex', async () => {
  const [human, json] = await Promise.all([runCli(['info', '--port', 'sim:esp32']), runCli(['info', '--port', 'sim:esp32', '--json'])]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^Bootloader at: +0x0*1000$/m);
  assert.match(human.stdout, /^Flash ID: +0x1640c8 \(manufacturer c8, device 4016\)$/m);
  assert.doesNotMatch(human.stdout, /bootloaderOffset/);
  const doc = JSON.parse(json.stdout) as { flashId: unknown; flashManufacturer: unknown; flashDevice: unknown };
  assert.equal(doc.flashId, '0x1640c8');
  assert.equal(doc.flashManufacturer, 'c8');
  assert.equal(doc.flashDevice, '4016');
});
