import { sifliCrc32 } from '../../families/sifli/crc.js';
import type { SimClock } from '../clock.js';
import type { SimFlash } from '../flash.js';
import { PowerLost, UartInput } from './input.js';

export interface StubHost {
  clock: SimClock;
  flash: SimFlash;
  flashBase: number;
  flashId: number;
  /** Highest UART rate the chip and its wiring carry; `burn_speed` above it leaves the rate as it was. */
  maxBaud: number;
  send(text: string | Uint8Array): void;
  setBaud(baud: number): void;
  /** `burn_reset`: the chip restarts from its ROM. */
  reboot(): void;
  /** Fault: answer `Fail` once after receiving this `burn_erase_write` block (sequence number). */
  failBlock?: number;
}

const BLOCK = 0x20000;
const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * Behaviour of SiFli's RAM stub (an RT-Thread `msh` shell with `burn_*` commands), modelled from
 * what the host sees: echo, banner, prompt, `RX_WAIT:<buf> <seq>` per 128 KiB block with two
 * buffers programmed in the background, `V:` lines, `start_trans`/`CRC:`/`OK`.
 */
export class SimStub {
  readonly input = new UartInput();
  /** When the flash engine finishes the work queued so far (ms, performance.now clock). */
  private flashBusyUntil = 0;

  constructor(private readonly host: StubHost) {}

  async run(): Promise<void> {
    try {
      await this.host.clock.sleep(20);
      this.say('\r\n \\ | /\r\n- SiFli -     flash download stub (simulated)\r\n / | \\\r\nmsh >');
      for (;;) {
        const line = await this.readLine();
        if (line.trim() === '') {
          this.say('\r\nmsh >');
          continue;
        }
        await this.exec(line.trim().split(/\s+/));
        this.say('msh >');
      }
    } catch (e) {
      if (!(e instanceof PowerLost)) throw e;
    }
  }

  private say(text: string): void {
    this.host.send(text);
  }

  /** Reads up to '\r' echoing every byte, as msh does; '\n' is ignored; backspace deletes as in finsh. */
  private async readLine(): Promise<string> {
    let line = '';
    for (;;) {
      const b = await this.input.byte();
      if (b === 0x0d) {
        if (line.length) this.say('\r\n');
        return line;
      }
      if (b === 0x0a) continue;
      if (b === 0x08 || b === 0x7f) {
        if (line.length) this.say('\b \b');
        line = line.slice(0, -1);
        continue;
      }
      this.host.send(Uint8Array.of(b));
      line += String.fromCharCode(b);
    }
  }

  /** Maps a flash address to an offset, or null outside the flash. */
  private offset(address: number, length: number): number | null {
    const off = address - this.host.flashBase;
    if (!Number.isFinite(off) || off < 0 || length < 0 || off + length > this.host.flash.size) return null;
    return off;
  }

  private flashLine(address: number): void {
    const f = this.host;
    this.say(
      `addr:${hex8(address)} base:${hex8(f.flashBase)} size:0x${f.flash.size.toString(16)} sector:0x1000 page:0x0 id:0x${f.flashId.toString(16)}\r\n`,
    );
  }

  /** Charges flash work to the background engine; returns when it will be done. */
  private queueFlashWork(ms: number): number {
    const start = Math.max(this.host.clock.now(), this.flashBusyUntil);
    this.flashBusyUntil = start + ms;
    return this.flashBusyUntil;
  }

  /** Erases the sectors covering [off, off+len), 64 KiB blocks where aligned, as a real stub would. */
  private erase(off: number, len: number): number {
    const flash = this.host.flash;
    let ms = 0;
    let a = off - (off % 0x1000);
    const end = off + len;
    while (a < end) {
      const step = a % 0x10000 === 0 && end - a >= 0x10000 ? 0x10000 : 0x1000;
      ms += flash.erase(a, step);
      a += step;
    }
    return ms;
  }

  private async exec(argv: string[]): Promise<void> {
    const [cmd, ...args] = argv;
    const n = args.map((s) => Number(s));
    const clock = this.host.clock;
    switch (cmd) {
      case 'burn_speed': {
        const [baud, delay] = n;
        this.say('OK\r\n');
        await clock.sleep(delay ?? 0);
        if (baud !== undefined && baud <= this.host.maxBaud) this.host.setBaud(baud);
        return;
      }
      case 'burn_verify': {
        const [address, length, expected] = n as [number, number, number];
        const off = this.offset(address, length);
        if (off === null) return this.say('Fail\r\n');
        this.flashLine(address);
        await clock.sleep(this.host.flash.readTimeMs(length));
        const crc = sifliCrc32(this.host.flash.read(off, length));
        this.say(`V: ${hex8(crc)} vs ${hex8(expected)}\r\n`);
        return this.say(crc === expected >>> 0 ? 'OK\r\n' : 'Fail\r\n');
      }
      case 'burn_erase_write':
        return this.eraseWrite(n[0]!, n[1]!);
      case 'burn_write': {
        const [address, length] = n as [number, number];
        const off = this.offset(address, length);
        const data = await this.input.bytes(length);
        if (off === null || length > BLOCK) return this.say('Fail\r\n');
        await clock.until(this.queueFlashWork(this.host.flash.program(off, data)));
        return this.say('OK\r\n');
      }
      case 'burn_erase': {
        const [address, length] = n as [number, number];
        const off = this.offset(address, length);
        if (off === null) return this.say('Fail\r\n');
        this.flashLine(address);
        await clock.until(this.queueFlashWork(this.erase(off, length)));
        return this.say('OK\r\n');
      }
      case 'burn_erase_all':
      case 'burn_erase_all_factory': {
        const off = this.offset(n[0]!, 0);
        if (off === null) return this.say('Fail\r\n');
        await clock.until(this.queueFlashWork(this.host.flash.erase(0, this.host.flash.size)));
        return this.say('OK\r\n');
      }
      case 'burn_read': {
        const [address, length] = n as [number, number];
        const off = this.offset(address, length);
        if (off === null) return this.say('Fail\r\n');
        const data = this.host.flash.read(off, length);
        this.say('start_trans\r\n');
        for (let i = 0; i < data.length; i += 0x1000) this.host.send(data.subarray(i, i + 0x1000));
        this.say(`CRC:${hex8(sifliCrc32(data))}\r\nOK\r\n`);
        return;
      }
      case 'burn_reset':
        await clock.sleep(10);
        this.host.reboot();
        throw new PowerLost();
      default:
        this.say(`${cmd}: command not found.\r\n`);
    }
  }

  /**
   * `burn_erase_write`: the host sends 128 KiB blocks, each only after an `RX_WAIT`. Two buffers:
   * while one block is erased and programmed, the next one is received.
   */
  private async eraseWrite(address: number, length: number): Promise<void> {
    const off = this.offset(address, length);
    if (off === null) return this.say('Fail\r\n');
    this.flashLine(address);
    this.host.flash.beginWrite(off, length);
    const clock = this.host.clock;
    const doneAt: number[] = [];
    let seq = 0;
    for (let done = 0; done < length; done += BLOCK, seq++) {
      const buf = seq % 2;
      // The buffer is free once the block that used it two steps ago is programmed.
      if (seq >= 2) await clock.until(doneAt[seq - 2]!);
      this.say(`RX_WAIT:${buf} ${seq}\r\n`);
      const n = Math.min(BLOCK, length - done);
      const data = await this.input.bytes(n);
      if (seq === this.host.failBlock) {
        this.host.failBlock = undefined;
        return this.say('Fail\r\n');
      }
      this.say(`[${buf}] run thread ${buf} addr:${hex8(address + done)} len:0x${n.toString(16)}\r\n`);
      const ms = this.erase(off + done, n) + this.host.flash.program(off + done, data);
      doneAt.push(this.queueFlashWork(ms));
    }
    await clock.until(this.flashBusyUntil);
    this.say('OK\r\n');
  }
}
