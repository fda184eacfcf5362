/**
 * Opens the studio in a fresh browser context, records every request it makes (network audit)
 * and every console error, and offers the few waits the tests share.
 */
import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { NETWORK_LOG } from './networkLog';
import { isOwnOrigin } from './globalSetup';

export interface StudioSession {
  context: BrowserContext;
  page: Page;
  baseURL: string;
  consoleErrors: string[];
  foreignRequests: string[];
}

export async function openStudio(browser: Browser, path = '/'): Promise<StudioSession> {
  const baseURL = inject('baseURL');
  const context = await browser.newContext({ baseURL });
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  context.on('request', (request) => {
    const url = request.url();
    appendFileSync(NETWORK_LOG, `${JSON.stringify({ url, allowedOrigin: baseURL })}\n`);
    if (!isOwnOrigin(url, baseURL)) foreignRequests.push(url);
  });
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  await page.goto(path);
  return { context, page, baseURL, consoleErrors, foreignRequests };
}

export function watchConsole(page: Page, sink: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') sink.push(message.text());
  });
  page.on('pageerror', (error) => sink.push(error.message));
}

/** Waits until the status bar names the running backend, and returns it. */
export async function waitForBackend(page: Page, timeout = 120_000): Promise<string> {
  const backend = page.getByTestId('backend');
  await page.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid="backend"]')?.textContent ?? '';
      return /^(webgpu|webgl|wasm|cpu)$/.test(text.trim());
    },
    undefined,
    { timeout },
  );
  return (await backend.textContent())!.trim();
}

/** Waits until the dataset grid shows painted thumbnails. */
export async function waitForGrid(page: Page, timeout = 120_000): Promise<number> {
  await page.getByTestId('image-grid').locator('canvas').first().waitFor({ timeout });
  return page.getByTestId('image-grid').locator('canvas').count();
}
