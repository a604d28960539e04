import { AnyflashError } from '../../core/errors.js';
import { deadlineIn } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import {
  FrameScanner,
  REPLY_ENTER,
  REPLY_MEM_READ,
  REPLY_MEM_WRITE,
  enterFrame,
  exitFrame,
  memReadFrame,
  memWriteFrame,
  memWriteWordsFrame,
  replyWords,
  type FrameLayout,
  type Reply,
} from './frames.js';

const latin1 = new TextDecoder('latin1');

/** Everything that arrived between frames: ROM banners, firmware console text, stub output. */
export class NoiseLog {
  bytes = 0;
  printableBytes = 0;
  lineBreaks = 0;
  /** How many times the ROM printed its `SFBL` banner (once per power-up). */
  romBanners = 0;
  private tail = '';

  add(b: Uint8Array): void {
    this.bytes += b.length;
    for (const x of b) {
      if (x === 0x0a) this.lineBreaks++;
      if ((x >= 0x20 && x < 0x7f) || x === 0x0a || x === 0x0d || x === 0x09) this.printableBytes++;
    }
    // Count banners in the new text plus the 3 characters before it, so a split "SF|BL" counts once.
    const text = latin1.decode(b);
    const window = this.tail.slice(-3) + text;
    for (let at = window.indexOf('SFBL'); at >= 0; at = window.indexOf('SFBL', at + 4)) this.romBanners++;
    this.tail = (this.tail + text).slice(-400);
  }

  get sawRomBanner(): boolean {
    return this.romBanners > 0;
  }

  /** Readable console text: mostly printable, with line breaks. */
  get looksLikeText(): boolean {
    return this.printableBytes >= 24 && this.lineBreaks >= 1 && this.printableBytes >= this.bytes * 0.9;
  }

  /** The last readable lines, for evidence. */
  lastLines(n = 3): string[] {
    return this.tail
      .split(/\r?\n|\r/)
      .map((l) => l.replace(/[^\x20-\x7e]/g, '.').trim())
      .filter((l) => l.length > 0)
      .slice(-n);
  }
}

/**
 * The 56's debug IP sees the bus through other windows than the core: the host maps each address
 * before sending it (core-private 0xE… → 0xF…, the RAM banks and external memory to their aliases).
 * The 52/57 take core addresses as they are.
 */
export function lb56DebugAddress(address: number): number {
  const a = address >>> 0;
  if (a >= 0xe0000000 && a < 0xf0000000) return ((a & 0x0fffffff) | 0xf0000000) >>> 0;
  if (a >= 0x00400000 && a <= 0x0041ffff) return a + 0x20000000;
  if (a >= 0x20c00000 && a <= 0x20c1ffff) return a - 0x00800000;
  if (a >= 0x20000000 && a <= 0x200c7fff) return a + 0x0a000000;
  if (a >= 0x20800000 && a <= 0x20bfffff) return a - 0x20800000;
  if (a >= 0x10000000 && a <= 0x1fffffff) return a + 0x50000000;
  return a;
}

/** Request/response over the debug IP, matching replies by kind (late duplicate replies are skipped). */
export class DebugLink {
  readonly noise = new NoiseLog();
  private readonly scanner: FrameScanner;
  private queue: Reply[] = [];
  private readonly map: (address: number) => number;

  constructor(
    readonly transport: Transport,
    readonly layout: FrameLayout,
    private readonly chip: string,
  ) {
    this.scanner = new FrameScanner(layout, (b) => this.noise.add(b));
    this.map = chip === 'sf32lb56' ? lb56DebugAddress : (a) => a;
  }

  /** Reads once until `deadline`, queueing replies; true if anything arrived. */
  async poll(deadline: number, signal?: AbortSignal): Promise<boolean> {
    const got = await this.transport.read({ deadline, signal });
    if (got.length === 0) return false;
    this.queue.push(...this.scanner.push(got));
    return true;
  }

  /** Takes the first queued reply of `kind`, dropping older replies of other kinds. */
  take(kind: number): Reply | undefined {
    const i = this.queue.findIndex((r) => r.kind === kind);
    if (i < 0) return undefined;
    const r = this.queue[i]!;
    this.queue = this.queue.slice(i + 1);
    return r;
  }

  clear(): void {
    this.queue = [];
    this.scanner.reset();
  }

  async expect(kind: number, timeoutMs: number, what: string, signal?: AbortSignal): Promise<Reply> {
    const deadline = deadlineIn(timeoutMs);
    for (;;) {
      const r = this.take(kind);
      if (r) return r;
      if (!(await this.poll(deadline, signal)) && performance.now() >= deadline) {
        throw new AnyflashError('no-sync-reply', `The SF32 debug interface did not answer ${what}.`, {
          family: 'sifli',
          chip: this.chip,
          evidence: this.noise.lastLines().map((l) => `seen: ${l}`),
          advice: ['Power-cycle the board and run again; the ROM only listens for about 2 s after power-up.'],
        });
      }
    }
  }

  async sendEnter(): Promise<void> {
    await this.transport.write(enterFrame(this.layout));
  }

  async enter(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.sendEnter();
    await this.expect(REPLY_ENTER, timeoutMs, 'Enter', signal);
  }

  /** Exit gets no reply worth waiting for (its D0 reply is not documented as reliable). */
  async exit(): Promise<void> {
    await this.transport.write(exitFrame(this.layout));
  }

  async readWords(address: number, count: number, signal?: AbortSignal): Promise<number[]> {
    await this.transport.write(memReadFrame(this.layout, this.map(address), count));
    const r = await this.expect(REPLY_MEM_READ, 1000 + count, `MEMRead at 0x${address.toString(16)}`, signal);
    const words = replyWords(this.layout, r.data);
    if (words.length < count) {
      throw new AnyflashError('garbled-reply', `MEMRead at 0x${address.toString(16)} returned ${words.length} of ${count} words.`, {
        family: 'sifli',
        chip: this.chip,
      });
    }
    return words.slice(0, count);
  }

  async writeWord(address: number, value: number, signal?: AbortSignal): Promise<void> {
    await this.transport.write(memWriteWordsFrame(this.layout, this.map(address), [value]));
    await this.expect(REPLY_MEM_WRITE, 1000, `MEMWrite at 0x${address.toString(16)}`, signal);
  }

  /** A write whose reply may never come (the write resets the chip). */
  async writeWordNoReply(address: number, value: number): Promise<void> {
    await this.transport.write(memWriteWordsFrame(this.layout, this.map(address), [value]));
  }

  /** Writes whole words; the timeout covers the frame's time on the wire at the current baud. */
  async writeBytes(address: number, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    const frame = memWriteFrame(this.layout, this.map(address), data);
    await this.transport.write(frame);
    const wireMs = (frame.length * 10 * 1000) / this.transport.baud;
    await this.expect(REPLY_MEM_WRITE, wireMs + 2000, `MEMWrite of ${data.length} bytes at 0x${address.toString(16)}`, signal);
  }
}
