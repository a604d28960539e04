/**
 * ESP flashing benchmark against the realtime simulator (1 ms USB latency): full writes of a 1 MiB
 * app (wire-bound at 921600), a 1 MiB compressible app (flash-bound) and a 4 MiB random image at 115200/460800/921600, and a reflash of the 4 MiB image with one
 * 4 KiB sector changed. Prints seconds, wire bytes, the physical bound and efficiency = bound/time.
 * Usage: npm run bench:esp [-- --quick] [--case SUBSTRING] [--baud N] [--repeat N]
 *   --quick skips the 4 MiB image at 115200; --case/--baud keep only the matching rows (a loaded
 *   machine gives steadier figures on a short run); --repeat runs each row N times and prints the median.
 */
import type { AnyflashEvent } from '../src/core/events.js';
import { connectDevice } from '../src/families/index.js';
import { openSimPort } from '../src/sim/port.js';
import { writeRegions } from '../src/engine/write.js';
import { compressibleApp, realisticApp, randomImage } from './images.js';

const quick = process.argv.includes('--quick');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const onlyCase = arg('--case');
const onlyBaud = arg('--baud') ? Number(arg('--baud')) : undefined;
const repeat = Number(arg('--repeat') ?? 1);
const MiB = 0x100000;

interface Row {
  case: string;
  baud: number;
  seconds: number;
  wireOut: number;
  wireIn: number;
  boundSeconds: number;
  efficiency: number;
  note: string;
}

async function run(name: string, baud: number, image: Uint8Array, options: { prefill?: Uint8Array } = {}): Promise<Row> {
  const sim = openSimPort('sim:esp32?realtime=1&latency=1&flash-size=4M&boot=firmware');
  if (options.prefill) sim.device.flash.data.set(options.prefill, 0x10000);
  await sim.transport.open();
  // The FLASH_DEFL stream alone (without the compare before it and the MD5 verify after it).
  let streamSeconds = 0;
  const events = (e: AnyflashEvent) => {
    if (e.type === 'finish' && e.op === 'write') streamSeconds += e.seconds;
  };
  const t0 = performance.now();
  const device = await connectDevice({ transport: sim.transport, chip: 'esp32', baud, events });
  const tConnected = performance.now();
  const c0 = { ...sim.link.counters };
  const e0 = sim.device.flash.stats.erasedBytes;
  const p0 = sim.device.flash.stats.programmedBytes;
  const tw = performance.now();
  await writeRegions(device, [{ address: 0x10000, data: image, name }], { events });
  const t1 = performance.now();
  await device.reset('none');
  await sim.transport.close();
  const wireOut = sim.link.counters.toDevice - c0.toDevice;
  const wireIn = sim.link.counters.toHost - c0.toHost;
  const wire = (Math.max(wireOut, wireIn) * 10) / baud;
  const t = sim.device.flash.timings;
  const flashSeconds =
    (((sim.device.flash.stats.erasedBytes - e0) / 0x10000) * t.block64EraseMs + ((sim.device.flash.stats.programmedBytes - p0) / 256) * t.pageProgramMs) / 1000;
  const bound = Math.max(wire, flashSeconds);
  const writeSeconds = (t1 - tw) / 1000;
  const reflash = Boolean(options.prefill);
  const seconds = reflash ? (t1 - t0) / 1000 : writeSeconds;
  return {
    case: name,
    baud,
    seconds,
    wireOut,
    wireIn,
    boundSeconds: bound,
    efficiency: bound / writeSeconds,
    note: `connect+detect+stub ${((tConnected - t0) / 1000).toFixed(2)} s${reflash ? ' (total includes connect)' : `; stream alone ${streamSeconds.toFixed(2)} s (efficiency ${(bound / streamSeconds).toFixed(3)})`}`,
  };
}

/** Runs a row `repeat` times and keeps the run with the median time. */
async function median(name: string, baud: number, image: Uint8Array, options: { prefill?: Uint8Array } = {}): Promise<void> {
  if (onlyCase && !name.includes(onlyCase)) return;
  if (onlyBaud && baud !== onlyBaud) return;
  const runs: Row[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await run(name, baud, image, options));
  runs.sort((a, b) => a.seconds - b.seconds);
  rows.push(runs[Math.floor(runs.length / 2)]!);
}

const app = realisticApp(MiB);
const dense = compressibleApp(MiB);
const random4 = randomImage(4 * MiB - 0x10000);
const rows: Row[] = [];
for (const baud of [115200, 460800, 921600]) {
  await median('app 1 MiB', baud, app);
  await median('compressible app 1 MiB', baud, dense);
  if (!(quick && baud === 115200)) await median('random 4 MiB', baud, random4);
}
const changed = random4.slice();
changed.fill(0x5a, 0x200000, 0x201000);
await median('reflash 4 MiB, 1 sector changed', 921600, changed, { prefill: random4 });

console.log('| case | baud | seconds | wire out B | wire in B | bound s | efficiency | note |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.case} | ${r.baud} | ${r.seconds.toFixed(2)} | ${r.wireOut} | ${r.wireIn} | ${r.boundSeconds.toFixed(2)} | ${r.efficiency.toFixed(3)} | ${r.note} |`,
  );
}
process.exit(0);
