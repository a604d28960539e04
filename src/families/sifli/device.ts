import { AnyflashError, isAnyflashError, isLineGlitch } from '../../core/errors.js';
import { hexAddr } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import { sleep, throwIfAborted } from '../../core/time.js';
import type { Transport } from '../../transport/types.js';
import type { DeviceInfo, FlashDevice, OpOptions, ResetMode } from '../types.js';
import type { SifliChip, SifliMemory } from './chips.js';
import { crcBytes, sifliCrc32, sifliDigest } from './crc.js';
import { DamageWatch, NOISY_SECTOR_LIMITS, settleSector, type SectorOps } from '../noisy-sector.js';
import { hex8, ROM_BANNER, type StubShell, type TokenReply } from './stub-shell.js';

/** The stub takes `burn_erase_write` data in 128 KiB blocks, one per `RX_WAIT`. */
export const BLOCK = 0x20000;
const READ_CHUNK = 0x40000;
const MiB = 0x100000;

export interface FlashFacts {
  base: number;
  size: number;
  sector: number;
  id?: number;
}

export interface SifliDeviceOptions {
  shell: StubShell;
  chip: SifliChip;
  memory: SifliMemory;
  flash: FlashFacts;
  strategy: string;
  events: EventSink;
}

/** The stub's `addr:… base:… size:… sector:… id:…` line, printed when a command opens the flash. */
export function parseFlashLine(text: string): Partial<FlashFacts> | null {
  const m = /base:0x([0-9a-f]+)\s+size:0x([0-9a-f]+)\s+sector:0x([0-9a-f]+).*?id:0x([0-9a-f]+)/i.exec(text);
  if (!m) return null;
  return { base: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16), sector: parseInt(m[3]!, 16), id: parseInt(m[4]!, 16) };
}

/** How long a sector command may take beyond its work on a line known to damage bytes. */
const NOISY_PATIENCE_MS = 300;
/** How long a sector's burn_verify answer may take on a line known to damage bytes, before asking again. */
const VERIFY_PATIENCE_MS = 60;
/** `Fail` answers in a row (a damaged command the stub refused) before one is believed. */
const REFUSALS = 4;

/** What the stub prints when a `burn_erase_write` block is in, and how long after its wire time that may take. */
const BLOCK_TAKEN = 'run thread';
const TAKEN_MS = 1000;
/** Any of these after a block shows the stub took it (a noisy line may damage one), or that the chip rebooted. */
const STUB_MOVED = ['thread', 'RX_WAIT', 'OK', 'Fail', ROM_BANNER];

/** `burn_verify` replies without a `V:` line before the stub is taken to print none. */
const VERIFY_LINE_TRIES = 3;

/** `V: 0x… vs 0x…` from `burn_verify`: the two CRCs it compared. */
export function parseVerifyLine(text: string): [number, number] | null {
  const m = /V:\s*(?:0x)?([0-9a-f]+)\s+vs\s+(?:0x)?([0-9a-f]+)/i.exec(text);
  return m ? [parseInt(m[1]!, 16) >>> 0, parseInt(m[2]!, 16) >>> 0] : null;
}

/**
 * A SiFli chip running SiFli's RAM stub. Addresses may be given absolute (0x12020000) or as
 * offsets into the flash (0x20000); both reach the same bytes.
 */
export class SifliDevice implements FlashDevice {
  readonly family = 'sifli' as const;
  readonly digest = sifliDigest;
  readonly chip: string;
  readonly flashBase: number;
  readonly flashSize: number;
  readonly sectorSize: number;
  /** False once the stub was seen not to print `V:` lines; digests then come from `burn_read`. */
  private verifyReportsCrc = true;
  private readonly shell: StubShell;
  private readonly damage: DamageWatch;

  constructor(private readonly o: SifliDeviceOptions) {
    this.shell = o.shell;
    this.chip = o.chip.name;
    this.flashBase = o.flash.base;
    this.flashSize = o.flash.size;
    this.sectorSize = o.flash.sector;
    this.damage = new DamageWatch(this.sectorSize, o.events, 'stub');
  }

  get transport(): Transport {
    return this.shell.transport;
  }

  /** Absolute address of an offset or absolute address; throws outside the flash. */
  private abs(address: number, size: number): number {
    const a = address < this.flashBase ? this.flashBase + address : address;
    if (a + size > this.flashBase + this.flashSize) {
      throw new AnyflashError('file-too-large', `${hexAddr(a)}+${hexAddr(size)} lies beyond the ${this.flashSize / MiB} MiB flash at ${hexAddr(this.flashBase)}.`, {
        family: 'sifli',
        chip: this.chip,
        address: a,
        advice: ['Check the address; SiFli flash addresses start at ' + hexAddr(this.flashBase) + '.'],
      });
    }
    return a;
  }

  private error(what: string, address: number, text: string): AnyflashError {
    return new AnyflashError('device-error', `The SiFli stub reported Fail for ${what} at ${hexAddr(address)}.`, {
      family: 'sifli',
      chip: this.chip,
      address,
      evidence: text.trim() ? [text.trim().slice(-200)] : [],
      advice: ['Check the address and length against the flash layout; power-cycle and retry if it repeats.'],
    });
  }

  async info(): Promise<DeviceInfo> {
    const f = this.o.flash;
    return {
      family: 'sifli',
      chip: this.chip,
      description: `${this.chip.toUpperCase()} (${this.o.memory.toUpperCase()} via SiFli RAM stub)`,
      features: [this.o.memory],
      flashId: f.id,
      flashSize: f.size,
      strategy: this.o.strategy,
      baud: this.transport.baud,
      mode: this.o.memory,
      extra: { flashBase: hexAddr(f.base), sector: f.sector, ...(f.id !== undefined ? { flashId: '0x' + f.id.toString(16) } : {}) },
    };
  }

  /**
   * CRC of a flash range. `burn_verify` only answers OK/Fail, but it prints both CRCs it compared
   * (`V: … vs …`): asking for an expected CRC of 0 yields the device's CRC without sending the data.
   * A stub that prints no `V:` line falls back to reading the range (slower, still exact).
   */
  async flashDigest(address: number, size: number, options: OpOptions = {}): Promise<Uint8Array> {
    const a = this.abs(address, size);
    // One reply without a `V:` line may be a line the noise garbled; a stub that never prints one fails every time.
    // burn_verify changes nothing, so a command line lost on the wire is sent again after a prompt.
    for (let attempt = 0; this.verifyReportsCrc && attempt < VERIFY_LINE_TRIES; attempt++) {
      await this.shell.command(`burn_verify ${hex8(a)} ${hex8(size)} ${hex8(0)}`);
      let reply: TokenReply;
      try {
        reply = await this.shell.token('burn_verify', 4000 + (size / MiB) * 500, options.signal);
      } catch (e) {
        if (!isLineGlitch(e) || attempt === VERIFY_LINE_TRIES - 1 || !(await this.shell.sync(options.signal))) throw e;
        continue;
      }
      if (reply.token === 'OK') return crcBytes(0);
      const v = parseVerifyLine(reply.text);
      if (v) return crcBytes(v[0] !== 0 ? v[0] : v[1]);
    }
    if (this.verifyReportsCrc) {
      this.verifyReportsCrc = false;
      this.o.events({ type: 'note', level: 'warn', message: 'The SiFli stub prints no CRC on burn_verify; comparing by reading the flash instead (slower).' });
    }
    const data = await this.readFlash(a, size, options);
    return crcBytes(sifliCrc32(data));
  }

  /**
   * `burn_erase_write` streaming. When the stub fails mid-stream, the blocks from the last one
   * known programmed are redone with `burn_erase` + `burn_write` (each block on its own), which
   * does not depend on the double-buffered stream.
   */
  async writeFlash(address: number, data: Uint8Array, options: OpOptions = {}): Promise<void> {
    const a = this.abs(address, data.length);
    if (this.damage.damages(a, data.length) && a % this.sectorSize === 0 && data.length % this.sectorSize === 0) return this.writeSectors(a, data, options);
    const progress = { sentBlocks: 0 };
    try {
      await this.streamWrite(a, data, progress, options);
      this.damage.acknowledged(a, data.length);
      return;
    } catch (e) {
      if (!isAnyflashError(e) || (e.code !== 'device-error' && e.code !== 'timeout')) throw e;
      // RX_WAIT for block k means the block that used its buffer (k-2) is programmed.
      const restart = Math.max(0, progress.sentBlocks - 2) * BLOCK;
      this.o.events({ type: 'retry', op: 'write', attempt: 1, cause: e.message, address: a + restart });
      if (!(await this.shell.sync(options.signal))) throw e;
      await this.blockWrite(a, data, restart, options);
      this.damage.acknowledged(a, data.length);
    }
  }

  private async writeSectors(a: number, data: Uint8Array, options: OpOptions): Promise<void> {
    for (let off = 0; off < data.length; off += this.sectorSize) {
      throwIfAborted(options.signal);
      const want = data.subarray(off, off + this.sectorSize);
      await settleSector(a + off, want, this.sectorOps(a + off, options.signal), NOISY_SECTOR_LIMITS, options.signal);
      this.damage.acknowledged(a + off, this.sectorSize);
      options.onProgress?.(off + this.sectorSize);
    }
  }

  /**
   * `burn_erase`, `burn_write` and `burn_verify` for one sector on a line that damages bytes. The
   * commands that change the flash are typed with their echo checked before Enter, so a damaged
   * address never runs; their OK may itself arrive damaged, so the prompt also ends them: the CRC
   * that follows decides.
   */
  private sectorOps(at: number, signal?: AbortSignal): SectorOps {
    let refusals = 0;
    const advice = ['The line damages bytes: shorten the wires or lower the baud rate (--baud 1000000), and check the common ground.'];
    const typed = async (line: string): Promise<void> => {
      if (!(await this.shell.checkedCommand(line, signal))) {
        throw new AnyflashError('garbled-reply', `The SiFli stub never echoed "${line}" intact.`, { family: 'sifli', chip: this.chip, address: at, advice });
      }
    };
    const run = async (line: string, workMs: number, data?: Uint8Array): Promise<void> => {
      await typed(line);
      if (data) await this.transport.write(data);
      const wire = data ? (data.length * 10_000) / this.transport.baud : 0;
      const end = await this.shell.waitFor(['OK', 'Fail', 'msh >'], wire + workMs + NOISY_PATIENCE_MS, signal);
      if (!end) throw new AnyflashError('timeout', `The SiFli stub did not finish "${line}".`, { family: 'sifli', chip: this.chip, address: at, advice });
      if (end.match === 'Fail') throw this.error(line.split(' ')[0]!, at, end.text);
      refusals = 0;
    };
    return {
      erase: () => run(`burn_erase ${hex8(at)} ${hex8(this.sectorSize)}`, 100),
      program: (offset, data) => run(`burn_write ${hex8(at + offset)} ${hex8(data.length)}`, 10, data),
      crc: async (offset, length) => {
        // burn_verify changes nothing, so it is sent unchecked and sent again when its answer is
        // damaged. The answer is the stub's `addr:` line for this address followed by its `V:` line,
        // so a late answer to an earlier verify is never taken for this one.
        const a = at + offset;
        const answer = new RegExp(`addr:${hex8(a)}[^\\n]*\\n(?:[^\\n]*\\n)*?V:\\s*(?:0x)?([0-9a-f]+)\\s+vs`, 'i');
        for (let i = 1; ; i++) {
          await this.shell.command(`burn_verify ${hex8(a)} ${hex8(length)} ${hex8(0)}`);
          const m = await this.shell.waitForMatch(answer, VERIFY_PATIENCE_MS + (length / MiB) * 500, signal);
          if (m) return parseInt(m[1]!, 16) >>> 0;
          if (i >= VERIFY_LINE_TRIES) {
            throw new AnyflashError('garbled-reply', `No intact burn_verify answer for ${hexAddr(a)}.`, { family: 'sifli', chip: this.chip, address: a, advice });
          }
        }
      },
      expected: sifliCrc32,
      recover: async (e) => {
        const refused = isAnyflashError(e, 'device-error') && ++refusals < REFUSALS;
        if ((!isLineGlitch(e) && !refused) || !(await this.shell.sync(signal))) throw e;
      },
    };
  }

  private async streamWrite(a: number, data: Uint8Array, progress: { sentBlocks: number }, options: OpOptions): Promise<void> {
    const { signal } = options;
    const byteMs = 10_000 / this.transport.baud;
    await this.shell.command(`burn_erase_write ${hex8(a)} ${hex8(data.length)}`);
    let reply = await this.shell.token('burn_erase_write', 4000, signal);
    // The stub prints `[n] run thread n addr:…` as soon as a block is in. Once it is seen doing so,
    // silence past a block's wire time means the line lost part of the block: the stub would wait
    // for the rest forever, so the write fails over at once instead of after the 4 s deadline.
    // Nothing is consumed here: the token wait that follows reads the same text.
    let announces = false;
    for (let off = 0; off < data.length; off += BLOCK) {
      throwIfAborted(signal);
      if (reply.token !== 'RX_WAIT') throw this.error('burn_erase_write', a + off, reply.text);
      const block = data.subarray(off, off + BLOCK);
      await this.transport.write(block);
      progress.sentBlocks++;
      if (announces && !(await this.shell.arrived(STUB_MOVED, block.length * byteMs + TAKEN_MS, signal))) {
        throw new AnyflashError('timeout', `The SiFli stub did not take the 128 KiB block at ${hexAddr(a + off)}: part of it was lost on the line.`, {
          family: 'sifli',
          chip: this.chip,
          address: a + off,
          advice: ['Check the cable and the supply; anyflash reconnects and goes on from the last block written.'],
        });
      }
      // The block's wire time, then the 4 s sftool gives the stub per RX_WAIT (erase + program of
      // 128 KiB): a block whose bytes the line lost gets no reply at all, so waiting longer only delays recovery.
      reply = await this.shell.token('a 128 KiB block', block.length * byteMs + 4000, signal);
      announces ||= reply.text.includes(BLOCK_TAKEN);
      options.onProgress?.(Math.min(data.length, off + BLOCK));
    }
    if (reply.token !== 'OK') throw this.error('burn_erase_write', a, reply.text);
  }

  private async blockWrite(a: number, data: Uint8Array, from: number, options: OpOptions): Promise<void> {
    const { signal } = options;
    const byteMs = 10_000 / this.transport.baud;
    for (let off = from; off < data.length; off += BLOCK) {
      throwIfAborted(signal);
      const block = data.subarray(off, off + BLOCK);
      await this.eraseFlash(a + off, block.length, { signal });
      await this.shell.command(`burn_write ${hex8(a + off)} ${hex8(block.length)}`);
      await this.transport.write(block);
      const reply = await this.shell.token('burn_write', block.length * byteMs + 4000, signal);
      if (reply.token !== 'OK') throw this.error('burn_write', a + off, reply.text);
      options.onProgress?.(Math.min(data.length, off + BLOCK));
    }
  }

  async readFlash(address: number, size: number, options: OpOptions = {}): Promise<Uint8Array> {
    const a = this.abs(address, size);
    const out = new Uint8Array(size);
    for (let off = 0; off < size; off += READ_CHUNK) {
      throwIfAborted(options.signal);
      const n = Math.min(READ_CHUNK, size - off);
      out.set(await this.readChunk(a + off, n, (have) => options.onProgress?.(off + have), options.signal), off);
      options.onProgress?.(off + n);
    }
    return out;
  }

  private async readChunk(a: number, n: number, onBytes: (have: number) => void, signal?: AbortSignal): Promise<Uint8Array> {
    await this.shell.command(`burn_read ${hex8(a)} ${hex8(n)}`);
    const start = await this.shell.waitFor(['start_trans\r\n', 'Fail'], 10_000, signal);
    if (!start) throw new AnyflashError('timeout', `The SiFli stub did not start sending ${hexAddr(a)}.`, { family: 'sifli', chip: this.chip, address: a });
    if (start.match === 'Fail') throw this.error('burn_read', a, start.text);
    const data = await this.shell.readExact(n, 10_000, signal, onBytes);
    const tail = await this.shell.waitFor(['OK', 'Fail'], 10_000, signal);
    const m = tail && /CRC:0x([0-9a-f]+)/i.exec(tail.text);
    if (!tail || tail.match !== 'OK' || !m) throw this.error('burn_read', a, tail?.text ?? '');
    const crc = parseInt(m[1]!, 16) >>> 0;
    if (crc !== sifliCrc32(data)) {
      throw new AnyflashError('garbled-reply', `Data read at ${hexAddr(a)} does not match the CRC the stub sent (bytes lost on the line).`, {
        family: 'sifli',
        chip: this.chip,
        address: a,
        advice: ['Retry at a lower baud rate (--baud 1000000); use a shorter cable or another USB port.'],
      });
    }
    return data;
  }

  async eraseFlash(address: number, size: number, options: OpOptions = {}): Promise<void> {
    const a = this.abs(address, size);
    await this.shell.command(`burn_erase ${hex8(a)} ${hex8(size)}`);
    const reply = await this.shell.token('burn_erase', 4000 + Math.ceil(size / 0x1000) * 400, options.signal);
    if (reply.token !== 'OK') throw this.error('burn_erase', a, reply.text);
    options.onProgress?.(size);
  }

  async eraseAll(options: OpOptions = {}): Promise<void> {
    await this.shell.command(`${this.o.chip.eraseAllCommand} ${hex8(this.flashBase)}`);
    const reply = await this.shell.token(this.o.chip.eraseAllCommand, 10_000 + (this.flashSize / MiB) * 5000, options.signal);
    if (reply.token !== 'OK') throw this.error(this.o.chip.eraseAllCommand, this.flashBase, reply.text);
    options.onProgress?.(this.flashSize);
  }

  /** `burn_reset` restarts the chip into its firmware; its reply is not documented, so none is awaited. */
  async reset(mode: ResetMode): Promise<void> {
    if (mode === 'none' || mode === 'stay') return;
    await this.shell.send('burn_reset\r');
    await this.transport.drain();
    await sleep(50);
  }

  async disconnect(): Promise<void> {}
}
