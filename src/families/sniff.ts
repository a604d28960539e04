/**
 * Detection's first look: each family's hello (ESP SYNC and Beken LinkCheck at 115200, the SF32
 * Enter knocks at 1 Mbaud) sent once without a reset, so a chip that already listens (in download
 * mode, or in a boot window) names its family within a few round trips. The answer only decides
 * which family's handshake runs first; that handshake still decides what the chip is.
 */
import { concatBytes, containsBytes } from '../core/bytes.js';
import { deadlineIn, throwIfAborted } from '../core/time.js';
import { yieldToEventLoop } from '../core/yield.js';
import type { Transport } from '../transport/types.js';
import { LINK_CHECK_PROBE } from './beken/detect.js';
import { SYNC_PROBE } from './esp/detect.js';
import { SIFLI_PROBE, sifliAnswered } from './sifli/identify.js';
import type { FamilyName } from './types.js';

/**
 * A listening ROM answers within a few ms; the 115200 hellos go three times 20 ms apart (a Beken
 * loader starting just after the lines were released may miss one), each SF32 knock gets 40 ms,
 * which covers USB latency (FTDI: 16 ms each way) too.
 */
const HELLO_MS = 20;
const HELLO_TIMES = 3;
const KNOCK_MS = 40;
/** After an answer, the rest of it (an ESP answers SYNC eight times) is read until this much quiet. */
const QUIET_MS = 20;
const SETTLE_MAX_MS = 200;
/** Enough for every answer; a chatty console past this says nothing more. */
const SEEN_MAX = 4096;

interface Knock {
  baud: number;
  bytes: Uint8Array;
  listenMs: number;
  /** Release DTR and RTS before this knock. */
  release?: boolean;
}

/** Each family's test of the bytes seen at its baud: the replies, not the requests, so an echo names none. */
const ANSWERS: ReadonlyArray<{ family: FamilyName; baud: number; answered: (seen: Uint8Array) => boolean }> = [
  { family: 'esp', baud: SYNC_PROBE.baud, answered: (seen) => containsBytes(seen, SYNC_PROBE.reply) },
  { family: 'beken', baud: LINK_CHECK_PROBE.baud, answered: (seen) => containsBytes(seen, LINK_CHECK_PROBE.reply) },
  { family: 'sifli', baud: SIFLI_PROBE.baud, answered: sifliAnswered },
];

/**
 * The family whose chip answered its hello, or undefined. Over raw TCP (no line rate to set) all
 * hellos reach the chip at the server's rate; elsewhere each goes at its family's baud. The port
 * is left at its baud and with nothing unread.
 */
export async function sniff(t: Transport, signal?: AbortSignal): Promise<FamilyName | undefined> {
  const hello: Knock = { baud: SYNC_PROBE.baud, bytes: concatBytes([SYNC_PROBE.request, LINK_CHECK_PROBE.request]), listenMs: HELLO_MS };
  // The first hello goes with the lines as the port opened them (an ESP in download mode answers
  // then); the next ones after releasing them, as every family's handshake does first: opening
  // asserts DTR and RTS, which holds a Beken's CEN low or an SF32's supply off on boards wired so.
  const knocks: Knock[] = [
    ...Array.from({ length: HELLO_TIMES }, (_, i) => ({ ...hello, release: i === 1 })),
    ...SIFLI_PROBE.requests.map((bytes) => ({ baud: SIFLI_PROBE.baud, bytes, listenMs: KNOCK_MS })),
  ];
  const startBaud = t.baud;
  try {
    let seen = new Uint8Array(0);
    for (const knock of knocks) {
      throwIfAborted(signal);
      if (knock.release && t.canSignal) {
        // RTS first: DTR alone released would pull an ESP's EN low through its auto-reset circuit
        // (where a link sets the lines one by one).
        await t.setSignals({ rts: false });
        await t.setSignals({ dtr: false });
      }
      if (t.canSetBaud && t.baud !== knock.baud) {
        await t.setBaud(knock.baud);
        seen = new Uint8Array(0);
      }
      await t.write(knock.bytes);
      const end = deadlineIn(knock.listenMs);
      // One look past the deadline too, after pending I/O had its turn: on a busy machine an
      // answer may have arrived but not been read yet.
      for (let last = false; !last; ) {
        last = performance.now() >= end;
        if (last) await yieldToEventLoop();
        const got = await t.read({ deadline: end, signal });
        if (got.length === 0) continue;
        seen = concatBytes([seen, got]).slice(-SEEN_MAX);
        // Over raw TCP any family's answer may come whatever the knock; elsewhere only the baud's own.
        const found = ANSWERS.find((a) => (!t.canSetBaud || a.baud === knock.baud) && a.answered(seen));
        if (found) {
          await settle(t, signal);
          return found.family;
        }
      }
    }
    return undefined;
  } finally {
    if (t.canSetBaud && t.baud !== startBaud) await t.setBaud(startBaud);
    await t.flushInput();
  }
}

async function settle(t: Transport, signal?: AbortSignal): Promise<void> {
  const end = deadlineIn(SETTLE_MAX_MS);
  while (performance.now() < end) {
    const got = await t.read({ deadline: Math.min(end, deadlineIn(QUIET_MS)), signal });
    if (got.length === 0) return;
  }
}
