/**
 * Status-register layout per JEDEC id (reference §3, from bk7231tools and the Beken flash list):
 * how many SR bytes the part has and which bits are block protection.
 */

export interface FlashProtect {
  /** 1 = SR1 only (8-bit write), 2 = SR1+SR2 written together (16-bit write). */
  srBytes: 1 | 2;
  /** Protection bits in SR2<<8 | SR1 (BP0–BP4 = bits 2–6, CMP = bit 14). */
  mask: number;
}

const TWO_BYTE = [
  0x0b4014, 0x0b4015, 0x0b4016, 0x0b4017, 0x0b6017, 0x0e4016, 0x204016, 0x852015, 0x856013, 0x856014, 0x856016, 0x856017,
  0xc22314, 0xc22315, 0xc84014, 0xc84015, 0xc86515, 0xc86516, 0xc86517, 0xcd6014, 0xeb6015, 0xef4016, 0xef4018,
];
const ONE_BYTE = [0x1c3113, 0x1c4116, 0x1c7015, 0x1c7016, 0x514013, 0x514014, 0x5e4014, 0x854215, 0xc84013, 0xc84016, 0xe04013, 0xe04014];
/** Older one-byte parts (EN25QH, GD25D, PN25F class) with BP0–BP3 only. */
const MASK_3C = new Set([0x1c7015, 0x1c7016]);

export function flashProtectFor(jedecId: number): FlashProtect | undefined {
  if (TWO_BYTE.includes(jedecId)) return { srBytes: 2, mask: 0x407c };
  if (ONE_BYTE.includes(jedecId)) return { srBytes: 1, mask: MASK_3C.has(jedecId) ? 0x3c : 0x7c };
  return undefined;
}

/** Flash size from the JEDEC capacity byte, or undefined when the id is not a plausible answer. */
export function flashSizeFromId(jedecId: number): number | undefined {
  if (jedecId === 0 || jedecId === 0xffffff) return undefined;
  const cap = jedecId & 0xff;
  if (cap < 0x10 || cap > 0x19) return undefined;
  return 1 << cap;
}

const VENDORS: Readonly<Record<number, string>> = {
  0x0b: 'XTX', 0x0e: 'Fudan', 0x1c: 'Eon', 0x20: 'XMC', 0x51: 'GigaDevice (MD)', 0x5e: 'Zbit', 0x85: 'Puya',
  0xc2: 'Macronix', 0xc8: 'GigaDevice', 0xcd: 'TH', 0xe0: 'Boya', 0xeb: 'TH', 0xef: 'Winbond',
};

export function flashVendor(jedecId: number): string | undefined {
  return VENDORS[jedecId >> 16];
}
