import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import type { AnyflashEvent } from '../../src/core/events.js';
import type { Colors } from '../../src/cli/colors.js';
import { renderTable, rowAfter, rowEnded, rowMoved, visibleRows, type RowState } from '../../src/cli/line/table.js';

/** A device's row after `events`, each at its time in ms. */
function rowOf(id: string, events: Array<[number, AnyflashEvent]>): RowState {
  return events.reduce<RowState>((row, [t, e]) => rowAfter(row, e, t), { id, phase: 'connect' });
}

const app = { address: 0x20000, size: 0x19000, name: 'app.bin' };

it('a row follows its device through connect, write and verify to PASS, keeping the write rate', () => {
  const events: Array<[number, AnyflashEvent]> = [
    [0, { type: 'connect-attempt', attempt: 1, strategy: 'classic' }],
    [200, { type: 'connected', family: 'esp', chip: 'esp32', strategy: 'classic', baud: 460800 }],
    [300, { type: 'start', op: 'write', region: app, total: 102400 }],
    [1300, { type: 'progress', op: 'write', region: app, done: 51200, total: 102400 }],
  ];
  const writing = { ...rowOf('ttyUSB0', events), mac: '24:0a:c4:12:34:56' };
  assert.equal(renderTable([writing], 100, 24)[1], 'ttyUSB0  esp32     24:0a:c4:12:34:56  write     50  50.0 KiB/s');

  const verifying = [
    [2300, { type: 'finish', op: 'write', region: app, seconds: 2, bytes: 102400 }],
    [2300, { type: 'start', op: 'verify', region: app, total: 102400 }],
  ].reduce<RowState>((row, [t, e]) => rowAfter(row, e as AnyflashEvent, t as number), writing);
  assert.match(renderTable([verifying], 100, 24)[1]!, /^ttyUSB0 +esp32 +24:0a:c4:12:34:56 +verify +0 *$/);

  const done = rowEnded(rowAfter(verifying, { type: 'finish', op: 'verify', region: app, seconds: 0.1 }, 2400), 'PASS');
  const [header, row] = renderTable([done], 100, 24);
  assert.match(header!, /^DEVICE +CHIP +MAC +PHASE +% +RATE +RESULT$/);
  // The finished row shows the write's rate (100 KiB in 2 s), not the digest-only verify's.
  assert.match(row!, /^ttyUSB0 +esp32 +24:0a:c4:12:34:56 +done +50\.0 KiB\/s +PASS$/);
});

it('a failed device keeps the phase and percent where it stopped, with its error code', () => {
  const row = rowOf('ttyUSB1', [
    [0, { type: 'connected', family: 'beken', chip: 'bk7231n', strategy: 'dtr-rts-reset', baud: 921600 }],
    [10, { type: 'start', op: 'write', region: app, total: 1000 }],
    [1010, { type: 'progress', op: 'write', region: app, done: 420, total: 1000 }],
  ]);
  const failed = rowEnded(row, 'FAIL', 'port-vanished');
  // Events after the end (a late note, a reporter retry) change nothing.
  assert.equal(rowAfter(failed, { type: 'start', op: 'reset', total: 0 }, 2000), failed);
  assert.match(renderTable([failed], 100, 24)[1]!, /^ttyUSB1 +bk7231n +write +42 +0\.4 KiB\/s +FAIL port-vanished$/);
});

it('a board unplugged mid-write and back on another port reads as moved there, not as a failure', () => {
  const row = rowOf('ttyUSB1', [
    [0, { type: 'connected', family: 'esp', chip: 'esp32', strategy: 'classic', baud: 921600 }],
    [10, { type: 'start', op: 'write', region: app, total: 1000 }],
    [1010, { type: 'progress', op: 'write', region: app, done: 420, total: 1000 }],
  ]);
  const moved = rowMoved(row, 'ttyUSB4');
  assert.equal(rowAfter(moved, { type: 'start', op: 'reset', total: 0 }, 2000), moved);
  const line = renderTable([moved], 100, 24)[1]!;
  assert.match(line, /^ttyUSB1 +esp32 +moved +MOVED → ttyUSB4$/);
  assert.doesNotMatch(line, /FAIL/);
  const paint = { green: (t: string) => `<g>${t}</g>`, red: (t: string) => `<r>${t}</r>`, yellow: (t: string) => `<y>${t}</y>` } as unknown as Colors;
  assert.match(renderTable([moved], 100, 24, paint)[1]!, /<y>MOVED → ttyUSB4<\/y>$/);
  // Finished for the table: a running board keeps its room before it.
  assert.deepEqual(visibleRows([moved, { id: 'ttyUSB4', phase: 'write' }], 1).map((r) => r.id), ['ttyUSB4']);
});

it('the table fits a narrow terminal: the port name gives way before the result does', () => {
  const rows = [
    rowEnded({ id: 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge-if00-port0', chip: 'esp32c3', mac: '58:cf:79:01:02:03', phase: 'write', percent: 12 }, 'FAIL', 'firmware-owns-uart'),
    { id: 'ttyUSB3', chip: 'esp32', phase: 'write' as const, percent: 80, rate: 300 * 1024 },
  ];
  const lines = renderTable(rows, 90, 24);
  for (const l of lines) assert.ok(l.length <= 89, `${l.length}: ${l}`);
  assert.match(lines[1]!, /^usb-Silic\S*… .*FAIL firmware-owns-uart$/);
  assert.match(lines[2]!, /^ttyUSB3 +esp32 +write +80 +300 KiB\/s$/);
});

it('a station with more devices than the terminal has lines shows every running one and the newest finished', () => {
  const finished = Array.from({ length: 30 }, (_, i) => rowEnded({ id: `ttyUSB${i}`, chip: 'esp32', phase: 'verify' }, 'PASS'));
  const running: RowState = { id: 'ttyACM0', chip: 'bk7231n', phase: 'write', percent: 5 };
  const lines = renderTable([...finished.slice(0, 10), running, ...finished.slice(10)], 80, 8);
  assert.equal(lines.length, 7, 'header and six rows: the cursor can still reach the top to redraw');
  const ids = lines.slice(1).map((l) => l.split(' ')[0]);
  assert.deepEqual(ids, ['ttyACM0', 'ttyUSB25', 'ttyUSB26', 'ttyUSB27', 'ttyUSB28', 'ttyUSB29']);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

/**
 * Runs the built CLI under a real pseudo-terminal (util-linux `script`), 120 columns by 30 lines,
 * and returns everything the terminal received.
 */
function inTerminal(args: string[], timeoutMs = 20_000): Promise<{ code: number; screen: string }> {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols 120 rows 30; ${[process.execPath, resolve('dist/cli/main.js'), ...args].map(quote).join(' ')}`;
  // Our own settings and colour switches stay out, so the output is the same on every machine.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANYFLASH_') && k !== 'NO_COLOR' && k !== 'FORCE_COLOR'));
  return new Promise((done, fail) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...env, TERM: 'xterm', ANYFLASH_HOME: mkdtempSync(join(tmpdir(), 'anyflash-home-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`timed out in the terminal:\n${screen}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, screen });
    });
  });
}

it('on a terminal, a line of three devices draws one live row each, redrawn in place, ending in PASS', { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-table-'));
  writeFileSync(join(dir, 'app.bin'), pseudoRandomBytes(0x8000, 40));
  const ports = ['sim:esp32', 'sim:bk7231n', 'sim:esp32c3?fault=brownout=0x21000'];
  const { code, screen } = await inTerminal(['write', ...ports.flatMap((p) => ['--port', p]), '0x20000', join(dir, 'app.bin')]);
  assert.equal(code, 0, screen);
  // Each redraw moves the cursor back up over the table's header and three rows.
  assert.ok(screen.split('\x1b[4A').length > 2, `redrawn in place:\n${screen}`);
  const text = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  assert.doesNotMatch(text, /^\[sim:esp32\] write /m, 'no plain progress lines under the table');
  // The brownout's recovery still reaches the user, above the table.
  assert.match(text, /^\[sim:esp32c3\] recovered: /m);
  // The last frame, just before the summary: one row per device, each with its chip, MAC and PASS.
  const frame = text.slice(text.lastIndexOf('DEVICE '), text.indexOf('PASS  sim:esp32  '));
  for (const chip of ['esp32', 'bk7231n', 'esp32c3']) {
    assert.match(frame, new RegExp(`^sim:${chip} +${chip} +[0-9a-f:]{17} +done +[\\d.]+ KiB/s +PASS$`, 'm'), frame);
  }
  assert.match(text, /^3 of 3 devices passed\.$/m);
});

it('on a terminal, a station board pulled out mid-write leaves a MOVED row pointing where it resumed, not a FAIL', { skip: !hasScript && 'needs util-linux script for a pseudo-terminal' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-table-'));
  writeFileSync(join(dir, 'app.bin'), pseudoRandomBytes(0x20000, 41));
  const { code, screen } = await inTerminal(['station', '--hub', 'sim-hub:esp32;replug=75%:300ms,esp32?every=100', '0x20000', join(dir, 'app.bin')]);
  assert.equal(code, 0, screen);
  const text = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const frame = text.slice(text.lastIndexOf('DEVICE '));
  assert.match(frame, /^sim:esp32 +esp32 +24:0a:c4:12:34:56 +moved +MOVED → sim:esp32$/m, frame);
  assert.equal(frame.match(/ +done +[\d.]+ KiB\/s +PASS$/gm)?.length, 2, frame);
  assert.doesNotMatch(text, /FAIL|port-vanished/);
  assert.match(text, /^2 of 2 devices passed\.$/m);
});
