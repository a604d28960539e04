/** Finds the app's ELF for crash decoding: named directly, beside a written .bin, or in a build folder. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseFlasherArgs } from '../../formats/flasher-args.js';

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** ESP-IDF build (`flasher_args.json`: the app's .bin has its .elf beside it) or PlatformIO (`firmware.elf`). */
export function elfInBuild(dir: string): string | undefined {
  for (const candidate of [dir, join(dir, 'build')]) {
    const args = join(candidate, 'flasher_args.json');
    if (!existsSync(args)) continue;
    try {
      const plan = parseFlasherArgs(readFileSync(args, 'utf8'), args);
      const app = plan.files.find((f) => f.role === 'app') ?? plan.files[plan.files.length - 1];
      const elf = app && join(candidate, app.path.replace(/\.bin$/i, '.elf'));
      if (elf && existsSync(elf)) return elf;
    } catch {
      // An unreadable flasher_args.json: look for a lone ELF below instead.
    }
    const elfs = readdirSync(candidate).filter((n) => n.endsWith('.elf'));
    if (elfs.length === 1) return join(candidate, elfs[0]!);
  }
  const pio = join(dir, 'firmware.elf');
  return existsSync(pio) ? pio : undefined;
}

/**
 * The ELF for files given to `write`/`flash-project`: an .elf among them, the .elf beside the app
 * .bin (ESP-IDF and Arduino builds keep both), or the one a build folder names.
 */
export function elfForFiles(files: readonly string[]): string | undefined {
  const paths = files.map((f) => f.replace(/@(0x[0-9a-f]+|\d+)$/i, '')).filter((f) => !/^(0x[0-9a-f]+|\d+)$/i.test(f));
  const direct = paths.find((p) => p.toLowerCase().endsWith('.elf') && existsSync(p));
  if (direct) return direct;
  for (const p of paths) if (isDir(p)) {
    const found = elfInBuild(p);
    if (found) return found;
  }
  // The app is usually the last .bin in an ADDRESS FILE list (bootloader and table come first).
  for (const p of [...paths].reverse()) {
    if (!p.toLowerCase().endsWith('.bin')) continue;
    const beside = join(dirname(p), basename(p).replace(/\.bin$/i, '.elf'));
    if (existsSync(beside)) return beside;
  }
  return undefined;
}

/** A project folder's app ELF: an ESP-IDF build (`build/`) or a single PlatformIO environment's. */
export function elfInProject(dir: string): string | undefined {
  const idf = elfInBuild(dir);
  if (idf) return idf;
  const pio = join(dir, '.pio', 'build');
  if (!isDir(pio)) return undefined;
  const envs = readdirSync(pio).filter((e) => existsSync(join(pio, e, 'firmware.elf')));
  return envs.length === 1 ? join(pio, envs[0]!, 'firmware.elf') : undefined;
}

/** `--elf` values: files, or build folders to look in. */
export function resolveElfArgs(values: readonly string[]): string[] {
  return values.map((v) => (isDir(v) ? elfInBuild(v) ?? v : v));
}
