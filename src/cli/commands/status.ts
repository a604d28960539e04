import type { Command } from 'commander';
import { bootOutlook, describeProgress, regionStates } from '../../engine/journal.js';
import { outputOptions } from '../common.js';
import { JournalStore } from '../journal-store.js';
import { Output } from '../output.js';

export function register(program: Command): void {
  outputOptions(program.command('status').description('list unfinished write jobs (interrupted runs) and what each left on its device')).action(
    (flags: { json?: boolean; verbose?: boolean }) => {
      const out = new Output(flags);
      const jobs = new JournalStore().list();
      const lines: string[] = jobs.length === 0 ? ['No unfinished jobs.'] : [];
      for (const j of jobs) {
        lines.push(`${j.chip} ${j.mac ?? ''} (${j.deviceKey}), job ${j.jobId}, last active ${j.updated}${j.port ? ` on ${j.port}` : ''}:`);
        lines.push(`  ${describeProgress(j)}`);
        for (const l of regionStates(j)) lines.push(`  ${l}`);
        lines.push(`  ${bootOutlook(j)}`);
        lines.push(`  resume: anyflash ${j.command.join(' ')}`);
      }
      out.result({ ok: true, jobs }, lines);
    },
  );
}
