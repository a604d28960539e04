import { launchChromium, startUi, testImage } from './browser.ts';
const ui = await startUi();
const b = await launchChromium();
const page = b.page;
page.on('pageerror', (e) => console.log('pageerror:', e.message));
for (const [chip, addr] of [['bk7231n', '0x11000'], ['sf32lb52', '0x12020000'], ['esp8266', '0x10000'], ['esp32s3','0x10000']]) {
  await page.goto(ui.url);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.check('input[value="demo"]');
  await page.selectOption('#demo-chip', chip);
  const t0 = Date.now();
  await page.click('#connect');
  await page.locator('#device [data-field="chip"], #error:not([hidden])').first().waitFor({ timeout: 40000 }).catch(() => console.log('timeout'));
  console.log(chip, Date.now() - t0, (await page.locator('#device').innerText()).replace(/\n/g, ' | '), 'ERR', await page.locator('#error').innerText());
  if (await page.locator('#error').isVisible()) continue;
  await page.setInputFiles('#file-input', { name: 'x.bin', mimeType: 'application/octet-stream', buffer: testImage(0x4000, 2) });
  await page.getByLabel('Address of x.bin').fill(addr);
  await page.getByLabel('Address of x.bin').press('Tab');
  const t1 = Date.now();
  await page.click('#flash');
  await page.locator('#result:not([hidden]), #error:not([hidden])').first().waitFor({ timeout: 40000 });
  console.log('  flash', Date.now() - t1, (await page.locator('#result').innerText()).split('\n').slice(0, 2).join(' '), 'ERR', await page.locator('#error').innerText());
  await page.click('#disconnect');
}
await b.close(); await ui.stop();
