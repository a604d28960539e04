/**
 * SiFli SF32LB52 flashing benchmark against the realtime simulator (1 ms USB latency): a 4 MiB
 * write at 1 Mbaud and 3 Mbaud, and a reflash of that image with one 4 KiB sector changed
 * (skip-unchanged through device CRCs). Prints seconds, wire bytes, the physical bound
 * (max of line time and flash erase/program time, which the stub overlaps), efficiency =
 * bound/time, and payload efficiency = image line time/time. The stub upload is timed apart.
 * The stub is a dummy blob: the simulator models the stub's behaviour, not SiFli's code.
 * Usage: npm run bench:sifli
 */
import { sifliFamily } from '../src/families/sifli/index.js';
import { openSimPort } from '../src/sim/port.js';
import { writeRegions } from '../src/engine/write.js';
import type { AnyflashEvent } from '../src/core/events.js';
import { simStubBlob } from '../src/sim/sifli/index.js';
import { randomImage } from './images.js';

const MiB = 0x100000;

interface Row {
  case: string;
  baud: number;
  seconds: number;
  wireOut: number;
  wireIn: number;
  boundSeconds: number;
  efficiency: number;
  payloadEfficiency: number;
  stubSeconds: number;
  connectSeconds: number;
}

async function run(name: string, baud: number, image: Uint8Array, prefill?: Uint8Array): Promise<Row> {
  const sim = openSimPort('sim:sf32lb52?realtime=1&latency=1');
  if (prefill) sim.device.flash.data.set(prefill, 0);
  await sim.transport.open();
  let stubSeconds = 0;
  const events = (e: AnyflashEvent): void => {
    if (e.type === 'finish' && e.op === 'stub') stubSeconds = e.seconds;
  };
  const t0 = performance.now();
  const device = await sifliFamily.connect({ transport: sim.transport, baud, events, extra: { stub: simStubBlob(0x20000) } });
  const connectSeconds = (performance.now() - t0) / 1000;
  const c0 = { ...sim.link.counters };
  const stats0 = { ...sim.device.flash.stats };
  const tw = performance.now();
  await writeRegions(device, [{ address: 0, data: image, name }], { events });
  const seconds = (performance.now() - tw) / 1000;
  await sim.transport.close();
  sim.device.dispose();
  const wireOut = sim.link.counters.toDevice - c0.toDevice;
  const wireIn = sim.link.counters.toHost - c0.toHost;
  const t = sim.device.flash.timings;
  const erased = sim.device.flash.stats.erasedBytes - stats0.erasedBytes;
  const programmed = sim.device.flash.stats.programmedBytes - stats0.programmedBytes;
  const flashSeconds = ((erased / 0x10000) * t.block64EraseMs + (programmed / 256) * t.pageProgramMs) / 1000;
  const bound = Math.max((Math.max(wireOut, wireIn) * 10) / baud, flashSeconds);
  return {
    case: name,
    baud,
    seconds,
    wireOut,
    wireIn,
    boundSeconds: bound,
    efficiency: bound / seconds,
    payloadEfficiency: ((prefill ? 0x1000 : image.length) * 10) / baud / seconds,
    stubSeconds,
    connectSeconds,
  };
}

const image = randomImage(4 * MiB, 3);
const rows: Row[] = [];
rows.push(await run('write 4 MiB', 1_000_000, image));
rows.push(await run('write 4 MiB', 3_000_000, image));
const changed = image.slice();
changed.fill(0x5a, 0x200000, 0x201000);
rows.push(await run('reflash 4 MiB, 1 sector changed', 1_000_000, changed, image));

console.log('| case | baud | seconds | wire out B | wire in B | bound s | efficiency | payload eff. | stub upload s | connect total s |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.case} | ${r.baud} | ${r.seconds.toFixed(2)} | ${r.wireOut} | ${r.wireIn} | ${r.boundSeconds.toFixed(2)} | ${r.efficiency.toFixed(3)} | ${r.payloadEfficiency.toFixed(3)} | ${r.stubSeconds.toFixed(2)} | ${r.connectSeconds.toFixed(2)} |`,
  );
}
process.exit(0);
