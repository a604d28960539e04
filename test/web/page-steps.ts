import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** Steps a person takes on the page, shared by the browser tests. */

export async function connectTo(page: Page, port: string): Promise<void> {
  await page.check('input[value="bridge"]');
  await page.fill('#bridge-custom', port);
  await page.click('#connect');
}

export async function addFile(page: Page, name: string, data: Buffer, address: string): Promise<void> {
  await page.setInputFiles('#file-input', { name, mimeType: 'application/octet-stream', buffer: data });
  // A raw binary needs an address: the plan says so next to the files until one is typed.
  await page.locator('#plan-problem', { hasText: /bad-input: .* is a raw binary; say where it goes/ }).waitFor();
  const field = page.getByLabel(`Address of ${name}`);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await field.fill(address);
  await field.press('Tab');
  await page.locator('#plan-problem').waitFor({ state: 'hidden' });
}

export async function flashAndWait(page: Page): Promise<string> {
  await page.locator('#result').evaluate((el) => el.setAttribute('hidden', ''));
  await page.click('#flash');
  await page.locator('#result:not([hidden]), #error:not([hidden])').first().waitFor();
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').innerText().catch(() => ''));
  return page.locator('#result').innerText();
}

/** Opens a folded part of the page (tools, monitor, explain) the way a person does: its summary. */
export async function unfold(page: Page, id: 'tools-fold' | 'monitor-fold' | 'explain-fold'): Promise<void> {
  if (await page.locator(`#${id}`).evaluate((d) => (d as HTMLDetailsElement).open)) return;
  await page.click(`#${id} > summary`);
}
