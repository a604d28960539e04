import { AnyflashError, isLineGlitch } from '../../core/errors.js';
import { bytesEqual, packU32le, printable } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { deadlineIn, throwIfAborted } from '../../core/time.js';
import type { EspChip } from './chips.js';
import { isChecksumReject, type EspLoader } from './loader.js';
import { DEFAULT_TIMEOUT_MS, Op, RAM_BLOCK, decodeStatus, parseResponse } from './protocol.js';
import { loadStub, type StubImage } from './stub-source.js';

/** The stub greets with one unsolicited frame "OHAI". */
const OHAI = Uint8Array.of(0x4f, 0x48, 0x41, 0x49);

/** Uploads of one stub segment before giving up, and the failures worth another upload. */
const STUB_UPLOAD_ATTEMPTS = 8;
/** Smallest MEM_DATA block a noisy line pushes the upload down to. */
const MIN_RAM_BLOCK = 0x100;
/** Sends of one refused block: a big one is soon given up for smaller ones, the smallest is tried longer. */
const SENDS_BEFORE_SHRINK = 2;
const MEM_BLOCK_SENDS = 12;
const GREETING_SETTLE_MS = 30;
/** The stub greets within milliseconds of MEM_END; longer means the greeting was lost. */
const GREETING_TIMEOUT_MS = 1000;
/** A register every chip can read; only the shape of the reply matters here. */
const CHIP_MAGIC_REG = 0x40001000;
const STUB_RETRY_CODES = new Set(['device-error', 'garbled-reply', 'timeout', 'unsupported']);

/** Stub JSON file for a chip; the ESP32-P4 before revision 3.00 needs its own build. */
export function stubNameFor(chip: EspChip, revision?: { major: number; minor: number }): string {
  if (chip.name === 'esp32p4' && revision && revision.major * 100 + revision.minor < 300) return 'esp32p4-rev1';
  if (chip.stub === null) {
    throw new AnyflashError('stub-missing', `No flasher stub is published for the ${chip.description}.`, {
      family: 'esp',
      chip: chip.name,
      advice: ['Connect with --no-stub: the ROM loader writes and verifies, only more slowly.'],
    });
  }
  return chip.stub;
}

/**
 * Loads the stub into RAM with MEM_BEGIN/MEM_DATA (0x1800-byte blocks, 0x800 over USB-OTG), starts it with MEM_END and
 * waits for "OHAI". From then on the loader speaks the stub dialect (2-byte status).
 */
export async function runStub(
  loader: EspLoader,
  stub: StubImage,
  events: EventSink,
  signal?: AbortSignal,
  ramBlock = RAM_BLOCK,
): Promise<void> {
  const segments = [
    { bytes: stub.text, addr: stub.textStart },
    { bytes: stub.data, addr: stub.dataStart },
  ].filter((s) => s.bytes.length > 0);
  const total = segments.reduce((n, s) => n + s.bytes.length, 0);
  const started = performance.now();
  events({ type: 'start', op: 'stub', total });
  let done = 0;
  let block = ramBlock;
  for (const seg of segments) {
    // A noisy line corrupts blocks now and then: the ROM refuses such a block and it is sent again;
    // when big blocks keep failing, MEM_BEGIN restarts the (small) segment with smaller ones.
    for (let attempt = 1; ; attempt++) {
      const segStart = done;
      try {
        const blocks = Math.ceil(seg.bytes.length / block);
        await loader.memBegin(seg.bytes.length, blocks, block, seg.addr);
        for (let seq = 0; seq < blocks; seq++) {
          throwIfAborted(signal);
          const data = seg.bytes.subarray(seq * block, (seq + 1) * block);
          await sendMemBlock(loader, data, seq, block > MIN_RAM_BLOCK ? SENDS_BEFORE_SHRINK : MEM_BLOCK_SENDS, events);
          done += data.length;
          events({ type: 'progress', op: 'stub', done, total });
        }
        break;
      } catch (e) {
        if (!(e instanceof AnyflashError) || !STUB_RETRY_CODES.has(e.code) || attempt >= STUB_UPLOAD_ATTEMPTS) throw e;
        if (e.code !== 'timeout') block = Math.max(MIN_RAM_BLOCK, Math.floor(block / 4 / 4) * 4);
        events({ type: 'retry', op: 'stub', attempt, cause: `${e.message} Sending it again in ${block}-byte blocks.`, address: seg.addr });
        done = segStart;
        await loader.transport.flushInput();
      }
    }
  }
  const memEnd = packU32le([stub.entry === 0 ? 1 : 0, stub.entry]);
  await loader.send(Op.MEM_END, memEnd);
  try {
    await awaitGreeting(loader, signal);
  } catch (e) {
    // On a noisy line the greeting or MEM_END itself may be lost: ask who is answering.
    const who = e instanceof AnyflashError && e.code === 'stub-failed' ? await whoAnswers(loader, signal) : 'nobody';
    if (who === 'rom') {
      await loader.send(Op.MEM_END, memEnd);
      await awaitGreeting(loader, signal);
    } else if (who !== 'stub') throw e;
  }
  loader.stub = true;
  loader.statusLen = 2;
  events({ type: 'finish', op: 'stub', seconds: (performance.now() - started) / 1000, bytes: total });
}

/** MEM_DATA, sent again while the ROM refuses the block as corrupted (it keeps nothing of it). */
async function sendMemBlock(loader: EspLoader, data: Uint8Array, seq: number, sends: number, events: EventSink): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await loader.memData(data, seq);
    } catch (e) {
      if (!isChecksumReject(e) || attempt >= sends) throw e;
      events({ type: 'retry', op: 'stub', attempt, cause: `block ${seq}: ${(e as Error).message}` });
    }
  }
}

async function awaitGreeting(loader: EspLoader, signal?: AbortSignal): Promise<void> {
  const deadline = deadlineIn(GREETING_TIMEOUT_MS);
  for (;;) {
    let frame: Uint8Array;
    try {
      frame = await loader.reader.readFrame(deadline, signal);
    } catch (e) {
      if (e instanceof AnyflashError && e.code !== 'aborted') throw stubFailed(e.message, e);
      throw e;
    }
    if (bytesEqual(frame, OHAI)) return;
    const reply = parseResponse(frame);
    // The ROM may or may not acknowledge MEM_END before jumping.
    if (reply?.op === Op.MEM_END) {
      const status = decodeStatus(reply.data, loader.statusLen ?? 4, false);
      if (!status.ok) throw stubFailed(`MEM_END failed: ${status.name}.`);
      continue;
    }
    throw stubFailed(`Unexpected response instead of the stub greeting: ${printable(frame, 60)}.`);
  }
}

/**
 * After a lost greeting: a READ_REG tells the running stub (2 status bytes) from the ROM (4), on
 * the chips whose ROM status is 4 bytes long; on the others the answer is ambiguous.
 */
async function whoAnswers(loader: EspLoader, signal?: AbortSignal): Promise<'stub' | 'rom' | 'nobody'> {
  if (loader.statusLen !== 4) return 'nobody';
  try {
    await loader.settle(GREETING_SETTLE_MS, signal);
    const reply = await loader.exchange(Op.READ_REG, packU32le([CHIP_MAGIC_REG]), { timeoutMs: 500, signal });
    if (reply.data.length === 2) return 'stub';
    if (reply.data.length === 4) return 'rom';
  } catch (e) {
    if (!isLineGlitch(e)) throw e;
  }
  return 'nobody';
}

function stubFailed(detail: string, cause?: unknown): AnyflashError {
  return new AnyflashError('stub-failed', `Failed to start the flasher stub. ${detail}`, {
    family: 'esp',
    cause,
    advice: [
      'Retry; if it keeps failing, lower the baud rate or connect with --no-stub.',
      'Over USB, avoid hubs and try another cable or port.',
    ],
  });
}

export async function uploadStub(
  loader: EspLoader,
  chip: EspChip,
  revision: { major: number; minor: number } | undefined,
  events: EventSink,
  signal?: AbortSignal,
  ramBlock = RAM_BLOCK,
): Promise<void> {
  const image = await loadStub(stubNameFor(chip, revision));
  await runStub(loader, image, events, signal, ramBlock);
}
