/**
 * Fault benchmark: N seeded scenarios per fault class against the realtime simulator, each a full
 * write with recovery as the CLI does it. Prints the share of runs that ended verified and the time
 * overhead against the fault-free run. Target (issue 5): 100 % verified; overhead ≤ 20 % + 2 s per
 * recovery, not counting the seconds the port was gone or the chip stalled (no tool can beat those).
 * Usage: npm run bench:faults [-- --n 5] [-- --chip bk7231n] [-- --size 256K] [-- --class brownout] [-- --trace]
 * (--trace prints each retry and recovery as it happens, to see where a slow run spent its time).
 */
import type { AnyflashEvent } from '../src/core/events.js';
import { seededRandom } from '../src/sim/faults.js';
import { parseSize } from '../src/engine/parse.js';
import { expectedFlash, firstDifference, pattern, runScenario } from '../test/resilience/helpers.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('n', '5'));
const chip = arg('chip', 'esp32');
const size = parseSize(arg('size', '256K'), '--size');
const baud = chip.startsWith('esp') ? 921600 : undefined;
const address = chip.startsWith('esp') ? 0x10000 : 0x20000;
const image = pattern(size, 77);
const regions = [{ name: 'app.bin', address, data: image }];
const trace = process.argv.includes('--trace');

interface Scenario {
  faults: string[];
  /** Seconds the device was unreachable by design (vanish, stall). */
  outage: number;
  /** One-shot faults injected. */
  shots: number;
}

type Klass = 'corrupt' | 'brownout' | 'vanish' | 'stall';

function scenario(klass: Klass, seed: number): Scenario {
  const rnd = seededRandom(seed * 7919 + klass.length);
  const at = (): string => `${Math.round(5 + rnd() * 85)}%25`;
  switch (klass) {
    case 'corrupt': {
      const rate = [1e-5, 1e-4, 1e-3][seed % 3]!;
      return { faults: [`corrupt=${rate}`], outage: 0, shots: 0 };
    }
    case 'brownout': {
      const n = 1 + (seed % 3);
      return { faults: Array.from({ length: n }, () => `brownout=${at()}`), outage: 0, shots: n };
    }
    case 'vanish': {
      const n = 1 + (seed % 3);
      const secs = Array.from({ length: n }, () => 1 + Math.round(rnd() * 4));
      return { faults: secs.map((s) => `vanish=${at()}:${s}`), outage: secs.reduce((a, b) => a + b, 0), shots: n };
    }
    case 'stall': {
      const s = 1 + Math.round(rnd() * 9);
      return { faults: [`stall=${at()}:${s}`], outage: s, shots: 1 };
    }
  }
}

async function once(faults: string[], seed: number): Promise<{ ok: boolean; seconds: number; recoveries: number; error?: string }> {
  const query = ['realtime=1', 'latency=1', `seed=${seed}`, `fault-write-size=${size}`, ...(chip.startsWith('sf32') ? ['auto-reset=1'] : []), ...faults.map((f) => `fault=${f}`)].join('&');
  const t0 = performance.now();
  try {
    const onEvent = trace
      ? (e: AnyflashEvent): void => {
          if (e.type === 'retry' || e.type === 'recover') console.log(`    ${((performance.now() - t0) / 1000).toFixed(2)} s ${JSON.stringify(e)}`);
        }
      : undefined;
    // A line that damages one byte in a thousand needs minutes: physics, not a hang.
    const o = await runScenario({ chip, query, regions, baud, preloadSeed: 5, onEvent, deadlineMs: 600_000 });
    const seconds = (performance.now() - t0) / 1000;
    const r = o.summary.recoveries!;
    const ok = firstDifference(o.after, expectedFlash(o.before, regions)) < 0 && o.summary.regions.every((x) => x.verified);
    return { ok, seconds, recoveries: r.linkLosses + r.reboots + r.garbled + r.silences };
  } catch (e) {
    return { ok: false, seconds: (performance.now() - t0) / 1000, recoveries: 0, error: (e as Error).message.slice(0, 100) };
  }
}

const base: number[] = [];
for (let i = 0; i < 2; i++) base.push((await once([], 1)).seconds);
const baseline = Math.min(...base);
console.log(`${chip}, ${size} B at ${baud ?? 'default'} baud, realtime sim: fault-free write ${baseline.toFixed(2)} s (best of 2)\n`);

const rows: string[][] = [['class', 'runs', 'verified', 'mean s', 'mean overhead', 'within target']];
const allFailures: string[] = [];
const classes = (['corrupt', 'brownout', 'vanish', 'stall'] as const).filter((k) => arg('class', k) === k);
for (const klass of classes) {
  let ok = 0;
  let within = 0;
  let total = 0;
  let overheadSum = 0;
  const failures: string[] = [];
  for (let seed = 1; seed <= N; seed++) {
    const s = scenario(klass, seed);
    const r = await once(s.faults, seed);
    total += r.seconds;
    const overhead = r.seconds - baseline - s.outage;
    overheadSum += overhead;
    const budget = 0.2 * baseline + 2 * Math.max(r.recoveries, s.shots);
    if (r.ok) ok++;
    if (r.ok && overhead <= budget) within++;
    if (!r.ok) failures.push(`${s.faults.join('+')}: ${r.error ?? 'flash differs'}`);
    console.log(`  ${klass} #${seed} ${s.faults.join(' ')}: ${r.ok ? 'verified' : 'FAILED'} in ${r.seconds.toFixed(2)} s, ${r.recoveries} recoveries, overhead ${overhead.toFixed(2)} s (budget ${budget.toFixed(2)} s)`);
  }
  rows.push([klass, String(N), `${Math.round((ok / N) * 100)} %`, (total / N).toFixed(2), `${(overheadSum / N).toFixed(2)} s`, `${within}/${N}`]);
  allFailures.push(...failures);
}

const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
console.log('');
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
for (const f of allFailures) console.log(`failed: ${f}`);
console.log('\noverhead = time − fault-free time − seconds the port was gone or the chip stalled by design');
process.exit(0);
