import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from './tools.js';

/**
 * Headless Chromium from Debian, for anything a person sees in a browser.
 * playwright-core gives every launch a fresh profile; the flags keep it off
 * the network (this machine refuses outside connections).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
