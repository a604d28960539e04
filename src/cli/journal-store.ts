import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AnyflashEvent, EventSink } from '../core/events.js';
import { toAnyflashError, type AnyflashError } from '../core/errors.js';
import type { FlashDevice } from '../families/types.js';
import { bootOutlook, describeProgress, markVerified, markWriting, newJournal, regionStates, type Journal } from '../engine/journal.js';
import { toFlashOffsets, type Region } from '../engine/regions.js';
import { writeRegions, type RegionResult, type WriteOptions, type WriteSummary } from '../engine/write.js';
import { backedUp, backupBeforeWrite } from './backup-store.js';
import type { Output } from './output.js';

/** `~/.anyflash`, or `$ANYFLASH_HOME` (tests, portable installs). */
export function anyflashHome(): string {
  return process.env.ANYFLASH_HOME || join(homedir(), '.anyflash');
}

/** Progress is saved at most this often: a crash loses at most this much of the "how far" detail. */
const SAVE_INTERVAL_MS = 250;

/** Journals under `<home>/journal/<device>/<job>.json`; written atomically (temp file + rename). */
export class JournalStore {
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
    writeFileSync(`${path}.tmp`, JSON.stringify(j, null, 2));
    renameSync(`${path}.tmp`, path);
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

/**
 * The journal of one `anyflash write`: says what a previous run left behind, records each region
 * as it is written and verified, clears itself on success and explains an interrupted run.
 */
export class WriteJournal {
  private lastSave = 0;

  private constructor(
    private readonly store: JournalStore,
    readonly journal: Journal,
    /** The journal a previous, interrupted run of the same job left. */
    readonly previous: Journal | undefined,
  ) {}

  static async open(device: FlashDevice, regions: readonly Region[], port: string, command: string[], store = new JournalStore()): Promise<WriteJournal> {
    const info = await device.info();
    const fresh = newJournal(info, toFlashOffsets(regions, device.flashBase), port, command);
    const previous = store.load(fresh.deviceKey, fresh.jobId);
    const j = new WriteJournal(store, { ...fresh, started: previous?.started ?? fresh.started }, previous);
    store.save(j.journal);
    return j;
  }

  /** Lines about the previous run, printed before resuming. */
  resumeLines(): string[] {
    if (!this.previous) return [];
    return [`Resuming: the previous run (${this.previous.updated}) ${describeProgress(this.previous)}.`, `  ${bootOutlook(this.previous)}`];
  }

  /** Passes events on and notes which region is being written. */
  events(next: EventSink): EventSink {
    return (e: AnyflashEvent) => {
      if ((e.type === 'start' || e.type === 'progress') && e.op === 'write' && e.region) {
        const done = e.type === 'progress' ? e.done : 0;
        const total = e.total ?? e.region.size;
        const j = this.journal;
        const first = j.writing?.address !== e.region.address;
        markWriting(j, e.region.address, Math.max(done, first ? 0 : j.writing!.done), total);
        if (first || performance.now() - this.lastSave > SAVE_INTERVAL_MS) this.persist();
      }
      next(e);
    };
  }

  readonly regionDone = (r: RegionResult): void => {
    if (!r.verified) return;
    markVerified(this.journal, r.address);
    this.persist();
  };

  finished(): void {
    this.store.clear(this.journal);
  }

  /** What is and is not written, and what the device will do at its next boot. */
  interrupted(error: AnyflashError, out: Output): void {
    this.persist();
    out.say(`Stopped (${error.code}): ${describeProgress(this.journal)}.`);
    for (const line of regionStates(this.journal)) out.say(`  ${line}`);
    out.say(`  ${bootOutlook(this.journal)}`);
    out.say(`Run the same command again to resume (anyflash status lists unfinished jobs).`);
  }

  private persist(): void {
    this.lastSave = performance.now();
    this.store.save(this.journal);
  }
}

/**
 * `writeRegions` for the CLI with the safety net around it: a backup of what the first write to a
 * device overwrites (unless `backup` is false), a journal that resumes an interrupted job and
 * explains what an interruption left behind. In-process simulators skip both: their flash ends
 * with this process.
 */
export async function protectedWrite(
  device: FlashDevice,
  regions: Region[],
  options: WriteOptions & { out: Output; port: string; backup: boolean },
): Promise<WriteSummary> {
  const { out, port, backup, ...writeOptions } = options;
  if (device.transport.kind === 'sim') return writeRegions(device, regions, writeOptions);
  const saved = backup ? await backupBeforeWrite(device, regions, { events: out.events, signal: options.signal }) : undefined;
  if (saved) out.say(`Saved the original flash first: ${saved.dir} (anyflash restore ${saved.id})`);
  const journal = await WriteJournal.open(device, regions, port, process.argv.slice(2));
  for (const line of journal.resumeLines()) out.say(line);
  try {
    const summary = await writeRegions(device, regions, {
      ...writeOptions,
      original: saved ? (start, size) => backedUp(saved, start, size) : undefined,
      events: journal.events(writeOptions.events ?? out.events),
      onRegionDone: (r) => {
        journal.regionDone(r);
        writeOptions.onRegionDone?.(r);
      },
    });
    journal.finished();
    return summary;
  } catch (e) {
    journal.interrupted(toAnyflashError(e), out);
    throw e;
  }
}
