/**
 * @module `npm run bench:ui`: how fast the RED dashboard becomes usable in real Chromium with a
 * large service (200 routes × 5 status codes × 24 h at 60 s), measured from the browser's own
 * performance timeline, median over several cold and warm loads.
 *
 *   npm run bench:ui                              # 2 services × 200 routes × 5 codes, 24h, 5 loads each
 *   npm run bench:ui -- --loads 9 --services 1    # more loads, one service
 *   npm run bench:ui -- --profile                 # also write a CPU profile of one load (CDP Profiler)
 *
 * Pharos runs in a child process (bench/ui-pharos.ts) holding the bench/red-data.ts data set and
 * serving the API and web/dist on one port. Build the UI first (`npm run build:web`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort, ROOT } from '../test/e2e/pharos-process.ts';
import type { RedDataShape } from './red-data.ts';
import { chromiumIdle } from './ui-idle.ts';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '2' },
    routes: { type: 'string', default: '200' },
    codes: { type: 'string', default: '5' },
    hours: { type: 'string', default: '24' },
    interval: { type: 'string', default: '60' },
    loads: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    // A Pharos already serving the same data set and the UI (e.g. bench/ui-pharos.ts started by hand).
    url: { type: 'string' },
    // Serve another build of the UI (e.g. an older one, for a before/after comparison).
    'web-root': { type: 'string' },
    // Start each load at once, without waiting for Chromium to be idle (how loads were timed before).
    'start-at-once': { type: 'boolean', default: false },
  },
});
const LOADS = Math.max(1, Number(flags.loads));
const INTERVAL_S = Number(flags.interval);
const POINTS = Math.floor((Number(flags.hours) * 3600) / INTERVAL_S);
// The data ends at the current minute, so "Last 24 hours" covers all of it.
const END_S = Math.floor(Date.now() / 1000 / INTERVAL_S) * INTERVAL_S;
const SHAPE: RedDataShape = { services: Number(flags.services), routes: Number(flags.routes), codes: Math.min(5, Number(flags.codes)), points: POINTS, intervalS: INTERVAL_S, startS: END_S - (POINTS - 1) * INTERVAL_S };
const MARK_FIRST = 'pharos:first-panel-drawn';
const MARK_READY = 'pharos:dashboard-ready';
const MARK_TABLE_FIRST = 'pharos:table-first-latencies';
const MARK_TABLE_COMPLETE = 'pharos:table-complete';
const RANGE_24H = 86_400;
const RANGE_7D = 604_800;
const TIMEOUT_MS = 180_000;
const OUT = join(ROOT, 'test-results', 'bench-ui');

/** What one load measured, in ms from navigation start unless said otherwise. */
interface LoadFigures {
  firstPanel: number;
  ready: number;
  /** The table's busiest routes have their p50/p95/p99 (asked for after ready). */
  tableLatencies: number;
  longTasksMs: number;
  longTasks: number;
  apiRequests: number;
  apiKiB: number;
  slowestApiMs: number;
  /** From the row click (its event timestamp) to every filtered panel drawn. */
  rowClick: number;
  /** From the range change to every panel drawn over 7 days. */
  range7d: number;
}

// Runs in the page before any of its scripts: collects long tasks and the time of the last
// user input (click or change), so an interaction is timed from its own event timestamp.
const INIT_SCRIPT = `
  window.__bench = { longTasks: [], lastInput: 0 };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__bench.longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  for (const type of ['click', 'change', 'keydown']) addEventListener(type, (e) => { window.__bench.lastInput = e.timeStamp; }, { capture: true });
`;

/** The page's global object, typed loosely: this file is compiled without the DOM library. */
type PageGlobal = { __bench: { longTasks: Array<[number, number]>; lastInput: number } };

/**
 * The time of the first `name` mark after `after` (ms from navigation start), once there is one.
 * A PerformanceObserver in the page answers it: Playwright's waitForFunction would inject its
 * selector engine into the page (about 120 ms of the main thread during a cold load) and poll,
 * which the page would pay for in the very load being timed.
 */
async function waitForMark(page: Page, name: string, after: number): Promise<number> {
  return page.evaluate(
    ([n, t, timeoutMs]) =>
      // No named functions in here: tsx would wrap them in a helper the page does not have.
      new Promise<number>((resolve, reject) => {
        for (const e of performance.getEntriesByName(n, 'mark')) if (e.startTime > t) return resolve(e.startTime);
        const timer = setTimeout(() => reject(new Error(`no ${n} mark after ${t} ms within ${timeoutMs} ms`)), timeoutMs);
        const obs = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.name !== n || e.startTime <= t) continue;
            obs.disconnect();
            clearTimeout(timer);
            return resolve(e.startTime);
          }
        });
        obs.observe({ type: 'mark' });
      }),
    [name, after, TIMEOUT_MS] as const,
  );
}

function waitForReady(page: Page, after: number): Promise<number> {
  return waitForMark(page, MARK_READY, after);
}

async function apiFigures(page: Page, until: number): Promise<{ n: number; kib: number; slowest: number }> {
  return page.evaluate((t) => {
    const api = (performance.getEntriesByType('resource') as unknown as Array<{ encodedBodySize: number; responseEnd: number; name: string; duration: number }>).filter((e) => e.name.includes('/api/v1/') && e.responseEnd <= t + 1);
    return { n: api.length, kib: api.reduce((a, e) => a + e.encodedBodySize, 0) / 1024, slowest: Math.max(0, ...api.map((e) => e.duration)) };
  }, until);
}

/** Resolves once Chromium is idle (set in main, bench/ui-idle.ts). */
let idle: () => Promise<void> = async () => {};

/**
 * One dashboard load, then a row click, then a range change to 7 days (until its table is
 * complete), all on `page`. The load starts once Chromium is idle: a new context's renderer
 * process spends its first second or two starting up (bench/ui-idle.ts).
 */
async function measureLoad(page: Page, url: string): Promise<LoadFigures> {
  await idle();
  await page.goto(`${url}/dashboard?service=svc-0&range=${RANGE_24H}`, { timeout: TIMEOUT_MS });
  const ready = await waitForReady(page, 0);
  const firstPanel = await page.evaluate((name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? NaN, MARK_FIRST);
  const tasks = await page.evaluate((t) => (globalThis as unknown as PageGlobal).__bench.longTasks.filter(([s]) => s <= t), ready);
  const api = await apiFigures(page, ready);
  const tableLatencies = await waitForMark(page, MARK_TABLE_FIRST, 0);

  // A click on an endpoint row filters every panel to its route.
  const row = page.getByRole('region', { name: 'Endpoints' }).locator('tbody tr[data-route]').nth(3).getByRole('button').first();
  await row.click();
  const clickAt = await page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.lastInput);
  const rowClick = (await waitForReady(page, clickAt)) - clickAt;

  const rangeSelect = page.getByLabel('Time range', { exact: true });
  await rangeSelect.selectOption(String(RANGE_7D));
  const changeAt = await page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.lastInput);
  const range7d = (await waitForReady(page, changeAt)) - changeAt;
  // The table's later latency batches run on; the next load should not find the server still busy with them.
  await waitForMark(page, MARK_TABLE_COMPLETE, changeAt);
  return {
    firstPanel,
    ready,
    tableLatencies,
    longTasksMs: tasks.reduce((a, [, d]) => a + d, 0),
    longTasks: tasks.length,
    apiRequests: api.n,
    apiKiB: api.kib,
    slowestApiMs: api.slowest,
    rowClick,
    range7d,
  };
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function profileLoad(context: BrowserContext, url: string): Promise<void> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(`${url}/dashboard?service=svc-0&range=${RANGE_24H}`, { timeout: TIMEOUT_MS });
  await waitForReady(page, 0);
  const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] } };
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'dashboard-load.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));
  // Self time per function, from the sample deltas.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  console.log(`\nCPU profile of one load written to ${file}; top self time (ms):`);
  for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${ms.toFixed(1).padStart(8)}  ${k}`);
  await page.close();
}

async function main(): Promise<void> {
  const webRoot = flags['web-root'] ?? join(ROOT, 'web/dist');
  if (!existsSync(join(webRoot, 'index.html'))) throw new Error(`${webRoot} has no index.html: run \`npm run build:web\` first`);
  if (!existsSync(flags.chromium)) throw new Error(`${flags.chromium} not found: apt-get install -y chromium`);
  const { url, stop } = flags.url ? { url: flags.url, stop: async () => {} } : await startPharos(webRoot);
  console.log(`Chromium opens ${url}/dashboard?service=svc-0&range=${RANGE_24H}`);
  const browser = await chromium.launch({
    executablePath: flags.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const viewport = { width: 1400, height: 1000 };
  if (!flags['start-at-once']) idle = await chromiumIdle(browser);
  try {
    // One load that nobody counts: Pharos' query paths get compiled by V8, as in a server that has run a while.
    const warmupContext = await browser.newContext({ viewport });
    await warmupContext.addInitScript(INIT_SCRIPT);
    const first = await measureLoad(await warmupContext.newPage(), url);
    console.log(`first load after start (not counted): ready at ${first.ready.toFixed(0)} ms`);
    if (flags.profile) await profileLoad(warmupContext, url);
    await warmupContext.close();

    // Cold and warm loads alternate, so a change in what else runs on the machine weighs on both alike.
    const warmContext = await browser.newContext({ viewport });
    await warmContext.addInitScript(INIT_SCRIPT);
    const warmPage = await warmContext.newPage();
    await measureLoad(warmPage, url); // fills the cache
    const cold: LoadFigures[] = [];
    const warm: LoadFigures[] = [];
    for (let i = 0; i < LOADS; i++) {
      // Cold: a new browser context, so no cached assets, a new JS heap and fresh connections.
      const context = await browser.newContext({ viewport });
      await context.addInitScript(INIT_SCRIPT);
      cold.push(await measureLoad(await context.newPage(), url));
      await context.close();
      // Warm: the same tab navigates to the dashboard again, assets come from the HTTP cache.
      warm.push(await measureLoad(warmPage, url));
    }
    await warmContext.close();

    const rows: Array<[string, keyof LoadFigures, string]> = [
      ['first panel drawn', 'firstPanel', 'ms'],
      ['all panels + table rows (dashboard-ready)', 'ready', 'ms'],
      ['table latencies of the busiest routes', 'tableLatencies', 'ms'],
      ['long tasks during load, total', 'longTasksMs', 'ms'],
      ['long tasks during load, count', 'longTasks', ''],
      ['API requests until ready', 'apiRequests', ''],
      ['API response bytes until ready', 'apiKiB', 'KiB'],
      ['slowest API request', 'slowestApiMs', 'ms'],
      ['row click → filtered panels drawn', 'rowClick', 'ms'],
      ['range change to 7d → panels drawn', 'range7d', 'ms'],
    ];
    console.log(`\nmedians over ${LOADS} loads (navigation start = 0)`);
    console.log(`${'measure'.padEnd(40)}${'cold'.padStart(10)}${'warm'.padStart(10)}  unit`);
    for (const [label, key, unit] of rows) {
      const c = median(cold.map((f) => f[key]));
      const w = median(warm.map((f) => f[key]));
      const fmt = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(unit === 'KiB' ? 0 : unit === 'ms' ? 0 : 0));
      console.log(`${label.padEnd(40)}${fmt(c).padStart(10)}${fmt(w).padStart(10)}  ${unit}`);
    }
    console.log(`\ndashboard-ready of each load (ms): cold ${cold.map((f) => f.ready.toFixed(0)).join(' ')}; warm ${warm.map((f) => f.ready.toFixed(0)).join(' ')}`);
    const readyCold = median(cold.map((f) => f.ready));
    console.log(`\ninteractive in under 1 s (cold median): ${readyCold < 1000 ? 'yes' : 'NO'} (${readyCold.toFixed(0)} ms)`);
  } finally {
    await browser.close();
    await stop();
  }
}

/** bench/ui-pharos.ts in a child process, loaded with SHAPE; resolves once it listens. */
async function startPharos(webRoot: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const series = SHAPE.services * SHAPE.routes * SHAPE.codes * 17;
  console.log(`loading ${SHAPE.services} services × ${SHAPE.routes} routes × ${SHAPE.codes} codes × ${POINTS} points (${series} series, ${((series * POINTS) / 1e6).toFixed(1)} M samples) into Pharos…`);
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', join(import.meta.dirname, 'ui-pharos.ts'), JSON.stringify(SHAPE), String(port), webRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`pharos bench server exited with ${code}`)));
  });
  console.log(`loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

await main();
