import { Command, Option } from 'commander';
import { AnyflashError, toAnyflashError } from '../core/errors.js';
import { connectDevice, familiesFor } from '../families/index.js';
import type { FlashDevice, ResetMode } from '../families/types.js';
import { parseNumber } from '../engine/parse.js';
import { resolvePort } from './commands/list.js';
import { openPort, portExtras } from './open-port.js';
import { Output } from './output.js';
import type { RecoveryOptions } from '../engine/recovery.js';
import type { MeteredTransport } from '../transport/metered.js';
import type { PortFacts } from '../transport/types.js';
import { sleep } from '../core/time.js';
import { BAUD_STEPS, heardBootText } from '../engine/reboot-evidence.js';

export interface GlobalFlags {
  port?: string;
  baud?: string;
  chip?: string;
  before?: string;
  after?: string;
  stub?: boolean | string;
  memory?: string;
  bootloader?: boolean;
  keepProtection?: boolean;
  connectAttempts?: string;
  wait?: boolean;
  json?: boolean;
  jsonEvents?: boolean;
  verbose?: boolean;
}

const AFTER: Record<string, ResetMode> = {
  'hard-reset': 'hard',
  'soft-reset': 'soft',
  'no-reset': 'none',
  'no-reset-stub': 'stay',
  'watchdog-reset': 'watchdog',
};

/** Options every device command accepts; names and meanings as in esptool. */
export function deviceCommand(program: Command, name: string, description: string): Command {
  return outputOptions(
    program
      .command(name)
      .description(description)
      .addOption(new Option('-p, --port <port>', 'serial port, tcp://host:port, rfc2217://host:port or sim:<chip>').env('ANYFLASH_PORT'))
      .addOption(new Option('-b, --baud <baud>', 'working baud rate after the handshake').env('ANYFLASH_BAUD'))
      .addOption(new Option('-c, --chip <chip>', 'chip or family (detected when omitted)').env('ANYFLASH_CHIP'))
      .option('--before <strategy>', 'reset before connecting: default-reset, no-reset, no-reset-no-sync, usb-reset, power-cycle, or a sequence like D0|R1|W0.1|D1|R0|W0.05|D0')
      .addOption(new Option('--after <mode>', 'what to do after the command').choices(Object.keys(AFTER)).default('hard-reset'))
      .option('--no-stub', 'ESP: use only the ROM loader (no flasher stub)')
      .option('--stub <file>', "SiFli: the flasher stub (SiFli's RAM program) to load; also ANYFLASH_SIFLI_STUB")
      .addOption(new Option('--memory <type>', 'SiFli: flash memory type').choices(['nor', 'nand', 'sd']))
      .option('--bootloader', 'Beken T/U/Q/7252: allow writing or erasing the bootloader area below 0x11000 (can brick the device)')
      .option('--keep-protection', 'Beken: re-protect the flash status register after writing')
      .option('--connect-attempts <n>', 'reset+sync attempts before giving up (0 = forever)')
      .option('--no-wait', 'fail at once instead of guiding a manual boot entry (scripts, CI)'),
  );
}

export function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout')
    .option('--json-events', 'print progress events as JSON lines on stdout')
    .option('-v, --verbose', 'more detail: evidence, advice, boot logs');
}

export interface DeviceContext {
  device: FlashDevice;
  out: Output;
  signal: AbortSignal;
  /** Reconnects after link losses and reboots (waiting for the port to come back). */
  recovery: RecoveryOptions;
}

/** Family-specific options, passed through to whichever family answers. */
function familyExtra(flags: GlobalFlags): Record<string, unknown> {
  return {
    ...(typeof flags.stub === 'string' ? { stub: flags.stub } : {}),
    ...(flags.memory ? { memory: flags.memory } : {}),
    ...(flags.bootloader ? { bootloader: true } : {}),
    ...(flags.keepProtection ? { keepProtection: true } : {}),
  };
}

/** How long a vanished port may take to come back (USB re-enumeration, a replugged cable). */
const PORT_RETURN_MS = 30_000;

/** Consoles of a rebooted chip: ESP and Beken print at 115200, SiFli firmware at 1 Mbaud. */
const CONSOLE_BAUD: Record<string, number> = { esp: 115200, beken: 115200, sifli: 1000000 };

async function listenForReboot(transport: MeteredTransport, family: string, signal: AbortSignal): Promise<boolean> {
  try {
    const console = CONSOLE_BAUD[family] ?? 115200;
    if (transport.canSetBaud && transport.baud !== console) await transport.setBaud(console);
    return await heardBootText(transport, signal);
  } catch {
    return false;
  }
}

async function waitForPort(url: string, out: Output, signal: AbortSignal, facts: PortFacts): Promise<MeteredTransport> {
  const deadline = performance.now() + PORT_RETURN_MS;
  let told = false;
  for (;;) {
    try {
      return await openPort(url, out.events, facts);
    } catch (e) {
      const err = toAnyflashError(e);
      const transient = ['port-not-found', 'port-vanished', 'port-busy', 'port-error'].includes(err.code);
      if (!transient || performance.now() > deadline) throw err;
      if (!told) out.events({ type: 'note', level: 'warn', message: `${url} is gone — waiting up to ${PORT_RETURN_MS / 1000} s for it to come back…` });
      told = true;
      await sleep(300, signal);
    }
  }
}

/**
 * Opens the port, finds the chip, runs `fn`, then resets as --after says and closes the port —
 * also on failure and Ctrl-C. Returns the process exit code.
 */
export async function withDevice(flags: GlobalFlags, fn: (ctx: DeviceContext) => Promise<number | void>, check?: () => void | Promise<void>): Promise<number> {
  const out = new Output(flags);
  const abort = new AbortController();
  const onSigint = (): void => abort.abort(new AnyflashError('aborted', 'Stopped by Ctrl-C.'));
  process.once('SIGINT', onSigint);
  let transport: MeteredTransport | undefined;
  try {
    // Input checks run before anything touches the device.
    await check?.();
    familiesFor(flags.chip);
    const port = await resolvePort(flags.port, out.events);
    const baud = !flags.baud ? undefined : parseNumber(flags.baud, '--baud');
    const connectAttempts = flags.connectAttempts === undefined ? undefined : parseNumber(flags.connectAttempts, '--connect-attempts');
    transport = await openPort(port, out.events);
    const extra = familyExtra(flags);
    if (extra.stub === undefined) Object.assign(extra, portExtras(port, transport));
    const device = await connectDevice({
      transport,
      chip: flags.chip,
      before: flags.before,
      baud,
      connectAttempts,
      extra,
      noStub: flags.stub === false,
      wait: flags.wait !== false && Boolean(process.stdin.isTTY),
      events: out.events,
      signal: abort.signal,
    });
    const facts = { ...transport.facts };
    const ctx: DeviceContext = {
      device,
      out,
      signal: abort.signal,
      recovery: {
        reconnect: async ({ cause, lowerBaud }) => {
          const current = ctx.device.transport.baud;
          // Listen on the port still open, before reopening toggles DTR/RTS (which itself resets
          // boards whose RTS drives EN or the supply) and so fakes the evidence.
          const rebooted = cause.code !== 'port-vanished' && transport !== undefined && (await listenForReboot(transport, ctx.device.family, abort.signal));
          await transport?.close().catch(() => {});
          transport = undefined;
          const next = lowerBaud ? BAUD_STEPS.find((b) => b < current) : undefined;
          if (next) out.events({ type: 'note', level: 'warn', message: `Repeated link errors: lowering the baud to ${next}.` });
          out.events({ type: 'note', level: 'info', message: `Reconnecting after ${cause.code}…` });
          transport = await waitForPort(port, out, abort.signal, facts);
          ctx.device = await connectDevice({
            transport,
            chip: ctx.device.chip,
            before: flags.before,
            baud: next ?? baud ?? (current > 115200 ? current : undefined),
            connectAttempts: 4,
            extra,
            noStub: flags.stub === false,
            wait: false,
            events: out.events,
            signal: abort.signal,
          });
          return { device: ctx.device, rebooted };
        },
      },
    };
    let code = 0;
    try {
      code = (await fn(ctx)) ?? 0;
    } finally {
      await ctx.device.reset(AFTER[flags.after ?? 'hard-reset'] ?? 'hard').catch(() => {});
      await ctx.device.disconnect().catch(() => {});
    }
    return code;
  } catch (e) {
    return out.fail(toAnyflashError(e));
  } finally {
    process.off('SIGINT', onSigint);
    await transport?.close().catch(() => {});
  }
}
