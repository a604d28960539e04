import type { Command } from 'commander';
import { Option } from 'commander';
import { toAnyflashError } from '../../core/errors.js';
import { resolvePort } from './list.js';
import { deadlineIn, sleep } from '../../core/time.js';
import { parseNumber } from '../../engine/parse.js';
import { outputOptions } from '../common.js';
import { openPort } from '../open-port.js';
import { Output } from '../output.js';

interface MonitorFlags {
  port?: string;
  baud: string;
  mode: 'raw' | 'line';
  reset?: boolean;
  seconds?: string;
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

const CTRL_C = 0x03;
const CTRL_R = 0x12;

/** Resets the chip into its firmware: EN pulsed through RTS with IO0 released (DevKit wiring). */
async function hardReset(transport: Awaited<ReturnType<typeof openPort>>): Promise<void> {
  await transport.setSignals({ dtr: false, rts: true });
  await sleep(100);
  await transport.setSignals({ dtr: false, rts: false });
}

export function register(program: Command): void {
  outputOptions(
    program
      .command('monitor')
      .description('serial console: Ctrl-R resets the chip, Ctrl-C quits')
      .addOption(new Option('-p, --port <port>', 'serial port, tcp://, rfc2217:// or sim:<chip>').env('ANYFLASH_PORT'))
      .addOption(new Option('-b, --baud <baud>', 'console baud rate').default('115200').env('MONITOR_BAUD'))
      .addOption(new Option('--mode <mode>', 'raw: every key goes to the chip; line: send whole lines').choices(['raw', 'line']).default('raw'))
      .option('--no-reset', 'do not reset the chip when the monitor starts')
      .option('--seconds <n>', 'stop after N seconds (for scripts)'),
  ).action(async (flags: MonitorFlags) => {
    const out = new Output(flags);
    let transport: Awaited<ReturnType<typeof openPort>> | undefined;
    const abort = new AbortController();
    try {
      const portUrl = await resolvePort(flags.port, out.events);
      const baud = parseNumber(flags.baud, '--baud');
      const seconds = flags.seconds === undefined ? undefined : parseNumber(flags.seconds, '--seconds');
      transport = await openPort(portUrl, out.events);
      const port = transport;
      await port.setBaud(baud);
      await port.setSignals({ dtr: false, rts: false });
      if (flags.reset !== false) await hardReset(port);
      out.say(`--- monitor on ${portUrl} at ${baud} baud (Ctrl-R reset, Ctrl-C quit) ---`);
      if (seconds !== undefined) setTimeout(() => abort.abort(), seconds * 1000).unref();
      process.once('SIGINT', () => abort.abort());
      const stdin = process.stdin;
      const raw = flags.mode === 'raw' && stdin.isTTY;
      if (raw) stdin.setRawMode(true);
      const onKeys = (chunk: Buffer): void => {
        if (raw && chunk.includes(CTRL_C)) return abort.abort();
        if (raw && chunk.includes(CTRL_R)) {
          void hardReset(port);
          return;
        }
        const text = raw ? chunk : Buffer.from(chunk.toString('utf8').replace(/\r?\n/g, '\r\n'));
        void port.write(new Uint8Array(text));
      };
      stdin.on('data', onKeys);
      if (!stdin.isTTY && seconds === undefined) stdin.on('end', () => abort.abort());
      try {
        while (!abort.signal.aborted) {
          const data = await port.read({ deadline: deadlineIn(200), signal: abort.signal }).catch((e) => {
            if (abort.signal.aborted) return new Uint8Array(0);
            throw e;
          });
          if (data.length) process.stdout.write(data);
        }
      } finally {
        stdin.off('data', onKeys);
        if (raw) stdin.setRawMode(false);
        stdin.pause();
      }
      process.exitCode = 0;
    } catch (e) {
      process.exitCode = out.fail(toAnyflashError(e));
    } finally {
      await transport?.close().catch(() => {});
    }
  });
}
