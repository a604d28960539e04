import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCodes, type ErrorCode } from '../../src/core/errors.js';
import { ADVICE, adviceFor } from '../../src/diagnose/advice.js';
import { TOOL_TABLES, generic } from '../../src/diagnose/signatures/index.js';

const CODES = Object.keys(ErrorCodes) as ErrorCode[];
const DOC = readFileSync(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');

test('every code in ErrorCodes is documented in docs/errors.md, and nothing else is', () => {
  const documented = [...DOC.matchAll(/^### `([a-z-]+)`/gm)].map((m) => m[1]);
  const missing = CODES.filter((c) => !documented.includes(c));
  assert.deepEqual(missing, [], `add these codes to docs/errors.md: ${missing.join(', ')}`);
  const stale = documented.filter((c) => !(c! in ErrorCodes));
  assert.deepEqual(stale, [], `docs/errors.md documents codes that do not exist: ${stale.join(', ')}`);
});

test('every code in ErrorCodes has advice: a summary, numbered steps and what confirms it', () => {
  const missing = CODES.filter((c) => !Object.hasOwn(ADVICE, c));
  assert.deepEqual(missing, [], `add these codes to src/diagnose/advice.ts: ${missing.join(', ')}`);
  for (const code of CODES) {
    const a = adviceFor(code);
    assert.ok(a.summary.length > 0, `${code}: summary`);
    assert.ok(a.advice.length > 0, `${code}: advice`);
    assert.ok(a.confirm.length > 0, `${code}: confirm`);
  }
});

test('the documented fix is the advice the tool prints', () => {
  for (const code of CODES) {
    const section = DOC.slice(DOC.indexOf(`### \`${code}\``)).split(/\n### /)[0]!;
    for (const line of ADVICE[code].advice) assert.ok(section.includes(line), `${code}: docs/errors.md lacks "${line}"`);
  }
});

test('signature tables are well-formed data', () => {
  for (const table of [...TOOL_TABLES, generic]) {
    for (const row of table.signatures) {
      for (const [code, weight] of row.implies ?? []) {
        assert.ok(code in ErrorCodes, `${table.tool}: ${row.pattern} implies unknown code ${code}`);
        assert.ok(weight > 0 && weight <= 1, `${table.tool}: ${row.pattern} weight ${weight}`);
      }
      if (row.kind === 'warning') assert.ok(row.note, `${table.tool}: warning row ${row.pattern} needs a note`);
      assert.ok(!row.pattern.global && !row.pattern.sticky, `${table.tool}: ${row.pattern} must not be stateful (g/y)`);
    }
  }
});
