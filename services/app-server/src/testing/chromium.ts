/** Headless Chromium for the UI tests: Debian's build, driven by playwright-core. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian puts Chromium; CI installs it with `apt-get install -y chromium`. */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium, or fails saying how to install it (never skips silently). */
export function launchChromium(): Promise<Browser> {
  const executablePath = CHROMIUM_PATHS.find((p) => existsSync(p));
  if (!executablePath)
    throw new Error(
      'Chromium is not installed, so the browser test cannot run. Install it with: ' +
        'apt-get update && apt-get install -y chromium',
    );
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}
