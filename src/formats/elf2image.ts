/**
 * ELF → ESP image, producing the same bytes as esptool's elf2image for the same ELF and options
 * (image layout facts: reference/esp.md §6).
 */
import { AnyflashError } from '../core/errors.js';
import { concatBytes } from '../core/bytes.js';
import { sha256 } from './sha256.js';
import {
  parseElf, SHT_FINI_ARRAY, SHT_INIT_ARRAY, SHT_PREINIT_ARRAY, SHT_PROGBITS, PT_LOAD, EM_XTENSA, EM_RISCV,
  type ElfFile,
} from './elf.js';
import { ESP_IMAGE_CHIPS, FLASH_MODES, findEspImageChip, isFlashMapped, memoryTypes, type EspImageChip } from './esp-chips.js';
import { CHECKSUM_SEED, ESP8266_V2_MAGIC, ESP_IMAGE_MAGIC, WP_PIN_DISABLED, espChecksum, parseAppDescriptor } from './esp-image.js';
import { crc32 } from './crc32.js';

export interface Elf2ImageOptions {
  chip: string;
  flashMode?: string;
  flashFreq?: string;
  flashSize?: string;
  minRevFull?: number;
  maxRevFull?: number;
  /** Append the SHA-256 of the image (default true; ignored on ESP8266). */
  appendDigest?: boolean;
  /** Build from PT_LOAD segments instead of sections. */
  useSegments?: boolean;
  /** Flash MMU page size in bytes (chips with a configurable MMU). */
  mmuPageSize?: number;
  /** Offset in the image where the ELF's SHA-256 is stored; default 0xB0 when an app descriptor exists. */
  elfSha256Offset?: number;
  /**
   * Secure Boot padding so that, once signed, the image ends on an MMU page boundary: 1 = Secure
   * Boot v1 (ESP32 only), 2 = Secure Boot v2.
   */
  securePad?: 1 | 2;
  /**
   * Put the RAM segments first and count only them in the header, so the ROM loader loads just
   * those; flash segments follow, aligned, unseen by the ROM. Implies no appended digest.
   */
  ramOnlyHeader?: boolean;
  /** ESP8266 only: 1 = ROM-loaded V1 image (default), 2 = V2 image for the SDK bootloader. */
  version?: 1 | 2;
  /** Pad the image with 0xFF to a multiple of this size. */
  padToSize?: number;
  file?: string;
}

export interface Elf2ImageResult {
  chip: EspImageChip;
  /**
   * Files to flash: one image at offset 0 of its partition for ESP32-family chips; for ESP8266
   * (V1 image) the RAM image at 0x0 and the IROM blob at its flash offset.
   */
  parts: Array<{ offset: number; data: Uint8Array; suffix: string }>;
  mmuPageSize: number;
  warnings: string[];
}

interface Seg {
  addr: number;
  data: Uint8Array;
  name: string;
  /** Alignment the ELF asks for (section sh_addralign / segment p_align). */
  align?: number;
}

const SEG_HEADER = 8;
const IROM_MAP_START_8266 = 0x40200000;

function pad4(data: Uint8Array): Uint8Array {
  if (data.length % 4 === 0) return data;
  const out = new Uint8Array(data.length + 4 - (data.length % 4));
  out.set(data);
  return out;
}

function badImage(file: string, message: string, advice: string[]): AnyflashError {
  return new AnyflashError('bad-input', `${file}: ${message}`, { file, advice });
}

function collect(elf: ElfFile, useSegments: boolean): Seg[] {
  const progTypes = [SHT_PROGBITS, SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY];
  if (useSegments) {
    return elf.segments
      .filter((s) => s.type === PT_LOAD && s.paddr !== 0 && s.filesz > 0)
      .map((s) => ({ addr: s.paddr, data: pad4(s.data), name: 'PHDR', align: s.align }));
  }
  return elf.sections
    .filter((s) => progTypes.includes(s.type) && s.addr !== 0 && s.size !== 0)
    .map((s) => ({ addr: s.addr, data: pad4(s.data), name: s.name, align: s.align }));
}

/**
 * Joins neighbours that touch and lie in the same memory regions, keeping the given order. With
 * `alignGaps`, a gap that only exists because the next section wants a larger alignment is
 * filled with zeros first (sections of third-party ELFs merged into one segment keep their alignment).
 */
function mergeAdjacent(chip: EspImageChip, segs: Seg[], alignGaps = false): Seg[] {
  if (segs.length === 0) return segs;
  const work = segs.map((s) => ({ ...s, parts: [s.data] as Uint8Array[], length: s.data.length }));
  const kept: typeof work = [];
  for (let i = work.length - 1; i > 0; i--) {
    const prev = work[i - 1]!;
    const next = work[i]!;
    const end = prev.addr + prev.length;
    const align = Math.max(next.align ?? 4, 1);
    const alignedEnd = Math.ceil(end / align) * align;
    if (alignGaps && alignedEnd !== end && alignedEnd === next.addr) {
      prev.parts.push(new Uint8Array(alignedEnd - end));
      prev.length += alignedEnd - end;
    }
    const sameRegion = memoryTypes(chip, prev.addr).join() === memoryTypes(chip, next.addr).join();
    if (sameRegion && next.addr === prev.addr + prev.length) {
      prev.parts.push(...next.parts);
      prev.length += next.length;
    } else {
      kept.unshift(next);
    }
  }
  kept.unshift(work[0]!);
  return kept.map((s) => ({ addr: s.addr, name: s.name, align: s.align, data: s.parts.length === 1 ? s.parts[0]! : concatBytes(s.parts) }));
}

function chooseMmuPage(chip: EspImageChip, elf: ElfFile, requested: number | undefined, warnings: string[]): number {
  if (requested !== undefined) {
    if (chip.mmuPageSizes.length === 0) {
      if (requested !== chip.mmuPageSize) warnings.push(`${chip.name} has a fixed MMU page size; using ${chip.mmuPageSize / 1024} KB.`);
      return chip.mmuPageSize;
    }
    if (!chip.mmuPageSizes.includes(requested)) {
      throw new AnyflashError('bad-input', `${requested} bytes is not a valid ${chip.name} MMU page size.`, {
        advice: [`Use one of: ${chip.mmuPageSizes.map((s) => `${s / 1024}KB`).join(', ')}.`],
      });
    }
    return requested;
  }
  const appdesc = elf.sections.find((s) => s.name.includes('.flash.appdesc'));
  if (!appdesc || !isFlashMapped(chip, appdesc.addr) || chip.mmuPageSizes.length === 0) return chip.mmuPageSize;
  const desc = parseAppDescriptor(appdesc.data);
  if (!desc) return chip.mmuPageSize;
  if (desc.mmuPageSize !== null) {
    if (!chip.mmuPageSizes.includes(desc.mmuPageSize)) {
      throw new AnyflashError('bad-input', `The app descriptor asks for an MMU page of ${desc.mmuPageSize} bytes, which ${chip.name} does not support.`);
    }
    return desc.mmuPageSize;
  }
  // IDF < 5.4 does not record the page size; the app descriptor sits right after the image header
  // (24 B) and its segment header (8 B) at the start of a page, which reveals the size.
  for (const size of [...chip.mmuPageSizes].reverse()) if ((appdesc.addr - 32) % size === 0) return size;
  warnings.push('The app descriptor is not aligned to any MMU page size; set the page size explicitly.');
  return chip.mmuPageSize;
}

function encode(table: Record<string, number>, value: string, what: string, chip: EspImageChip): number {
  const key = Object.keys(table).find((k) => k.toLowerCase() === value.toLowerCase());
  if (key === undefined) {
    throw new AnyflashError('bad-input', `Flash ${what} "${value}" is not supported by ${chip.name}.`, {
      advice: [`Use one of: ${Object.keys(table).join(', ')}.`],
    });
  }
  return table[key]!;
}

/** Growing output buffer with a write position, like the file esptool writes into. */
class Out {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  write(bytes: Uint8Array | number[]): void {
    this.ensure(this.length + bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  u32(...values: number[]): void {
    const b = new Uint8Array(values.length * 4);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => v.setUint32(i * 4, x >>> 0, true));
    this.write(b);
  }
  zeros(n: number): void {
    this.ensure(this.length + n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  set(offset: number, byte: number): void {
    this.buf[offset] = byte;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
  view(end = this.length): Uint8Array {
    return this.buf.subarray(0, end);
  }
}

interface SaveContext {
  out: Out;
  checksum: number;
  elfSha?: Uint8Array;
  elfShaOffset: number;
  file: string;
}

function saveSegment(ctx: SaveContext, seg: Seg, checksummed = true): void {
  let data = seg.data;
  const pos = ctx.out.length;
  if (ctx.elfSha && ctx.elfShaOffset >= pos && ctx.elfShaOffset < pos + data.length) {
    const at = ctx.elfShaOffset - pos;
    if (at < SEG_HEADER || at + 32 > data.length) {
      throw badImage(ctx.file, `the ELF SHA-256 offset 0x${ctx.elfShaOffset.toString(16)} falls on a segment boundary.`, [
        'Pick another --elf-sha256-offset, or leave it to the app descriptor.',
      ]);
    }
    const inData = at - SEG_HEADER;
    if (data.subarray(inData, inData + 32).some((b) => b !== 0)) {
      throw badImage(ctx.file, `the bytes at the ELF SHA-256 offset 0x${ctx.elfShaOffset.toString(16)} are not zero; refusing to overwrite them.`, [
        'Check --elf-sha256-offset.',
      ]);
    }
    data = data.slice();
    data.set(ctx.elfSha, inData);
  }
  if (data.length % 4 !== 0) throw badImage(ctx.file, `segment ${seg.name} has a length that is not a multiple of 4.`, []);
  if (data.length >= 0x1000000) throw badImage(ctx.file, `segment ${seg.name} exceeds 16 MB.`, ['Check the linker script.']);
  ctx.out.u32(seg.addr, data.length);
  ctx.out.write(data);
  if (checksummed) ctx.checksum = espChecksum(data, ctx.checksum);
}

/** Zero padding up to a position ≡ 15 (mod 16), then the checksum byte. */
function appendChecksum(out: Out, checksum: number): void {
  out.zeros(15 - (out.length % 16));
  out.write([checksum]);
}

/** ESP8266 images: V1 (RAM image at 0x0 + IROM blob at its offset) or V2 (one file, SDK bootloader). */
function esp8266Parts(ctx: SaveContext, chip: EspImageChip, segs: Seg[], entry: number, flash: [number, number], version: 1 | 2): Elf2ImageResult['parts'] {
  const iromSegs = segs.filter((s) => isFlashMapped(chip, s.addr));
  if (iromSegs.length > 1) throw badImage(ctx.file, `has ${iromSegs.length} segments that could be IROM.`, ['Check the linker script.']);
  const irom = iromSegs[0];
  const normal = segs.filter((s) => s !== irom);
  const out = ctx.out;
  if (version === 2) {
    // V2: a first header (0xEA, "4"), the IROM at load address 0 padded to 16 bytes and not
    // checksummed, then a V1 image of the RAM segments, then the SDK's CRC-32 variant.
    out.write([ESP8266_V2_MAGIC, 4, ...flash]);
    out.u32(entry);
    if (irom) {
      const data = irom.data.length % 16 ? concatBytes([irom.data, new Uint8Array(16 - (irom.data.length % 16))]) : irom.data;
      saveSegment(ctx, { addr: 0, data, name: irom.name }, false);
    }
  }
  out.write([ESP_IMAGE_MAGIC, normal.length, ...flash]);
  out.u32(entry);
  for (const s of normal) saveSegment(ctx, s);
  appendChecksum(out, ctx.checksum);
  if (version === 2) {
    const crc = crc32(out.view());
    out.u32(crc & 0x80000000 ? (crc ^ 0xffffffff) >>> 0 : crc + 1);
    const offset = irom ? (irom.addr - IROM_MAP_START_8266) & ~0xfff : 0;
    return [{ offset, data: out.bytes(), suffix: `-0x${offset.toString(16).padStart(5, '0')}.bin` }];
  }
  const parts = [{ offset: 0, data: out.bytes(), suffix: '0x00000.bin' }];
  if (irom) {
    const offset = irom.addr - IROM_MAP_START_8266;
    parts.push({ offset, data: irom.data, suffix: `0x${offset.toString(16).padStart(5, '0')}.bin` });
  }
  return parts;
}

export function elfToImage(elfBytes: Uint8Array, opts: Elf2ImageOptions): Elf2ImageResult {
  const file = opts.file ?? 'input.elf';
  const chip = findEspImageChip(opts.chip);
  if (!chip) {
    throw new AnyflashError('unknown-chip', `Unknown ESP chip "${opts.chip}".`, {
      advice: [`Use one of: ${ESP_IMAGE_CHIPS.map((c) => c.id).join(', ')}.`],
    });
  }
  const elf = parseElf(elfBytes, file);
  if (elf.machine !== EM_XTENSA && elf.machine !== EM_RISCV) {
    throw badImage(file, `is not an Xtensa or RISC-V ELF (e_machine 0x${elf.machine.toString(16)}).`, [
      'Pass the ELF of an ESP-IDF/Arduino/PlatformIO build for an ESP chip.',
    ]);
  }
  const xtensaChip = ['esp8266', 'esp32', 'esp32s2', 'esp32s3'].includes(chip.id);
  if ((elf.machine === EM_XTENSA) !== xtensaChip) {
    throw new AnyflashError('wrong-chip-image', `${file} is a ${elf.machine === EM_XTENSA ? 'Xtensa' : 'RISC-V'} ELF, but ${chip.name} is ${xtensaChip ? 'Xtensa' : 'RISC-V'}.`, {
      file, chip: chip.name, advice: ['Build for this chip (idf.py set-target), or pass the --chip the ELF was built for.'],
    });
  }
  const warnings: string[] = [];
  const flashMode = encode(FLASH_MODES, opts.flashMode ?? 'qio', 'mode', chip);
  const sizeFreq = encode(chip.flashSizes, opts.flashSize ?? '1MB', 'size', chip)
    + (opts.flashFreq === undefined ? 0 : encode(chip.flashFreqs, opts.flashFreq, 'frequency', chip));
  const mmuPage = chip.id === 'esp8266' ? 0 : chooseMmuPage(chip, elf, opts.mmuPageSize, warnings);

  let segs = collect(elf, opts.useSegments ?? false);
  let elfShaOffset = opts.elfSha256Offset ?? 0;
  if (!elfShaOffset) {
    const appdesc = segs.find((s) => s.name.includes('.flash.appdesc'));
    if (appdesc && isFlashMapped(chip, appdesc.addr)) elfShaOffset = 0xb0;
  }
  const ramOnly = (opts.ramOnlyHeader ?? false) && chip.id !== 'esp8266';
  if (ramOnly) segs.sort((a, b) => a.addr - b.addr);
  segs = mergeAdjacent(chip, segs, ramOnly);
  if (segs.length > 16) {
    throw badImage(file, `has ${segs.length} segments after merging (an image holds at most 16).`, [
      'This usually means a linker script problem; check the sections of the ELF.',
    ]);
  }
  const ctx: SaveContext = {
    out: new Out(), checksum: CHECKSUM_SEED, elfShaOffset, file,
    ...(elfShaOffset ? { elfSha: sha256(elfBytes) } : {}),
  };

  if (chip.id === 'esp8266') return { chip, parts: esp8266Parts(ctx, chip, segs, elf.entry, [flashMode, sizeFreq], opts.version ?? 1), mmuPageSize: 0, warnings };

  const appendDigest = ramOnly ? false : opts.appendDigest ?? true;
  if (opts.securePad === 1 && chip.id !== 'esp32') warnings.push('Secure Boot v1 padding applies to ESP32 only; not padded.');
  const out = ctx.out;
  out.write([ESP_IMAGE_MAGIC, segs.length, flashMode, sizeFreq]);
  out.u32(elf.entry);
  const minRevFull = opts.minRevFull ?? 0;
  const maxRevFull = opts.maxRevFull ?? 0xffff;
  out.write([WP_PIN_DISABLED, 0, 0, 0, chip.imageChipId! & 0xff, chip.imageChipId! >> 8, 0,
    minRevFull & 0xff, minRevFull >> 8, maxRevFull & 0xff, maxRevFull >> 8, 0, 0, 0, 0, appendDigest ? 1 : 0]);

  const byAddr = [...segs].sort((a, b) => a.addr - b.addr);
  const flash = byAddr.filter((s) => isFlashMapped(chip, s.addr)).map((s) => ({ ...s }));
  const ram = byAddr.filter((s) => !isFlashMapped(chip, s.addr)).map((s) => ({ ...s }));
  // The app descriptor must open the flash data, and the bootloader descriptor the RAM data.
  const toFront = (list: Seg[], name: string): void => {
    const i = list.findIndex((s) => s.name === name);
    if (i > 0) list.unshift(...list.splice(i, 1));
  };
  toFront(flash, '.flash.appdesc');
  toFront(ram, '.dram0.bootdesc');

  for (let i = 1; i < flash.length; i++) {
    if (Math.floor(flash[i]!.addr / mmuPage) === Math.floor(flash[i - 1]!.addr / mmuPage)) {
      throw badImage(file, `segment at 0x${flash[i]!.addr.toString(16)} lands in the same ${mmuPage / 1024} KB flash page as the one at 0x${flash[i - 1]!.addr.toString(16)}.`, [
        'Change the linker script (or the ELF) so those sections are merged.',
      ]);
    }
  }

  let total = 0;
  const saveFlashSegment = (seg: Seg, checksummed: boolean): void => {
    let data = seg.data;
    if (chip.id === 'esp32') {
      // The ESP32 2nd-stage bootloader of old IDFs leaves the last page unmapped when a flash
      // segment ends less than 0x24 bytes past a page boundary; esptool pads it out.
      const rem = (out.length + data.length + SEG_HEADER) % mmuPage;
      if (rem < 0x24) data = concatBytes([data, new Uint8Array(0x24 - rem)]);
    }
    saveSegment(ctx, { ...seg, data }, checksummed);
  };
  if (ramOnly) {
    for (const seg of ram) saveSegment(ctx, seg);
    appendChecksum(out, ctx.checksum);
    // Flash segments in linker-script order, each behind a zero segment that aligns it once the
    // image sits at the bootloader offset; neither is checksummed nor counted in the header.
    for (const seg of flash.reverse()) {
      let pad = (((seg.addr - out.length - 2 * SEG_HEADER) % mmuPage) + mmuPage) % mmuPage;
      if (pad < chip.bootloaderOffset) pad += mmuPage;
      pad -= chip.bootloaderOffset;
      saveSegment(ctx, { addr: 0, data: new Uint8Array(pad), name: 'padding' }, false);
      saveFlashSegment(seg, false);
    }
    out.set(1, ram.length);
    if (opts.padToSize && out.length % opts.padToSize !== 0) {
      out.write(new Uint8Array(opts.padToSize - (out.length % opts.padToSize)).fill(0xff));
    }
    return { chip, parts: [{ offset: 0, data: out.bytes(), suffix: '.bin' }], mmuPageSize: mmuPage, warnings };
  }
  const paddingNeeded = (seg: Seg): number => {
    // Place the next segment header so that its data's file offset ≡ its address (mod page).
    const alignPast = (seg.addr % mmuPage) - SEG_HEADER;
    let pad = mmuPage - (out.length % mmuPage) + alignPast;
    if (pad === 0 || pad === mmuPage) return 0;
    pad -= SEG_HEADER;
    if (pad < 0) pad += mmuPage;
    return pad;
  };
  while (flash.length > 0) {
    const seg = flash[0]!;
    const pad = paddingNeeded(seg);
    if (pad > 0) {
      // Fill the gap with the start of a RAM segment where one fits, else with a zero segment.
      if (ram.length > 0 && pad > SEG_HEADER) {
        const src = ram[0]!;
        const piece: Seg = { addr: src.addr, data: src.data.subarray(0, pad), name: src.name };
        src.data = src.data.subarray(pad);
        src.addr += pad;
        if (src.data.length === 0) ram.shift();
        saveSegment(ctx, piece);
      } else {
        saveSegment(ctx, { addr: 0, data: new Uint8Array(pad), name: 'padding' });
      }
    } else {
      saveFlashSegment(seg, true);
      flash.shift();
    }
    total++;
  }
  for (const seg of ram) {
    saveSegment(ctx, seg);
    total++;
  }
  if (opts.securePad === 2 || (opts.securePad === 1 && chip.id === 'esp32')) {
    if (!appendDigest) throw badImage(file, 'secure padding needs the SHA-256 digest appended.', ['Drop --dont-append-digest.']);
    // Room left after the checksum (16 B aligned): the digest, plus for v1 the signature block.
    const after = opts.securePad === 1 ? 32 + 4 + 64 + 12 : 32;
    const alignPast = (out.length + SEG_HEADER) % mmuPage;
    const pad = (((mmuPage - alignPast - 16 - after) % mmuPage) + mmuPage) % mmuPage;
    saveSegment(ctx, { addr: 0, data: new Uint8Array(pad), name: 'secure padding' });
    total++;
  }
  appendChecksum(out, ctx.checksum);
  out.set(1, total);
  if (appendDigest) out.write(sha256(out.view()));
  if (opts.padToSize && out.length % opts.padToSize !== 0) {
    out.write(new Uint8Array(opts.padToSize - (out.length % opts.padToSize)).fill(0xff));
  }
  return { chip, parts: [{ offset: 0, data: out.bytes(), suffix: '.bin' }], mmuPageSize: mmuPage, warnings };
}
