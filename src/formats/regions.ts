/** Address/bytes pieces as image formats yield them, joined into contiguous regions. */
import { AnyflashError } from '../core/errors.js';
import { concatBytes, hexAddr } from '../core/bytes.js';

export interface Region {
  address: number;
  data: Uint8Array;
  name: string;
}

export interface Chunk {
  address: number;
  data: Uint8Array;
}

/**
 * Sorts chunks and joins the touching ones; gaps stay gaps (separate regions), so unwritten flash
 * stays unwritten. Overlapping chunks are an error unless their bytes agree.
 */
export function joinChunks(chunks: readonly Chunk[], name: string, file = name): Region[] {
  const sorted = chunks.filter((c) => c.data.length > 0).sort((a, b) => a.address - b.address);
  const regions: Region[] = [];
  let start = -1;
  let end = -1;
  let parts: Uint8Array[] = [];
  const flush = (): void => {
    if (parts.length > 0) regions.push({ address: start, data: parts.length === 1 ? parts[0]! : concatBytes(parts), name });
    parts = [];
  };
  for (const c of sorted) {
    if (parts.length > 0 && c.address < end) {
      const overlapEnd = Math.min(end, c.address + c.data.length);
      const joined = parts.length === 1 ? parts[0]! : concatBytes(parts);
      parts = [joined];
      const mine = joined.subarray(c.address - start, overlapEnd - start);
      if (mine.some((b, i) => b !== c.data[i])) {
        throw new AnyflashError('regions-overlap', `${file} writes different data twice at ${hexAddr(c.address)}.`, {
          file, address: c.address, advice: ['Regenerate the file; a converter or merge step produced overlapping records.'],
        });
      }
      if (c.address + c.data.length > end) {
        parts.push(c.data.subarray(end - c.address));
        end = c.address + c.data.length;
      }
      continue;
    }
    if (parts.length > 0 && c.address === end) {
      parts.push(c.data);
      end += c.data.length;
      continue;
    }
    flush();
    start = c.address;
    end = c.address + c.data.length;
    parts = [c.data];
  }
  flush();
  return regions;
}
