import type { SimClock } from '../clock.js';
import { SimDevice } from '../device.js';
import type { SimFlash } from '../flash.js';
import { PowerLost, UartInput } from './input.js';
import { SimStub } from './stub.js';

export interface DfuRomConfig {
  chip: string;
  flashBase: number;
  flashId: number;
  maxBaud: number;
  /** BOOT_MODE pin level at start: high enters the ROM shell at reset. */
  bootModeHigh: boolean;
}

const enc = new TextEncoder();

/**
 * SF32LB55/58 as seen from the ROM download UART: with BOOT_MODE high the ROM runs an `msh >`
 * shell whose `dfu_recv <n>` takes `[type, id] + data` records — key [3,10], signed header [1,9],
 * body [2,9]…, end [4,9] — and then runs the stub. The signature itself is not modelled (its
 * format is not public); out-of-order records are refused with `Fail`.
 */
export class DfuRomSim extends SimDevice {
  readonly family = 'sifli';
  readonly chip: string;
  private input: UartInput | null = null;
  private stub: SimStub | null = null;
  private bootHigh: boolean;

  constructor(
    clock: SimClock,
    flash: SimFlash,
    readonly config: DfuRomConfig,
  ) {
    super(clock, flash);
    this.chip = config.chip;
    this.bootHigh = config.bootModeHigh;
    this.reset();
  }

  private text(s: string): void {
    this.send(enc.encode(s));
  }

  private reset(): void {
    this.input?.kill();
    this.stub?.input.kill();
    this.stub = null;
    this.baud = 1_000_000;
    if (!this.bootHigh) {
      this.input = null;
      this.text('\r\n[app] booting firmware\r\n');
      return;
    }
    const input = new UartInput();
    this.input = input;
    void this.shell(input);
  }

  receive(bytes: Uint8Array): void {
    (this.stub?.input ?? this.input)?.push(bytes);
  }

  private async shell(input: UartInput): Promise<void> {
    try {
      this.text('\r\nSFBL\r\nmsh >');
      let stage = 0;
      for (;;) {
        let line = '';
        for (;;) {
          const b = await input.byte();
          if (b === 0x0d) break;
          if (b === 0x0a) continue;
          this.send(Uint8Array.of(b));
          line += String.fromCharCode(b);
        }
        this.text('\r\n');
        const [cmd, arg] = line.trim().split(/\s+/);
        if (cmd === 'dfu_recv') {
          const body = await input.bytes(Number(arg));
          const [type, id] = body;
          const next =
            type === 3 && id === 10 && stage === 0 ? 1
            : type === 1 && id === 9 && stage === 1 && body.length === 330 ? 2
            : type === 2 && id === 9 && stage >= 2 && body.length <= 550 ? 3
            : type === 4 && id === 9 && stage === 3 ? 4
            : -1;
          if (next < 0) {
            stage = 0;
            this.text('Fail\r\n');
          } else {
            stage = next;
            this.text('OK\r\n');
            if (stage === 4) {
              await this.clock.sleep(5);
              this.startStub(input);
              return;
            }
          }
        } else if (cmd) this.text(`${cmd}: command not found.\r\n`);
        this.text('msh >');
      }
    } catch (e) {
      if (!(e instanceof PowerLost)) throw e;
    }
  }

  private startStub(rom: UartInput): void {
    rom.kill();
    this.input = null;
    const stub = new SimStub({
      clock: this.clock,
      flash: this.flash,
      flashBase: this.config.flashBase,
      flashId: this.config.flashId,
      maxBaud: this.config.maxBaud,
      send: (t) => this.send(typeof t === 'string' ? enc.encode(t) : t),
      setBaud: (b) => (this.baud = b),
      reboot: () => this.reset(),
    });
    this.stub = stub;
    void stub.run();
  }

  control(command: string): string {
    switch (command) {
      case 'hold-boot':
        this.bootHigh = true;
        return 'BOOT_MODE high';
      case 'release-boot':
        this.bootHigh = false;
        return 'BOOT_MODE low';
      case 'power-cycle':
      case 'press-reset':
        this.reset();
        return this.bootHigh ? 'reset: ROM download shell' : 'reset: firmware';
      case 'status':
        return `boot=${this.bootHigh ? 'high' : 'low'} mode=${this.stub ? 'stub' : this.input ? 'rom-shell' : 'firmware'} baud=${this.baud}`;
      default:
        return `unknown control '${command}'`;
    }
  }

  override dispose(): void {
    this.input?.kill();
    this.stub?.input.kill();
  }
}
