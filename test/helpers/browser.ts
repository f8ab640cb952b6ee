/**
 * Real Chromium for the console tests, driven by playwright-core: the browser comes from
 * scripts/provision/chromium.sh (Debian's build), the console from an app stack listening
 * on a free port. Screenshots go to CF_TEST_SCREENSHOTS, or .data/screenshots (kept after
 * the run, to look at).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { provision } from '../../src/local/provision';
import { projectRoot } from '../../src/util/project-root';

/** Starts headless Chromium (installing it first on a machine without one). */
export async function startBrowser(): Promise<Browser> {
  const executablePath = await provision('chromium', (line) => process.stderr.write(`${line}\n`));
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Serves the app on a free loopback port; resolves to its base URL and a way to stop. */
export async function serve(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Saves a full-page screenshot under a readable name; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = process.env.CF_TEST_SCREENSHOTS ?? path.join(projectRoot, '.data', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Collects what a page reports as broken: uncaught errors and Content-Security-Policy
 * violations (a console error Chromium prints for each).
 */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
      problems.push(`csp: ${message.text()}`);
  });
  return problems;
}
