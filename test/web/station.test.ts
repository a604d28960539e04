import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { DeviceRecord } from '../../src/engine/record.js';
import { axeProblems, browserSkipReason, launchChromium, startUi, testImage, type Browser, type UiProcess } from './browser.js';

/**
 * The station view (issue 20): the page picks the image, `anyflash ui` runs the command line's
 * station over a simulated hub of mixed families and records each board on the server.
 */
const skip = browserSkipReason();
const IMAGE = testImage(0x10000, 20);
const AT = 0x20000;
const CHIPS = ['esp32', 'bk7231n', 'esp32c3'];

describe('web UI station view in Chromium', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'anyflash-web-station-'));
  const flashFile = (chip: string): string => join(dir, `${chip}.bin`);
  const records = (name: string): DeviceRecord[] =>
    readFileSync(join(dir, `${name}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DeviceRecord);
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // Each board keeps its flash in a file, so the test reads what the station wrote.
    const hub = `sim-hub:${CHIPS.map((c) => `${c};flash-file=${flashFile(c)}`).join(',')}?every=200`;
    ui = await startUi(['--hub', hub, '--record', join(dir, 'line'), '--station', 'web-test']);
    browser = await launchChromium();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const startWith = async (url: string): Promise<void> => {
    await page.goto(url + 'station.html');
    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await page.isChecked('input[name="source"][value="hub"]'), true, 'with a hub, the hub is the default');
    await page.setInputFiles('#station-files', { name: 'app.bin', mimeType: 'application/octet-stream', buffer: IMAGE });
    await page.getByLabel('Address of app.bin').fill('0x20000');
    await page.click('#station-start');
  };

  it('flashes every board of a mixed hub live, with one record line per board on the server', async () => {
    // The flasher links to the station view when a bridge serves it.
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByRole('link', { name: /Station view/ }).click();
    await page.waitForURL(/station\.html$/);
    await startWith(ui.url);
    await page.locator('#station-status', { hasText: 'Station stopped: 3 of 3 devices passed.' }).waitFor({ timeout: 25_000 });

    const rows = page.locator('#station-rows tbody tr');
    assert.equal(await rows.count(), 3);
    assert.deepEqual((await rows.locator('td.chip').allInnerTexts()).sort(), [...CHIPS].sort());
    assert.deepEqual(await rows.locator('td.result').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.result)), ['pass', 'pass', 'pass']);
    for (const mac of await rows.locator('td.mac').allInnerTexts()) assert.match(mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(await page.locator('#station-records tbody tr[data-result="pass"]').count(), 3);

    const sha = createHash('sha256').update(IMAGE).digest('hex');
    const lines = records('line');
    assert.equal(lines.length, 3, 'one record line per board');
    assert.deepEqual(lines.map((r) => r.chip).sort(), [...CHIPS].sort());
    for (const r of lines) {
      assert.equal(r.result, 'pass');
      assert.equal(r.station, 'web-test');
      assert.deepEqual(r.images, [{ name: 'app.bin', sha256: sha }]);
    }
    assert.equal(readFileSync(join(dir, 'line.csv'), 'utf8').trim().split('\n').length, 4, 'CSV: header and one line per board');
    for (const chip of CHIPS) assert.ok(readFileSync(flashFile(chip)).subarray(AT, AT + IMAGE.length).equals(IMAGE), `${chip} holds the image at 0x20000`);
    assert.deepEqual(await axeProblems(page), []);
  });

  it('a start from another origin is refused, and one without images says what is missing', async () => {
    const start = (headers: Record<string, string>, body: unknown): Promise<Response> =>
      fetch(ui.url + 'api/station/start', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const image = { name: 'app.bin', address: '0x20000', data: IMAGE.toString('base64') };
    assert.equal((await start({ origin: 'http://elsewhere.example' }, { images: [image], source: 'hub' })).status, 403);
    const empty = await start({}, { images: [], source: 'hub' });
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as { error: { code: string } }).error.code, 'bad-input');
    assert.equal(records('line').length, 3, 'nothing more was flashed');
  });

  it('Stop ends the run: no board after it, and every started board has a result and a record', async () => {
    // The hub's second board would be plugged in 4 s after the first.
    const slow = await startUi(['--hub', 'sim-hub:esp32,esp32c3?every=4000', '--record', join(dir, 'stopped')]);
    try {
      await startWith(slow.url);
      await page.locator('#station-rows tbody tr').first().waitFor();
      await page.click('#station-stop');
      await page.locator('#station-status', { hasText: /^Station stopped: [01] of 1 devices passed\.$/ }).waitFor({ timeout: 3000 });
      assert.equal(await page.isEnabled('#station-start'), true);
      assert.equal(await page.isDisabled('#station-stop'), true);
      const results = await page.locator('#station-rows td.result').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.result));
      assert.equal(results.length, 1);
      assert.match(results[0]!, /^(pass|fail)$/);
      assert.equal(records('stopped').length, 1, 'the started board is recorded once');
    } finally {
      await slow.stop();
    }
  });
});
