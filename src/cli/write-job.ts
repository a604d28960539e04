import type { AnyflashEvent, EventSink } from '../core/events.js';
import type { FlashDevice } from '../families/types.js';
import { JOB_NOTE_CODES, runWriteJob, type WriteJobOptions } from '../engine/job.js';
import type { Region } from '../engine/regions.js';
import type { WriteSummary } from '../engine/write.js';
import { fileBackupStore } from './backup-store.js';
import { JournalStore } from './journal-store.js';
import { movedTo } from './line/moved.js';
import type { Output } from './output.js';

/**
 * The job's lines for people (backup saved, resuming, stopped) as `say` lines; JSON events stay events.
 * A station stopped the job because its board moved (`signal`): the job on the new port resumes it,
 * so "run the same command again" would mislead; the station's job says where it went on instead.
 */
export function withJobLines(out: Output, next: EventSink = out.events, signal?: AbortSignal): EventSink {
  return (e: AnyflashEvent) => {
    if (e.type === 'note' && e.code && JOB_NOTE_CODES.has(e.code) && !out.options.jsonEvents) {
      if (!(e.code === 'job-interrupted' && movedTo(signal?.reason))) out.say(e.message);
    } else next(e);
  };
}

/** The engine's write job with the CLI's stores: backups and journals as files under ANYFLASH_HOME. */
export function protectedWrite(
  device: FlashDevice,
  regions: Region[],
  options: Omit<WriteJobOptions, 'backup' | 'journal'> & { out: Output; backup: boolean },
): Promise<WriteSummary> {
  const { out, backup, ...rest } = options;
  return runWriteJob(device, regions, {
    ...rest,
    command: rest.command ?? process.argv.slice(2),
    events: withJobLines(out, rest.events ?? out.events, rest.signal),
    backup: backup ? fileBackupStore() : undefined,
    journal: new JournalStore(),
  });
}
