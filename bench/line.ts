/**
 * Production-line benchmark: 1, 4, 8 and 16 realtime simulated ESP32s (1 ms USB latency) each
 * writing and verifying a 1 MiB app at 921600 baud at the same time, as `anyflash write --port …`
 * runs them (one job per device: connect, stub, baud switch, write, verify). Prints the wall time
 * against one device, host CPU (this process: the jobs *and* the simulators) and memory per device.
 * Usage: npm run bench:line [-- --counts 1,4,8,16] [--baud N]
 */
import { runWriteJob } from '../src/engine/job.js';
import { connectDevice } from '../src/families/index.js';
import { openSimPort } from '../src/sim/port.js';
import { realisticApp } from './images.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const counts = (arg('--counts') ?? '1,4,8,16').split(',').map(Number);
const baud = Number(arg('--baud') ?? 921600);
const image = realisticApp(0x100000);

/** One device's whole job; returns its seconds. */
async function job(i: number): Promise<number> {
  const sim = openSimPort(`sim:esp32?realtime=1&latency=1&flash-size=4M&boot=firmware&seed=${i}`);
  const t0 = performance.now();
  await sim.transport.open();
  try {
    const events = (): void => {};
    const device = await connectDevice({ transport: sim.transport, chip: 'esp32', baud, events, wait: false });
    await runWriteJob(device, [{ name: 'app', address: 0x10000, data: image }], { events });
    if (!sim.device.flash.data.subarray(0x10000, 0x10000 + image.length).every((b, k) => b === image[k])) throw new Error(`device ${i}: flash differs`);
    await device.reset('none');
    return (performance.now() - t0) / 1000;
  } finally {
    await sim.transport.close();
    sim.device.dispose();
  }
}

interface Row {
  devices: number;
  wall: number;
  slowest: number;
  cpu: number;
  rssMiB: number;
}

async function round(n: number): Promise<Row> {
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const times = await Promise.all(Array.from({ length: n }, (_, i) => job(i)));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  clearInterval(sampler);
  return { devices: n, wall, slowest: Math.max(...times), cpu: (cpu.user + cpu.system) / 1e6, rssMiB: (peak - rss0) / 2 ** 20 };
}

const rows: Row[] = [];
for (const n of counts) rows.push(await round(n));
const one = rows.find((r) => r.devices === 1)?.wall ?? rows[0]!.wall;
console.log(`1 MiB app per device at ${baud} baud, realtime simulators, ${process.platform} ${(await import('node:os')).cpus().length} cores`);
console.log('| devices | wall s | × one device | CPU s (jobs + sims) | CPU s per device | CPU % of one core | extra RSS MiB | MiB per device |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.devices} | ${r.wall.toFixed(2)} | ${(r.wall / one).toFixed(2)} | ${r.cpu.toFixed(2)} | ${(r.cpu / r.devices).toFixed(2)} | ${((100 * r.cpu) / r.wall).toFixed(0)} | ${r.rssMiB.toFixed(1)} | ${(r.rssMiB / r.devices).toFixed(2)} |`,
  );
}
