import type { EspChipRow } from './chips.js';
import { SpiFlashRegisters } from './spi-flash-regs.js';

export const CHIP_DETECT_MAGIC_REG = 0x40001000;
/** Write-protect key of the RTC/LP watchdog registers: other values lock them. */
const WDT_WKEY = 0x50d83aa1;
const WDT_EN = 1 << 31;
/** Stage-0 action field (bits 30:28): 0 = off, anything else ends in a reset on these chips. */
const WDT_STG0_SHIFT = 28;
/** RTC slow clock (internal RC, ~136 kHz), which counts the stage-0 timeout in CONFIG1. */
const RTC_SLOW_HZ = 136_000;

/**
 * What READ_REG/WRITE_REG reach: the magic word, eFuses, the UART divider for the current rate,
 * the SPI user-command machine, and plain storage for anything else written (0 until written).
 */
export class EspRegisters {
  readonly spi: SpiFlashRegisters;
  private readonly written = new Map<number, number>();

  constructor(
    private readonly chip: EspChipRow,
    jedecId: number,
    flashSize: number,
    private readonly currentBaud: () => number,
    /** The RTC/LP watchdog was armed: the chip resets after `ms`. */
    private readonly watchdogArmed: (ms: number) => void = () => {},
  ) {
    this.spi = new SpiFlashRegisters(chip.spi, jedecId, flashSize);
  }

  /** A system reset clears the SoC registers written since power-up (the flash keeps its status). */
  reset(): void {
    this.written.clear();
  }

  read(address: number): number {
    address >>>= 0;
    if (address === CHIP_DETECT_MAGIC_REG) return this.chip.magic;
    if (address === this.chip.uartClkdivReg) return Math.round(this.chip.uartClockHz / this.currentBaud()) & 0xfffff;
    if (this.spi.owns(address)) return this.spi.read(address);
    return this.written.get(address) ?? this.chip.registers[address] ?? 0;
  }

  write(address: number, value: number, mask = 0xffffffff): void {
    address >>>= 0;
    const merged = ((this.read(address) & ~mask) | (value & mask)) >>> 0;
    if (this.spi.owns(address)) return this.spi.write(address, merged);
    const wdt = this.chip.watchdog;
    if (wdt && (address === wdt.config0 || address === wdt.config1) && this.read(wdt.wprotect) !== WDT_WKEY) return;
    this.written.set(address, merged);
    if (wdt && address === wdt.config0 && merged & WDT_EN && (merged >>> WDT_STG0_SHIFT) & 7) {
      this.watchdogArmed(Math.max(1, (this.read(wdt.config1) * 1000) / RTC_SLOW_HZ));
    }
  }
}
