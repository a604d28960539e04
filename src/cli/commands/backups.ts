import type { Command } from 'commander';
import { hexAddr } from '../../core/bytes.js';
import { listBackups } from '../backup-store.js';
import { outputOptions } from '../common.js';
import { Output } from '../output.js';

export function register(program: Command): void {
  outputOptions(program.command('backups').description('list the flash backups taken before the first write to each device')).action(
    (flags: { json?: boolean; verbose?: boolean }) => {
      const out = new Output(flags);
      const backups = listBackups();
      const lines: string[] = backups.length === 0 ? ['No backups.'] : [];
      for (const b of backups) {
        const m = b.manifest;
        const bytes = m.regions.reduce((n, r) => n + r.size, 0);
        const where = m.regions.map((r) => `${hexAddr(r.address)}+${r.size}`).join(', ');
        lines.push(`${b.id}  ${m.chip}${m.mac ? ` ${m.mac}` : ''}  ${m.reason}, ${bytes} B (${where})`);
        if (flags.verbose) lines.push(`  ${b.dir}`);
      }
      if (backups.length > 0) lines.push('Write one back with: anyflash restore <id> --port PORT');
      out.result({ ok: true, backups }, lines);
    },
  );
}
