/**
 * ELF/DWARF decoder speed on the largest fixture (espflash's ESP-IDF v5.5.2 esp32c61 app, 2.87 MB):
 * index time (first run includes JIT warm-up) and per-address decode time.
 *   node --import tsx bench/symbolizer.ts
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createSymbolizer } from '../src/formats/symbolizer.js';

const dir = new URL('../test/fixtures/elf/dwarf/', import.meta.url);
const bytes = new Uint8Array(gunzipSync(readFileSync(new URL('esp32c61.elf.gz', dir))));
const addresses = Object.keys(JSON.parse(readFileSync(new URL('esp32c61.expected.json', dir), 'utf8')).frames).map((h) => parseInt(h, 16));

// Wall time, and this process's CPU time (which a busy machine inflates much less).
const times: number[] = [];
const cpuTimes: number[] = [];
const w0 = performance.now();
let s = createSymbolizer(bytes);
const firstMs = performance.now() - w0;
for (let i = 0; i < 6; i++) {
  const c = process.cpuUsage();
  const t0 = performance.now();
  s = createSymbolizer(bytes);
  times.push(performance.now() - t0);
  const used = process.cpuUsage(c);
  cpuTimes.push((used.user + used.system) / 1000);
}
const rounds = 200;
const t1 = performance.now();
for (let r = 0; r < rounds; r++) for (const a of addresses) s.lookup(a);
const perLookupUs = ((performance.now() - t1) * 1000) / (rounds * addresses.length);
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
console.log(`esp32c61.elf ${(bytes.length / 1e6).toFixed(2)} MB: ${s.stats.lineRows} line rows, ${s.stats.functions} functions, ${s.stats.inlined} inlined calls, ${s.stats.symbols} symbols`);
console.log(`first index (cold, includes JIT): ${firstMs.toFixed(0)} ms wall`);
console.log(`index: min ${times[0]!.toFixed(1)} ms, median ${times[3]!.toFixed(1)} ms wall; CPU min ${cpuTimes[0]!.toFixed(1)} ms, median ${cpuTimes[3]!.toFixed(1)} ms (warm)`);
console.log(`lookup: ${perLookupUs.toFixed(2)} µs per address (${addresses.length} addresses × ${rounds})`);
