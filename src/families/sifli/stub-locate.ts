/**
 * Node-only: finds SiFli's stub binaries where a user already has them. anyflash does not ship
 * them (they are SiFli's). Kept apart so the protocol code stays browser-safe.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AnyflashError } from '../../core/errors.js';
import { DFU_SIG_PUB_FILE, type SifliChip, type SifliMemory } from './chips.js';

export interface LocatedStub {
  stub: Uint8Array;
  /** Where it came from, for the log. */
  source: string;
  /** 55/58: the ROM's signature key file found beside the stub. */
  sigPub?: Uint8Array;
}

export interface LocateOptions {
  /** `--stub FILE` or a directory holding SiFli's stub files. */
  path?: string;
  env?: Record<string, string | undefined>;
  home?: string;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** A file in `dir` whose name matches case-insensitively (sftool ships both `58x` and `58X`). */
function fileIn(dir: string, name: string): string | undefined {
  if (!isDir(dir)) return undefined;
  const want = name.toLowerCase();
  const hit = readdirSync(dir).find((f) => f.toLowerCase() === want);
  return hit ? join(dir, hit) : undefined;
}

/** Numeric-aware compare so sftool-lib-0.2.10 sorts after 0.2.9. */
const byVersion = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });

/** Directories to search, in order: explicit, env var, SiFli SDK, sftool's crate in the Cargo registry. */
export function stubDirectories(o: LocateOptions = {}): { dir: string; what: string }[] {
  const env = o.env ?? process.env;
  const out: { dir: string; what: string }[] = [];
  const fromEnv = env.ANYFLASH_SIFLI_STUB;
  if (fromEnv && isDir(fromEnv)) out.push({ dir: fromEnv, what: 'ANYFLASH_SIFLI_STUB' });
  for (const key of ['SIFLI_SDK_PATH', 'SIFLI_SDK']) {
    const sdk = env[key];
    if (sdk) out.push({ dir: join(sdk, 'tools', 'uart_download', 'file'), what: `${key} (SiFli SDK)` });
  }
  const cargoHome = env.CARGO_HOME ?? join(o.home ?? homedir(), '.cargo');
  const registry = join(cargoHome, 'registry', 'src');
  if (isDir(registry)) {
    const crates: string[] = [];
    for (const index of readdirSync(registry)) {
      const dir = join(registry, index);
      if (!isDir(dir)) continue;
      for (const c of readdirSync(dir)) if (c.startsWith('sftool-lib-')) crates.push(join(dir, c));
    }
    crates.sort((a, b) => byVersion(b, a));
    for (const c of crates) out.push({ dir: join(c, 'stub'), what: 'sftool-lib in the Cargo registry' });
  }
  return out;
}

export function locateStub(chip: SifliChip, memory: SifliMemory, o: LocateOptions = {}): LocatedStub {
  const env = o.env ?? process.env;
  const name = chip.stubFiles[memory];
  if (!name) {
    throw new AnyflashError('stub-missing', `SiFli publishes no ${memory.toUpperCase()} stub for ${chip.name.toUpperCase()}.`, {
      family: 'sifli',
      chip: chip.name,
      advice: [`Use --memory ${chip.memories.join('|')}.`],
    });
  }
  const withKey = (stubPath: string, source: string, dir?: string): LocatedStub => {
    const stub = new Uint8Array(readFileSync(stubPath));
    if (chip.entry !== 'dfu') return { stub, source };
    const keyPath = [dir, ...stubDirectories(o).map((d) => d.dir)].map((d) => d && fileIn(d, DFU_SIG_PUB_FILE)).find(Boolean);
    return { stub, source, sigPub: keyPath ? new Uint8Array(readFileSync(keyPath)) : undefined };
  };

  for (const [explicit, what] of [
    [o.path, '--stub'],
    [env.ANYFLASH_SIFLI_STUB, 'ANYFLASH_SIFLI_STUB'],
  ] as const) {
    if (!explicit) continue;
    if (isDir(explicit)) {
      const f = fileIn(explicit, name);
      if (f) return withKey(f, `${f} (${what})`, explicit);
      if (what === '--stub') {
        throw new AnyflashError('stub-missing', `${explicit} holds no ${name}.`, {
          family: 'sifli',
          chip: chip.name,
          file: explicit,
          advice: [`Point --stub at ${name} itself or at a directory that holds it.`],
        });
      }
    } else if (existsSync(explicit)) {
      return withKey(explicit, `${explicit} (${what})`);
    } else {
      throw new AnyflashError('file-not-found', `The stub file ${explicit} (${what}) does not exist.`, {
        family: 'sifli',
        chip: chip.name,
        file: explicit,
        advice: ['Check the path.'],
      });
    }
  }
  const searched: string[] = [];
  for (const d of stubDirectories(o)) {
    const f = fileIn(d.dir, name);
    if (f) return withKey(f, `${f} (${d.what})`, d.dir);
    searched.push(d.dir);
  }
  throw new AnyflashError('stub-missing', `No SiFli flasher stub (${name}) was found for ${chip.name.toUpperCase()} ${memory.toUpperCase()}.`, {
    family: 'sifli',
    chip: chip.name,
    evidence: searched.length ? searched.map((s) => `not in ${s}`) : ['no SiFli SDK or sftool installation found'],
    advice: [
      `Give the file with --stub ${name} (or a directory holding it), or set ANYFLASH_SIFLI_STUB.`,
      'It ships with SiFli\'s tools: the SiFli SDK (tools/uart_download/file/, set SIFLI_SDK_PATH), the sftool-lib crate (`cargo install sftool` leaves it under ~/.cargo/registry/src/*/sftool-lib-*/stub/), or github.com/OpenSiFli/sftool (sftool-lib/stub/).',
    ],
  });
}
