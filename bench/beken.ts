/**
 * Beken flashing benchmark against the realtime BK7231N simulator: a 2 MiB full write, a 1 MiB app
 * write at 0x11000, a reflash of that app with one 4 KiB sector changed, and 1 MiB reads (of that
 * app, and of the simulator's own flash: a 192 KiB app, the rest erased), at 115200 and 921600
 * baud with 1 ms (CP210x/CH34x) and 16 ms (FTDI default) USB latency.
 *
 * Bounds: `wire` = the Write4K frames that must cross the line (4108 B per non-blank sector) at the
 * baud; `physical` = wire + the flash erases (stop-and-wait: the chip hears nothing while it erases;
 * with a compare pass, only of sectors that were not erased already)
 * + the chip's CRC passes the job cannot avoid (the compare pass over the region when skipping
 * unchanged data, one verify pass over what was written) at the simulated CRC rate.
 * Reads: `wire` = a FlashRead4K request and reply (12 + 4111 B) per sector; `physical` = wire + the
 * chip's CRC of the range (every byte read is checked by the chip's CRC). Erased 64 KiB blocks are
 * not read at all, so a mostly erased range beats both.
 * Efficiency = physical bound / measured time.
 *
 * Usage: npm run bench:beken [-- --quick] [--case SUBSTRING] [--latency MS]
 *   --quick: 921600 only; --case/--latency keep only the matching rows (steadier on a loaded machine).
 */
import { writeRegions } from '../src/engine/write.js';
import { bekenFamily } from '../src/families/beken/index.js';
import type { BekenFlashDevice } from '../src/families/beken/device.js';
import { createBekenSim } from '../src/sim/beken/index.js';
import { SimClock } from '../src/sim/clock.js';
import { SimLink } from '../src/sim/link.js';
import { SimTransport } from '../src/sim/transport.js';
import { bytesEqual, pseudoRandomBytes } from '../src/core/bytes.js';
import { eraseSeconds } from './bounds.js';

const quick = process.argv.includes('--quick');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const onlyCase = arg('--case');
const onlyLatency = arg('--latency') ? Number(arg('--latency')) : undefined;
const MiB = 0x100000;
const CRC_RATE = 400_000;
const FRAME = 4108;
/** FlashRead4K request and reply. */
const READ_FRAMES = 12 + 4111;

const image = pseudoRandomBytes;

interface Case {
  name: string;
  address: number;
  data: Uint8Array;
  /** Flash contents to start from (for the reflash case). */
  prefill?: { address: number; data: Uint8Array };
  skipUnchanged: boolean;
  /** Read the range back instead of writing `data` (`data` is then what the flash holds). */
  read?: boolean;
}

interface Row {
  case: string;
  baud: number;
  latency: number;
  seconds: number;
  connect: number;
  wireBytes: number;
  roundTrips: number;
  wireBound: number;
  physicalBound: number;
}

async function run(c: Case, baud: number, latencyMs: number): Promise<Row> {
  const clock = new SimClock(true);
  const sim = createBekenSim({ chip: 'bk7231n', clock, extra: { crcBytesPerSecond: CRC_RATE } });
  if (c.prefill) sim.flash.data.set(c.prefill.data, c.prefill.address);
  const link = new SimLink(sim, { latencyMs, realtime: true });
  link.realtime = true;
  const transport = new SimTransport(link, 'sim:bk7231n');
  await transport.open();
  const t0 = performance.now();
  const device = (await bekenFamily.connect({ transport, baud, events: () => {} })) as BekenFlashDevice;
  const t1 = performance.now();
  const bytes0 = link.counters.toDevice + link.counters.toHost;
  const rt0 = device.link.session.roundTrips;
  const summary = c.read ? undefined : await writeRegions(device, [{ address: c.address, data: c.data, name: c.name }], { skipUnchanged: c.skipUnchanged });
  if (c.read && !bytesEqual(await device.readFlash(c.address, c.data.length), c.data)) throw new Error(`${c.name}: read back other bytes`);
  const t2 = performance.now();
  await transport.close();
  sim.dispose();
  const row = { case: c.name, baud: device.link.baud, latency: latencyMs, seconds: (t2 - t1) / 1000, connect: (t1 - t0) / 1000 };
  const traffic = { wireBytes: link.counters.toDevice + link.counters.toHost - bytes0, roundTrips: device.link.session.roundTrips - rt0 };
  if (!summary) {
    const wireBound = ((c.data.length / 0x1000) * READ_FRAMES * 10) / device.link.baud;
    return { ...row, ...traffic, wireBound, physicalBound: wireBound + c.data.length / CRC_RATE };
  }

  const dirty: number[] = [];
  for (let s = 0; s < c.data.length; s += 0x1000) {
    const sector = c.data.subarray(s, s + 0x1000);
    if (!c.prefill || sector.some((b, i) => b !== c.prefill!.data[s + i])) dirty.push(c.address + s);
  }
  const written = dirty.filter((a) => c.data.subarray(a - c.address, a - c.address + 0x1000).some((b) => b !== 0xff)).length;
  const wireBound = (written * FRAME * 10) / device.link.baud;
  // With a compare pass the chip's CRCs show which sectors are already erased: only the others need an erase.
  const wasBlank = (a: number) => !c.prefill || c.prefill.data.subarray(a - c.address, a - c.address + 0x1000).every((b) => b === 0xff);
  const toErase = c.skipUnchanged ? dirty.filter((a) => !wasBlank(a)) : dirty;
  const physicalBound = wireBound + eraseSeconds(toErase, sim.flash.timings) + crcSeconds(c, summary.writtenBytes);
  return { ...row, ...traffic, wireBound, physicalBound };
}

/** The chip CRC passes a job needs: one over the region to find changes (when skipping), one over what was written. */
function crcSeconds(c: Case, writtenBytes: number): number {
  return ((c.skipUnchanged ? c.data.length : 0) + writtenBytes) / CRC_RATE;
}

/** Bytes the simulator's flash starts with (the mostly erased read reads them back). */
function simFlash(address: number, length: number): Uint8Array {
  const sim = createBekenSim({ chip: 'bk7231n', clock: new SimClock(false) });
  const data = sim.flash.data.slice(address, address + length);
  sim.dispose();
  return data;
}

const full = image(2 * MiB, 1);
const app = image(MiB, 2);
const changed = app.slice();
changed[0x54321] ^= 0xff;
const cases: Case[] = [
  { name: '2 MiB full write', address: 0, data: full, skipUnchanged: false },
  { name: '1 MiB app write', address: 0x11000, data: app, skipUnchanged: true },
  { name: 'app reflash, 1 sector changed', address: 0x11000, data: changed, prefill: { address: 0x11000, data: app }, skipUnchanged: true },
  { name: '1 MiB read of the app', address: 0x11000, data: app, prefill: { address: 0x11000, data: app }, skipUnchanged: false, read: true },
  { name: '1 MiB read, mostly erased', address: 0x11000, data: simFlash(0x11000, MiB), skipUnchanged: false, read: true },
];

const rows: Row[] = [];
const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`BK7231N simulator, realtime; chip CRC ${CRC_RATE / 1000} kB/s; flash 64K erase ${150} ms, 4K ${45} ms`);
console.log(
  ['case'.padEnd(30), pad('baud', 7), pad('lat', 4), pad('seconds', 8), pad('wire B', 9), pad('RTs', 5), pad('wire≥', 7), pad('phys≥', 7), pad('eff', 5), pad('conn s', 7)].join(' '),
);
for (const baud of quick ? [921600] : [921600, 115200]) {
  for (const latency of [1, 16]) {
    if (onlyLatency !== undefined && latency !== onlyLatency) continue;
    for (const c of cases) {
      if (onlyCase && !c.name.includes(onlyCase)) continue;
      const r = await run(c, baud, latency);
      rows.push(r);
      console.log(
        [
          r.case.padEnd(30),
          pad(r.baud, 7),
          pad(r.latency, 4),
          pad(r.seconds.toFixed(2), 8),
          pad(r.wireBytes, 9),
          pad(r.roundTrips, 5),
          pad(r.wireBound.toFixed(2), 7),
          pad(r.physicalBound.toFixed(2), 7),
          pad((r.physicalBound / r.seconds).toFixed(2), 5),
          pad(r.connect.toFixed(2), 7),
        ].join(' '),
      );
    }
  }
}
