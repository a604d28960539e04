import { Command, Option } from 'commander';
import { AnyflashError, toAnyflashError } from '../core/errors.js';
import type { ConnectOptions, FlashDevice, ResetMode } from '../families/types.js';
import { parseNumber } from '../engine/parse.js';
import { Output } from './output.js';
import type { RecoveryOptions } from '../engine/recovery.js';
import type { Region } from '../engine/regions.js';
import type { MeteredTransport } from '../transport/metered.js';
import type { Transport } from '../transport/types.js';

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
      .addOption(new Option('-p, --port <port>', 'serial port, tcp://host:port, rfc2217://host:port or sim:<chip> (a fresh simulated chip per command; sim:<chip>?flash-file=F keeps its flash in F)').env('ANYFLASH_PORT').argParser(collectPorts))
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

/** A repeated --port is kept whole (a list), never silently reduced to its last value. */
function collectPorts(value: string, previous: unknown): string | string[] {
  if (previous === undefined) return value;
  return [...(Array.isArray(previous) ? previous : [String(previous)]), value];
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
  /** Told the regions a write planned for this device (a production line records their digests). */
  onPlanned?: (regions: readonly Region[]) => void;
  /** Told what per-device data (--device-data) this device got, as soon as it is chosen (the record keeps it even if the write fails). */
  onDeviceData?: (what: string) => void;
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

/**
 * Opens the port, finds the chip, runs `fn`, then resets as --after says and closes the port —
 * also on failure and Ctrl-C. Returns the process exit code.
 */
export async function withDevice(flags: GlobalFlags, fn: (ctx: DeviceContext) => Promise<number | void>, check?: () => void | Promise<void>): Promise<number> {
  return withCtrlC(flags, async (out, signal) => {
    // Input checks run before anything touches the device.
    await check?.();
    // Loaded here, not at the top: --help and commands without a device never pay for the families.
    const [{ familiesFor }, { checkBaud }, { resolvePort }] = await Promise.all([
      import('../families/index.js'),
      import('./baud-check.js'),
      import('./port-choice.js'),
    ]);
    familiesFor(flags.chip);
    checkBaud(flags.baud, flags.chip, out.events);
    if (Array.isArray(flags.port as unknown)) {
      throw new AnyflashError('bad-input', 'This command works on one device: give --port once.', {
        advice: ['anyflash write flashes several at once: --port A --port B, --ports GLOB or --all-ports.'],
      });
    }
    const port = await resolvePort(flags.port, out.events);
    return await onPort(port, flags, out, signal, fn, { wait: flags.wait !== false && Boolean(process.stdin.isTTY) });
  });
}

/**
 * Runs a command's body with one Output and a signal that Ctrl-C aborts; a failure is printed in
 * the house format and becomes the exit code. Shared by the one-device, several-device and station runs.
 */
export async function withCtrlC(flags: GlobalFlags, body: (out: Output, signal: AbortSignal) => Promise<number>): Promise<number> {
  const out = new Output(flags);
  const abort = new AbortController();
  const onSigint = (): void => abort.abort(new AnyflashError('aborted', 'Stopped by Ctrl-C.'));
  process.once('SIGINT', onSigint);
  try {
    return await body(out, abort.signal);
  } catch (e) {
    return out.fail(toAnyflashError(e));
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * One device's session on `port`: opens it, connects, runs `fn` with the engine's reconnect
 * policy, then resets as --after says and closes the port, also on failure. Several run side by
 * side on a production line, each with its own output and signal.
 */
export async function onPort(
  port: string,
  flags: GlobalFlags,
  out: Output,
  signal: AbortSignal,
  fn: (ctx: DeviceContext) => Promise<number | void>,
  options: {
    wait: boolean;
    /** False: a reconnect reopens `port` itself, not the adapter's new path after it re-enumerated (default: follow it). */
    follow?: boolean;
  },
): Promise<number> {
  const baud = !flags.baud ? undefined : parseNumber(flags.baud, '--baud');
  const connectAttempts = flags.connectAttempts === undefined ? undefined : parseNumber(flags.connectAttempts, '--connect-attempts');
  const [{ connectDevice }, { openPort, portExtras }, { Reconnector }] = await Promise.all([
    import('../families/index.js'),
    import('./open-port.js'),
    import('../engine/reconnect.js'),
  ]);
  let transport: MeteredTransport | undefined = await openPort(port, out.events);
  try {
    const extra = familyExtra(flags);
    if (extra.stub === undefined) Object.assign(extra, portExtras(port, transport));
    const connect = (t: Transport, chip: string | undefined, more: Partial<ConnectOptions>): Promise<FlashDevice> =>
      connectDevice({ transport: t, chip, before: flags.before, extra, noStub: flags.stub === false, events: out.events, signal, ...more });
    const device = await connect(transport, flags.chip, { baud, connectAttempts, wait: options.wait });
    const facts = { ...transport.facts };
    const reconnector = new Reconnector(
      transport,
      device,
      {
        open: async () => (transport = await openPort(port, out.events, options.follow === false ? undefined : facts)),
        connect: (t, next, previous) => connect(t, previous.chip, { baud: next, connectAttempts: 4, wait: false }),
      },
      { events: out.events, signal, baud },
    );
    const ctx: DeviceContext = {
      device,
      out,
      signal,
      recovery: {
        reconnect: async (context) => {
          transport = undefined;
          const back = await reconnector.reconnect(context);
          ctx.device = back.device;
          return back;
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
  } finally {
    await transport?.close().catch(() => {});
  }
}
