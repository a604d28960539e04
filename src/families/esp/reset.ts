import { AnyflashError } from '../../core/errors.js';
import { sleep } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';

/**
 * DTR/RTS reset recipes as data. A step sets one line, both lines at once, or waits. The text form
 * is esptool's custom sequence syntax: `D0|R1|W0.1|D1|R0|W0.05|D0`, `U0,1` sets DTR,RTS together,
 * `W` waits in seconds.
 */
export type ResetStep =
  | { kind: 'dtr'; value: boolean }
  | { kind: 'rts'; value: boolean }
  | { kind: 'both'; dtr: boolean; rts: boolean }
  | { kind: 'wait'; ms: number };

export interface ResetStrategy {
  name: string;
  steps: ResetStep[];
  /**
   * Send line changes that have no wait between them in one `setSignals` call. On for the DevKit
   * circuits (Classic's transient (1,1) between `D1` and `R0` releases EN while IO0 is still high,
   * which only an EN capacitor on the board hides); off where a transient is part of the recipe
   * (USB-Serial/JTAG latches the boot pin in the (1,1) state) and for custom sequences.
   */
  coalesce?: boolean;
}

function bit(text: string, token: string): boolean {
  if (text === '0') return false;
  if (text === '1') return true;
  throw badSequence(token);
}

function badSequence(token: string): AnyflashError {
  return new AnyflashError('bad-input', `Invalid reset sequence step "${token}".`, {
    advice: ['Use steps like D0, D1, R0, R1, U0,1 (DTR,RTS) and W0.1 (wait seconds), separated by "|".'],
  });
}

export function parseResetSequence(text: string): ResetStep[] {
  const tokens = text.split('|').map((t) => t.trim()).filter((t) => t.length > 0);
  if (tokens.length === 0) throw badSequence(text);
  return tokens.map((token): ResetStep => {
    const kind = token[0]!.toUpperCase();
    const arg = token.slice(1);
    switch (kind) {
      case 'D':
        return { kind: 'dtr', value: bit(arg, token) };
      case 'R':
        return { kind: 'rts', value: bit(arg, token) };
      case 'U': {
        const parts = arg.split(',');
        if (parts.length !== 2) throw badSequence(token);
        return { kind: 'both', dtr: bit(parts[0]!.trim(), token), rts: bit(parts[1]!.trim(), token) };
      }
      case 'W': {
        const seconds = Number(arg);
        if (arg === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 10) throw badSequence(token);
        return { kind: 'wait', ms: Math.round(seconds * 1000) };
      }
      default:
        throw badSequence(token);
    }
  });
}

export function formatResetSequence(steps: readonly ResetStep[]): string {
  return steps
    .map((s) => {
      switch (s.kind) {
        case 'dtr':
          return `D${+s.value}`;
        case 'rts':
          return `R${+s.value}`;
        case 'both':
          return `U${+s.dtr},${+s.rts}`;
        case 'wait':
          return `W${s.ms / 1000}`;
      }
    })
    .join('|');
}

const seconds = (ms: number): string => String(ms / 1000);

/** DTR drives IO0 (BOOT), RTS drives EN through the DevKit's cross-coupled transistors. */
export function classicReset(delayMs = 50): ResetStrategy {
  return {
    name: `classic(${delayMs}ms)`,
    steps: parseResetSequence(`D0|R1|W0.1|D1|R0|W${seconds(delayMs)}|D0`),
    coalesce: true,
  };
}

/** Same as Classic but changes both lines atomically, avoiding a glitch through (0,0). */
export function unixTightReset(delayMs = 50): ResetStrategy {
  return {
    name: `unix-tight(${delayMs}ms)`,
    steps: parseResetSequence(`U0,0|U1,1|U0,1|W0.1|U1,0|W${seconds(delayMs)}|U0,0|D0`),
    coalesce: true,
  };
}

/** USB-Serial/JTAG peripheral: virtual RTS = reset, DTR = boot pin; passes through (1,1). */
export function usbJtagSerialReset(): ResetStrategy {
  return { name: 'usb-jtag-serial', steps: parseResetSequence('R0|D0|W0.1|D1|R0|W0.1|R1|D0|R1|W0.1|D0|R0') };
}

export function hardReset(usb = false): ResetStrategy {
  return { name: 'hard-reset', steps: parseResetSequence(usb ? 'R1|W0.2|R0|W0.2' : 'R1|W0.1|R0'), coalesce: true };
}

export function customReset(text: string): ResetStrategy {
  return { name: `custom(${text})`, steps: parseResetSequence(text) };
}

export const ESPRESSIF_VID = 0x303a;
export const USB_JTAG_SERIAL_PID = 0x1001;

export function isUsbJtagSerial(transport: Transport): boolean {
  return transport.facts.vid === ESPRESSIF_VID && transport.facts.pid === USB_JTAG_SERIAL_PID;
}

/** Native USB-OTG CDC: Espressif's VID with the chip's own id as PID (e.g. 0x0002 for the S2). */
export function isUsbOtg(transport: Transport, chipId: number | undefined): boolean {
  return transport.facts.vid === ESPRESSIF_VID && chipId !== undefined && transport.facts.pid === chipId;
}

/** The strategies the connect loop cycles through for this port (esptool's order). */
export function defaultStrategies(transport: Transport): ResetStrategy[] {
  if (isUsbJtagSerial(transport)) return [usbJtagSerialReset()];
  if (transport.kind === 'rfc2217') return [classicReset(50), classicReset(550)];
  return [unixTightReset(50), unixTightReset(550), classicReset(50), classicReset(550)];
}

/**
 * Plays a strategy. A lone RTS change carries the current DTR too, because some drivers (Windows
 * usbser.sys) only apply RTS when DTR is written; with `coalesce`, adjacent changes go out as one call.
 */
export async function runReset(transport: Transport, strategy: ResetStrategy, signal?: AbortSignal): Promise<void> {
  let dtr: boolean | undefined;
  let rts: boolean | undefined;
  let pending = false;
  const flush = async (): Promise<void> => {
    if (!pending) return;
    pending = false;
    await transport.setSignals({ ...(dtr === undefined ? {} : { dtr }), ...(rts === undefined ? {} : { rts }) });
  };
  for (const step of strategy.steps) {
    switch (step.kind) {
      case 'dtr':
        dtr = step.value;
        break;
      case 'rts':
        rts = step.value;
        break;
      case 'both':
        dtr = step.dtr;
        rts = step.rts;
        break;
      case 'wait':
        await flush();
        await sleep(step.ms, signal);
        continue;
    }
    pending = true;
    if (!strategy.coalesce) await flush();
  }
  await flush();
}
