/** Deterministic benchmark images (no fixtures needed). */

export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

export function randomImage(size: number, seed = 1): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (r() * 256) | 0;
  return out;
}

/**
 * An application-like image: instruction-like bytes (poorly compressible), string tables,
 * zero-filled data and 0xFF padding, in 4 KiB runs — compresses to roughly 55–65 %. `mix` sets
 * where the kinds end (instruction-like, strings, zeros; the rest 0xFF).
 */

/** An app with more data than code (tables, strings, zeroed BSS images): compresses to roughly a third. */
export function compressibleApp(size: number, seed = 7): Uint8Array {
  return realisticApp(size, seed, [0.25, 0.6, 0.85]);
}
export function realisticApp(size: number, seed = 7, mix: readonly [number, number, number] = [0.55, 0.8, 0.92]): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(size);
  const words = ['error', 'wifi', 'connect', 'task', 'heap', 'timeout', 'nvs', 'partition', 'esp_', 'init', 'ok', 'failed'];
  for (let off = 0; off < size; off += 4096) {
    const kind = r();
    const end = Math.min(size, off + 4096);
    if (kind < mix[0]) {
      for (let i = off; i < end; i++) out[i] = r() < 0.8 ? (r() * 256) | 0 : [0x00, 0x21, 0x41, 0xc0, 0x06][(r() * 5) | 0]!;
    } else if (kind < mix[1]) {
      let s = '';
      while (s.length < end - off) s += words[(r() * words.length) | 0]! + (r() < 0.3 ? ' %d\n' : '_');
      for (let i = off; i < end; i++) out[i] = s.charCodeAt(i - off);
    } else if (kind < mix[2]) {
      out.fill(0, off, end);
    } else {
      out.fill(0xff, off, end);
    }
  }
  return out;
}
