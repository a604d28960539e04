/**
 * Listens to a port at the bauds chips and firmwares usually talk at and reports where readable
 * text appeared: a boot log at 74880 (ESP8266 ROM), a firmware console at 115200 or 1 Mbaud
 * (SiFli). Transport-only, so it runs in Node and the browser.
 */
import { sleep, deadlineIn, throwIfAborted } from '../core/time.js';
import { concatBytes, textDecoder } from '../core/bytes.js';
import type { Transport } from '../transport/types.js';

export const USUAL_BAUDS: readonly number[] = [115200, 74880, 1000000, 921600];

export interface ListenResult {
  baud: number;
  /** Bytes received at this baud. */
  bytes: number;
  /** What arrived, decoded as latin1 (control bytes kept). */
  text: string;
  /** Fraction of printable ASCII (plus CR/LF/TAB) in what arrived. */
  printableRatio: number;
  /** Enough bytes, mostly printable: a UART talking at this baud. */
  readable: boolean;
}

export interface ListenOptions {
  bauds?: readonly number[];
  /** How long to listen at each baud after the reset pulse. */
  msPerBaud?: number;
  /** Pulse RTS (chip enable on most boards) before listening, so boot text is printed again. */
  reset?: boolean;
  signal?: AbortSignal;
  /** Stop reading a baud early once this many bytes arrived. */
  maxBytes?: number;
}

const MIN_READABLE_BYTES = 8;
const MIN_PRINTABLE_RATIO = 0.9;

/** Share of bytes that are printable ASCII or line control: text is ~1, a wrong baud far less. */
export function printableRatio(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let ok = 0;
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) ok++;
  return ok / bytes.length;
}

export function isReadable(bytes: Uint8Array): boolean {
  return bytes.length >= MIN_READABLE_BYTES && printableRatio(bytes) >= MIN_PRINTABLE_RATIO;
}

/** One baud: what arrived in `ms`, decoded. */
export function describeCapture(baud: number, bytes: Uint8Array): ListenResult {
  return { baud, bytes: bytes.length, text: textDecoder.decode(bytes), printableRatio: printableRatio(bytes), readable: isReadable(bytes) };
}

/**
 * Listens at each baud in turn (the current one only, when the transport cannot change baud) and
 * restores the original baud afterwards. Lines are left released (chip running).
 */
export async function listen(transport: Transport, options: ListenOptions = {}): Promise<ListenResult[]> {
  const bauds = transport.canSetBaud ? options.bauds ?? USUAL_BAUDS : [transport.baud];
  const ms = options.msPerBaud ?? 400;
  const maxBytes = options.maxBytes ?? 4096;
  const original = transport.baud;
  const results: ListenResult[] = [];
  try {
    for (const baud of bauds) {
      throwIfAborted(options.signal);
      if (transport.canSetBaud && transport.baud !== baud) await transport.setBaud(baud);
      await transport.flushInput();
      if (options.reset !== false && transport.canSignal) await pulseReset(transport, options.signal);
      const parts: Uint8Array[] = [];
      let total = 0;
      const deadline = deadlineIn(ms);
      while (total < maxBytes) {
        const chunk = await transport.read({ deadline, signal: options.signal });
        if (chunk.length === 0) break;
        parts.push(chunk);
        total += chunk.length;
      }
      results.push(describeCapture(baud, concatBytes(parts)));
    }
  } finally {
    if (transport.canSetBaud && transport.baud !== original) await transport.setBaud(original).catch(() => {});
  }
  return results;
}

/** EN/CEN low through RTS with DTR (BOOT) released: the chip restarts into its normal boot. */
async function pulseReset(transport: Transport, signal?: AbortSignal): Promise<void> {
  await transport.setSignals({ dtr: false, rts: true });
  await sleep(100, signal);
  await transport.setSignals({ dtr: false, rts: false });
}
