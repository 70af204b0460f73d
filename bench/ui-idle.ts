/**
 * @module Waits until Chromium's processes are idle, before a timed load of `npm run bench:ui`.
 *
 * A new browser context starts a new renderer process, and its first second or two take about
 * 1 s of CPU with no page in it (a blank page, with or without Playwright attached). A user's
 * browser does that work in advance, on the spare renderer it keeps ready; on this machine's 2
 * cores a load started at once shared them with it, and was timed with it.
 */
import type { Browser, CDPSession } from 'playwright-core';

/** CPU time of one Chromium process, as CDP's SystemInfo.getProcessInfo reports it (s). */
interface ProcessInfo {
  readonly type: string;
  readonly id: number;
  readonly cpuTime: number;
}

const POLL_MS = 200;
/** Idle: all of Chromium's processes together used less than this share of one core over a poll. */
const IDLE_SHARE = 0.05;
const MAX_WAIT_MS = 10_000;

/** A function that resolves once `browser`'s processes are idle (or after MAX_WAIT_MS). */
export async function chromiumIdle(browser: Browser): Promise<() => Promise<void>> {
  const cdp: CDPSession = await browser.newBrowserCDPSession();
  const cpuS = async () => ((await cdp.send('SystemInfo.getProcessInfo')) as unknown as { processInfo: ProcessInfo[] }).processInfo.reduce((a, p) => a + p.cpuTime, 0);
  return async () => {
    const until = Date.now() + MAX_WAIT_MS;
    let last = await cpuS();
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const now = await cpuS();
      if ((now - last) * 1000 < POLL_MS * IDLE_SHARE) return;
      last = now;
    }
  };
}
