/**
 * `explain` on real users' logs (test/fixtures/real-logs, each with the thread it came from and the
 * fix that finally worked). A log passes when the top cause is the fix's code and the first advice
 * line names the fix; for a log that cannot decide, when the output says what it cannot tell apart.
 * The corpus must pass at 90 % or better; the failing logs are listed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.js';
import { explain, type ExplainResult } from '../../src/diagnose/explain.js';

const ROOT = join(import.meta.dirname, '../fixtures/real-logs');
/** `expect.top` for a log in which nothing failed: no cause may be invented, the keywords go to the summary or notes. */
const NO_FAILURE = 'no-failure';
const REQUIRED_RATE = 0.9;

interface Provenance {
  source: string;
  tool: string;
  fix: string;
  expect: { top: string; advice?: string[] };
  decidable: boolean;
  undecidable_between?: string[];
}

interface Case {
  name: string;
  log: string;
  meta: Provenance;
}

function corpus(): Case[] {
  const out: Case[] = [];
  for (const dir of readdirSync(ROOT, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(ROOT, dir.name))) {
      if (!f.endsWith('.log')) continue;
      const base = join(ROOT, dir.name, f.slice(0, -4));
      let meta: Provenance;
      try {
        meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Provenance;
      } catch {
        continue; // a log whose provenance is still being written
      }
      out.push({ name: `${dir.name}/${f}`, log: readFileSync(`${base}.log`, 'utf8'), meta });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Why a case fails, or undefined when it passes. */
export function judge(c: Case, r: ExplainResult): string | undefined {
  const codes = r.causes.map((x) => x.code);
  const first = r.causes[0]?.advice[0] ?? '';
  if (c.meta.expect.top === NO_FAILURE) {
    if (codes.length) return `nothing failed, yet causes were invented: ${codes.join(', ')}`;
    const said = [r.summary, ...r.notes].join('\n').toLowerCase();
    const missing = (c.meta.expect.advice ?? []).filter((k) => !said.includes(k.toLowerCase()));
    return missing.length ? `summary and notes lack ${JSON.stringify(missing)}` : undefined;
  }
  if (c.meta.decidable) {
    if (codes[0] !== c.meta.expect.top) return `top ${codes[0] ?? '(none)'} ≠ ${c.meta.expect.top} (causes: ${codes.join(', ')})`;
    const missing = (c.meta.expect.advice ?? []).filter((k) => !first.toLowerCase().includes(k.toLowerCase()));
    if (missing.length) return `first advice line lacks ${JSON.stringify(missing)}: "${first}"`;
    return undefined;
  }
  if (!r.undecided || !/cannot tell/.test(r.undecided.text)) return `undecidable, but the output does not say what it cannot tell (causes: ${codes.join(', ')})`;
  const named = [...codes, r.undecided.text];
  const wanted = [c.meta.expect.top, ...(c.meta.undecidable_between ?? [])];
  const absent = wanted.filter((w) => !named.some((n) => n.includes(w)));
  if (absent.length) return `undecidable, but ${absent.join(', ')} is neither a ranked cause nor named as undecided: ${r.undecided.text}`;
  return undefined;
}

test('every real log has provenance: a source URL, the fix, and an expected code from the vocabulary', () => {
  const cases = corpus();
  assert.ok(cases.length > 0, 'the corpus is empty');
  for (const c of cases) {
    assert.match(c.meta.source, /^https?:\/\//, `${c.name}: source`);
    assert.ok(c.meta.fix.length > 0, `${c.name}: fix`);
    assert.ok(c.meta.expect.top in ErrorCodes || c.meta.expect.top === NO_FAILURE, `${c.name}: expect.top ${c.meta.expect.top} is not a code in src/core/errors.ts`);
  }
});

test(`explain names the fix that worked for at least ${REQUIRED_RATE * 100} % of the real logs`, (t) => {
  const cases = corpus();
  const failures: string[] = [];
  const undecidable: string[] = [];
  for (const c of cases) {
    const r = explain(c.log);
    const why = judge(c, r);
    if (why) failures.push(`${c.name}: ${why}`);
    if (!c.meta.decidable) undecidable.push(c.name);
  }
  const passed = cases.length - failures.length;
  t.diagnostic(`real logs: ${passed}/${cases.length} pass (${Math.round((100 * passed) / cases.length)} %)`);
  t.diagnostic(`undecidable from the log alone (${undecidable.length}): ${undecidable.join(', ')}`);
  for (const f of failures) t.diagnostic(`FAIL ${f}`);
  assert.ok(passed / cases.length >= REQUIRED_RATE, `${passed}/${cases.length} pass:\n${failures.join('\n')}`);
});
