import { AnyflashError } from '../../src/core/errors.js';
import { markCritical } from '../../src/engine/plan.js';
import type { Region } from '../../src/engine/regions.js';
import { parseFlasherArgs } from '../../src/formats/flasher-args.js';
import { loadInput } from '../../src/formats/input.js';

/** One chosen file and where it goes (undefined: the format says, or the person must). */
export interface FileEntry {
  id: number;
  name: string;
  bytes: Uint8Array;
  address?: number;
  /** Where the address came from: a project file, a manifest, the file name, or typed. */
  source?: string;
}

/** Addresses promised by a flasher_args.json or manifest.json for files not dropped yet. */
export interface Expectation {
  address: number;
  from: string;
}

const basename = (p: string): string => p.split(/[\\/]/).pop() ?? p;

/** An ESP Web Tools manifest: builds per chip family, each a list of parts with offsets. */
interface Manifest {
  name?: string;
  builds?: Array<{ chipFamily?: string; parts?: Array<{ path?: string; offset?: number | string }> }>;
}

function isManifest(doc: unknown): doc is Manifest {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as Manifest).builds);
}

/** `ESP32-C3` (ESP Web Tools) ↔ `esp32c3` (anyflash). */
const chipKey = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/**
 * Reads a project description (flasher_args.json or an ESP Web Tools manifest) into expected
 * files. For a manifest the build for `chip` is taken, or the first one before connecting.
 */
export function readProject(name: string, text: string, chip?: string): { expect: Map<string, Expectation>; note: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AnyflashError('bad-input', `${name}: not valid JSON (${(e as Error).message}).`, { file: name });
  }
  const expect = new Map<string, Expectation>();
  if (isManifest(doc)) {
    const builds = doc.builds ?? [];
    const build = builds.find((b) => chip && b.chipFamily && chipKey(b.chipFamily) === chipKey(chip)) ?? builds[0];
    if (!build?.parts?.length) throw new AnyflashError('bad-input', `${name}: the manifest has no build with parts.`, { file: name });
    for (const part of build.parts) {
      const offset = Number(part.offset);
      if (!part.path || !Number.isInteger(offset)) throw new AnyflashError('bad-input', `${name}: a part lacks a path or offset.`, { file: name });
      expect.set(basename(part.path), { address: offset, from: name });
    }
    const others = builds.length > 1 ? ` (${builds.length} builds; taking ${build.chipFamily ?? 'the first'})` : '';
    return { expect, note: `${doc.name ?? name}${others}: drop ${[...expect.keys()].join(', ')}.` };
  }
  const plan = parseFlasherArgs(text, name);
  for (const f of plan.files) expect.set(basename(f.path), { address: f.address, from: name });
  return { expect, note: `${name}${plan.chip ? ` for ${plan.chip}` : ''}: drop ${[...expect.keys()].join(', ')}.` };
}

export function isProjectFile(name: string, bytes: Uint8Array): boolean {
  return name.toLowerCase().endsWith('.json') && bytes.length < 1_000_000;
}

/** `app@0x10000.bin`, `0x10000-app.bin`, `app_0x10000.bin` name their address. */
export function addressFromName(name: string): number | undefined {
  const m = /(?:^|[@_\-.])(0x[0-9a-f]+)(?=[_\-.]|$)/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function parseAddress(text: string): number | undefined {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  return Number(t);
}

/** The regions the engine writes, with bootloader-area regions marked critical (written last). */
export function regionsFor(entries: readonly FileEntry[], chip?: string, family?: string): { regions: Region[]; warnings: string[] } {
  const regions: Region[] = [];
  const warnings: string[] = [];
  for (const e of entries) {
    const loaded = loadInput(e.name, e.bytes, { address: e.address, chip });
    regions.push(...loaded.regions);
    warnings.push(...loaded.warnings);
  }
  return { regions: markCritical(family, regions), warnings };
}
