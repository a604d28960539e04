import { espChipRecord, type EspChipRecord, type SecurityInfoKind, type WatchdogRegs } from '../../chips/esp.js';

/**
 * The simulated Espressif chips. What identifies a chip and where its registers are comes from the
 * chip records (chips/esp.ts); a simulator row adds only what one simulated board has: which ECO
 * (magic), its crystal, eFuse words (MAC, revision, package), its flash and its boot log. Values
 * follow reference/esp.md §1–§3; eFuse words are chosen so host tools read a plausible MAC,
 * revision and package.
 */

/** SPI1 "user command" registers, as offsets from `base` (§2 "Flash ID"). */
export interface EspSpiRegisters {
  base: number;
  usr: number;
  usr1: number;
  usr2: number;
  /** ESP32 and later keep the MOSI/MISO bit lengths in their own registers; ESP8266 packs them in USR1. */
  mosiDlen: number | null;
  misoDlen: number | null;
  w0: number;
  /** ESP32/ESP8266 expect the address left-aligned in SPI_ADDR (`addr << (32 - bits)`). */
  addrMsb: boolean;
}

export type { SecurityInfoKind } from '../../chips/esp.js';

/** One simulated board: the simulator-only facts, on top of its chip record. */
export interface EspSimSpec {
  chip: string;
  /** Value at 0x40001000 (`CHIP_DETECT_MAGIC_REG_ADDR`) of the ECO simulated; one of the record's. */
  magic?: number;
  /** Clock the UART divider divides (crystal on ESP32-family ROMs, 2 × crystal on ESP8266). */
  uartClockHz: number;
  crystalMhz: number;
  /**
   * Crystal the ROM's UART code assumes when it sets a new rate (ESP32-C2 with a 26 MHz crystal:
   * its ROM assumes 40, so esptool asks for `baud * 40 / 26`). Absent: the real crystal.
   */
  romAssumedCrystalMhz?: number;
  /** Readable words: eFuses (MAC, revision, package) and the few other registers tools read. */
  registers: Readonly<Record<number, number>>;
  flashSize: number;
  /** JEDEC id as esptool prints it: manufacturer in the low byte, size code in the high byte. */
  jedecId: number;
  /** The ROM prints its boot log at this rate (ESP8266: 74880 with a 26 MHz crystal). */
  bootLogBaud: number;
  /** Boot log pieces: banner + rst… + download|flash + waiting. */
  boot: {
    banner: string;
    rstPowerOn: string;
    rstPin: string;
    rstSoftware: string;
    rstBrownout: string;
    /** After the RTC/LP watchdog's system reset (`--after watchdog-reset`). */
    rstWatchdog: string;
    download: string;
    flash: string;
    /** The ROM's "waiting for download" line (absent on ESP8266). */
    waiting: string;
  };
}

/** The row the simulator runs on: the spec plus what it needs from the chip record. */
export interface EspChipRow extends EspSimSpec {
  magic: number;
  name: string;
  label: string;
  /** IMAGE_CHIP_ID, reported in the 20-byte security info (0 on chips without one). */
  chipId: number;
  securityInfo: SecurityInfoKind;
  /** Status bytes at the end of every ROM reply (the stub always uses 2). */
  romStatusBytes: 2 | 4;
  /** Opcodes the ROM loader accepts; everything else is rejected with "invalid message" (0x05). */
  romCommands: readonly number[];
  /** The ROM attaches the SPI flash at boot; elsewhere it reads 0xFF until SPI_ATTACH. */
  romAttachesFlash: boolean;
  spi: EspSpiRegisters;
  uartClkdivReg: number;
  bootloaderOffset: number;
  watchdog?: WatchdogRegs;
  /** The low MAC word (the chip record's); its high 16 bits are in the next word. */
  macReg: number;
}

const ESP32_ROM_COMMANDS = [
  0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
];
const NEWER_ROM_COMMANDS = [...ESP32_ROM_COMMANDS, 0x14];
const ESP8266_ROM_COMMANDS = [0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a];

function newerBoot(banner: string, download: string, flash: string, rstWatchdog = 'rst:0x10 (RTCWDT_RTC_RST),'): EspSimSpec['boot'] {
  return {
    banner,
    rstPowerOn: 'rst:0x1 (POWERON),',
    rstPin: 'rst:0x1 (POWERON),',
    rstSoftware: 'rst:0x3 (RTC_SW_SYS_RST),',
    rstBrownout: 'rst:0xf (BROWN_OUT_RST),',
    rstWatchdog,
    download,
    flash,
    waiting: 'waiting for download\r\n',
  };
}

const MiB = 0x100000;
/**
 * What the simulator answers at 0x40001000 on chips whose magic value is not published (the newer
 * ones are told apart by the chip id in GET_SECURITY_INFO): a value no chip record claims.
 */
const NO_MAGIC = 0xffffffff;

export const ESP_SIM_SPECS: readonly EspSimSpec[] = [
  {
    chip: 'esp32',
    magic: 0x00f01d83,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      // eFuse BLK0: MAC 24:0a:c4:12:34:56 in words 1–2 (word2 bits 23:16: its CRC-8, see `macRegisters`);
      // word3 = package D0WD + rev bit; word5 = rev bit.
      0x3ff5a004: 0xc4123456,
      0x3ff5a008: 0x00f5240a,
      0x3ff5a00c: 0x00008200,
      // word4 low byte = CK8M calibration, chosen with RTCCALICFG1 so the ROM's crystal estimate is 40 MHz.
      0x3ff5a010: 0x00000080,
      0x3ff5a014: 0x00100000,
      0x3ff6607c: 0x80000000, // APB_CTL_DATE bit 31: together with the eFuse bits → revision v3.0
      0x3ff5f06c: 800 << 7, // RTCCALICFG1
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: {
      banner: 'ets Jun  8 2016 00:22:57\r\n\r\n',
      rstPowerOn: 'rst:0x1 (POWERON_RESET),',
      rstPin: 'rst:0x1 (POWERON_RESET),',
      rstSoftware: 'rst:0xc (SW_CPU_RESET),',
      rstBrownout: 'rst:0xf (RTCWDT_BROWN_OUT_RESET),',
      rstWatchdog: 'rst:0x10 (RTCWDT_RTC_RESET),',
      download: 'boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\n',
      flash: 'boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n',
      waiting: 'waiting for download\r\n',
    },
  },
  {
    chip: 'esp32s2',
    magic: 0x000007c6,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x3f41a044: 0xa1010203, // MAC 7c:df:a1:01:02:03 (words 0/1 of BLOCK1)
      0x3f41a048: 0x00007cdf,
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot(
      'ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\n',
      'boot:0x0 (DOWNLOAD(USB/UART0/1))\r\n',
      'boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n',
    ),
  },
  {
    chip: 'esp32s3',
    magic: 0x00000009,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x60007044: 0x18010203, // MAC 34:85:18:01:02:03
      0x60007048: 0x00003485,
      0x60007050: 2 << 18, // BLOCK1 word3: minor revision 2, package 0 (QFN56)
    },
    flashSize: 8 * MiB,
    jedecId: 0x1740c8,
    bootLogBaud: 115200,
    boot: newerBoot(
      'ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n',
      'boot:0x0 (DOWNLOAD(USB/UART0))\r\n',
      'boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n',
    ),
  },
  {
    chip: 'esp32c3',
    magic: 0x1b31506f,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x60008844: 0x79010203, // MAC 58:cf:79:01:02:03
      0x60008848: 0x000058cf,
      0x60008850: 4 << 18, // BLOCK1 word3: minor revision 4 → v0.4
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot(
      'ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n',
      'boot:0x5 (DOWNLOAD(USB/UART0/1))\r\n',
      'boot:0xc (SPI_FAST_FLASH_BOOT)\r\n',
    ),
  },
  {
    chip: 'esp32c6',
    magic: 0x2ce0806f,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x600b0844: 0xca010203, // MAC 40:4c:ca:01:02:03
      0x600b0848: 0xfffe404c, // high half: the EUI-64 filler ff:fe, as programmed on real C6/H2 parts
      0x600b0850: 1 << 18, // BLOCK1 word3: minor revision 1 → v0.1
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot(
      'ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\n',
      'boot:0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))\r\n',
      'boot:0xc (SPI_FAST_FLASH_BOOT)\r\n',
    ),
  },
  {
    chip: 'esp32c2',
    magic: 0x7c41a06f,
    // The common 26 MHz variant: esptool finds the crystal from the UART divider.
    uartClockHz: 26e6,
    crystalMhz: 26,
    romAssumedCrystalMhz: 40,
    registers: {
      0x60008840: 0x22010203, // MAC 08:3a:22:01:02:03 (BLOCK2 words 0/1)
      0x60008844: (1 << 20) | 0x083a, // BLOCK2 word1: major revision 1 → v1.0
    },
    flashSize: 2 * MiB,
    jedecId: 0x1540c8,
    bootLogBaud: 74880,
    boot: newerBoot(
      'ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\n',
      'boot:0x4 (DOWNLOAD(UART0))\r\n',
      'boot:0xc (SPI_FAST_FLASH_BOOT)\r\n',
    ),
  },
  {
    chip: 'esp32h2',
    magic: 0xd7b73e80,
    uartClockHz: 32e6,
    crystalMhz: 32,
    registers: {
      0x600b0844: 0x60010203, // MAC 74:4d:60:01:02:03
      0x600b0848: 0xfffe744d, // EUI-64 filler ff:fe (MAC_EXT)
      0x600b0850: 1 << 18, // BLOCK1 word3: minor revision 1 → v0.1
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot(
      'ESP-ROM:esp32h2-20221101\r\nBuild:Nov  1 2022\r\n',
      'boot:0x4 (DOWNLOAD(USB/UART0))\r\n',
      'boot:0xc (SPI_FAST_FLASH_BOOT)\r\n',
    ),
  },
  {
    chip: 'esp32c5',
    magic: 0x1101406f,
    // The 48 MHz-crystal variant: esptool measures the crystal from the UART divider.
    uartClockHz: 48e6,
    crystalMhz: 48,
    registers: {
      0x600b4844: 0x13010203, // MAC d0:cf:13:01:02:03
      0x600b4848: 0xfffed0cf, // high half: EUI-64 filler ff:fe (802.15.4 radio)
      0x600b4850: (1 << 4) | 0, // BLOCK1 word2: major 1, minor 0 → v1.0; package 0
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot('ESP-ROM:esp32c5\r\n', 'boot:0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))\r\n', 'boot:0x18 (SPI_FAST_FLASH_BOOT)\r\n', 'rst:0x10 (LP_WDT_SYS),'),
  },
  {
    chip: 'esp32c61',
    magic: 0x33f0206f,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x600b4844: 0x5b010203, // MAC 8c:bf:5b:01:02:03
      0x600b4848: 0x00008cbf,
      0x600b4850: (1 << 4) | 0, // BLOCK1 word2: v1.0
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot('ESP-ROM:esp32c61\r\n', 'boot:0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))\r\n', 'boot:0x18 (SPI_FAST_FLASH_BOOT)\r\n', 'rst:0x10 (LP_WDT_SYS),'),
  },
  {
    chip: 'esp32p4',
    magic: 0x0addbad0,
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x5012d044: 0x4f010203, // MAC 30:ed:4f:01:02:03
      0x5012d048: 0x000030ed,
      0x5012d04c: (3 << 4) | 1, // BLOCK1 word2: major 3 (bit 23 clear), minor 1 → v3.1: the current stub, not rev1's
    },
    flashSize: 16 * MiB,
    jedecId: 0x1840c8,
    bootLogBaud: 115200,
    boot: newerBoot('ESP-ROM:esp32p4\r\n', 'boot:0x4 (DOWNLOAD(USB/UART0/1))\r\n', 'boot:0x18 (SPI_FAST_FLASH_BOOT)\r\n', 'rst:0x10 (LP_WDT_SYS),'),
  },
  {
    chip: 'esp32h4',
    uartClockHz: 32e6,
    crystalMhz: 32,
    registers: {
      0x600b1844: 0x99010203, // MAC 10:51:99:01:02:03
      0x600b1848: 0xfffe1051, // EUI-64 filler ff:fe
      0x600b1850: 1 << 18, // BLOCK1 word3: v0.1
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot('ESP-ROM:esp32h4\r\n', 'boot:0x4 (DOWNLOAD(USB/UART0))\r\n', 'boot:0xc (SPI_FAST_FLASH_BOOT)\r\n', 'rst:0x10 (LP_WDT_SYS),'),
  },
  {
    chip: 'esp32h21',
    uartClockHz: 32e6,
    crystalMhz: 32,
    registers: {
      0x600b4044: 0xa2010203, // MAC 60:55:a2:01:02:03
      0x600b4048: 0xfffe6055, // EUI-64 filler ff:fe
      0x600b4058: 1 << 4, // BLOCK1 word5: v0.1
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640c8,
    bootLogBaud: 115200,
    boot: newerBoot('ESP-ROM:esp32h21\r\n', 'boot:0x4 (DOWNLOAD(USB/UART0))\r\n', 'boot:0xc (SPI_FAST_FLASH_BOOT)\r\n', 'rst:0x10 (LP_WDT_SYS),'),
  },
  {
    chip: 'esp32s31',
    uartClockHz: 40e6,
    crystalMhz: 40,
    registers: {
      0x20715050: 0x31010203, // MAC 9c:13:31:01:02:03 (BLOCK1 starts at +0x50 on the S31)
      0x20715054: 0xfffe9c13, // EUI-64 filler ff:fe
      0x2071505c: 1 << 18, // BLOCK1 word3: v0.1
    },
    flashSize: 8 * MiB,
    jedecId: 0x1740c8,
    bootLogBaud: 115200,
    boot: newerBoot('ESP-ROM:esp32s31\r\n', 'boot:0x4 (DOWNLOAD(USB/UART0))\r\n', 'boot:0x18 (SPI_FAST_FLASH_BOOT)\r\n', 'rst:0x10 (LP_WDT_SYS),'),
  },
  {
    chip: 'esp8266',
    magic: 0xfff0c101,
    uartClockHz: 52e6,
    crystalMhz: 26,
    registers: {
      // OTP MAC words: OUI 18:fe:34 (MAC1 bits 23:16 = 0), then ab:cd from MAC1, ef from MAC0.
      0x3ff00050: 0xef000000,
      0x3ff00054: 0x0000abcd,
    },
    flashSize: 4 * MiB,
    jedecId: 0x1640e0,
    bootLogBaud: 74880,
    boot: {
      banner: '\r\n ets Jan  8 2013,',
      rstPowerOn: 'rst cause:1, ',
      rstPin: 'rst cause:2, ',
      rstSoftware: 'rst cause:4, ',
      rstBrownout: 'rst cause:1, ',
      rstWatchdog: 'rst cause:4, ',
      download: 'boot mode:(1,7)\r\n\r\n',
      flash: 'boot mode:(3,6)\r\n\r\n',
      waiting: '',
    },
  },
];

function romCommands(record: EspChipRecord): readonly number[] {
  if (record.romStatusLen === 2) return ESP8266_ROM_COMMANDS;
  return record.securityInfo === 'none' ? ESP32_ROM_COMMANDS : NEWER_ROM_COMMANDS;
}

function simRow(spec: EspSimSpec): EspChipRow {
  const record = espChipRecord(spec.chip);
  if (!record) throw new Error(`simulator row ${spec.chip} has no chip record`);
  const magic = spec.magic ?? NO_MAGIC;
  if (spec.magic === undefined ? record.magic.length > 0 : !record.magic.includes(magic)) {
    throw new Error(`simulator row ${spec.chip}: magic is not one of the chip's`);
  }
  const { spi } = record;
  return {
    ...spec,
    magic,
    name: record.name,
    label: record.description,
    chipId: record.imageChipId ?? 0,
    securityInfo: record.securityInfo,
    romStatusBytes: record.romStatusLen,
    romCommands: romCommands(record),
    romAttachesFlash: record.romAttachesFlash === true,
    spi: { ...spi, mosiDlen: spi.mosiDlen ?? null, misoDlen: spi.misoDlen ?? null, addrMsb: spi.addrMsb === true },
    uartClkdivReg: record.uartClkdiv,
    bootloaderOffset: record.bootloaderOffset,
    macReg: record.macReg,
    ...(record.watchdog ? { watchdog: record.watchdog } : {}),
  };
}

export const ESP_CHIPS: readonly EspChipRow[] = ESP_SIM_SPECS.map(simRow);

export function findEspChip(name: string): EspChipRow | undefined {
  const key = name.toLowerCase().replace(/[-_]/g, '');
  return ESP_CHIPS.find((c) => c.name === key);
}

/** ESP8266 OUIs the ROM's OTP words select by MAC1 bits 23:16 (0, 1); any other goes in MAC3. */
const ESP8266_OUIS = [[0x18, 0xfe, 0x34], [0xac, 0xd0, 0x74]];
const ESP8266_MAC0 = 0x3ff00050;
const ESP8266_MAC1 = 0x3ff00054;
const ESP8266_MAC3 = 0x3ff0005c;

/** The MAC a board of this row reads, as esptool's `read_mac` decodes the eFuse/OTP words. */
export function espSimMac(row: EspChipRow): Uint8Array {
  const r = (a: number): number => row.registers[a] ?? 0;
  if (row.name === 'esp8266') {
    const mac1 = r(ESP8266_MAC1);
    const mac3 = r(ESP8266_MAC3);
    const oui = mac3 !== 0 ? [mac3 >>> 16, mac3 >>> 8, mac3] : ESP8266_OUIS[(mac1 >>> 16) & 0xff]!;
    return Uint8Array.from([...oui, mac1 >>> 8, mac1, r(ESP8266_MAC0) >>> 24]);
  }
  const lo = r(row.macReg);
  const hi = r(row.macReg + 4);
  return Uint8Array.from([hi >>> 8, hi, lo >>> 24, lo >>> 16, lo >>> 8, lo]);
}

/**
 * The row's eFuse words with `mac` programmed instead, in the chip's own format: the bits beside the
 * MAC stay (the EUI-64 filler ff:fe of 802.15.4 chips, other fields), the ESP32's MAC CRC-8 is
 * recomputed, an ESP8266 takes a known OUI by its selector bits and any other in MAC3.
 */
export function macRegisters(row: EspChipRow, mac: Uint8Array): Record<number, number> {
  const [b0, b1, b2, b3, b4, b5] = mac as unknown as [number, number, number, number, number, number];
  const r = (a: number): number => row.registers[a] ?? 0;
  if (row.name === 'esp8266') {
    const known = ESP8266_OUIS.findIndex((o) => o[0] === b0 && o[1] === b1 && o[2] === b2);
    return {
      [ESP8266_MAC0]: ((r(ESP8266_MAC0) & 0x00ffffff) | (b5 << 24)) >>> 0,
      [ESP8266_MAC1]: ((r(ESP8266_MAC1) & 0xff000000) | (Math.max(0, known) << 16) | (b3 << 8) | b4) >>> 0,
      [ESP8266_MAC3]: known >= 0 ? 0 : (b0 << 16) | (b1 << 8) | b2,
    };
  }
  const high = row.name === 'esp32' ? (r(row.macReg + 4) & 0xff000000) | (macCrc8(mac) << 16) : r(row.macReg + 4) & 0xffff0000;
  return {
    [row.macReg]: ((b2 << 24) | (b3 << 16) | (b4 << 8) | b5) >>> 0,
    [row.macReg + 4]: (high | (b0 << 8) | b1) >>> 0,
  };
}

/** The CRC the ESP32 keeps beside its factory MAC (EFUSE_BLK0 word2 bits 23:16): CRC-8, reflected polynomial 0x8C, initial 0, over the MAC in printed order. */
export function macCrc8(mac: Uint8Array): number {
  let crc = 0;
  for (const b of mac) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8c : crc >>> 1;
  }
  return crc;
}
