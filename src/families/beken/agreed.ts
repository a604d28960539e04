/**
 * Reads that must be right although no checksum protects a Beken reply: what identifies the chip,
 * its loader, flash and eFuse key.
 */
import { AnyflashError, isAnyflashError, isLineGlitch } from '../../core/errors.js';
import { bytesEqual, hex32 } from '../../core/bytes.js';
import type { BekenLink } from './link.js';

/** Answers read before two agree, and lost or damaged exchanges retried, per detection read. */
export const DETECT_TRIES = 6;

/**
 * Reads a detection value until two answers agree. Beken replies carry no checksum, so on a noisy
 * line one flipped bit would pass for the chip's answer and name the wrong chip, loader or flash
 * size; a request damaged on the way gets no reply at all: the link is regained and it is sent again.
 */
export async function readAgreed<T extends number | Uint8Array>(what: string, read: () => Promise<T>, link: BekenLink): Promise<T> {
  const seen: T[] = [];
  const same = (a: T, b: T): boolean => (typeof a === 'number' ? a === b : bytesEqual(a as Uint8Array, b as Uint8Array));
  for (let i = 0; i < DETECT_TRIES; i++) {
    const value = await tryRead(read, link);
    if (value === undefined) continue;
    if (seen.some((v) => same(v, value))) return value;
    seen.push(value);
  }
  throw new AnyflashError('garbled-reply', `Reading ${what}, the chip gave no two equal answers in ${DETECT_TRIES} tries: the line loses or garbles the replies.`, {
    family: 'beken',
    evidence: seen.map((v) => (typeof v === 'number' ? hex32(v) : `${(v as Uint8Array).length} bytes`)),
    advice: ['Lower the baud rate, shorten the wires and give the chip a solid 3.3 V supply with a common ground.'],
  });
}

/** One read; a lost or damaged exchange regains the link and gives undefined. */
export async function tryRead<T>(read: () => Promise<T>, link: BekenLink): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (!isLineGlitch(e)) throw e;
    await link.recover();
    return undefined;
  }
}

/** `run` until it gets through, re-linking after each lost or damaged exchange; the last failure after DETECT_TRIES. */
export async function retried(what: string, run: () => Promise<void>, link: BekenLink): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (e) {
      if (!isLineGlitch(e) || i >= DETECT_TRIES) {
        throw isAnyflashError(e) ? new AnyflashError(e.code, `${what}: ${e.message}`, { family: 'beken', evidence: e.evidence, advice: e.advice, cause: e }) : e;
      }
      await link.recover();
    }
  }
}
