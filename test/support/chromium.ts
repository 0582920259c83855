/** Headless Chromium for the end-to-end UI tests (Debian's build, as in app-server's browser tests). */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Launches Chromium, or fails saying how to install it (never skips silently). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = CHROMIUM_PATHS.find((p) => existsSync(p));
  if (!executablePath)
    throw new Error(
      'Chromium is not installed. Install it with: apt-get update && apt-get install -y chromium',
    );
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      ...extraArgs,
    ],
  });
}
