import { AnyflashError, isAnyflashError } from '../../core/errors.js';
import { hex32, readU32le } from '../../core/bytes.js';
import {
  ESP_CHIPS,
  chipById,
  chipByMagic,
  decodeRevision,
  readField,
  revisionAddresses,
  securityFlagNames,
  type EspChip,
} from './chips.js';
import type { EspLoader } from './loader.js';
import { encodeRequest, Op, SYNC_DATA } from './protocol.js';
import { SLIP_END, slipEncode } from './slip.js';

export const CHIP_DETECT_MAGIC_REG = 0x40001000;

/**
 * Detection's sniff: one SYNC, and how the answer of a ROM or stub in download mode starts (a
 * response frame, direction 1, opcode SYNC). Neither a console nor an echo of the request has it.
 */
export const SYNC_PROBE = { baud: 115200, request: slipEncode(encodeRequest(Op.SYNC, SYNC_DATA)), reply: Uint8Array.of(SLIP_END, 0x01, Op.SYNC) };

export interface SecurityInfo {
  flags: number;
  flagNames: string[];
  flashCryptCnt: number;
  keyPurposes: number[];
  chipId?: number;
  apiVersion?: number;
}

export interface Detection {
  chip: EspChip;
  /** How the chip was recognised: `security-info` or `magic`. */
  method: 'security-info' | 'magic';
  security?: SecurityInfo;
  /** ESP32-S2 refusing READ_REG: Secure Download Mode. */
  secureDownload: boolean;
}

export function parseSecurityInfo(payload: Uint8Array): SecurityInfo {
  const flags = readU32le(payload, 0);
  return {
    flags,
    flagNames: securityFlagNames(flags),
    flashCryptCnt: payload[4]!,
    keyPurposes: Array.from(payload.subarray(5, 12)),
    chipId: payload.length >= 20 ? readU32le(payload, 12) : undefined,
    apiVersion: payload.length >= 20 ? readU32le(payload, 16) : undefined,
  };
}

/** Security info first, the magic word at 0x40001000 as fallback (current esptool order). */
export async function detectChip(loader: EspLoader, wanted?: EspChip): Promise<Detection> {
  const detection = await identify(loader);
  if (wanted && wanted.name !== detection.chip.name) {
    throw new AnyflashError(
      'unknown-chip',
      `Wrong chip: --chip ${wanted.name} was given, but the connected chip is ${detection.chip.description}.`,
      {
        family: 'esp',
        chip: detection.chip.name,
        advice: [`Use --chip ${detection.chip.name}, or leave --chip out to detect the chip automatically.`],
      },
    );
  }
  return detection;
}

async function identify(loader: EspLoader): Promise<Detection> {
  // Without a SYNC (no-reset-no-sync) the status length is still unknown: one READ_REG teaches it.
  let magic: number | undefined;
  if (loader.statusLen === undefined) magic = await loader.readReg(CHIP_DETECT_MAGIC_REG);

  let security: SecurityInfo | undefined;
  try {
    security = parseSecurityInfo(await loader.getSecurityInfo());
  } catch (e) {
    if (!isAnyflashError(e) || (e.code !== 'unsupported' && e.code !== 'device-error')) throw e;
  }
  if (security?.chipId !== undefined) {
    const chip = chipById(security.chipId);
    if (chip) return { chip, method: 'security-info', security, secureDownload: false };
  }
  try {
    magic ??= await loader.readReg(CHIP_DETECT_MAGIC_REG);
  } catch (e) {
    if (isAnyflashError(e) && (e.code === 'unsupported' || e.code === 'device-error') && security) {
      // Only the ESP32-S2 answers the short security info and refuses READ_REG: Secure Download Mode.
      return { chip: ESP_CHIPS.find((c) => c.name === 'esp32s2')!, method: 'security-info', security, secureDownload: true };
    }
    throw e;
  }
  // READ_REG replies carry no checksum: an unknown value may be a flipped bit, so ask once more.
  const chip = chipByMagic(magic) ?? chipByMagic((magic = await loader.readReg(CHIP_DETECT_MAGIC_REG)));
  if (!chip) {
    throw new AnyflashError('unknown-device', `Unexpected chip magic value ${hex32(magic)}: not a known Espressif chip.`, {
      family: 'esp',
      evidence: [`magic @0x40001000 = ${hex32(magic)}`, ...(security?.chipId !== undefined ? [`chip id ${security.chipId}`] : [])],
      advice: ['Pass --chip to name the chip if it is a newer revision, or update anyflash.'],
    });
  }
  return { chip, method: 'magic', security, secureDownload: false };
}

export interface ChipFacts {
  mac?: string;
  revision?: { major: number; minor: number };
  pkg?: number;
  description: string;
  crystalMHz?: number;
}

function macString(bytes: number[]): string {
  return bytes.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join(':');
}

async function readMac(loader: EspLoader, chip: EspChip): Promise<string> {
  if (chip.name === 'esp8266') {
    const mac0 = await loader.readReg(0x3ff00050);
    const mac1 = await loader.readReg(0x3ff00054);
    const mac3 = await loader.readReg(0x3ff0005c);
    let oui: number[];
    if (mac3 !== 0) oui = [mac3 >>> 16, mac3 >>> 8, mac3];
    else if (((mac1 >>> 16) & 0xff) === 0) oui = [0x18, 0xfe, 0x34];
    else if (((mac1 >>> 16) & 0xff) === 1) oui = [0xac, 0xd0, 0x74];
    else throw new AnyflashError('unknown-device', 'Unknown OUI in the ESP8266 MAC eFuses.', { family: 'esp', chip: chip.name });
    return macString([...oui, mac1 >>> 8, mac1, mac0 >>> 24]);
  }
  const lo = await loader.readReg(chip.macReg);
  const hi = await loader.readReg(chip.macReg + 4);
  return macString([hi >>> 8, hi, lo >>> 24, lo >>> 16, lo >>> 8, lo]);
}

/** Normalises a measured crystal frequency to the nearest candidate; undefined when nothing was measured. */
export function normaliseCrystal(measuredMHz: number, candidates: readonly number[]): number | undefined {
  if (!(measuredMHz > 1)) return undefined;
  return candidates.reduce((best, c) => (Math.abs(c - measuredMHz) < Math.abs(best - measuredMHz) ? c : best));
}

/** MAC, revision, package and crystal from eFuses and registers, all via READ_REG. */
export async function readChipFacts(loader: EspLoader, chip: EspChip, baud: number): Promise<ChipFacts> {
  const values = new Map<number, number>();
  for (const addr of revisionAddresses(chip)) values.set(addr, await loader.readReg(addr));
  const read = (addr: number): number => values.get(addr) ?? 0;
  const revision = decodeRevision(chip, read);
  const pkg = chip.pkg ? readField(chip.pkg, read) : undefined;
  const mac = await readMac(loader, chip);

  let crystalMHz: number | undefined;
  if (chip.crystal.kind === 'fixed') crystalMHz = chip.crystal.mhz;
  else {
    const div = (await loader.readReg(chip.uartClkdiv)) & 0xfffff;
    crystalMHz = normaliseCrystal((baud * div) / 1e6 / chip.crystal.divider, chip.crystal.candidates);
  }

  let description = chip.description;
  if (pkg !== undefined && chip.packages?.[pkg]) description = chip.packages[pkg]!;
  if (revision) description += ` (revision v${revision.major}.${revision.minor})`;
  return { mac, revision, pkg, description, crystalMHz };
}

/**
 * JEDEC RDID through the SPI1 "user command" registers (WRITE_REG/READ_REG only, so it works in
 * the ROM and the stub alike). Returns the 24-bit id.
 */
export async function readFlashId(loader: EspLoader, chip: EspChip): Promise<number> {
  const s = chip.spi;
  const reg = (off: number): number => s.base + off;
  const oldUsr = await loader.readReg(reg(s.usr));
  const oldUsr2 = await loader.readReg(reg(s.usr2));
  const readBits = 24;
  const setup: Array<{ addr: number; value: number }> = [];
  if (s.misoDlen !== undefined) setup.push({ addr: reg(s.misoDlen), value: readBits - 1 });
  else setup.push({ addr: reg(s.usr1), value: (readBits - 1) << 8 });
  setup.push(
    { addr: reg(s.usr), value: (1 << 31) | (1 << 28) },
    { addr: reg(s.usr2), value: (7 << 28) | 0x9f },
    { addr: reg(s.w0), value: 0 },
  );
  for (const w of setup) await loader.writeReg([w]);
  await loader.writeReg([{ addr: s.base, value: 1 << 18 }]);
  let done = false;
  for (let i = 0; i < 10 && !done; i++) done = ((await loader.readReg(s.base)) & (1 << 18)) === 0;
  if (!done) {
    throw new AnyflashError('timeout', 'The SPI flash command did not complete.', {
      family: 'esp',
      chip: chip.name,
      advice: ['Check the flash chip power and wiring; the flash may be missing or damaged.'],
    });
  }
  const id = (await loader.readReg(reg(s.w0))) & 0xffffff;
  await loader.writeReg([{ addr: reg(s.usr), value: oldUsr }]);
  await loader.writeReg([{ addr: reg(s.usr2), value: oldUsr2 }]);
  return id;
}
