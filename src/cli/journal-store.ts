import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Journal } from '../engine/journal.js';
import type { JournalStore as JobJournalStore } from '../engine/job.js';

/** `~/.anyflash`, or `$ANYFLASH_HOME` (tests, portable installs). */
export function anyflashHome(): string {
  return process.env.ANYFLASH_HOME || join(homedir(), '.anyflash');
}

/** Journals under `<home>/journal/<device>/<job>.json`; written atomically (temp file + rename). */
export class JournalStore implements JobJournalStore {
  readonly dir: string;

  constructor(home = anyflashHome()) {
    this.dir = join(home, 'journal');
  }

  private path(j: Pick<Journal, 'deviceKey' | 'jobId'>): string {
    return join(this.dir, j.deviceKey, `${j.jobId}.json`);
  }

  load(deviceKey: string, jobId: string): Journal | undefined {
    try {
      return JSON.parse(readFileSync(this.path({ deviceKey, jobId }), 'utf8')) as Journal;
    } catch {
      return undefined;
    }
  }

  save(j: Journal): void {
    const path = this.path(j);
    mkdirSync(join(this.dir, j.deviceKey), { recursive: true });
    // A temp name of this process's own: two anyflash processes may save the same journal (boards
    // that share a device key, e.g. SiFli ones, on two stations); one shared name made a rename fail.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(j, null, 2));
    renameSync(tmp, path);
  }

  clear(j: Journal): void {
    rmSync(this.path(j), { force: true });
  }

  /** Every unfinished job, oldest first; unreadable files are skipped. */
  list(): Journal[] {
    const out: Journal[] = [];
    let devices: string[] = [];
    try {
      devices = readdirSync(this.dir);
    } catch {
      return out;
    }
    for (const d of devices) {
      let files: string[] = [];
      try {
        files = readdirSync(join(this.dir, d)).filter((f) => f.endsWith('.json'));
      } catch {
        continue;
      }
      for (const f of files) {
        try {
          out.push(JSON.parse(readFileSync(join(this.dir, d, f), 'utf8')) as Journal);
        } catch {
          // A file cut short by a crash: nothing to resume from.
        }
      }
    }
    return out.sort((a, b) => a.started.localeCompare(b.started));
  }
}
