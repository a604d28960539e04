import { hexAddr } from '../../src/core/bytes.js';
import { readRange } from '../../src/engine/ops.js';
import { backupRanges, type BackupStore, type JournalStore } from '../../src/engine/job.js';
import { deviceKey, type Journal } from '../../src/engine/journal.js';

/** Journals in the page's localStorage, by device and job: a reload or a new tab resumes the same job. */
export const pageJournals: JournalStore = {
  load(key, jobId) {
    const text = localStorage.getItem(`anyflash-journal:${key}/${jobId}`);
    return text ? (JSON.parse(text) as Journal) : undefined;
  },
  save(j) {
    localStorage.setItem(`anyflash-journal:${j.deviceKey}/${j.jobId}`, JSON.stringify(j));
  },
  clear(j) {
    localStorage.removeItem(`anyflash-journal:${j.deviceKey}/${j.jobId}`);
  },
};

/**
 * Backups in the browser: the first write to a device reads what it will overwrite, offers it as
 * downloads (`offer`), and keeps it in the page to put back what a damaged command changed.
 * localStorage remembers which devices already have one.
 */
export function pageBackups(offer: (name: string, data: Uint8Array) => void): BackupStore {
  return {
    async saveBefore(device, regions, { events, signal }) {
      const info = await device.info();
      const key = deviceKey(info);
      if (localStorage.getItem(`anyflash-backup:${key}`)) return undefined;
      const { full, ranges } = backupRanges(device, regions);
      events({ type: 'note', level: 'info', message: `First write to this ${info.chip} (${key}): saving ${full ? 'the whole flash' : 'the regions about to be overwritten'} first.` });
      const parts: Array<{ start: number; data: Uint8Array }> = [];
      for (const r of ranges) parts.push({ start: r.start, data: await readRange(device, r.start, r.end - r.start, { events, signal }) });
      const names = parts.map((p) => `${key}-${hexAddr(p.start)}-${hexAddr(p.start + p.data.length)}.bin`);
      parts.forEach((p, i) => offer(names[i]!, p.data));
      localStorage.setItem(`anyflash-backup:${key}`, new Date().toISOString());
      return {
        id: key,
        where: `downloads ${names.join(', ')}`,
        original: (start, size) => {
          const p = parts.find((x) => x.start <= start && x.start + x.data.length >= start + size);
          return p?.data.slice(start - p.start, start - p.start + size);
        },
      };
    },
  };
}
