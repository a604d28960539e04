/** The pure formats layer: no I/O, Uint8Array in and out, safe in browsers. */
export { loadInput, DEFAULT_ESP_APP_OFFSET, type LoadInputOptions, type LoadedInput, type InputKind, type InputFamily } from './input.js';
export type { Region, Chunk } from './regions.js';
export { parseElf, isElf, type ElfFile, type ElfSection, type ElfSegment, type ElfSymbol } from './elf.js';
export { createSymbolizer, symbolizerFor, type Symbolizer, type SourceFrame } from './symbolizer.js';
export { demangle } from './demangle.js';
export { elfToImage, type Elf2ImageOptions, type Elf2ImageResult } from './elf2image.js';
export {
  parseEspImage, isEspImage, espImageChipCheck, patchBootloaderHeader, parseAppDescriptor, parseBootloaderDescriptor,
  type EspImageInfo, type EspAppDescriptor, type EspBootloaderDescriptor, type FlashParams,
} from './esp-image.js';
export { ESP_IMAGE_CHIPS, findEspImageChip, type EspImageChip } from './esp-chips.js';
export { mergeImages, type MergeOptions, type MergeFormat } from './merge.js';
export { parseIntelHex, writeIntelHex, looksLikeIntelHex } from './ihex.js';
export { parseUf2, writeUf2, isUf2, UF2_FAMILIES } from './uf2.js';
export { resolveLibreTinyUf2 } from './libretiny-uf2.js';
export {
  parsePartitionCsv, parsePartitionBinary, parsePartitionTable, partitionTableToBinary, partitionTableToCsv,
  validatePartitionTable, findPartition, checkFitsPartition, PARTITION_TABLE_OFFSET, type Partition, type PartitionTable,
} from './partition-table.js';
export { parseFlasherArgs, platformioPlan, type ProjectPlan, type ProjectFile } from './flasher-args.js';
export { detectBekenDump, describeBekenImage, parseRbl, parseTuyaUg, crc16Cms, type BekenPlacement, type RblHeader } from './beken.js';
export { inspectImage, type ImageDescription } from './inspect.js';
export { sha256 } from './sha256.js';
export { md5 } from '../core/md5.js';
export { crc32 } from './crc32.js';
