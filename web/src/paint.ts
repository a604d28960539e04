import type { AnyflashEvent } from '../../src/core/events.js';

export interface Span {
  start: number;
  end: number;
}

/** Marks painted over the flash map. */
export interface MapMark {
  address: number;
  size: number;
  state: 'unchanged' | 'written';
}

interface RegionState {
  start: number;
  end: number;
  /** Unchanged parts the latest compare pass reported. */
  clean: Span[];
  /** What the current write pass sends, in order: the region minus its clean parts. */
  dirty: Span[];
  /** Bytes sent in earlier passes (before a recovery) plus the current pass so far. */
  writtenBefore: Span[];
  writtenNow: Span[];
}

function subtract(from: readonly Span[], minus: readonly Span[]): Span[] {
  let out = [...from];
  for (const m of minus) {
    out = out.flatMap((s) => {
      if (m.end <= s.start || m.start >= s.end) return [s];
      const parts: Span[] = [];
      if (m.start > s.start) parts.push({ start: s.start, end: m.start });
      if (m.end < s.end) parts.push({ start: m.end, end: s.end });
      return parts;
    });
  }
  return out;
}

function union(spans: readonly Span[]): Span[] {
  const sorted = [...spans].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** The first `bytes` of `spans`, in order. */
function prefix(spans: readonly Span[], bytes: number): Span[] {
  const out: Span[] = [];
  let left = bytes;
  for (const s of spans) {
    if (left <= 0) break;
    const n = Math.min(left, s.end - s.start);
    out.push({ start: s.start, end: s.start + n });
    left -= n;
  }
  return out;
}

/**
 * Follows the engine's events to show, on the map, which bytes were sent and which were found
 * unchanged. A compare pass lists the clean parts; the write pass then sends the rest in address
 * order, so its progress maps onto those parts. After a recovery the region is compared again:
 * bytes sent before the failure stay "written", not "unchanged".
 */
export class MapPainter {
  private regions = new Map<number, RegionState>();

  reset(): void {
    this.regions.clear();
  }

  /** Returns true when the marks changed. */
  onEvent(e: AnyflashEvent): boolean {
    if (e.type === 'plan') {
      this.reset();
      for (const r of e.regions) {
        this.regions.set(r.address, { start: r.address, end: r.address + r.size, clean: [], dirty: [], writtenBefore: [], writtenNow: [] });
      }
      return true;
    }
    if (e.type === 'start' && e.op === 'compare' && e.region) {
      const r = this.regions.get(e.region.address);
      if (!r) return false;
      r.writtenBefore = union([...r.writtenBefore, ...r.writtenNow]);
      r.writtenNow = [];
      r.clean = [];
      return true;
    }
    if (e.type === 'skip' && e.reason === 'unchanged') {
      const r = this.owner(e.region.address);
      if (!r || e.region.size === 0) return false;
      r.clean = union([...r.clean, { start: e.region.address, end: e.region.address + e.region.size }]);
      return true;
    }
    if (e.type === 'start' && e.op === 'write' && e.region) {
      const r = this.regions.get(e.region.address);
      if (!r) return false;
      r.dirty = subtract([{ start: r.start, end: r.end }], r.clean);
      return false;
    }
    if (e.type === 'progress' && e.op === 'write' && e.region) {
      const r = this.regions.get(e.region.address);
      if (!r) return false;
      const dirtyBytes = r.dirty.reduce((n, s) => n + s.end - s.start, 0);
      r.writtenNow = prefix(r.dirty, Math.round((e.done / Math.max(1, e.total)) * dirtyBytes));
      return true;
    }
    return false;
  }

  marks(): MapMark[] {
    const out: MapMark[] = [];
    for (const r of this.regions.values()) {
      const written = union([...r.writtenBefore, ...r.writtenNow]);
      for (const s of written) out.push({ address: s.start, size: s.end - s.start, state: 'written' });
      for (const s of subtract(r.clean, written)) out.push({ address: s.start, size: s.end - s.start, state: 'unchanged' });
    }
    return out;
  }

  private owner(address: number): RegionState | undefined {
    for (const r of this.regions.values()) if (address >= r.start && address < r.end) return r;
    return undefined;
  }
}
