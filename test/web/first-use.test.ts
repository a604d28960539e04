import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { axeProblems, browserSkipReason, launchChromium, screenshot, startUi, testImage, type Browser, type UiProcess } from './browser.js';
import { fakeWebSerialScript } from './fake-serial.js';
import { addFile, connectTo, flashAndWait, unfold } from './page-steps.js';

/**
 * What a first-time user met in the browser flasher (issue 17), each checked the way they met it.
 * Every test connects to its own simulator URL: `anyflash ui` keeps one simulated chip per URL.
 */
const skip = browserSkipReason();
const shots = process.env.ANYFLASH_SCREENSHOTS === '1';

/** True when nothing on the page reaches past the viewport's right edge. */
async function spillsSideways(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return undefined;
    const wide = Array.from(document.querySelectorAll<HTMLElement>('body *')).find((e) => e.getBoundingClientRect().right > width + 1 && e.offsetParent !== null);
    return `${document.documentElement.scrollWidth} px wide for ${width} px (${wide?.tagName.toLowerCase()}#${wide?.id}.${wide?.className})`;
  });
}

/** Labels whose control wrapped onto another line (a text area's label sits above it by design). */
async function labelsAwayFromFields(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLLabelElement>('label[for]:not([for="explain-text"])'))
      .filter((l) => l.offsetParent !== null)
      .flatMap((l) => {
        const field = document.getElementById(l.htmlFor);
        if (!field || field.offsetParent === null) return [];
        const a = l.getBoundingClientRect();
        const b = field.getBoundingClientRect();
        return a.bottom <= b.top || b.bottom <= a.top ? [l.htmlFor] : [];
      }),
  );
}

/**
 * Seconds from the click on Flash to the result appearing, on the page's clock: what the person
 * waited (the test runner's own clock adds its polling on a loaded machine).
 */
async function clickToResult(page: Page): Promise<{ seconds: Promise<number> }> {
  await page.evaluate(() => {
    const w = window as unknown as { waited?: Promise<number> };
    w.waited = new Promise((resolve) => {
      document.getElementById('flash')!.addEventListener(
        'click',
        () => {
          const t0 = performance.now();
          const result = document.getElementById('result')!;
          new MutationObserver((_, observer) => {
            if (result.hidden) return;
            observer.disconnect();
            resolve((performance.now() - t0) / 1000);
          }).observe(result, { attributes: true, attributeFilter: ['hidden'] });
        },
        { once: true, capture: true },
      );
    });
  });
  // Wrapped: an async function would otherwise wait for the click that has not happened yet.
  return { seconds: page.evaluate(() => (window as unknown as { waited: Promise<number> }).waited) };
}

const seconds = (text: string): number => Number(/([\d.]+) s\b/.exec(text)?.[1] ?? NaN);

describe('browser flasher for a first-time user', { skip }, () => {
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ui = await startUi();
    browser = await launchChromium();
    page = browser.page;
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
  });

  const open = async (): Promise<void> => {
    await page.goto(ui.url);
    await page.locator('body[data-ready="true"]').waitFor();
  };

  it('one first action, folded tools, no SiFli stub picker for an ESP, and no serious axe findings in light and dark', async () => {
    await open();
    assert.deepEqual(await page.locator('button.primary:visible:enabled').allInnerTexts(), ['Connect']);
    for (const fold of ['#tools-fold', '#monitor-fold', '#explain-fold']) {
      assert.equal(await page.locator(fold).evaluate((d) => (d as HTMLDetailsElement).open), false, `${fold} starts folded`);
    }
    assert.equal(await page.isVisible('#sifli-stub'), false);
    await page.selectOption('#chip', 'sf32lb52');
    await page.fill('#bridge-custom', '/dev/ttyUSB0');
    assert.equal(await page.isVisible('#sifli-stub'), true, 'an SF32 on a real port asks for the SDK stub');
    await page.selectOption('#chip', '');
    assert.deepEqual(await axeProblems(page), []);
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.notEqual(bg, 'rgb(255, 255, 255)', 'the system dark setting darkens the page');
    for (const fold of ['#tools-fold', '#monitor-fold', '#explain-fold']) await page.click(`${fold} > summary`);
    assert.deepEqual(await axeProblems(page), []);
    if (shots) await screenshot(page, 'dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('flash, then skip: visible "Skipped" lines, honest titles, real times; the status strip while connected', async () => {
    await open();
    await connectTo(page, 'sim:esp32?seed=17');
    await page.locator('#device [data-field="chip"]').waitFor();
    assert.match(await page.locator('#status-strip').innerText(), /Connected: ESP32.*4 MiB/);
    const image = testImage(0x10000, 17);
    await addFile(page, 'app.bin', image, '0x10000');
    const waited = await clickToResult(page);
    const first = await flashAndWait(page);
    const wall = await waited.seconds;
    assert.match(first, /^Flashed and verified\n/);
    // The time shown is the time waited, not the engine's share of it.
    assert.ok(Math.abs(seconds(first) - wall) < 0.2, `shown ${seconds(first)} s, waited ${wall.toFixed(2)} s`);
    const verify = await page.locator('#progress [data-op="verify"] .rate').innerText();
    assert.ok(seconds(verify) > 0, `verify took ${verify}`);
    assert.deepEqual(await axeProblems(page), []);

    const second = await flashAndWait(page);
    assert.match(second, /^Already up to date\n/);
    const skipped = page.locator('#event-log li', { hasText: /Skipped app\.bin 0x10000 \+ 64 KiB: unchanged/ });
    const box = await skipped.boundingBox();
    assert.ok(box && box.x >= 0 && box.width > 0, `the "Skipped" line is on screen (${JSON.stringify(box)})`);

    await page.uncheck('#verify');
    await addFile(page, 'app.bin', testImage(0x10000, 18), '0x10000');
    assert.match(await flashAndWait(page), /^Flashed \(not verified\)\n/);
    await page.check('#verify');
  });

  it('at 390 and 360 px nothing spills sideways and labels stay beside their fields', async () => {
    for (const width of [390, 360]) {
      await page.setViewportSize({ width, height: 800 });
      for (const fold of ['#tools-fold', '#monitor-fold']) {
        if (!(await page.locator(fold).evaluate((d) => (d as HTMLDetailsElement).open))) await page.click(`${fold} > summary`);
      }
      assert.equal(await spillsSideways(page), undefined, `${width} px after a flash`);
      assert.deepEqual(await labelsAwayFromFields(page), [], `${width} px`);
      if (shots && width === 360) await screenshot(page, 'mobile-360');
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('stopping the monitor keeps the connection; disconnect forgets the old chip', async () => {
    await unfold(page, 'monitor-fold');
    await page.click('#monitor');
    await page.locator('#monitor-out', { hasText: 'rst:0x1' }).waitFor();
    await page.click('#monitor-stop');
    await page.locator('#device [data-field="chip"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.isEnabled('#flash'), true, 'still connected: Flash is available');
    assert.equal(await page.locator('#error').isHidden(), true);

    await page.click('#disconnect');
    await page.locator('#connect:enabled').waitFor();
    assert.equal(await page.locator('#map-legend .written, #map-legend .unchanged').count(), 0, 'no written marks of the old chip');
    assert.equal(await page.locator('#monitor-out').innerText(), '');
    assert.equal(await page.isHidden('#status-strip'), true);
    assert.equal(await page.isHidden('#progress-section'), true);
    assert.match((await page.locator('#flash-map').getAttribute('aria-label'))!, /^Flash of 4 MiB/);
  });

  it('a brownout at 50% of a small file fires, is recovered, and no stub bar joins the write bars', async () => {
    await open();
    await connectTo(page, 'sim:esp32?fault=brownout=50%25&seed=2');
    await page.locator('#device [data-field="chip"]').waitFor();
    await addFile(page, 'small.bin', testImage(0x8000, 21), '0x10000');
    const result = await flashAndWait(page);
    assert.match(result, /^Flashed and verified after 1 recovery\n/);
    assert.match(result, /Recovery: recovered from 1 reboot/);
    assert.equal(await page.locator('#progress [data-op="stub"]').count(), 0);
    await page.click('#disconnect');
  });

  it('detect + "Guide me": the BOOT/RESET guide appears once auto-reset fails, after visible attempts', async () => {
    const tab = await browser.context.newPage();
    try {
      await tab.addInitScript({ content: fakeWebSerialScript('sim:esp32?auto-reset=0&boot=firmware&seed=5') });
      await tab.goto(ui.url);
      await tab.locator('body[data-ready="true"]').waitFor();
      await tab.check('input[value="web-serial"]');
      assert.equal(await tab.inputValue('#chip'), '', 'chip left on detect');
      await tab.click('#connect');
      await tab.locator('#connect-status', { hasText: /Trying auto-reset… \d+\/\d+/ }).waitFor({ timeout: 10_000 });
      await tab
        .locator('#boot-panel:not([hidden])', { hasText: /Hold BOOT/ })
        .waitFor({ timeout: 30_000 })
        .catch(async (e: Error) => assert.fail(`${e.message}\n${await tab.locator('#event-log').innerText()}\n${await tab.locator('#error').innerText()}`));
      assert.equal(await tab.locator('#error').isHidden(), true);
      await tab.click('#cancel');
      await tab.locator('#boot-panel').waitFor({ state: 'hidden' });
    } finally {
      await tab.close();
    }
  });

  it('advice in the page\'s words with buttons; explain without raw backticks', async () => {
    await open();
    await page.uncheck('#guide');
    await page.selectOption('#chip', 'esp32');
    await connectTo(page, 'sim:esp32?auto-reset=0&boot=firmware&seed=6');
    const error = page.locator('#error:not([hidden])');
    await error.waitFor({ timeout: 30_000 });
    const advice = await error.locator('.advice').innerText();
    assert.doesNotMatch(advice, /--before|--chip|in a terminal|`/);
    await error.getByRole('button', { name: 'Retry without auto-reset' }).click();
    await page.locator('#boot-panel:not([hidden])', { hasText: /Hold BOOT/ }).waitFor({ timeout: 15_000 });
    await page.click('#cancel');

    await unfold(page, 'explain-fold');
    await page.fill('#explain-text', WRONG_CHIP_LOG);
    await page.click('#explain');
    const out = page.locator('#explain-out');
    await out.locator('.code-tag').first().waitFor();
    const text = await out.innerText();
    assert.doesNotMatch(text.replace(/On the command line[^\n]*/, ''), /`|--chip|--before/);
    await out.getByRole('button', { name: 'Pick chip: ESP32-C3' }).click();
    assert.equal(await page.inputValue('#chip'), 'esp32c3');
  });
});

const WRONG_CHIP_LOG = `esptool.py v4.7.0
Serial port /dev/ttyUSB0
Connecting....
Detecting chip type... ESP32-C3

A fatal error occurred: This chip is ESP32-C3 not ESP32. Wrong --chip argument?
`;
