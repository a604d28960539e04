import { REPLY_ENTER, REPLY_EXIT, REPLY_MEM_READ, REPLY_MEM_WRITE, type FrameLayout } from '../../families/sifli/frames.js';
import type { SimClock } from '../clock.js';
import { SimDevice } from '../device.js';
import type { SimFlash } from '../flash.js';
import { DebugFrameParser, replyFrame, type DebugRequest } from './debug-frames.js';
import { SimStub } from './stub.js';

export interface Sf32Config {
  chip: string;
  layout: FrameLayout;
  /** The 56's debug IP reaches RAM through its 0x2A… alias (and the 52's accepts 0xF… for 0xE…). */
  ramAlias: boolean;
  ramSize: number;
  stubAddress: number;
  flashBase: number;
  flashId: number;
  /** How long the ROM listens after power-up before it boots the firmware. */
  bootWindowMs: number;
  /** A firmware is in flash; it boots when the window passes. */
  firmware: boolean;
  /** The firmware puts its console on the debug pins, so the debug IP no longer answers. */
  firmwareOwnsUart: boolean;
  /** RTS drives the enable pin of a load switch in the chip's supply (asserted = power off). */
  rtsPower: boolean;
  maxBaud: number;
  /** Period of the firmware's console lines. */
  logIntervalMs: number;
  startInFirmware: boolean;
  /**
   * The state at start is a caught window (`--boot download`): the ROM listens until the next
   * power-up, as on a board someone powered at the right moment, so a tool started at any time
   * later finds it. Power cycles and resets after that get the normal window.
   */
  startInDownload: boolean;
  /** Fault: the stub fails the `burn_erase_write` block with this sequence number, once. */
  failBlock?: number;
}

type Phase = 'off' | 'rom' | 'firmware' | 'halted' | 'stub';

const RAM_BASE = 0x20000000;
const RAM_ALIAS = 0x2a000000;
const DHCSR = 0xe000edf0;
const DCRSR = 0xe000edf4;
const DCRDR = 0xe000edf8;
const DEMCR = 0xe000edfc;
const AIRCR = 0xe000ed0c;
const DBGKEY = 0xa05f0000;
const ROM_BAUD = 1_000_000;
const enc = new TextEncoder();

/**
 * SF32LB5x as seen from its DBG_UART pins (PA18/PA19): a ROM that prints `SFBL` and listens about
 * 2 s after power-up; the debug IP (Enter/Exit/MEMRead/MEMWrite, halt/run through DHCSR, core
 * registers through DCRSR/DCRDR, SYSRESETREQ with reset catch); a RAM where a stub can be loaded
 * and started; a firmware that takes the pins over for its console; an optional RTS power switch.
 */
export class Sf32Sim extends SimDevice {
  readonly family = 'sifli';
  readonly chip: string;
  private phase: Phase = 'off';
  private debugActive = false;
  private parser: DebugFrameParser;
  private readonly ram: Uint8Array;
  /** Highest RAM address written so far from the stub load address (what a loaded blob spans). */
  private stubEnd = 0;
  private readonly regs = new Map<number, number>();
  private readonly core = new Array<number>(19).fill(0);
  private stub: SimStub | null = null;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private logTimer: ReturnType<typeof setInterval> | null = null;
  private powerOnAt = 0;
  private rts = false;
  private logCount = 0;

  constructor(
    clock: SimClock,
    flash: SimFlash,
    readonly config: Sf32Config,
  ) {
    super(clock, flash);
    this.chip = config.chip;
    this.ram = new Uint8Array(config.ramSize);
    this.baud = ROM_BAUD;
    this.parser = new DebugFrameParser(config.layout);
    this.powerOn(config.startInFirmware, config.startInDownload);
  }

  private text(s: string): void {
    this.send(enc.encode(s));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers = this.timers.filter((x) => x !== t);
      fn();
    }, ms);
    t.unref?.();
    this.timers.push(t);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.logTimer) clearInterval(this.logTimer);
    this.logTimer = null;
  }

  private powerOff(): void {
    this.clearTimers();
    this.stub?.input.kill();
    this.stub = null;
    this.phase = 'off';
    this.debugActive = false;
    this.parser.reset();
    this.ram.fill(0);
    this.stubEnd = 0;
    this.regs.clear();
    this.core.fill(0);
  }

  /**
   * Power-on reset. `skipWindow` starts with the firmware already running and `holdRom` with the
   * window already caught (states at start).
   */
  private powerOn(skipWindow: boolean, holdRom = false): void {
    this.powerOff();
    this.baud = ROM_BAUD;
    this.powerOnAt = this.clock.now();
    this.phase = 'rom';
    if (skipWindow && this.config.firmware) {
      this.bootFirmware();
      return;
    }
    this.text('SFBL\r\n');
    if (holdRom) return;
    this.later(this.config.bootWindowMs, () => {
      if (this.phase === 'rom' && !this.debugActive && this.config.firmware) this.bootFirmware();
    });
  }

  private bootFirmware(): void {
    this.phase = 'firmware';
    this.logCount = 0;
    this.text('*** Booting Zephyr OS build v4.2.0 ***\r\n[00:00:00.002,000] <inf> main: app started\r\n');
    this.logTimer = setInterval(() => {
      this.logCount++;
      const ms = this.logCount * this.config.logIntervalMs;
      const s = Math.floor(ms / 1000);
      this.text(`[00:00:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')},000] <inf> main: heartbeat ${this.logCount}\r\n`);
    }, this.config.logIntervalMs);
    this.logTimer.unref?.();
  }

  /** Whether the debug IP hears the pins right now. */
  private debugListens(): boolean {
    if (this.phase === 'off') return false;
    if (this.phase === 'firmware') return !this.config.firmwareOwnsUart;
    return true;
  }

  receive(bytes: Uint8Array): void {
    if (this.phase === 'off') return;
    if (this.phase === 'stub' && !this.debugActive) {
      this.stub?.input.push(bytes);
      return;
    }
    if (!this.debugListens()) return;
    for (const req of this.parser.push(bytes)) this.handle(req);
  }

  private reply(kind: number, words: readonly number[] = []): void {
    this.send(replyFrame(this.config.layout, kind, words));
  }

  private handle(req: DebugRequest): void {
    if (req.kind === 'enter') {
      this.debugActive = true;
      this.reply(REPLY_ENTER);
      return;
    }
    // Without Enter the debug IP ignores everything (also after a system reset dropped the session).
    if (!this.debugActive) return;
    switch (req.kind) {
      case 'exit':
        this.debugActive = false;
        this.reply(REPLY_EXIT);
        return;
      case 'read': {
        const words: number[] = [];
        for (let i = 0; i < req.count; i++) words.push(this.readWord(req.address + i * 4));
        this.reply(REPLY_MEM_READ, words);
        return;
      }
      case 'write':
        if (this.writeMemory(req.address, req.data)) this.reply(REPLY_MEM_WRITE);
        return;
      default:
        return;
    }
  }

  /** Offset into RAM of a debug-IP address, or -1. The 56's debug IP sees RAM only at its 0x2A… alias. */
  private ramOffset(address: number, n: number): number {
    const base = this.config.ramAlias ? RAM_ALIAS : RAM_BASE;
    const off = address - base;
    return off >= 0 && off + n <= this.config.ramSize ? off : -1;
  }

  /** 0xF… is the debug window onto the core's 0xE… registers. */
  private unalias(address: number): number {
    const a = address >>> 0;
    return a >= 0xf0000000 ? ((a & 0x0fffffff) | 0xe0000000) >>> 0 : a;
  }

  private readWord(address: number): number {
    const a = this.unalias(address);
    const off = this.ramOffset(a, 4);
    if (off >= 0) return new DataView(this.ram.buffer).getUint32(off, true);
    if (a === DHCSR) return this.phase === 'halted' ? 0x00030003 : 0x00010001;
    return this.regs.get(a) ?? 0;
  }

  /** Returns false when the write resets the chip (no reply goes out then). */
  private writeMemory(address: number, data: Uint8Array): boolean {
    const a = this.unalias(address);
    const off = this.ramOffset(a, data.length);
    if (off >= 0) {
      this.ram.set(data, off);
      const stubOff = this.config.stubAddress - RAM_BASE;
      if (off >= stubOff && off <= stubOff + this.stubEnd) this.stubEnd = Math.max(this.stubEnd, off + data.length - stubOff);
      return true;
    }
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i + 4 <= data.length; i += 4) {
      if (!this.writeRegister(a + i, dv.getUint32(i, true))) return false;
    }
    return true;
  }

  private writeRegister(a: number, value: number): boolean {
    switch (a) {
      case DHCSR:
        if ((value & 0xffff0000) >>> 0 !== DBGKEY) return true;
        if (value & 2) this.phase = this.phase === 'stub' ? 'stub' : 'halted';
        else if (value & 1 && this.phase === 'halted') this.run();
        return true;
      case DCRSR:
        if (value & 0x10000) this.core[value & 0x1f] = this.regs.get(DCRDR) ?? 0;
        return true;
      case AIRCR:
        if (((value >>> 16) & 0xffff) === 0x05fa && value & 4) {
          // SYSRESETREQ: the core restarts; with VC_CORERESET it stops at the reset vector. The
          // debug session does not survive, so the host has to send Enter again.
          this.clearTimers();
          this.debugActive = false;
          this.parser.reset();
          this.phase = (this.regs.get(DEMCR) ?? 0) & 1 ? 'halted' : 'rom';
          return false;
        }
        return true;
      default:
        this.regs.set(a, value >>> 0);
        return true;
    }
  }

  /** The core leaves halt: runs the loaded blob if PC and SP point where a stub would. */
  private run(): void {
    const pc = (this.core[15]! & ~1) >>> 0;
    const sp = this.core[13]! >>> 0;
    const start = this.config.stubAddress;
    const validPc = pc >= start && pc < start + this.stubEnd;
    const validSp = sp > RAM_BASE && sp <= RAM_BASE + this.config.ramSize;
    if (!validPc || !validSp) {
      // A wild jump: the core locks up and prints nothing; the debug IP keeps answering.
      return;
    }
    this.phase = 'stub';
    const flash = this.flash;
    const stub = new SimStub({
      clock: this.clock,
      flash,
      flashBase: this.config.flashBase,
      flashId: this.config.flashId,
      maxBaud: this.config.maxBaud,
      send: (t) => this.send(typeof t === 'string' ? enc.encode(t) : t),
      setBaud: (b) => (this.baud = b),
      reboot: () => this.powerOn(false),
      failBlock: this.config.failBlock,
    });
    this.config.failBlock = undefined;
    this.stub = stub;
    void stub.run();
  }

  override setLines(_dtr: boolean, rts: boolean): void {
    if (!this.config.rtsPower || rts === this.rts) {
      this.rts = rts;
      return;
    }
    this.rts = rts;
    if (rts) this.powerOff();
    else this.powerOn(false);
  }

  control(command: string): string {
    switch (command) {
      case 'power-cycle':
      case 'press-reset':
        if (this.config.rtsPower && this.rts) {
          this.powerOff();
          return 'power is held off by RTS';
        }
        this.powerOn(false);
        return `${this.chip}: powered up, ROM listening for ${this.config.bootWindowMs} ms`;
      case 'hold-boot':
      case 'release-boot':
        return `${this.chip} has no BOOT pin; the ROM listens ${this.config.bootWindowMs} ms after power-up`;
      case 'status':
        return `phase=${this.phase} debug=${this.debugActive} baud=${this.baud} up=${Math.round(this.clock.now() - this.powerOnAt)}ms`;
      default:
        return `unknown control '${command}'`;
    }
  }

  override dispose(): void {
    this.powerOff();
  }
}
