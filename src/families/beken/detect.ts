/**
 * Which chip, loader and flash are on the other end (reference §3): the bootloader CRC table, the
 * 257-vs-256-byte CRC test for unknown bootloaders, SCTRL_CHIP_ID and the JEDEC id.
 */
import { AnyflashError } from '../../core/errors.js';
import { bytesEqual, hex32 } from '../../core/bytes.js';
import type { EventSink } from '../../core/events.js';
import {
  BOOTLOADER_END,
  bootloaderByCrc,
  LINK_BAUD,
  CHIPS,
  chipById,
  chipByName,
  otherChipName,
  SCTRL_CHIP_ID,
  type BekenChip,
  type Protocol,
} from './chips.js';
import { bekenCrc } from './crc.js';
import { flashSizeFromId } from './flash-protect.js';
import { DETECT_TRIES, readAgreed, tryRead } from './agreed.js';
import type { BekenLink } from './link.js';
import type { BekenSession } from './session.js';
import { linkCheck } from './commands.js';
import { LINK_CHECK_REPLY, shortResponse, Status } from './frames.js';

export interface Detection {
  chip: BekenChip;
  protocol: Protocol;
  /** Name of the bootloader from the CRC table, or `unknown`. */
  bootloader: string;
  /** zlib-form CRC of CheckCRC(0, 0x100). */
  bootloaderCrc: number;
  chipId?: number;
  jedecId?: number;
  flashSize: number;
  /** How the flash size was found. */
  sizeSource: 'jedec' | 'bootloader' | 'wrap' | 'default';
}

/**
 * Detection's sniff: one LinkCheck, and a listening loader's whole answer (`04 0E 05` before the
 * request's own bytes, so an echo of the request is not taken for it).
 */
export const LINK_CHECK_PROBE = { baud: LINK_BAUD, request: linkCheck().bytes, reply: shortResponse(LINK_CHECK_REPLY, Uint8Array.of(Status.Ok)) };

/** A chip row for a loader we cannot name (unknown CRC on a BASIC loader). */
const UNKNOWN_BASIC: BekenChip = {
  name: 'bk72xx',
  description: 'BK72xx (unknown flash bootloader)',
  protocol: 'BASIC_BEKEN',
  bootloaderInFlash: true,
  erase32K: false,
};

export async function detect(link: BekenLink, events: EventSink, requested: string | undefined, signal?: AbortSignal): Promise<Detection> {
  const session = link.session;
  const agreed = <T extends number | Uint8Array>(what: string, read: () => Promise<T>): Promise<T> => readAgreed(what, read, link);
  // Sent before the protocol is known: FULL hashes 257 bytes here, BASIC 256 — the table knows both.
  const raw = await agreed('CheckCRC of the bootloader', () => session.checkCrc(0, 0x100, 50, signal));
  const zcrc = (raw ^ 0xffffffff) >>> 0;
  const entry = bootloaderByCrc(zcrc);
  let protocol: Protocol;
  let chip: BekenChip | undefined;
  let app: Uint8Array | undefined;
  if (entry) {
    protocol = entry.protocol;
    chip = chipByName(entry.chip);
  } else {
    events({
      type: 'note',
      level: 'warn',
      code: 'unknown-bootloader',
      message: `Unknown bootloader CRC ${hex32(zcrc)}; telling FULL from BASIC by a 257/256-byte CRC. Please report this CRC with a dump of 0x0–0x11000.`,
    });
    const crc = await agreed('CheckCRC at 0x11000', () => session.checkCrc(BOOTLOADER_END, BOOTLOADER_END + 0x100, 50, signal));
    // The CRC checks the read: a read damaged on the way matches neither length, so read again.
    let kind: Protocol | undefined;
    for (let i = 0; i < DETECT_TRIES && !kind; i++) {
      app = await tryRead(() => session.flashRead4K(BOOTLOADER_END, signal), link);
      if (app && crc === bekenCrc(app.subarray(0, 257))) kind = 'FULL';
      else if (app && crc === bekenCrc(app.subarray(0, 256))) kind = 'BASIC_BEKEN';
    }
    if (kind) protocol = kind;
    else {
      throw new AnyflashError('unknown-device', 'CRC mismatch while checking the loader type: the chip answers, but not as a known BK72xx loader.', {
        family: 'beken',
        evidence: [`CheckCRC(0x11000, 0x11100) = ${hex32(crc)}`, `bootloader CRC ${hex32(zcrc)}`],
        advice: ['Lower the baud rate and check the wiring; if it persists, report the bootloader CRC.'],
      });
    }
  }

  let chipId: number | undefined;
  let jedecId: number | undefined;
  let flashSize: number | undefined;
  let sizeSource: Detection['sizeSource'] = 'default';
  if (protocol === 'FULL') {
    chipId = await agreed('the chip id', () => session.readReg(SCTRL_CHIP_ID, signal));
    chip = chipById(chipId, requested) ?? chip;
    if (!chip) {
      const other = otherChipName(chipId);
      throw new AnyflashError('unknown-device', `The chip id ${hex32(chipId)}${other ? ` (${other})` : ''} is not a supported BK72xx.`, {
        family: 'beken',
        evidence: [`SCTRL_CHIP_ID = ${hex32(chipId)}`],
        advice: [`Supported: ${CHIPS.map((c) => c.description).join(', ')}.`],
      });
    }
    jedecId = await agreed('the flash JEDEC id', () => session.flashGetMID(signal));
    flashSize = flashSizeFromId(jedecId);
    if (flashSize === undefined) {
      throw new AnyflashError('flash-not-found', `The flash does not answer: JEDEC id ${jedecId.toString(16).padStart(6, '0')}.`, {
        family: 'beken',
        chip: chip.name,
        evidence: [`FlashGetMID = ${jedecId.toString(16).padStart(6, '0')}`],
        advice: [
          'The flash chip is not answering the BootROM: check the supply under load, or the flash itself.',
          'Reads would return all 0x00 and writes would "succeed" without effect; recover over SPI if it persists.',
        ],
      });
    }
    sizeSource = 'jedec';
  } else {
    chip ??= requestedBasic(requested) ?? UNKNOWN_BASIC;
    if (entry?.flashSize) {
      flashSize = entry.flashSize;
      sizeSource = 'bootloader';
    } else {
      flashSize = await sizeByWrap(session, app, agreed, signal);
      sizeSource = flashSize === undefined ? 'default' : 'wrap';
      flashSize ??= 0x200000;
    }
  }
  if (requested && chip.name !== requested && chip !== UNKNOWN_BASIC) {
    throw new AnyflashError('unknown-device', `Expected ${requested}, but the chip is ${chip.description}.`, {
      family: 'beken',
      chip: chip.name,
      advice: [`Use --chip ${chip.name}, or leave --chip out to detect it.`],
    });
  }
  return { chip, protocol, bootloader: entry?.name ?? 'unknown', bootloaderCrc: zcrc, chipId, jedecId, flashSize, sizeSource };
}

function requestedBasic(requested: string | undefined): BekenChip | undefined {
  const c = requested ? chipByName(requested) : undefined;
  return c && c.protocol !== 'FULL' ? c : undefined;
}

/** The flash address lines wrap: the first S where a read at S+0x11000 equals 0x11000 is the size. */
async function sizeByWrap(
  session: BekenSession,
  known: Uint8Array | undefined,
  agreed: (what: string, read: () => Promise<Uint8Array>) => Promise<Uint8Array>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const read = (address: number): Promise<Uint8Array> => agreed(`FlashRead4K at ${hex32(address)}`, () => session.flashRead4K(address, signal));
  const base = known ?? (await read(BOOTLOADER_END));
  for (const size of [0x200000, 0x400000, 0x800000, 0x1000000]) {
    const probe = await read(size + BOOTLOADER_END);
    if (bytesEqual(probe, base)) return size;
  }
  return undefined;
}
