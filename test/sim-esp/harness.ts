import assert from 'node:assert/strict';
import { SimClock } from '../../src/sim/clock.js';
import { createEspSim, type EspSimDevice } from '../../src/sim/esp/index.js';
import { SimLink } from '../../src/sim/link.js';
import type { SimOptions } from '../../src/sim/options.js';
import { SimTransport } from '../../src/sim/transport.js';

/**
 * Test bench for the ESP simulator: a host that speaks raw bytes through SimLink + SimTransport,
 * with its own small SLIP codec so the simulator's framing is checked independently.
 */
export function slip(payload: ArrayLike<number>): Uint8Array {
  const out: number[] = [0xc0];
  for (const b of Array.from(payload)) {
    if (b === 0xc0) out.push(0xdb, 0xdc);
    else if (b === 0xdb) out.push(0xdb, 0xdd);
    else out.push(b);
  }
  out.push(0xc0);
  return Uint8Array.from(out);
}

export function u32(...values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}

export function xorChecksum(data: ArrayLike<number>): number {
  let c = 0xef;
  for (const b of Array.from(data)) c ^= b;
  return c;
}

/** A request frame: direction 0, opcode, u16 length, u32 checksum, data. */
export function request(op: number, data: ArrayLike<number> = [], chk = 0): Uint8Array {
  const d = Array.from(data);
  return slip([0x00, op, d.length & 0xff, d.length >> 8, ...u32(chk), ...d]);
}

export const SYNC_DATA = [0x07, 0x07, 0x12, 0x20, ...new Array<number>(32).fill(0x55)];

export interface Reply {
  op: number;
  value: number;
  data: Uint8Array;
  raw: Uint8Array;
}

export function parseReply(frame: Uint8Array): Reply {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return { op: frame[1]!, value: view.getUint32(4, true), data: frame.subarray(8), raw: frame };
}

export class Bench {
  private bytes: number[] = [];

  constructor(
    readonly device: EspSimDevice,
    readonly link: SimLink,
    readonly transport: SimTransport,
  ) {}

  static async open(options: Partial<SimOptions> = {}, realtime = false): Promise<Bench> {
    const device = createEspSim({ chip: 'esp32', clock: new SimClock(realtime), boot: 'download', ...options });
    const link = new SimLink(device, { realtime: false });
    const transport = new SimTransport(link, 'sim://esp');
    await transport.open();
    return new Bench(device, link, transport);
  }

  async close(): Promise<void> {
    await this.transport.close();
    this.device.dispose();
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.transport.write(bytes);
  }

  private async fill(deadline: number): Promise<boolean> {
    const got = await this.transport.read({ deadline });
    this.bytes.push(...got);
    return got.length > 0;
  }

  /** The next SLIP frame's payload, or null if none completes within `ms`. */
  async frame(ms = 2000): Promise<Uint8Array | null> {
    const deadline = performance.now() + ms;
    for (;;) {
      const start = this.bytes.indexOf(0xc0);
      if (start >= 0) {
        const end = this.bytes.indexOf(0xc0, start + 1);
        if (end > start + 1) {
          const body = this.bytes.slice(start + 1, end);
          this.bytes.splice(0, end + 1);
          const out: number[] = [];
          for (let i = 0; i < body.length; i++) {
            if (body[i] === 0xdb) out.push(body[++i] === 0xdc ? 0xc0 : 0xdb);
            else out.push(body[i]!);
          }
          return Uint8Array.from(out);
        }
        if (end === start + 1) {
          this.bytes.splice(0, end);
          continue;
        }
      }
      if (!(await this.fill(deadline))) return null;
    }
  }

  async reply(ms = 2000): Promise<Reply> {
    const f = await this.frame(ms);
    if (!f) throw new Error('no reply frame');
    return parseReply(f);
  }

  /** Sends a command and returns the first reply. */
  async command(op: number, data: ArrayLike<number> = [], chk = 0): Promise<Reply> {
    await this.send(request(op, data, chk));
    return this.reply();
  }

  /** Collects raw bytes for `ms` (text logs). */
  async text(ms: number): Promise<string> {
    const deadline = performance.now() + ms;
    while (await this.fill(deadline));
    const s = String.fromCharCode(...this.bytes);
    this.bytes = [];
    return s;
  }

  /** Reads until `pattern` shows up in the text received so far, or `ms` pass. */
  async waitText(pattern: RegExp, ms = 3000): Promise<string> {
    const deadline = performance.now() + ms;
    for (;;) {
      const s = String.fromCharCode(...this.bytes);
      if (pattern.test(s) || !(await this.fill(deadline))) {
        this.bytes = [];
        return s;
      }
    }
  }

  async sync(): Promise<Reply[]> {
    await this.send(request(0x08, SYNC_DATA));
    const replies: Reply[] = [];
    for (let i = 0; i < 8; i++) replies.push(await this.reply());
    return replies;
  }

  /** Uploads a blob with MEM_BEGIN/MEM_DATA and starts it with MEM_END. */
  async runBlob(address: number, blob: Uint8Array, entry: number): Promise<Reply> {
    const block = 0x1800;
    const blocks = Math.ceil(blob.length / block);
    await this.command(0x05, u32(blob.length, blocks, block, address));
    for (let seq = 0; seq < blocks; seq++) {
      const part = Array.from(blob.subarray(seq * block, (seq + 1) * block));
      await this.command(0x07, [...u32(part.length, seq, 0, 0), ...part], xorChecksum(part));
    }
    return this.command(0x06, u32(entry === 0 ? 1 : 0, entry));
  }
}

export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** esptool's run_spiflash_command for ESP32-family register layouts (MOSI/MISO length registers). */
export async function spiCommand(
  b: Bench,
  layout: { base: number; usr: number; usr1: number; usr2: number; miso: number; w0: number; msb: boolean },
  command: number,
  readBits: number,
  address?: number,
): Promise<number> {
  const write = (reg: number, value: number) => b.command(0x09, u32(reg, value, 0xffffffff, 0));
  await write(layout.base + layout.miso, readBits - 1);
  let flags = (1 << 31) | (1 << 28);
  if (address !== undefined) {
    flags |= (1 << 30) | (1 << 29);
    await write(layout.base + layout.usr1, (8 - 1) | ((24 - 1) << 26));
  }
  await write(layout.base + layout.usr, flags >>> 0);
  await write(layout.base + layout.usr2, ((7 << 28) | command) >>> 0);
  if (address !== undefined) await write(layout.base + 0x04, layout.msb ? address << 8 : address);
  await write(layout.base + layout.w0, 0);
  await write(layout.base, 1 << 18);
  const cmd = await b.command(0x0a, u32(layout.base));
  assert.equal(cmd.value & (1 << 18), 0, 'USR bit clears when the transaction is done');
  return (await b.command(0x0a, u32(layout.base + layout.w0))).value;
}

/** SPI_ATTACH as esptool sends it to a ROM: pin config 0 (default SPI pins) and the "is legacy" word. */
export const attach = (b: Bench) => b.command(0x0d, u32(0, 0));

export const ESP32_SPI = { base: 0x3ff42000, usr: 0x1c, usr1: 0x20, usr2: 0x24, miso: 0x2c, w0: 0x80, msb: true };
export const C3_SPI = { base: 0x60002000, usr: 0x18, usr1: 0x1c, usr2: 0x20, miso: 0x28, w0: 0x58, msb: false };
