/**
 * Debian's headless Chromium for the browser e2e tests and `npm run bench -- --browser`: it exposes WebGL2 through
 * SwiftShader even with --disable-gpu. CHROMIUM_PATH overrides the binary.
 */
import * as fs from 'fs';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** Launches headless Chromium; `who` (e.g. 'e2e') starts the error when the binary is missing. */
export function launchChromium(who: string): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${who}: no Chromium at ${CHROMIUM}; apt-get install -y chromium, or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
