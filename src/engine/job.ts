import type { AnyflashEvent, EventSink } from '../core/events.js';
import { toAnyflashError, type AnyflashError } from '../core/errors.js';
import type { FlashDevice } from '../families/types.js';
import { bootOutlook, describeProgress, markVerified, markWriting, newJournal, regionStates, type Journal } from './journal.js';
import { alignDown, alignUp, mergeRanges, toFlashOffsets, type Range, type Region } from './regions.js';
import { writeRegions, type RegionResult, type WriteOptions, type WriteSummary } from './write.js';

/** A backup a store has saved: where it is, and its bytes for putting back what a damaged command changed. */
export interface SavedBackup {
  /** What the front end's restore accepts. */
  id: string;
  /** Where it is kept, for people (a folder, a download name). */
  where: string;
  original: (start: number, size: number) => Uint8Array | undefined;
}

/** Keeps the flash a write overwrites (Node files in the CLI, IndexedDB or downloads in a browser). */
export interface BackupStore {
  /** Saves what `regions` will overwrite on the first write to this device; undefined when it already has a backup. */
  saveBefore(device: FlashDevice, regions: readonly Region[], context: { events: EventSink; signal?: AbortSignal }): Promise<SavedBackup | undefined>;
}

/**
 * What a backup before a write keeps: the sectors the regions overwrite, or for Beken the whole
 * flash (the vendor firmware and RF calibration cannot be downloaded anywhere).
 */
export function backupRanges(device: FlashDevice, regions: readonly Region[]): { full: boolean; ranges: Range[] } {
  if (device.family === 'beken') return { full: true, ranges: [{ start: 0, end: device.flashSize }] };
  const ranges = mergeRanges(
    toFlashOffsets(regions, device.flashBase).map((r) => ({ start: alignDown(r.address, device.sectorSize), end: Math.min(device.flashSize, alignUp(r.address + r.data.length, device.sectorSize)) })),
  );
  return { full: false, ranges };
}

/** Persists journals by device and job (files in the CLI); `save` must replace atomically. */
export interface JournalStore {
  load(deviceKey: string, jobId: string): Journal | undefined;
  save(journal: Journal): void;
  clear(journal: Journal): void;
}

/**
 * Lines for people a job produces (backup saved, resuming, where it stopped), as `note` events
 * with these codes; a front end shows them as it shows its own messages.
 */
export const JOB_NOTE_CODES = new Set(['backup-saved', 'job-resumed', 'job-interrupted']);

/** Progress is saved at most this often: a crash loses at most this much of the "how far" detail. */
const SAVE_INTERVAL_MS = 250;

/**
 * The journal of one write job: says what a previous run left behind, records each region as it
 * is written and verified, clears itself on success and explains an interrupted run.
 */
export class WriteJournal {
  private lastSave = 0;
  /** A progress save waiting for the current turn to end (see `persistSoon`). */
  private pendingSave: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly store: JournalStore,
    readonly journal: Journal,
    /** The journal a previous, interrupted run of the same job left. */
    readonly previous: Journal | undefined,
  ) {}

  static async open(device: FlashDevice, regions: readonly Region[], port: string, command: string[], store: JournalStore): Promise<WriteJournal> {
    const info = await (device.identity?.() ?? device.info());
    const fresh = newJournal(info, toFlashOffsets(regions, device.flashBase), port, command);
    const previous = store.load(fresh.deviceKey, fresh.jobId);
    const j = new WriteJournal(store, { ...fresh, started: previous?.started ?? fresh.started }, previous);
    store.save(j.journal);
    return j;
  }

  /** Lines about the previous run, told before resuming. */
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
        if (first) this.persist();
        else if (performance.now() - this.lastSave > SAVE_INTERVAL_MS) this.persistSoon();
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
    this.cancelPendingSave();
    this.store.clear(this.journal);
  }

  /** What is and is not written, and what the device will do at its next boot. */
  interrupted(error: AnyflashError): string[] {
    this.persist();
    return [
      `Stopped (${error.code}): ${describeProgress(this.journal)}.`,
      ...regionStates(this.journal).map((line) => `  ${line}`),
      `  ${bootOutlook(this.journal)}`,
      `Run the same command again to resume (anyflash status lists unfinished jobs).`,
    ];
  }

  private persist(): void {
    this.cancelPendingSave();
    this.lastSave = performance.now();
    this.store.save(this.journal);
  }

  /**
   * Saves progress once the current turn ends: a write's next command leaves first and the file is
   * written while it crosses the wire (a save takes ~1 ms; between every block it held up the next one).
   */
  private persistSoon(): void {
    if (this.pendingSave) return;
    this.lastSave = performance.now();
    this.pendingSave = setTimeout(() => {
      this.pendingSave = undefined;
      this.store.save(this.journal);
    }, 0);
  }

  private cancelPendingSave(): void {
    clearTimeout(this.pendingSave);
    this.pendingSave = undefined;
  }
}

export interface WriteJobOptions extends WriteOptions {
  /** Where the first write to a device keeps what it overwrites; undefined: no backup. */
  backup?: BackupStore;
  /** Where the job's journal lives; undefined: no journal (nothing to resume). */
  journal?: JournalStore;
  /** The port, recorded in the journal. */
  port?: string;
  /** The command to run again to resume, recorded in the journal. */
  command?: string[];
}

/**
 * `writeRegions` with the safety net every front end gets: a backup of what the first write to a
 * device overwrites, a journal that resumes an interrupted job and explains what an interruption
 * left behind. In-process simulators skip both, their flash ends with the process; a simulated
 * hub's board keeps its journal, as it may be plugged in again in another slot.
 */
export async function runWriteJob(device: FlashDevice, regions: Region[], options: WriteJobOptions): Promise<WriteSummary> {
  const { backup, journal: journals, port = '', command = [], ...writeOptions } = options;
  const events = writeOptions.events ?? (() => {});
  const tell = (code: string, message: string): void => events({ type: 'note', level: 'info', code, message });
  const sim = device.transport.kind === 'sim';
  if (sim && !device.transport.facts.keepsFlash) return writeRegions(device, regions, writeOptions);
  // A blind device (the ESP8266 ROM) cannot read what it holds: there is nothing to back up.
  if (backup && device.blind) events({ type: 'note', level: 'warn', code: 'no-backup', message: `No backup of the original flash: ${device.blind}.` });
  const saved = backup && !device.blind && !sim ? await backup.saveBefore(device, regions, { events, signal: options.signal }) : undefined;
  if (saved) tell('backup-saved', `Saved the original flash first: ${saved.where} (anyflash restore ${saved.id})`);
  if (!journals) return writeRegions(device, regions, { ...writeOptions, original: saved?.original });
  const journal = await WriteJournal.open(device, regions, port, command, journals);
  for (const line of journal.resumeLines()) tell('job-resumed', line);
  try {
    const summary = await writeRegions(device, regions, {
      ...writeOptions,
      original: saved?.original,
      events: journal.events(events),
      onRegionDone: (r) => {
        journal.regionDone(r);
        writeOptions.onRegionDone?.(r);
      },
    });
    journal.finished();
    return summary;
  } catch (e) {
    for (const line of journal.interrupted(toAnyflashError(e))) tell('job-interrupted', line);
    throw e;
  }
}
