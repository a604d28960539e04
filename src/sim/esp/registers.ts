import type { EspChipRow } from './chips.js';
import { SpiFlashRegisters } from './spi-flash-regs.js';

export const CHIP_DETECT_MAGIC_REG = 0x40001000;

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
  ) {
    this.spi = new SpiFlashRegisters(chip.spi, jedecId, flashSize);
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
    if (this.spi.owns(address)) this.spi.write(address, merged);
    else this.written.set(address, merged);
  }
}
