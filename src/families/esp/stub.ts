import { AnyflashError } from '../../core/errors.js';
import { bytesEqual, packU32le, printable } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { deadlineIn, throwIfAborted } from '../../core/time.js';
import type { EspChip } from './chips.js';
import type { EspLoader } from './loader.js';
import { DEFAULT_TIMEOUT_MS, Op, RAM_BLOCK, decodeStatus, parseResponse } from './protocol.js';
import { loadStub, type StubImage } from './stub-source.js';

/** The stub greets with one unsolicited frame "OHAI". */
const OHAI = Uint8Array.of(0x4f, 0x48, 0x41, 0x49);

/** Uploads of one stub segment before giving up, and the failures worth another upload. */
const STUB_UPLOAD_ATTEMPTS = 4;
const STUB_RETRY_CODES = new Set(['device-error', 'garbled-reply', 'timeout', 'unsupported']);

/** Stub JSON file for a chip; the ESP32-P4 before revision 3.00 needs its own build. */
export function stubNameFor(chip: EspChip, revision?: { major: number; minor: number }): string {
  if (chip.name === 'esp32p4' && revision && revision.major * 100 + revision.minor < 300) return 'esp32p4-rev1';
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
  for (const seg of segments) {
    const blocks = Math.ceil(seg.bytes.length / ramBlock);
    // A noisy line corrupts a block now and then (checksum error, garbled reply): MEM_BEGIN
    // restarts the segment, which is small, so sending it again is cheap and always valid.
    for (let attempt = 1; ; attempt++) {
      const segStart = done;
      try {
        await loader.memBegin(seg.bytes.length, blocks, ramBlock, seg.addr);
        for (let seq = 0; seq < blocks; seq++) {
          throwIfAborted(signal);
          const block = seg.bytes.subarray(seq * ramBlock, (seq + 1) * ramBlock);
          await loader.memData(block, seq);
          done += block.length;
          events({ type: 'progress', op: 'stub', done, total });
        }
        break;
      } catch (e) {
        if (!(e instanceof AnyflashError) || !STUB_RETRY_CODES.has(e.code) || attempt >= STUB_UPLOAD_ATTEMPTS) throw e;
        events({ type: 'retry', op: 'stub', attempt, cause: e.message, address: seg.addr });
        done = segStart;
        await loader.transport.flushInput();
      }
    }
  }
  await loader.send(Op.MEM_END, packU32le([stub.entry === 0 ? 1 : 0, stub.entry]));
  await awaitGreeting(loader, signal);
  loader.stub = true;
  loader.statusLen = 2;
  events({ type: 'finish', op: 'stub', seconds: (performance.now() - started) / 1000, bytes: total });
}

async function awaitGreeting(loader: EspLoader, signal?: AbortSignal): Promise<void> {
  const deadline = deadlineIn(DEFAULT_TIMEOUT_MS);
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
