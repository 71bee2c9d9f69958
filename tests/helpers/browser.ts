import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Locator } from 'playwright-core';

export type TestBrowser = Browser & { cleanup(): Promise<void> };

/** Debian's Chromium driven by playwright-core (no downloaded browsers here). */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'pipewright-chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  return Object.assign(browser, {
    async cleanup() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  });
}

/** Polls until the element's text matches (playwright-core has no `expect`). */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 10_000) {
  await locator.waitFor();
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = ((await locator.textContent()) ?? '').trim();
    if (typeof expected === 'string' ? text === expected : expected.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`Expected text ${String(expected)}, got ${JSON.stringify(text)}`);
}

/** Polls until the locator matches `expected` elements. */
export async function expectCount(locator: Locator, expected: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let count = -1;
  while (Date.now() < deadline) {
    count = await locator.count();
    if (count === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`Expected ${expected} elements, found ${count}`);
}

/**
 * Waits until React has hydrated the element: a page that arrives rendered
 * by the server shows its buttons before their handlers exist, and a click
 * in between does nothing. React marks each DOM node it owns with its
 * props (`__reactProps$…`) as it hydrates it.
 */
export async function waitForHydration(locator: Locator, timeoutMs = 15_000): Promise<void> {
  const element = await locator.elementHandle({ timeout: timeoutMs });
  // No named functions in page code: the test runner's transform would
  // wrap them in a helper the page does not have.
  await locator
    .page()
    .waitForFunction(
      (el) => !!el && Object.keys(el).some((key) => key.startsWith('__reactProps$')),
      element,
      { timeout: timeoutMs, polling: 20 },
    );
}
