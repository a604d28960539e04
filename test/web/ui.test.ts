import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkipReason, launchChromium, screenshot, startUi, testImage, type Browser, type UiProcess } from './browser.js';
import { fakeWebSerialScript } from './fake-serial.js';
import { addFile, connectTo, flashAndWait, unfold } from './page-steps.js';

const skip = browserSkipReason();
if (skip) console.log(`# ${skip}`);
/** Screenshots for docs/ are refreshed on request only, so a test run leaves the tree clean. */
const shots = process.env.ANYFLASH_SCREENSHOTS === '1';
const shot = async (page: Page, name: string): Promise<void> => {
  if (shots) await screenshot(page, name);
};

const WRONG_BOOT_LOG = `esptool.py v4.7.0
Serial port /dev/ttyUSB0
Connecting......................................

A fatal error occurred: Failed to connect to ESP32: Wrong boot mode detected (0x13)! The chip needs to be in download mode.
`;

describe('web UI in Chromium', { skip }, () => {
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;

  /** The page must work offline: every request that does not go to anyflash ui is recorded and refused. */
  const foreign: string[] = [];

  before(async () => {
    ui = await startUi();
    browser = await launchChromium();
    page = browser.page;
    await browser.context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(ui.url.replace(/\/$/, '')) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    assert.deepEqual(foreign, [], 'the page made requests outside anyflash ui');
  });

  it('connects to a simulated ESP32 through the bridge, flashes, then skips the unchanged image', async () => {
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await page.isChecked('input[value="bridge"]'), true, 'served by anyflash ui, the bridge is the default');
    await connectTo(page, 'sim:esp32');
    await page.locator('#device [data-field="chip"]').waitFor();
    assert.match(await page.locator('#device').innerText(), /ESP32[\s\S]*4 MiB[\s\S]*MAC[\s\S]*anyflash ui bridge → sim:esp32/);
    await shot(page, 'connected');

    const image = testImage(0x10000, 3);
    await addFile(page, 'app.bin', image, '0x10000');
    assert.match((await page.locator('#flash-map').getAttribute('aria-label'))!, /app\.bin at 0x10000, 64 KiB/);
    const first = await flashAndWait(page);
    assert.match(first, /64 KiB written, 0 B unchanged and skipped/);
    await shot(page, 'flashed');

    const second = await flashAndWait(page);
    assert.match(second, /0 B written, 64 KiB unchanged and skipped/);
    assert.equal(await page.locator('#map-legend .unchanged').getAttribute('data-unchanged'), String(0x10000));
    assert.match(await page.locator('#event-log').innerText(), /Skipped app\.bin 0x10000 \+ 64 KiB: unchanged/);
    await shot(page, 'skip-unchanged');

    // Backup: the bytes offered for download are the flash contents.
    await unfold(page, 'tools-fold');
    await page.fill('#read-address', '0x10000');
    await page.fill('#read-size', '0x10000');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#read')]);
    const saved = await download.path();
    const { readFileSync } = await import('node:fs');
    assert.ok(Buffer.from(readFileSync(saved!)).equals(image), 'the backup holds the flashed image');
    assert.equal(download.suggestedFilename(), 'esp32-0x10000-0x10000.bin');

    // Monitor: a hard reset boots the chip, whose ROM banner appears in the pane.
    await unfold(page, 'monitor-fold');
    await page.click('#monitor');
    await page.locator('#monitor-out', { hasText: 'rst:0x1' }).waitFor();
    await page.click('#monitor-stop');
    await page.click('#disconnect');
  });

  it('an ESP Web Tools manifest places its parts on the flash map', async () => {
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
    const manifest = {
      name: 'Demo firmware',
      builds: [
        { chipFamily: 'ESP32-C3', parts: [{ path: 'c3/app.bin', offset: 0x20000 }] },
        { chipFamily: 'ESP32', parts: [{ path: 'firmware/bootloader.bin', offset: 4096 }, { path: 'firmware/app.bin', offset: 65536 }] },
      ],
    };
    await page.setInputFiles('#file-input', { name: 'manifest.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(manifest)) });
    await page.locator('#file-notes', { hasText: 'Demo firmware (2 builds; taking ESP32-C3)' }).waitFor();
    await page.setInputFiles('#file-input', [{ name: 'app.bin', mimeType: 'application/octet-stream', buffer: testImage(0x3000, 1) }]);
    assert.equal(await page.getByLabel('Address of app.bin').inputValue(), '0x20000');
    assert.match((await page.locator('#flash-map').getAttribute('aria-label'))!, /app\.bin at 0x20000, 12 KiB/);
  });

  it('recovers from a brownout in the middle of a write and shows it', async () => {
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await connectTo(page, 'sim:esp32?fault=brownout=0x18000');
    await page.locator('#device [data-field="chip"]').waitFor();
    await addFile(page, 'app.bin', testImage(0x10000, 5), '0x10000');
    const result = await flashAndWait(page);
    assert.match(result, /64 KiB written/);
    assert.match(result, /Recovery: recovered from 1 reboot/);
    assert.match(await page.locator('#event-log .recover').first().innerText(), /Recovered \(reboot\)/);
    // Bytes sent before the brownout count as written on the map, not as found unchanged.
    assert.equal(await page.locator('#map-legend .written').innerText(), 'written 64 KiB');
    assert.equal(await page.locator('#map-legend .unchanged').count(), 0);
    assert.match(await page.locator('#progress').innerText(), /interrupted at \d+%/);
    await shot(page, 'recovered');
    await page.click('#disconnect');
  });

  it('renders a failure with the CLI\'s code and advice', async () => {
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.uncheck('#guide');
    await page.selectOption('#chip', 'esp32');
    await connectTo(page, 'sim:esp32?auto-reset=0&boot=firmware');
    const error = page.locator('#error:not([hidden])');
    await error.waitFor({ timeout: 30_000 });
    assert.equal(await error.locator('.code-tag').getAttribute('data-code'), 'firmware-owns-uart');
    assert.match(await error.locator('.advice li').first().innerText(), /hold BOOT \(GPIO0 on the ESP32\) low, tap RESET/);
    await shot(page, 'failure');
  });

  it('explains a pasted log', async () => {
    await unfold(page, 'explain-fold');
    await page.fill('#explain-text', WRONG_BOOT_LOG);
    await page.click('#explain');
    const out = page.locator('#explain-out');
    await out.locator('.code-tag').first().waitFor();
    assert.equal(await out.locator('.code-tag').first().getAttribute('data-code'), 'wrong-boot-mode');
    assert.match(await out.innerText(), /booted its firmware instead of the download mode/);
    await shot(page, 'explain');
  });

  it('Web Serial: the page drives a SerialPort itself (a simulated one), reopening it to change baud', async () => {
    const tab = await browser.context.newPage();
    try {
      await tab.addInitScript({ content: fakeWebSerialScript('sim:esp32s3') });
      await tab.goto(ui.url);
      await tab.locator('body[data-ready="true"]').waitFor();
      assert.equal(await tab.isVisible('#opt-webserial'), true, 'navigator.serial offers the Web Serial option');
      await tab.check('input[value="web-serial"]');
      await tab.selectOption('#baud', '921600');
      await tab.click('#connect');
      await tab.locator('#device [data-field="chip"], #error:not([hidden])').first().waitFor({ timeout: 20_000 });
      assert.match(await tab.locator('#device').innerText(), /ESP32-S3[\s\S]*921600 baud[\s\S]*Web Serial \(web-serial:10c4:ea60\)/);
      // Opened at the ROM rate, then closed and reopened at the working rate: the API's only way.
      assert.deepEqual(await tab.evaluate(() => (window as unknown as { fakeSerialPort: { opens: number[] } }).fakeSerialPort.opens), [115200, 921600]);
      await addFile(tab, 'ws.bin', testImage(0x5000, 4), '0x30000');
      assert.match(await flashAndWait(tab), /20 KiB written/);
    } finally {
      await tab.close();
    }
  });

  it('demo mode: an in-page simulator with a guided manual boot entry, then a flash', async () => {
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.check('input[value="demo"]');
    await page.selectOption('#demo-chip', 'esp32c3');
    await page.uncheck('#demo-autoreset');
    // The guided entry needs a known family: detection across families cannot wait for buttons.
    await page.selectOption('#chip', 'esp32c3');
    await page.click('#connect');
    // No DTR/RTS: the page asks for the buttons and keeps waiting.
    const panel = page.locator('#boot-panel:not([hidden])');
    await panel.waitFor({ timeout: 20_000 });
    assert.match(await panel.innerText(), /BOOT/);
    await shot(page, 'boot-entry');
    await page.click('#sim-boot');
    await page.locator('#device [data-field="chip"]').waitFor({ timeout: 20_000 });
    assert.match(await page.locator('#device').innerText(), /ESP32-C3[\s\S]*in-page simulator/);
    assert.equal(await page.locator('#boot-panel').isHidden(), true);
    await addFile(page, 'demo.bin', testImage(0x8000, 9), '0x20000');
    assert.match(await flashAndWait(page), /32 KiB written/);
    await shot(page, 'demo');

    // Erase asks first, then the range reads back erased.
    await unfold(page, 'tools-fold');
    await page.fill('#erase-address', '0x20000');
    await page.fill('#erase-size', '0x8000');
    page.once('dialog', (d) => void d.accept());
    await page.click('#erase');
    await page.locator('#event-log li', { hasText: 'Erased 32 KiB at 0x20000' }).waitFor();
    await page.fill('#read-address', '0x20000');
    await page.fill('#read-size', '0x8000');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#read')]);
    const { readFileSync } = await import('node:fs');
    const back = readFileSync((await download.path())!);
    assert.equal(back.length, 0x8000);
    assert.ok(back.every((b) => b === 0xff), 'the erased range reads back as 0xFF');

    // Stop ends a long write at once, and says so in the CLI's words.
    await addFile(page, 'big.bin', testImage(0x100000, 11), '0x100000');
    await page.click('#flash');
    await page.locator('#progress [data-op="write"]').waitFor();
    const t0 = Date.now();
    await page.click('#cancel');
    await page.locator('#error:not([hidden]) [data-code="aborted"]').waitFor({ timeout: 5000 });
    assert.ok(Date.now() - t0 < 3000, 'stopping takes less than 3 s');
    assert.equal(await page.isEnabled('#flash'), true);
  });
});
