import { TYPICAL_NOR } from '../../core/nor.js';
import { SimDevice } from '../device.js';
import { SimFlash } from '../flash.js';
import type { SimOptions } from '../options.js';
import type { EspChipRow } from './chips.js';
import { RamImage, type LoaderContext, type LoaderPersonality } from './loader-context.js';
import { EspRegisters } from './registers.js';
import { RomLoader } from './rom.js';
import { SlipDecoder, slipEncode } from './slip.js';
import { StubLoader } from './stub.js';

export type EspSimState = 'reset' | 'download' | 'firmware';

const ROM_BAUD = 115200;
const OHAI = new TextEncoder().encode('OHAI');
const IMAGE_MAGIC = 0xe9;
/** When the application's first own log line appears after reset (ESP-IDF: a few hundred ms). */
const APP_START_MS = 300;
const APP_LOG_PERIOD_MS = 1000;
/** The ROM retries a blank or corrupt flash image over and over. */
const INVALID_HEADER_PERIOD_MS = 200;
/**
 * EN rises through the board's RC (10 kΩ, 1 µF): the chip leaves reset this long after the lines
 * release it. That is why Classic reset works although it passes through DTR=RTS=1 on its way
 * from (DTR 0, RTS 1) to (DTR 1, RTS 0). Real time even with an instant clock, because the lines
 * may arrive in separate network packets (RFC 2217).
 */
const EN_RISE_MS = 10;
/**
 * A host that uploaded the flasher stub talks to it at once; silence this long after the greeting
 * means the RAM code was something else (esptool `load-ram`), which the simulator cannot run.
 */
const RAM_CODE_NOTICE_MS = 500;

/** Frames received from the host, handed to the loader one at a time and strictly in order. */
class FrameInbox {
  private frames: Uint8Array[] = [];
  private waiter: ((frame: Uint8Array | null) => void) | null = null;
  private closed = false;

  push(frame: Uint8Array): void {
    if (this.closed) return;
    const w = this.waiter;
    this.waiter = null;
    if (w) w(frame);
    else this.frames.push(frame);
  }

  next(): Promise<Uint8Array | null> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** The chip reset: pending and future reads end with null. */
  close(): void {
    this.closed = true;
    this.frames = [];
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }
}

/**
 * An Espressif chip on a DevKit: the ROM loader, the flasher stub once uploaded, the firmware's
 * boot log, and the DTR/RTS auto-reset circuit (two cross-coupled transistors: EN low iff RTS is
 * asserted and DTR is not, IO0 low iff DTR is asserted and RTS is not). IO0 is sampled when EN rises.
 */
export class EspSimDevice extends SimDevice {
  readonly family = 'esp';
  readonly chip: string;
  readonly regs: EspRegisters;
  private readonly autoReset: boolean;
  private readonly secureDownloadMode: boolean;
  private readonly decoder = new SlipDecoder((frame) => this.inbox.push(frame));
  private inbox = new FrameInbox();
  /** Bumped on every reset; work started under an older epoch stops touching the chip. */
  private epoch = 0;
  private loader: LoaderPersonality | null = null;
  private current: EspSimState = 'reset';
  private dtr = false;
  private rts = false;
  private bootButton = false;
  private enHeldLow = false;
  private appTimer: ReturnType<typeof setInterval> | null = null;
  private bootedAt = 0;
  /** Bytes the firmware prints once after its start lines on every boot (e.g. a panic, for monitor tests). */
  private readonly appLog: Uint8Array;
  /** Frames the current loader has handled (tells a stub upload from `load-ram`). */
  private framesHandled = 0;

  constructor(
    readonly row: EspChipRow,
    options: SimOptions,
  ) {
    const flashSize = options.flashSize ?? row.flashSize;
    super(
      options.clock,
      new SimFlash(flashSize, { ...TYPICAL_NOR, ...options.timings }, options.flashInitial, options.flashBacking),
    );
    this.chip = row.name;
    this.autoReset = options.autoReset ?? true;
    const extra = options.extra ?? {};
    // Only chips with GET_SECURITY_INFO report Secure Download Mode (ESP32-S2 and later).
    this.secureDownloadMode = extra.secureDownloadMode === true && row.securityInfo !== 'none';
    this.appLog =
      typeof extra.appLog === 'string' ? new TextEncoder().encode(extra.appLog.replace(/\r?\n/g, '\r\n'))
        : extra.appLog instanceof Uint8Array ? extra.appLog : new Uint8Array(0);
    const jedecId =
      typeof extra.jedecId === 'number'
        ? extra.jedecId
        : ((row.jedecId & 0xffff) | (Math.round(Math.log2(flashSize)) << 16)) >>> 0;
    this.regs = new EspRegisters(row, jedecId, flashSize, () => this.baud, (ms) => this.watchdogArmed(ms));
    // Powered before anyone listened: the boot log of this first start goes nowhere.
    if (options.boot === 'firmware') this.bootFirmware(row.boot.rstPowerOn, true);
    else this.enterDownload();
  }

  get state(): EspSimState {
    return this.current;
  }

  /** `rom`, `stub`, `app`, or `none` while held in reset. */
  get mode(): string {
    if (this.current === 'download') return this.loader?.name ?? 'rom';
    return this.current === 'firmware' ? 'app' : 'none';
  }

  override receive(bytes: Uint8Array): void {
    // Only a loader reads the UART; the demo firmware ignores input.
    if (this.current === 'download') this.decoder.push(bytes);
  }

  override setLines(dtr: boolean, rts: boolean): void {
    this.dtr = dtr;
    this.rts = rts;
    if (!this.autoReset) return;
    const enLow = rts && !dtr;
    if (enLow && !this.enHeldLow) {
      this.enHeldLow = true;
      this.holdInReset();
    } else if (!enLow && this.enHeldLow) {
      this.enHeldLow = false;
      const epoch = this.epoch;
      setTimeout(() => {
        if (epoch === this.epoch && !this.enHeldLow) this.powerUp(this.row.boot.rstPin);
      }, EN_RISE_MS);
    }
  }

  override control(command: string): string {
    switch (command.trim()) {
      case 'power-cycle':
        this.powerCycle();
        break;
      case 'hold-boot':
        this.bootButton = true;
        break;
      case 'release-boot':
        this.bootButton = false;
        break;
      case 'press-reset':
        this.holdInReset();
        this.powerUp(this.row.boot.rstPin);
        break;
      case 'status':
        break;
      default:
        return `error: unknown command "${command}" (power-cycle, hold-boot, release-boot, press-reset, status)`;
    }
    return `state=${this.current} mode=${this.mode} baud=${this.baud}`;
  }

  /** Power off and on: the chip comes back as its strapping pins say (firmware unless IO0 is low). */
  powerCycle(): void {
    this.holdInReset();
    this.powerUp(this.row.boot.rstPowerOn);
  }

  /** Supply dip: the brown-out detector resets the chip; a running firmware logs it first. */
  override brownout(): void {
    if (this.current === 'firmware') this.print('\r\nBrownout detector was triggered\r\n\r\n');
    this.holdInReset();
    this.powerUp(this.row.boot.rstBrownout);
  }

  /** Powered off for good: a boot still pending (EN rise, app start, watchdog) never starts the firmware's timers. */
  override dispose(): void {
    this.holdInReset();
  }

  /**
   * The RTC/LP watchdog resets the whole system, so the strapping pins are sampled again. Its
   * timeout runs on the RTC clock in real time even under an instant clock: hosts (esptool
   * included) send one more write in that window and expect its reply.
   */
  private watchdogArmed(ms: number): void {
    const epoch = this.epoch;
    const timer = setTimeout(() => {
      if (epoch !== this.epoch) return;
      this.holdInReset();
      this.powerUp(this.row.boot.rstWatchdog);
    }, ms);
    (timer as { unref?: () => void }).unref?.();
  }

  private io0Low(): boolean {
    return this.bootButton || (this.autoReset && this.dtr && !this.rts);
  }

  private holdInReset(): void {
    this.epoch++;
    this.clock.idle();
    this.inbox.close();
    this.decoder.reset();
    this.stopApp();
    this.loader = null;
    this.current = 'reset';
    this.baud = ROM_BAUD;
    this.regs.reset();
  }

  private powerUp(rst: string): void {
    if (this.enHeldLow) return;
    if (this.io0Low()) {
      this.enterDownload();
      this.printBootLog(rst, true);
    } else this.bootFirmware(rst, false);
  }

  private enterDownload(): void {
    this.holdInReset();
    const epoch = this.epoch;
    const inbox = new FrameInbox();
    this.inbox = inbox;
    this.current = 'download';
    this.regs.spi.attached = this.row.romAttachesFlash === true;
    const alive = (): boolean => this.epoch === epoch;
    const ctx: LoaderContext = {
      chip: this.row,
      flash: this.flash,
      clock: this.clock,
      regs: this.regs,
      ram: new RamImage(),
      secureDownloadMode: this.secureDownloadMode,
      send: (bytes) => {
        if (alive()) this.send(bytes);
      },
      nextFrame: () => inbox.next(),
      alive,
      setBaud: (baud) => {
        // A zero divisor would stop the UART; keep the old rate rather than model a dead line.
        if (alive() && baud > 0) this.baud = baud;
      },
      startStub: (entry) => {
        if (!alive()) return;
        // Both stub generations attach the SPI flash themselves before they greet.
        this.regs.spi.attached = true;
        this.loader = new StubLoader(ctx);
        this.framesHandled = 0;
        this.send(slipEncode(OHAI));
        const timer = setTimeout(() => {
          if (alive() && this.framesHandled === 0) this.print(ramCodeNotice(entry));
        }, RAM_CODE_NOTICE_MS);
        (timer as { unref?: () => void }).unref?.();
      },
      exit: (how) => {
        if (!alive()) return;
        if (how === 'run') this.startFirmware(false);
        else {
          this.holdInReset();
          this.powerUp(this.row.boot.rstSoftware);
        }
      },
    };
    this.loader = new RomLoader(ctx);
    void this.serve(epoch, inbox);
  }

  private async serve(epoch: number, inbox: FrameInbox): Promise<void> {
    for (;;) {
      const frame = await inbox.next();
      if (!frame || epoch !== this.epoch || !this.loader) return;
      this.framesHandled++;
      await this.loader.handle(frame);
    }
  }

  private bootFirmware(rst: string, silent: boolean): void {
    this.holdInReset();
    if (!silent) this.printBootLog(rst, false);
    this.startFirmware(!silent);
  }

  /** The ROM (or a loader's "run") hands over to whatever is in flash. */
  private startFirmware(logs: boolean): void {
    this.holdInReset();
    this.current = 'firmware';
    this.bootedAt = this.clock.now();
    const epoch = this.epoch;
    const header = this.flash.read(this.row.bootloaderOffset, 8);
    const view = new DataView(header.buffer);
    if (header[0] !== IMAGE_MAGIC) {
      const line = `invalid header: 0x${view.getUint32(0, true).toString(16).padStart(8, '0')}\r\n`;
      if (logs) this.print(line);
      this.every(INVALID_HEADER_PERIOD_MS, () => this.print(line));
      return;
    }
    if (logs) this.print(`mode:DIO, clock div:2\r\nentry 0x${view.getUint32(4, true).toString(16).padStart(8, '0')}\r\n`);
    void this.clock.sleep(APP_START_MS).then(() => {
      if (this.epoch !== epoch) return;
      this.print(
        `I (${this.uptime()}) boot: ESP-IDF v5.3.1 2nd stage bootloader\r\n` +
          `I (${this.uptime()}) boot: Loaded app from partition at offset 0x10000\r\n` +
          `I (${this.uptime()}) cpu_start: Pro cpu start user code\r\n` +
          `I (${this.uptime()}) app: hello\r\n`,
      );
      if (this.appLog.length) this.send(this.appLog);
      this.every(APP_LOG_PERIOD_MS, () => this.print(`I (${this.uptime()}) app: hello\r\n`));
    });
  }

  private uptime(): number {
    return Math.max(APP_START_MS, Math.round(this.clock.now() - this.bootedAt));
  }

  private every(ms: number, fn: () => void): void {
    this.stopApp();
    const timer = setInterval(fn, ms);
    (timer as { unref?: () => void }).unref?.();
    this.appTimer = timer;
  }

  private stopApp(): void {
    if (this.appTimer) clearInterval(this.appTimer);
    this.appTimer = null;
  }

  private printBootLog(rst: string, download: boolean): void {
    const b = this.row.boot;
    const text = b.banner + rst + (download ? b.download + b.waiting : b.flash);
    // The ROM prints at its own rate (74880 on the ESP8266): at 115200 that arrives as garbage.
    this.baud = this.row.bootLogBaud;
    this.print(text);
    this.baud = ROM_BAUD;
  }

  private print(text: string): void {
    this.send(new TextEncoder().encode(text));
  }
}

/** What the console shows instead of the output of RAM code the simulator cannot run. */
function ramCodeNotice(entry: number): string {
  const at = `0x${entry.toString(16).padStart(8, '0')}`;
  return (
    `\r\n[anyflash simulator] The code loaded into RAM was not run: this simulator does not execute code.\r\n` +
    `[anyflash simulator] A real chip would now run it from its entry point ${at} until the next reset;\r\n` +
    `[anyflash simulator] here the chip keeps answering as the flasher stub would.\r\n`
  );
}
