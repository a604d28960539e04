import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserSkipReason, launchChromium, startUi, testImage, type Browser, type UiProcess } from './browser.js';

/** A project's own web page: plain HTML, the script, the element; nothing of the anyflash page. */
const PLAIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My firmware</title>
<script type="module" src="../install-button.js"></script></head>
<body><h1>My firmware</h1>
<anyflash-install-button id="ours" manifest="manifest.json" demo="esp32c3"></anyflash-install-button>
<anyflash-install-button id="other" manifest="esp32-only.json" demo="esp32c3"></anyflash-install-button>
</body></html>`;

const skip = browserSkipReason();

describe('<anyflash-install-button> on a plain HTML page', { skip }, () => {
  let ui: UiProcess;
  let browser: Browser;

  before(async () => {
    ui = await startUi();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
  });

  it('installs the manifest\'s build for the chip it meets, skips it the second time, and refuses a firmware without one', async () => {
    const page = browser.page;
    const base = new URL('plain/', ui.url).href;
    const app = testImage(0x6000, 31);
    const files: Record<string, { type: string; body: string | Buffer }> = {
      'index.html': { type: 'text/html', body: PLAIN_PAGE },
      'manifest.json': {
        type: 'application/json',
        body: JSON.stringify({
          name: 'Demo',
          version: '1.0',
          builds: [
            { chipFamily: 'ESP32', parts: [{ path: 'esp32/app.bin', offset: 0x10000 }] },
            { chipFamily: 'ESP32-C3', parts: [{ path: 'c3/app.bin', offset: 0x10000 }] },
          ],
        }),
      },
      'esp32-only.json': { type: 'application/json', body: JSON.stringify({ name: 'Old', builds: [{ chipFamily: 'ESP32', parts: [{ path: 'esp32/app.bin', offset: 0x10000 }] }] }) },
      'c3/app.bin': { type: 'application/octet-stream', body: app },
    };
    await page.route(`${base}**`, (route) => {
      const file = files[new URL(route.request().url()).pathname.split('/plain/')[1] ?? ''];
      return file ? route.fulfill({ contentType: file.type, body: file.body }) : route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${base}index.html`);
    const ours = page.locator('#ours');
    await ours.getByRole('button', { name: 'Install with anyflash' }).click();
    await page.locator('#ours[data-state="done"], #ours[data-state="failed"]').waitFor({ timeout: 30_000 });
    assert.match(await ours.getByRole('status').innerText(), /^Flashed and verified: Demo 1\.0 on ESP32-C3\.$/);
    await ours.locator('p', { hasText: '24 KiB written, 0 B unchanged and skipped.' }).waitFor();

    await ours.getByRole('button', { name: 'Install with anyflash' }).click();
    await page.locator('#ours[data-state="running"]').waitFor();
    await page.locator('#ours[data-state="done"], #ours[data-state="failed"]').waitFor({ timeout: 30_000 });
    assert.match(await ours.getByRole('status').innerText(), /^Already up to date: Demo 1\.0 on ESP32-C3\.$/);

    const other = page.locator('#other');
    await other.getByRole('button', { name: 'Install with anyflash' }).click();
    await page.locator('#other[data-state="failed"]').waitFor({ timeout: 30_000 });
    assert.equal(await other.locator('[data-code]').getAttribute('data-code'), 'wrong-chip-image');
    assert.match(await other.getByRole('status').innerText(), /Old has no build for ESP32-C3 \(it offers ESP32\)/);
  });
});
