/**
 * @module A cold load of the dashboard in Chromium, as a waterfall: every resource (start,
 * response start, end), the page's marks and long tasks, and optionally a CPU profile.
 *   node --import tsx bench/ui-waterfall.ts http://127.0.0.1:PORT [--warm] [--profile FILE]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumIdle } from './ui-idle.ts';

const { values: flags, positionals } = parseArgs({ allowPositionals: true, options: { warm: { type: 'boolean', default: false }, trace: { type: 'string', default: '' }, profile: { type: 'string', default: '' }, loads: { type: 'string', default: '1' } } });
const url = positionals[0];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'] });
// Each load starts once Chromium is idle, as bench:ui's do (bench/ui-idle.ts).
const idle = await chromiumIdle(browser);
const INIT = `window.__lt = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });`;
for (let n = 0; n < Number(flags.loads); n++) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await ctx.addInitScript(INIT);
  const page = await ctx.newPage();
  if (flags.warm) {
    await page.goto(`${url}/dashboard?service=svc-0&range=86400`);
    await page.waitForFunction(() => performance.getEntriesByName('pharos:table-complete').length > 0, undefined, { timeout: 120000 });
  }
  await idle();
  const asked: string[] = [];
  page.on('request', (q) => {
    if (!q.url().includes('/api/')) return;
    const body = new URLSearchParams(q.postData() ?? new URL(q.url()).search);
    asked.push(`${q.url().replace(url, '').split('?')[0]} ${(body.get('query') ?? body.getAll('match[]').join(',')).slice(0, 90)}`);
  });
  const cdp = await ctx.newCDPSession(page);
  if (flags.profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  const events: unknown[] = [];
  if (flags.trace) {
    cdp.on('Tracing.dataCollected', (d: { value: unknown[] }) => events.push(...d.value));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'loading', 'v8'] } } as never);
  }
  await page.goto(`${url}/dashboard?service=svc-0&range=86400`);
  await page.waitForFunction(() => performance.getEntriesByName('pharos:dashboard-ready').length > 0, undefined, { timeout: 120000 });
  if (flags.profile) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
    writeFileSync(flags.profile, JSON.stringify(profile));
  }
  if (flags.trace) {
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    await done;
    writeFileSync(flags.trace, JSON.stringify({ traceEvents: events }));
  }
  const r = await page.evaluate(() => {
    // This file is compiled without the DOM library: the page's objects are typed loosely.
    type Timing = { name: string; startTime: number; requestStart: number; responseStart: number; responseEnd: number; encodedBodySize: number; domContentLoadedEventEnd: number };
    const perf = performance as unknown as { getEntriesByType(t: string): Timing[] };
    const g = globalThis as unknown as { location: { origin: string }; __lt: number[][] };
    const nav = perf.getEntriesByType('navigation')[0];
    const res = perf.getEntriesByType('resource').map((e) => ({ name: e.name.replace(g.location.origin, '').slice(0, 60), start: e.startTime, reqStart: e.requestStart, resp: e.responseStart, end: e.responseEnd, kib: e.encodedBodySize / 1024 }));
    const marks = perf.getEntriesByType('mark').map((m) => [m.name, m.startTime] as const);
    return { nav: { resp: nav.responseStart, dcl: nav.domContentLoadedEventEnd }, res, marks, lt: g.__lt };
  });
  // Request bodies are POSTed; name the queries by what they ask.
  console.log(`nav response ${r.nav.resp.toFixed(0)} dcl ${r.nav.dcl.toFixed(0)}`);
  let k = 0;
  for (const e of r.res) if (e.name.startsWith('/api/')) e.name = asked[k++] ?? e.name;
  for (const e of r.res) console.log(`${e.start.toFixed(0).padStart(6)} ${e.reqStart.toFixed(0).padStart(6)} ${e.resp.toFixed(0).padStart(6)} ${e.end.toFixed(0).padStart(6)} ${e.kib.toFixed(0).padStart(5)}KiB ${e.name}`);
  for (const [m, t] of r.marks) console.log(`mark ${String(m)} ${Number(t).toFixed(0)}`);
  console.log(`long tasks: ${r.lt.map(([s, d]) => `${s.toFixed(0)}+${d.toFixed(0)}`).join(' ')}`);
  await ctx.close();
}
await browser.close();
