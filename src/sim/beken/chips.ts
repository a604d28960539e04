/**
 * What each simulated BK72xx looks like: loader protocol, ids, and a synthetic but deterministic
 * flash image (bootloader, app, Tuya MAC block). The bootloader bytes are made up; their first
 * 256/257 bytes end in four bytes chosen so CheckCRC(0, 0x100) gives the CRC of a real
 * bootloader version from the reference table, so tools identify the simulator as that version.
 */
import { pseudoRandomBytes } from '../../core/bytes.js';
import { crc32Update, forgeCrcTail } from '../../families/beken/crc.js';
import { BEKEN_CHIP_RECORDS, type BekenProtocol } from '../../chips/beken.js';
import { MAC_TLV_MARKER } from '../../families/beken/chips.js';

/** One simulated board: the simulator-only facts; protocol, chip id and MAC block come from the chip record. */
export interface SimChipSpec {
  /** MID and TYPE bytes of the JEDEC id; CAP follows from the flash size. */
  jedecPrefix: number;
  defaultFlashSize: number;
  /** zlib-form CRC-32 of the real bootloader this one poses as. */
  bootloaderCrc: number;
  bootVersion?: string;
  /** Printed by the flash bootloader when it starts (BASIC), before the download window. */
  bootBanner?: string;
  /** Printed when the window closes and the application starts. */
  firmwareLog: string;
  /** The eFuse encryption key as four coefficients; default Tuya's. */
  efuseKey?: string;
}

export interface SimChipProfile extends SimChipSpec {
  chip: string;
  protocol: BekenProtocol;
  chipId: number;
  macTlv?: number;
}

const SIM_SPECS: Readonly<Record<string, SimChipSpec>> = {
  bk7231n: {
    jedecPrefix: 0xc840,
    defaultFlashSize: 0x200000,
    bootloaderCrc: 0xe14191ba,
    firmwareLog: '\r\nV:BK7231N_1.0.1\r\nCPSR:000000D3\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7231N firmware running\r\n',
  },
  bk7231m: {
    jedecPrefix: 0xc840,
    defaultFlashSize: 0x200000,
    bootloaderCrc: 0xe14191ba,
    efuseKey: '00000000 00000000 00000000 00000000',
    firmwareLog: '\r\nV:BK7231N_1.0.1\r\nCPSR:000000D3\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7231M firmware running\r\n',
  },
  bk7231u: {
    jedecPrefix: 0xc840,
    defaultFlashSize: 0x200000,
    bootloaderCrc: 0x2739019f,
    bootBanner: '\r\nbeken bk7231u bootloader\r\nwait uart download timeout: 400\r\n',
    firmwareLog: '\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7231U firmware running\r\n',
  },
  bk7231q: {
    jedecPrefix: 0xc840,
    defaultFlashSize: 0x200000,
    bootloaderCrc: 0xf0231ef6,
    bootBanner: '\r\nbeken bk7231q bootloader\r\nwait uart download timeout: 400\r\n',
    firmwareLog: '\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7231Q firmware running\r\n',
  },
  bk7252: {
    jedecPrefix: 0xc840,
    defaultFlashSize: 0x400000,
    bootloaderCrc: 0x39f9b50c,
    bootBanner: '\r\nbeken bk7252 bootloader\r\nwait uart download timeout: 400\r\n',
    firmwareLog: '\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7252 firmware running\r\n',
  },
  bk7231t: {
    jedecPrefix: 0x8542,
    defaultFlashSize: 0x200000,
    bootloaderCrc: 0xe5cbc953,
    bootVersion: 'BK7231S_1.0.6',
    bootBanner: '\r\nbeken bk7231s bootloader\r\nwait uart download timeout: 400\r\n',
    firmwareLog: '\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7231T firmware running\r\n',
  },
  bk7238: {
    jedecPrefix: 0x0b40,
    defaultFlashSize: 0x200000,
    bootloaderCrc: 0x6beb0924,
    firmwareLog: '\r\nV:BK7238_1.0.14\r\njump to pc addr: 0x00010000\r\n[I] sim app: BK7238 firmware running\r\n',
  },
};

/** Every simulated BK72xx: its chip record joined with its simulator facts. */
export const SIM_CHIPS: Readonly<Record<string, SimChipProfile>> = Object.fromEntries(
  BEKEN_CHIP_RECORDS.flatMap((r) => {
    const spec = SIM_SPECS[r.name];
    if (!spec) return [];
    const profile: SimChipProfile = {
      ...spec,
      chip: r.name,
      protocol: r.protocol,
      chipId: r.chipId ?? 0,
      ...(r.macTlv === undefined ? {} : { macTlv: r.macTlv }),
    };
    return [[r.name, profile]];
  }),
);

export const SIM_MAC = Uint8Array.of(0xc8, 0x47, 0x8c, 0x12, 0x34, 0x56);

/**
 * The initial flash: bootloader in 0–0x11000, some app bytes after it, the Tuya MAC block, the rest
 * erased. `knownBootloader` false leaves the CRC unforged (an "unknown bootloader"). `mac`: the board's.
 */
export function initialFlash(profile: SimChipProfile, size: number, knownBootloader: boolean, mac: Uint8Array = SIM_MAC): Uint8Array {
  const image = new Uint8Array(size).fill(0xff);
  const seed = profile.chipId;
  image.set(pseudoRandomBytes(0x10000, seed), 0);
  const label = new TextEncoder().encode(`anyflash simulated ${profile.chip} bootloader`);
  image.set(label, 0x20);
  if (knownBootloader) {
    const covered = profile.protocol === 'FULL' ? 257 : 256;
    const state = crc32Update(0xffffffff, image.subarray(0, covered - 4));
    image.set(forgeCrcTail(state, (profile.bootloaderCrc ^ 0xffffffff) >>> 0), covered - 4);
  }
  image.set(pseudoRandomBytes(0x30000, seed ^ 0xa5a5a5a5), 0x11000);
  if (profile.macTlv !== undefined && profile.macTlv + 0x2a <= size) {
    image.fill(0, profile.macTlv, profile.macTlv + 0x1c);
    image.set(MAC_TLV_MARKER, profile.macTlv + 0x1c);
    image.set(mac, profile.macTlv + 0x24);
  }
  return image;
}
