import type { EventSink } from '../core/events.js';
import type { Transport } from '../transport/types.js';

export type FamilyName = 'esp' | 'beken' | 'sifli';

/** How the host digests flash on the device; the engine computes the same locally to compare. */
export interface DigestScheme {
  readonly name: string;
  /** Digest of `data` as the device would report it for the same bytes. */
  compute(data: Uint8Array): Uint8Array;
  /** Largest range one device digest may cover (e.g. SiFli/Beken limits); Infinity when none. */
  readonly maxRange: number;
}

export interface ConnectOptions {
  transport: Transport;
  /** Narrows detection to one chip (`esp32s3`) or one family (`esp`). */
  chip?: string;
  /** Reset strategy before connecting: family defaults, `no-reset`, `no-reset-no-sync`, a custom sequence… */
  before?: string;
  /** Bounded number of reset+sync attempts (≤0 = until aborted). */
  connectAttempts?: number;
  /** Working baud after the handshake; undefined keeps the family default. */
  baud?: number;
  /** ESP: run everything through the ROM loader. */
  noStub?: boolean;
  /** Keep knocking while asking the person to enter boot mode by hand (false for scripts/CI). */
  wait?: boolean;
  /** How long to keep knocking for a manual boot entry, in ms. */
  waitMs?: number;
  /** Family-specific extra options (e.g. `stub` path for SiFli, `bootloader` for Beken). */
  extra?: Record<string, unknown>;
  /**
   * Detection is searching several families: make one short attempt, because another family may
   * own the port (each family gets its full attempts only after every family had its short one).
   */
  probe?: boolean;
  /** Called when the chip answered this family's handshake: any later failure is this family's to report. */
  onHandshake?: () => void;
  events: EventSink;
  signal?: AbortSignal;
}

export interface DeviceInfo {
  family: FamilyName;
  chip: string;
  description: string;
  revision?: string;
  features: string[];
  mac?: string;
  crystalMHz?: number;
  flashId?: number;
  flashSize: number;
  /** How the device was reached: the reset strategy that worked. */
  strategy: string;
  baud: number;
  /** Mode the device runs in (ESP: `rom` / `stub`; Beken: protocol variant; SiFli: memory type). */
  mode: string;
  extra: Record<string, string | number | boolean>;
}

export interface OpOptions {
  signal?: AbortSignal;
  /** Bytes of the operation done so far (uncompressed / payload bytes). */
  onProgress?: (done: number) => void;
}

export type ResetMode = 'hard' | 'soft' | 'none' | 'watchdog' | 'stay';

/**
 * A connected device. The engine owns planning, skip-unchanged, verification and retries; a family
 * only has to move bytes and digests.
 */
export interface FlashDevice {
  readonly family: FamilyName;
  readonly chip: string;
  readonly flashSize: number;
  /**
   * Where the flash appears in the chip's address map (SiFli NOR at 0x12000000), when images use
   * such absolute addresses; the engine turns them into flash offsets.
   */
  readonly flashBase?: number;
  /** Smallest erasable unit; the engine hands `write` ranges aligned to it. */
  readonly sectorSize: number;
  readonly digest: DigestScheme;
  /**
   * Time the device takes to digest a byte of flash, as a share of the time to erase and write
   * one over the current link (Beken's CRC at 921600 baud: ~0.2). Set where digests are dear: the
   * compare before a write then stops as soon as the blocks it has seen show the image mostly
   * changed. Absent: digests are cheap next to writing (ESP's MD5) and the whole region is compared.
   */
  readonly digestCost?: number;
  /** Writes are deflated on the way (ESP's stub): unchanged gaps cost their compressed size to re-send. */
  readonly compressesWrites?: boolean;
  readonly transport: Transport;
  /**
   * Set when the device can neither digest nor read its flash (the ESP8266 ROM without the stub):
   * says why. The engine then writes whole sectors blind, as esptool does there, and cannot verify.
   */
  readonly blind?: string;
  info(): Promise<DeviceInfo>;
  /**
   * What tells this device apart from others (journal and backup keys), where `info` costs more
   * than that (a Beken's eFuse key takes ~70 round trips). Absent: `info` is cheap.
   */
  identity?(): Promise<Pick<DeviceInfo, 'family' | 'chip' | 'mac' | 'flashId'>>;
  /** Digest of flash [address, address+size) computed on the device. */
  flashDigest(address: number, size: number, options?: OpOptions): Promise<Uint8Array>;
  /** Erases as needed and programs `data` at `address` (both sector-aligned). */
  writeFlash(address: number, data: Uint8Array, options?: OpOptions): Promise<void>;
  readFlash(address: number, size: number, options?: OpOptions): Promise<Uint8Array>;
  eraseFlash(address: number, size: number, options?: OpOptions): Promise<void>;
  eraseAll(options?: OpOptions): Promise<void>;
  /**
   * Flash ranges a damaged command may have changed outside what it was asked to write, since the
   * last call: where the reply echoed another address, or (`suspect`) where one flipped address
   * bit would have sent a write whose reply was lost. Only protocols without a checksum have them.
   */
  takeStrays?(): Stray[];
  reset(mode: ResetMode): Promise<void>;
  /** Leaves the device as the last `reset` put it and closes nothing but family state. */
  disconnect(): Promise<void>;
}

export interface Stray {
  start: number;
  end: number;
  /** The command's reply was lost: it may have acted here, if one bit of its address flipped. */
  suspect?: boolean;
}

/** What a family is called and which chips it has: known without loading its protocol code. */
export interface FamilyFacts {
  readonly name: FamilyName;
  /** How people write the family's name in prose (`SiFli`). */
  readonly title: string;
  /** Chip names accepted by `--chip` (lower case, e.g. `esp32s3`, `bk7231n`, `sf32lb52`). */
  readonly chips: readonly string[];
  /** Relative cost of one detection attempt; detection tries the cheapest first. */
  readonly probeCost: number;
}

export interface Family extends FamilyFacts {
  /** Connects, detects the chip and prepares for flash operations. */
  connect(options: ConnectOptions): Promise<FlashDevice>;
}
