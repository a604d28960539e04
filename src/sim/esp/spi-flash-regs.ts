import type { EspSpiRegisters } from './chips.js';

const SPI_CMD_USR = 1 << 18;
const SPI_USR_COMMAND = 1 << 31;
const SPI_USR_ADDR = 1 << 30;
const SPI_USR_MISO = 1 << 28;
const SPI_USR_MOSI = 1 << 27;
const ADDR_LEN_SHIFT = 26;

const RDID = 0x9f;
const RDSFDP = 0x5a;
const RDSR = [0x05, 0x35, 0x15];
const WRSR = [0x01, 0x31, 0x11];
const WREN = 0x06;
const WEVSR = 0x50;
const WRDI = 0x04;

/**
 * The SPI1 controller's "user command" mode and the NOR chip behind it, as far as host tools use
 * it over WRITE_REG/READ_REG: RDID, SFDP, status register read/write. Registers that are written
 * hold their value; the CMD register's USR bit clears as soon as the transaction has run.
 */
export class SpiFlashRegisters {
  private readonly regs = new Map<number, number>();
  /** Status registers 1–3 of the NOR chip, SR1 in the low byte. */
  private status = 0;
  private writeEnabled = false;
  private readonly sfdp: Uint8Array;
  /** A missing or unpowered flash (id FFFFFF/000000) answers nothing: the bus reads high. */
  private readonly absent: boolean;
  /**
   * The SPI1 pins are routed to the flash chip (SPI_ATTACH, or the flasher stub's own attach).
   * Until then the controller talks to nothing and every byte reads 0xFF, as on a real chip.
   */
  attached = false;

  constructor(
    private readonly spi: EspSpiRegisters,
    private readonly jedecId: number,
    flashSize: number,
  ) {
    this.absent = (jedecId & 0xffffff) === 0xffffff || (jedecId & 0xffffff) === 0;
    this.sfdp = buildSfdp(jedecId & 0xff, flashSize);
  }

  owns(address: number): boolean {
    return address >= this.spi.base && address < this.spi.base + 0x100;
  }

  read(address: number): number {
    return this.regs.get(address) ?? 0;
  }

  write(address: number, value: number): void {
    this.regs.set(address, value >>> 0);
    if (address === this.spi.base && value & SPI_CMD_USR) {
      this.run();
      this.regs.set(address, (value & ~SPI_CMD_USR) >>> 0);
    }
  }

  private reg(offset: number): number {
    return this.read(this.spi.base + offset);
  }

  private run(): void {
    const s = this.spi;
    const usr = this.reg(s.usr);
    if (!(usr & SPI_USR_COMMAND)) return;
    const command = this.reg(s.usr2) & 0xff;
    const usr1 = this.reg(s.usr1);
    let misoBits = 0;
    let mosiBits = 0;
    if (s.misoDlen !== null && s.mosiDlen !== null) {
      if (usr & SPI_USR_MISO) misoBits = (this.reg(s.misoDlen) & 0x3ffff) + 1;
      if (usr & SPI_USR_MOSI) mosiBits = (this.reg(s.mosiDlen) & 0x3ffff) + 1;
    } else {
      if (usr & SPI_USR_MISO) misoBits = ((usr1 >>> 8) & 0x1ff) + 1;
      if (usr & SPI_USR_MOSI) mosiBits = ((usr1 >>> 17) & 0x1ff) + 1;
    }
    let address = 0;
    if (usr & SPI_USR_ADDR) {
      const bits = ((usr1 >>> ADDR_LEN_SHIFT) & 0x3f) + 1;
      const raw = this.reg(0x04);
      address = s.addrMsb ? raw >>> (32 - Math.min(bits, 32)) : raw;
    }
    const mosi = this.dataBytes(Math.ceil(mosiBits / 8));
    const miso = this.transact(command, address, mosi, Math.ceil(misoBits / 8));
    for (let i = 0; i < miso.length; i++) {
      const reg = s.base + s.w0 + (i & ~3);
      const shift = (i & 3) * 8;
      const word = this.read(reg);
      this.regs.set(reg, ((word & ~(0xff << shift)) | (miso[i]! << shift)) >>> 0);
    }
  }

  private dataBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.read(this.spi.base + this.spi.w0 + (i & ~3)) >>> ((i & 3) * 8)) & 0xff;
    return out;
  }

  /** One SPI transaction on the NOR chip: command (+address) + MOSI bytes in, `n` MISO bytes out. */
  private transact(command: number, address: number, mosi: Uint8Array, n: number): Uint8Array {
    const out = new Uint8Array(n).fill(0xff);
    if (this.absent || !this.attached) return out;
    const reply = (bytes: ArrayLike<number>): Uint8Array => {
      for (let i = 0; i < n; i++) out[i] = bytes[i % bytes.length]!;
      return out;
    };
    if (command === RDID) return reply([this.jedecId & 0xff, (this.jedecId >>> 8) & 0xff, (this.jedecId >>> 16) & 0xff]);
    if (command === RDSFDP) {
      for (let i = 0; i < n; i++) out[i] = this.sfdp[address + i] ?? 0xff;
      return out;
    }
    const rdsr = RDSR.indexOf(command);
    if (rdsr >= 0) return reply([(this.status >>> (8 * rdsr)) & 0xff]);
    if (command === WREN || command === WEVSR) this.writeEnabled = true;
    else if (command === WRDI) this.writeEnabled = false;
    else {
      const wrsr = WRSR.indexOf(command);
      if (wrsr >= 0 && this.writeEnabled) {
        for (let i = 0; i < mosi.length && wrsr + i < 3; i++) {
          const shift = 8 * (wrsr + i);
          this.status = (this.status & ~(0xff << shift)) | (mosi[i]! << shift);
        }
        this.writeEnabled = false;
      }
    }
    return out;
  }
}

/** A minimal JEDEC SFDP table: header, basic parameter table (density) and a vendor header. */
function buildSfdp(manufacturer: number, flashSize: number): Uint8Array {
  const t = new Uint8Array(0x80).fill(0xff);
  t.set([0x53, 0x46, 0x44, 0x50, 0x06, 0x01, 0x01, 0xff], 0x00);
  t.set([0x00, 0x06, 0x01, 0x10, 0x30, 0x00, 0x00, 0xff], 0x08);
  t.set([manufacturer, 0x00, 0x01, 0x03, 0x90, 0x00, 0x00, 0x01], 0x10);
  const density = flashSize * 8 - 1;
  t.set([0xe5, 0x20, 0xf1, 0xff, density & 0xff, (density >>> 8) & 0xff, (density >>> 16) & 0xff, density >>> 24], 0x30);
  t.set([0x44, 0xeb, 0x08, 0x6b, 0x08, 0x3b, 0x42, 0xbb, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00], 0x38);
  t.set([0xff, 0xff, 0x44, 0xeb, 0x0c, 0x20, 0x0f, 0x52, 0x10, 0xd8, 0x00, 0x00], 0x48);
  return t;
}
