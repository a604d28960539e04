import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { hexAddr, toHex } from '../core/bytes.js';
import { AnyflashError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { md5 } from '../core/md5.js';
import { readRange } from '../engine/ops.js';
import { deviceKey } from '../engine/journal.js';
import { backupRanges, type BackupStore } from '../engine/job.js';
import type { Range, Region } from '../engine/regions.js';
import type { DeviceInfo, FlashDevice } from '../families/types.js';
import { sha256 } from '../formats/sha256.js';
import { anyflashHome } from './journal-store.js';

export interface BackupRegion {
  address: number;
  size: number;
  file: string;
  sha256: string;
  md5: string;
}

export interface BackupManifest {
  version: 1;
  anyflash: string;
  created: string;
  deviceKey: string;
  family: string;
  chip: string;
  mac?: string;
  flashId?: string;
  flashSize: number;
  /** Why this backup exists: `before write` or `full flash`. */
  reason: string;
  regions: BackupRegion[];
}

export interface Backup {
  /** `<device key>/<timestamp>`: what `anyflash restore` accepts. */
  id: string;
  dir: string;
  manifest: BackupManifest;
}

const ANYFLASH_VERSION = '0.1.0';

export function backupsDir(home = anyflashHome()): string {
  return join(home, 'backups');
}

/** Backups of one device, newest first. */
export function listBackups(home = anyflashHome()): Backup[] {
  const root = backupsDir(home);
  const out: Backup[] = [];
  const dirs = (p: string): string[] => {
    try {
      return readdirSync(p).filter((n) => statSync(join(p, n)).isDirectory());
    } catch {
      return [];
    }
  };
  for (const key of dirs(root)) {
    for (const stamp of dirs(join(root, key))) {
      const dir = join(root, key, stamp);
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
        out.push({ id: `${key}/${stamp}`, dir, manifest });
      } catch {
        // No manifest: an interrupted backup, not restorable.
      }
    }
  }
  return out.sort((a, b) => b.manifest.created.localeCompare(a.manifest.created));
}

/**
 * Saves the flash a write is about to overwrite, once per device: the first time anyflash writes
 * to a chip, its original contents are kept. Beken devices get a full-flash backup (the vendor
 * firmware and RF calibration cannot be downloaded anywhere). Returns the backup, or undefined
 * when this device already has one.
 */
export async function backupBeforeWrite(
  device: FlashDevice,
  regions: readonly Region[],
  options: { events: EventSink; signal?: AbortSignal; home?: string },
): Promise<Backup | undefined> {
  const key = deviceKey(await (device.identity?.() ?? device.info()));
  const home = options.home ?? anyflashHome();
  if (listBackups(home).some((b) => b.manifest.deviceKey === key)) return undefined;
  const info = await device.info();
  const { full, ranges } = backupRanges(device, regions);
  options.events({
    type: 'note',
    level: 'info',
    message: `First write to this ${info.chip} (${key}): saving ${full ? 'the whole flash' : 'the regions about to be overwritten'} first (--no-backup skips this).`,
  });
  const parts: Array<{ range: Range; data: Uint8Array }> = [];
  for (const range of ranges) {
    parts.push({ range, data: await readRange(device, range.start, range.end - range.start, { events: options.events, signal: options.signal }) });
  }
  return saveBackup(info, parts, full ? 'full flash' : 'before write', home);
}

/** Backups as folders under `<home>/backups/<device>/<time>/` (what `anyflash restore` reads). */
export function fileBackupStore(home?: string): BackupStore {
  return {
    async saveBefore(device, regions, context) {
      const saved = await backupBeforeWrite(device, regions, { ...context, home });
      return saved && { id: saved.id, where: saved.dir, original: (start, size) => backedUp(saved, start, size) };
    },
  };
}

/** The backed-up bytes of [start, start+size), when one region of the backup holds all of them. */
export function backedUp(backup: Backup, start: number, size: number): Uint8Array | undefined {
  const r = backup.manifest.regions.find((x) => x.address <= start && x.address + x.size >= start + size);
  if (!r) return undefined;
  // Only the bytes asked for: a damaged write is put back sector by sector from a full-flash file.
  const out = new Uint8Array(size);
  const fd = openSync(join(backup.dir, r.file), 'r');
  try {
    readSync(fd, out, 0, size, start - r.address);
  } finally {
    closeSync(fd);
  }
  return out;
}

export function saveBackup(info: DeviceInfo, parts: Array<{ range: Range; data: Uint8Array }>, reason: string, home = anyflashHome()): Backup {
  const key = deviceKey(info);
  const now = new Date();
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dir = join(backupsDir(home), key, stamp);
  const tmp = `${dir}.partial`;
  mkdirSync(tmp, { recursive: true });
  const regions: BackupRegion[] = parts.map(({ range, data }) => {
    const file = `${hexAddr(range.start)}-${hexAddr(range.end)}.bin`;
    writeFileSync(join(tmp, file), data);
    return { address: range.start, size: data.length, file, sha256: toHex(sha256(data)), md5: toHex(md5(data)) };
  });
  const manifest: BackupManifest = {
    version: 1,
    anyflash: ANYFLASH_VERSION,
    created: now.toISOString(),
    deviceKey: key,
    family: info.family,
    chip: info.chip,
    mac: info.mac,
    flashId: info.flashId === undefined ? undefined : hexAddr(info.flashId),
    flashSize: info.flashSize,
    reason,
    regions,
  };
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  // Renamed only when complete, so a crash never leaves a backup that looks whole.
  renameSync(tmp, dir);
  return { id: `${key}/${stamp}`, dir, manifest };
}

/** Finds a backup by directory, id (`<key>/<stamp>`), or a unique prefix of either part. */
export function findBackup(ref: string, home = anyflashHome()): Backup {
  const asDir = resolve(ref);
  if (existsSync(join(asDir, 'manifest.json'))) {
    const manifest = JSON.parse(readFileSync(join(asDir, 'manifest.json'), 'utf8')) as BackupManifest;
    return { id: `${manifest.deviceKey}/${basename(asDir)}`, dir: asDir, manifest };
  }
  const all = listBackups(home);
  const exact = all.find((b) => b.id === ref);
  if (exact) return exact;
  // A device key alone means its newest backup (the list is newest first).
  const newest = all.find((b) => b.manifest.deviceKey === ref);
  if (newest) return newest;
  const hits = all.filter((b) => b.id.startsWith(ref));
  if (hits.length === 1) return hits[0]!;
  throw new AnyflashError('bad-input', hits.length === 0 ? `No backup "${ref}".` : `"${ref}" matches ${hits.length} backups.`, {
    advice: ['anyflash backups lists them; give the directory or the full id.'],
  });
}

/** The backup's regions, each file checked against its manifest digest. */
export function loadBackupRegions(b: Backup): Region[] {
  return b.manifest.regions.map((r) => {
    const path = join(b.dir, r.file);
    let data: Uint8Array;
    try {
      data = new Uint8Array(readFileSync(path));
    } catch (e) {
      throw new AnyflashError('file-unreadable', `Backup file ${path} cannot be read.`, { file: path, cause: e, advice: ['The backup is incomplete; choose another (anyflash backups).'] });
    }
    if (data.length !== r.size || toHex(sha256(data)) !== r.sha256) {
      throw new AnyflashError('bad-input', `Backup file ${path} does not match its manifest (size or SHA-256).`, {
        file: path,
        advice: ['The backup was changed or damaged; choose another (anyflash backups).'],
      });
    }
    return { name: `${basename(b.dir)}/${r.file}`, address: r.address, data };
  });
}
