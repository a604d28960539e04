/**
 * A simulated BK72xx in its UART download mode: BootROM loader (FULL: BK7231N, BK7238) or Tuya
 * flash bootloader (BASIC_TUYA: BK7231T), with the reset window, stop-and-wait receive, baud
 * switching, status-register protection and address wrap of the real chips (reference §1–§5).
 */
import { concatBytes, readU32le, textEncoder, u32le } from '../../core/bytes.js';
import { bekenCrc } from '../../families/beken/crc.js';
import {
  EraseSize,
  Long,
  longResponse,
  MAX_LONG_LEN,
  REBOOT_MAGIC,
  Short,
  shortResponse,
  Status,
  unknownCommandResponse,
  type FrameForm,
} from '../../families/beken/frames.js';
import { BOOTLOADER_END, EFUSE_CTRL, EFUSE_DATA, SCTRL_CHIP_ID, TUYA_DEFAULT_KEY } from '../../families/beken/chips.js';
import type { SimClock } from '../clock.js';
import { SimDevice } from '../device.js';
import type { SimFlash } from '../flash.js';
import type { SimChipProfile } from './chips.js';

export interface BekenSimSettings {
  autoReset: boolean;
  /** Which modem line drives CEN (asserted = chip held in reset). */
  resetLine: 'rts' | 'dtr';
  /** How long after reset the loader answers LinkCheck. */
  windowMs: number;
  /** BASIC loaders leave download mode after this much silence. */
  idleMs: number;
  /** Bytes per second the loader hashes for CheckCRC. */
  crcBytesPerSecond: number;
  /** The application is OpenBeken, whose console reboots on `reboot`; stock Tuya firmware ignores input. */
  openBeken: boolean;
  /** Above this baud every byte is garbled (long wires, weak adapter). */
  maxBaud: number;
  /** Status register at power-up: SR2<<8 | SR1; BP/CMP bits set means protected. */
  initialSr: number;
  /** The status register ignores writes (WP pin, faulty part). */
  srStuck: boolean;
  jedecId: number;
}

type State = 'reset' | 'window' | 'linked' | 'firmware' | 'bricked';

const SR_PROTECT_MASK = 0x407c;
const UART_RESET_BAUD = 115200;

/** Receive state machine of the loader: hunts `01 E0 FC`, then a short or long frame. */
class FrameAssembler {
  private head = 0;
  private form: FrameForm = 'short';
  private lenBytes: number[] = [];
  private want = 0;
  private body: number[] = [];

  reset(): void {
    this.head = 0;
    this.lenBytes = [];
    this.want = 0;
    this.body = [];
  }

  /** Feeds one byte; returns a complete frame (code + payload) when one ends. */
  feed(b: number): { form: FrameForm; code: number; payload: Uint8Array; length: number } | null {
    if (this.head < 3) {
      const expect = [0x01, 0xe0, 0xfc][this.head]!;
      if (b === expect) this.head++;
      else this.head = b === 0x01 ? 1 : 0;
      return null;
    }
    if (this.want === 0) {
      this.lenBytes.push(b);
      const l = this.lenBytes;
      if (l.length === 1) {
        if (l[0] === 0) return this.drop();
        if (l[0] !== 0xff) return this.start('short', l[0]!);
        return null;
      }
      if (l.length === 2) return l[1] === 0xf4 ? null : this.drop();
      if (l.length === 4) {
        const len16 = l[2]! | (l[3]! << 8);
        if (len16 === 0 || len16 >= MAX_LONG_LEN) return this.drop();
        return this.start('long', len16);
      }
      return null;
    }
    this.body.push(b);
    if (this.body.length < this.want) return null;
    const frame = { form: this.form, code: this.body[0]!, payload: Uint8Array.from(this.body.slice(1)), length: this.want };
    this.reset();
    return frame;
  }

  private start(form: FrameForm, length: number): null {
    this.form = form;
    this.want = length;
    return null;
  }

  private drop(): null {
    this.reset();
    return null;
  }
}

export class BekenSimDevice extends SimDevice {
  readonly family = 'beken';
  readonly chip: string;
  private state: State = 'firmware';
  private busy = false;
  private rx = new FrameAssembler();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private held = false;
  private sr: number;
  /** BASIC: flash re-protected by the last CheckCRC until a LinkCheck. */
  private crcLocked = false;
  private regs = new Map<number, number>();
  private readonly efuse: Uint8Array;
  private garbleSeed = 0x1234567;
  /** Command counts, for tests. */
  readonly stats = { frames: 0, discardedBytes: 0, linkChecks: 0, boots: 0, crcBytes: 0 };

  constructor(
    clock: SimClock,
    flash: SimFlash,
    readonly profile: SimChipProfile,
    readonly settings: BekenSimSettings,
    startLinked: boolean,
  ) {
    super(clock, flash);
    this.chip = profile.chip;
    this.sr = settings.initialSr;
    this.efuse = concatBytes((profile.efuseKey ?? TUYA_DEFAULT_KEY).split(' ').map((w) => u32le(parseInt(w, 16))));
    if (startLinked) this.state = 'linked';
  }

  get protocol(): string {
    return this.profile.protocol;
  }

  get full(): boolean {
    return this.profile.protocol === 'FULL';
  }

  get currentState(): State {
    return this.state;
  }

  override setLines(dtr: boolean, rts: boolean): void {
    if (!this.settings.autoReset) return;
    const cenLow = this.settings.resetLine === 'rts' ? rts : dtr;
    if (cenLow && !this.held) {
      this.held = true;
      this.enterReset();
    } else if (!cenLow && this.held) {
      this.held = false;
      this.boot();
    }
  }

  control(command: string): string {
    switch (command) {
      case 'power-cycle':
      case 'press-reset':
        this.enterReset();
        this.boot();
        return `${this.chip}: reset; download window open for ${this.settings.windowMs} ms`;
      case 'hold-boot':
      case 'release-boot':
        return `${this.chip}: BK72xx has no boot pin; use power-cycle or press-reset`;
      case 'status':
        if (this.state === 'bricked') return `${this.chip}: bricked (bootloader region erased; only SPI flashing recovers it)`;
        return `${this.chip}: ${this.state}, ${this.baud} baud, SR 0x${this.sr.toString(16).padStart(4, '0')}${this.isProtected() ? ' (protected)' : ''}`;
      default:
        return `unknown control "${command}" (power-cycle, press-reset, status)`;
    }
  }

  override dispose(): void {
    this.clearTimer();
  }

  receive(bytes: Uint8Array): void {
    if (this.state === 'firmware' && this.settings.openBeken) return this.firmwareConsole(bytes);
    if ((this.state !== 'window' && this.state !== 'linked') || this.busy) {
      this.stats.discardedBytes += bytes.length;
      return;
    }
    const data = this.baud > this.settings.maxBaud ? this.garble(bytes) : bytes;
    for (let i = 0; i < data.length; i++) {
      const frame = this.rx.feed(data[i]!);
      if (!frame) continue;
      // The loader runs the command, then resets its receive buffer: the rest is lost.
      this.stats.discardedBytes += data.length - i - 1;
      this.busy = true;
      void this.run(frame.form, frame.code, frame.payload, frame.length).finally(() => {
        this.busy = false;
        this.rx.reset();
      });
      return;
    }
  }

  protected override send(bytes: Uint8Array): void {
    super.send(this.baud > this.settings.maxBaud ? this.garble(bytes) : bytes);
  }

  private consoleLine = '';

  /** OpenBeken's UART console: a `reboot` line restarts the chip (and so opens the boot window). */
  private firmwareConsole(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (b === 0x0d || b === 0x0a) {
        const line = this.consoleLine.trim();
        this.consoleLine = '';
        if (line === 'reboot') {
          this.enterReset();
          this.boot();
          return;
        }
      } else if (this.consoleLine.length < 128) {
        this.consoleLine += String.fromCharCode(b);
      }
    }
  }

  // — Power and boot —

  private enterReset(): void {
    this.clearTimer();
    this.state = 'reset';
    this.busy = false;
    this.rx.reset();
    this.baud = UART_RESET_BAUD;
    this.crcLocked = false;
  }

  private boot(): void {
    this.stats.boots++;
    // A flash bootloader whose start was erased never runs: no window, no log, SPI recovery only.
    if (!this.full && this.flash.data.subarray(0, 0x100).every((b) => b === 0xff)) {
      this.state = 'bricked';
      return;
    }
    this.state = 'window';
    this.baud = UART_RESET_BAUD;
    if (this.profile.bootBanner) this.send(textEncoder.encode(this.profile.bootBanner));
    // A window of 0 models a loader that never listens (e.g. the log UART is wired).
    if (this.settings.windowMs <= 0) this.startFirmware();
    else this.armTimer(this.settings.windowMs, () => this.startFirmware());
  }

  private startFirmware(): void {
    this.state = 'firmware';
    this.consoleLine = '';
    this.baud = UART_RESET_BAUD;
    this.send(textEncoder.encode(this.profile.firmwareLog));
  }

  private armTimer(ms: number, fn: () => void): void {
    this.clearTimer();
    const t = setTimeout(fn, ms);
    (t as { unref?: () => void }).unref?.();
    this.timer = t;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // — Commands —

  private async run(form: FrameForm, code: number, p: Uint8Array, length: number): Promise<void> {
    this.stats.frames++;
    if (this.state === 'window') {
      // Until linked, the loader only listens for LinkCheck.
      if (form === 'short' && code === Short.LinkCheck) {
        this.state = 'linked';
        this.clearTimer();
        this.linkCheck();
        this.touch();
      }
      return;
    }
    if (this.state !== 'linked') return;
    this.clearTimer();
    if (form === 'short') await this.runShort(code, p);
    else await this.runLong(code, p, length);
    this.touch();
  }

  /** BASIC loaders give up on download mode after a silence. */
  private touch(): void {
    if (this.state === 'linked' && !this.full) this.armTimer(this.settings.idleMs, () => this.startFirmware());
  }

  private linkCheck(): void {
    this.stats.linkChecks++;
    this.crcLocked = false;
    this.send(shortResponse(0x01, Uint8Array.of(0x00)));
  }

  private supportsShort(code: number): boolean {
    if (this.full) return code !== Short.ReadBootVersion;
    const basic: number[] = [Short.LinkCheck, Short.Reboot, Short.SetBaudRate, Short.CheckCrc];
    if (this.profile.protocol === 'BASIC_TUYA') basic.push(Short.ReadBootVersion);
    return basic.includes(code);
  }

  private supportsLong(code: number): boolean {
    if (this.full) return true;
    const basic: number[] = [Long.FlashWrite, Long.FlashWrite4K, Long.FlashRead4K, Long.FlashErase];
    return basic.includes(code);
  }

  private async runShort(code: number, p: Uint8Array): Promise<void> {
    if (!this.supportsShort(code)) {
      this.send(unknownCommandResponse('short', code));
      return;
    }
    switch (code) {
      case Short.LinkCheck:
        this.linkCheck();
        return;
      case Short.WriteReg: {
        if (p.length < 8) return this.send(unknownCommandResponse('short', code));
        this.writeReg(readU32le(p, 0), readU32le(p, 4));
        this.send(shortResponse(code, p.subarray(0, 8)));
        return;
      }
      case Short.ReadReg: {
        if (p.length < 4) return this.send(unknownCommandResponse('short', code));
        const address = readU32le(p, 0);
        this.send(shortResponse(code, concatBytes([p.subarray(0, 4), u32le(this.readReg(address))])));
        return;
      }
      case Short.Reboot:
        if (p[0] === REBOOT_MAGIC) {
          this.enterReset();
          this.boot();
        } else {
          this.send(shortResponse(code, Uint8Array.of(REBOOT_MAGIC)));
        }
        return;
      case Short.SetBaudRate: {
        if (p.length < 5) return this.send(unknownCommandResponse('short', code));
        this.baud = readU32le(p, 0);
        // The host relies on this delay to switch its own rate, so it is real time even in fast mode.
        await new Promise((r) => setTimeout(r, p[4]!));
        this.send(shortResponse(code, p.subarray(0, 5)));
        return;
      }
      case Short.CheckCrc: {
        if (p.length < 8) return this.send(unknownCommandResponse('short', code));
        const start = readU32le(p, 0);
        const end = readU32le(p, 4);
        const length = Math.max(0, (this.full ? end + 1 : end) - start);
        this.stats.crcBytes += length;
        await this.clock.sleep((length / this.settings.crcBytesPerSecond) * 1000);
        const crc = bekenCrc(this.flash.read(start, length));
        if (!this.full) this.crcLocked = true;
        this.send(shortResponse(code, u32le(crc)));
        return;
      }
      case Short.ReadBootVersion:
        this.send(shortResponse(code, textEncoder.encode(this.profile.bootVersion ?? '')));
        return;
      case Short.Reset:
        if (p.length === 4 && String.fromCharCode(...p) === 'SEAN') {
          this.enterReset();
          this.boot();
        }
        return;
      case Short.StayRom:
        this.send(shortResponse(code, Uint8Array.of(0x55)));
        return;
      default:
        this.send(unknownCommandResponse('short', code));
    }
  }

  private async runLong(code: number, p: Uint8Array, length: number): Promise<void> {
    if (!this.supportsLong(code)) {
      this.send(unknownCommandResponse('long', code));
      return;
    }
    const addr = p.length >= 4 ? readU32le(p, 0) : 0;
    const addrBytes = p.subarray(0, 4);
    const refused = !this.full && addr < BOOTLOADER_END;
    switch (code) {
      case Long.FlashWrite: {
        const data = p.subarray(4);
        if (refused || data.length > 256) return this.send(longResponse(code, Status.ParamError, concatBytes([addrBytes, Uint8Array.of(0)])));
        await this.program(addr, data);
        this.send(longResponse(code, Status.Ok, concatBytes([addrBytes, Uint8Array.of(data.length & 0xff)])));
        return;
      }
      case Long.FlashWrite4K: {
        if (length !== 0x1005) return this.send(longResponse(code, Status.PackLenError, addrBytes));
        if (refused || addr % 256 !== 0) return this.send(longResponse(code, Status.ParamError, addrBytes));
        // Pages are programmed while the frame arrives, so only the last one delays the reply.
        await this.program(addr, p.subarray(4), 1 / 16);
        this.send(longResponse(code, Status.Ok, addrBytes));
        return;
      }
      case Long.FlashRead: {
        const n = p[4] ?? 0;
        this.send(longResponse(code, Status.Ok, concatBytes([addrBytes, this.flash.read(addr, n)])));
        return;
      }
      case Long.FlashRead4K: {
        if (refused) return this.send(longResponse(code, Status.ParamError, concatBytes([addrBytes, Uint8Array.of(0)])));
        await this.clock.sleep(this.flash.readTimeMs(4096));
        this.send(longResponse(code, Status.Ok, concatBytes([addrBytes, this.flash.read(addr, 4096)])));
        return;
      }
      case Long.FlashEraseAll:
        await this.erase(0, this.flash.size);
        this.send(longResponse(code, Status.Ok, Uint8Array.of(p[0] ?? 0)));
        return;
      case Long.FlashErase4K:
        await this.erase(addr - (addr % 0x1000), 0x1000);
        this.send(longResponse(code, Status.Ok, addrBytes));
        return;
      case Long.FlashReadSR: {
        const reg = p[0] ?? 0x05;
        const value = reg === 0x35 ? this.sr >> 8 : this.sr & 0xff;
        this.send(longResponse(code, Status.Ok, Uint8Array.of(reg, value)));
        return;
      }
      case Long.FlashWriteSR: {
        const values = p.subarray(1);
        const wanted = values.length >= 2 ? values[0]! | (values[1]! << 8) : (this.sr & 0xff00) | (values[0] ?? 0);
        if (!this.settings.srStuck) this.sr = wanted & 0xffff;
        await this.clock.sleep(15);
        const status = this.sr === (wanted & 0xffff) ? Status.Ok : Status.FlashOpTimeout;
        this.send(longResponse(code, status, p));
        return;
      }
      case Long.FlashGetMID: {
        if (p[0] !== 0x9f) return this.send(longResponse(code, Status.ParamError));
        const id = this.settings.jedecId;
        this.send(longResponse(code, Status.Ok, Uint8Array.of(0, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff)));
        return;
      }
      case Long.FlashErase: {
        const size = p[0] ?? 0;
        const a = p.length >= 5 ? readU32le(p, 1) : 0;
        const echo = p.subarray(0, 5);
        const bytes = size === EraseSize.Sector4K ? 0x1000 : size === EraseSize.Block64K ? 0x10000 : size === EraseSize.Block32K && this.full ? 0x8000 : 0;
        if (bytes === 0 || (!this.full && a < BOOTLOADER_END)) return this.send(longResponse(code, Status.ParamError, echo));
        await this.erase(a - (a % bytes), bytes);
        this.send(longResponse(code, Status.Ok, echo));
        return;
      }
      default:
        this.send(unknownCommandResponse('long', code));
    }
  }

  // — Flash with protection —

  private isProtected(): boolean {
    return (this.full && (this.sr & SR_PROTECT_MASK) !== 0) || this.crcLocked;
  }

  /** A protected flash ignores erase and program without an error, as SPI NOR does. */
  private async erase(address: number, length: number): Promise<void> {
    if (this.isProtected()) {
      await this.clock.sleep(1);
      return;
    }
    // The protocol never says how much a write covers: the erase unit ahead of it is the nearest.
    if (length < this.flash.size) this.flash.beginWrite(address, length);
    await this.clock.sleep(this.flash.erase(address, length));
  }

  private async program(address: number, data: Uint8Array, chargedFraction = 1): Promise<void> {
    if (this.isProtected()) return;
    await this.clock.sleep(this.flash.program(address, data) * chargedFraction);
  }

  private readReg(address: number): number {
    if (address === SCTRL_CHIP_ID) return this.profile.chipId;
    return this.regs.get(address) ?? 0;
  }

  /** eFuse access: a read request in the control register latches the byte into the data register. */
  private writeReg(address: number, value: number): void {
    if (address === EFUSE_CTRL && value & 1) {
      const index = (value >> 8) & 0x1f;
      this.regs.set(EFUSE_DATA, 0x100 | (this.efuse[index] ?? 0));
      this.regs.set(EFUSE_CTRL, value & ~1);
      return;
    }
    this.regs.set(address, value >>> 0);
  }

  private garble(bytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      let x = this.garbleSeed ^ bytes[i]!;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.garbleSeed = x >>> 0;
      out[i] = x & 0xff;
    }
    return out;
  }
}
