import assert from 'node:assert/strict';
import type { RecoveryReport } from '../../src/engine/recovery.js';
import type { Region } from '../../src/engine/regions.js';
import { expectedFlash, firstDifference, runScenario, type Outcome } from './helpers.js';

/** Recovery counts a scenario must report: a number is exact, a [min, max] pair a range. */
export type Expect = Partial<Record<'linkLosses' | 'reboots' | 'garbled' | 'silences', number | [number, number]>>;

export interface Case {
  name: string;
  query: string;
  expect: Expect;
  /** Recovery events the family handles itself (e.g. Beken re-links), by `what`. */
  familyRecoveries?: number | [number, number];
  baud?: number;
}

/**
 * Runs one fault case and checks what a user would check: the flash equals the old contents with
 * the image laid over it, byte for byte (so nothing outside the regions changed), and the summary
 * names the recoveries that happened.
 */
export async function check(chip: string, regions: Region[], c: Case, writeSize: number): Promise<Outcome> {
  const o = await runScenario({ chip, query: `${c.query}&fault-write-size=${writeSize}`, regions, preloadSeed: 99, baud: c.baud });
  const diff = firstDifference(o.after, expectedFlash(o.before, regions));
  assert.equal(diff, -1, `${c.name}: flash differs at 0x${diff.toString(16)}`);
  for (const r of o.summary.regions) assert.ok(r.verified, `${c.name}: ${r.name} not verified`);
  const report: RecoveryReport = o.summary.recoveries!;
  for (const key of ['linkLosses', 'reboots', 'garbled', 'silences'] as const) {
    const want = c.expect[key] ?? 0;
    const [lo, hi] = typeof want === 'number' ? [want, want] : want;
    assert.ok(report[key] >= lo && report[key] <= hi, `${c.name}: ${key} = ${report[key]}, expected ${lo}..${hi} (${JSON.stringify(report)}; fired ${o.port.faults?.fired.join(',')})`);
  }
  if (c.familyRecoveries !== undefined) {
    const n = o.events.filter((e) => e.type === 'recover' && !['link-loss', 'reboot', 'garbled', 'silence'].includes(e.what)).length;
    const [lo, hi] = typeof c.familyRecoveries === 'number' ? [c.familyRecoveries, c.familyRecoveries] : c.familyRecoveries;
    assert.ok(n >= lo && n <= hi, `${c.name}: ${n} family-level recoveries, expected ${lo}..${hi}`);
  }
  // Every fault that had a trigger fired: the scenario tested what it says.
  const triggered = (c.query.match(/fault=(brownout|vanish|stall)/g) ?? []).length;
  assert.equal(o.port.faults?.fired.length ?? 0, triggered, `${c.name}: fired ${o.port.faults?.fired.join(',')}`);
  return o;
}
