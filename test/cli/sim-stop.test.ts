import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { sleep } from '../../src/core/time.js';
import { bekenFamily } from '../../src/families/beken/index.js';
import * as cmd from '../../src/families/beken/commands.js';
import { pseudoRandomBytes } from '../../src/core/bytes.js';
import { openTransport } from '../../src/transport/open.js';

const cliMain = resolve('dist/cli/main.js');

/** Starts `anyflash sim` (realtime by default) and resolves with its TCP URL once it says it is ready. */
function startSim(flashFile: string): Promise<{ child: ChildProcess; tcp: string }> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [cliMain, 'sim', 'bk7231n', '--tcp', '127.0.0.1:0', '--flash-file', flashFile, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('simulator not ready within 20 s')), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (!line) return;
      clearTimeout(timer);
      resolveStart({ child, tcp: (JSON.parse(line) as { tcp: string }).tcp });
    });
    child.on('exit', (code) => reject(new Error(`simulator exited early (${code})`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('simulator did not exit within 10 s of the signal')), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res(code);
    });
  });
}

describe('anyflash sim --flash-file on stop', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} with a client connected: a sector still on the wire is in the file`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'anyflash-sim-stop-'));
      const file = join(dir, 'flash.bin');
      const { child, tcp } = await startSim(file);
      const transport = await openTransport(tcp, { baud: 115200 });
      const device = await bekenFamily.connect({ transport, baud: 115200, events: () => {} });
      // Erased through the library first: that also lifts the flash protection the chip starts with.
      await device.eraseFlash(0x100000, 0x1000);
      const sector = pseudoRandomBytes(0x1000, 21);
      // 4108 bytes take ~357 ms on a 115200 line: the signal comes while they are still travelling.
      await transport.write(cmd.flashWrite4K(0x100000, sector).bytes);
      await sleep(100);
      child.kill(signal);
      assert.equal(await exited(child), 0);
      await transport.close().catch(() => {});
      assert.deepEqual(new Uint8Array(readFileSync(file).subarray(0x100000, 0x101000)), sector);
    });
  }
});
