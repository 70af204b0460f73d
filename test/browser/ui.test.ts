/**
 * The web UI in real Chromium (Debian's, driven by playwright-core): Pharos fed by the demo's
 * example Express service (stable HTTP semconv over OTLP/gRPC, the demo's traffic generator plus
 * a fixed round of requests) and by a service on the older conventions (http.server.duration in
 * ms with http.target, and the body-size histograms, from the OTel SDK over OTLP/HTTP JSON),
 * scraping its own /metrics and a target that is down. Each page is opened and screenshotted
 * under test-results/ui/ (gitignored); the endpoint table is compared figure by figure with the
 * API's answers to the spec's queries (../shared/spec/red-dashboard.md §1.4), written here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, ROOT, startPharosProcess, type PharosProcess } from '../e2e/pharos-process.ts';
import { runTraffic } from '../../examples/traffic.ts';
import { controls, focused, launchChromium, SHOTS, tabWalk } from './chromium.ts';

type Sample = { metric: Record<string, string>; value: [number, string] };

let pharos: PharosProcess;
let app: ChildProcess;
let browser: Browser;
let page: Page;
/** A window that ends after the traffic, so its figures no longer change (s). */
let from: number;
let to: number;

async function apiQuery(query: string, time: number): Promise<Sample[]> {
  const r = await fetch(`${pharos.apiUrl}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: String(time) }) });
  const body = (await r.json()) as { status: string; error?: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
  return body.data.result;
}

/** The endpoint table's figures as the page holds them (data-value: the unrounded numbers), of the rows it renders. */
async function tableFigures(p: Page): Promise<Array<{ route: string; method: string } & Record<'rate' | 'errorRatio' | 'p50' | 'p95' | 'p99', number>>> {
  // Rows with an endpoint: the table renders the rows in view only, between two spacer rows.
  return p.getByRole('region', { name: 'Endpoints' }).locator('tbody tr[data-route]').evaluateAll((trs) =>
    trs.map((tr) => {
      const v = (k: string) => Number(tr.querySelector(`td[data-column="${k}"]`)!.getAttribute('data-value'));
      return { route: tr.getAttribute('data-route')!, method: tr.getAttribute('data-method')!, rate: v('rate'), errorRatio: v('errorRatio'), p50: v('p50'), p95: v('p95'), p99: v('p99') };
    }),
  );
}

/** Two frames later: the endpoint table renders the rows of a scroll in the next one. (A string: this file has no DOM types.) */
async function afterFrames(p: Page): Promise<void> {
  await p.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** A table row's button as Chromium names it: the route (or "(no route)"), then the method. */
function rowName(r: { route: string; method: string }): string {
  return `${r.route === '' ? '(no route)' : r.route} ${r.method}`;
}

/** a equals b to float precision (both NaN counts as equal: histogram_quantile of no requests). */
function expectSame(a: number, b: number, what: string): void {
  if (Number.isNaN(b)) expect(a, what).toBeNaN();
  else expect(Math.abs(a - b), `${what}: table ${a}, API ${b}`).toBeLessThanOrEqual(Math.abs(b) * 1e-9 + 1e-12);
}

/** Records old-convention HTTP server durations (ms, http.target) for service "legacy", exported every 500 ms as OTLP/HTTP JSON. */
function legacyService(otlpHttpUrl: string): { record: () => void; stop: () => Promise<void> } {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${otlpHttpUrl}/v1/metrics` }), exportIntervalMillis: 500, exportTimeoutMillis: 500 });
  const provider = new MeterProvider({ resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'legacy' })), readers: [reader] });
  // The SDK's default buckets are the ms ones ([0, 5, 10, 25, …, 10000]), as old instrumentations send.
  const meter = provider.getMeter('legacy-http');
  const duration = meter.createHistogram('http.server.duration', { unit: 'ms' });
  // OTel Python's old-convention body sizes (for requests with a Content-Length).
  const requestSize = meter.createHistogram('http.server.request.size', { unit: 'By' });
  const responseSize = meter.createHistogram('http.server.response.size', { unit: 'By' });
  let i = 0;
  return {
    record: () => {
      for (let k = 0; k < 5; k++, i++) {
        const items = { 'http.method': 'GET', 'http.target': '/legacy/items', 'http.status_code': 200, 'http.scheme': 'http' };
        const orders = { 'http.method': 'POST', 'http.target': '/legacy/orders', 'http.status_code': i % 4 === 0 ? 503 : 201, 'http.scheme': 'http' };
        duration.record(20 + (i % 7) * 30, items);
        duration.record(400 + (i % 3) * 100, orders);
        responseSize.record(800 + (i % 5) * 100, items);
        requestSize.record(150 + (i % 3) * 50, orders);
        responseSize.record(60, orders);
      }
    },
    stop: () => provider.shutdown(),
  };
}

/** Routes of service "wide": more than the endpoint table renders at once. */
const WIDE_ROUTES = 120;

/** Service "wide": stable names, WIDE_ROUTES routes each with its own request count and a 5xx share, exported every 500 ms. */
function wideService(otlpHttpUrl: string): { record: () => void; stop: () => Promise<void> } {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${otlpHttpUrl}/v1/metrics` }), exportIntervalMillis: 500, exportTimeoutMillis: 500 });
  const provider = new MeterProvider({ resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'wide' })), readers: [reader] });
  const meter = provider.getMeter('wide-http');
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.05, 0.1, 0.5, 1] } });
  return {
    record: () => {
      for (let r = 0; r < WIDE_ROUTES; r++) {
        for (let k = 0; k <= r % 9; k++) {
          duration.record(0.005 + (r % 7) * 0.02 + k * 0.01, { 'http.request.method': r % 3 === 0 ? 'POST' : 'GET', 'http.route': `/wide/${r}`, 'http.response.status_code': k === 0 && r % 4 === 0 ? 500 : 200 });
        }
      }
    },
    stop: () => provider.shutdown(),
  };
}

/** A service in the middle of migrating (http/dup): both the stable and the older duration histograms, exported every 500 ms. */
function dualService(otlpHttpUrl: string): { record: () => void; stop: () => Promise<void> } {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${otlpHttpUrl}/v1/metrics` }), exportIntervalMillis: 500, exportTimeoutMillis: 500 });
  const provider = new MeterProvider({ resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'dual' })), readers: [reader] });
  const meter = provider.getMeter('dual-http');
  const stable = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } });
  const old = meter.createHistogram('http.server.duration', { unit: 'ms' });
  return {
    record: () => {
      for (let k = 0; k < 5; k++) {
        stable.record(0.03, { 'http.request.method': 'GET', 'http.route': '/dual', 'http.response.status_code': 200 });
        old.record(30, { 'http.method': 'GET', 'http.route': '/dual', 'http.status_code': 200 });
      }
    },
    stop: () => provider.shutdown(),
  };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Two scrape jobs: Pharos' own /metrics (found through file SD, written once the port is known)
  // and a port nobody listens on, so the Pipeline page has an up and a down target.
  const dir = mkdtempSync(join(tmpdir(), 'pharos-ui-'));
  const selfTargets = join(dir, 'self.json');
  writeFileSync(selfTargets, '[]');
  const closedPort = await freePort();
  const config = join(dir, 'pharos.yaml');
  writeFileSync(config, [
    'scrape_configs:',
    '  - job_name: pharos',
    '    scrape_interval: 1s',
    '    scrape_timeout: 1s',
    `    file_sd_configs: [{ files: [${JSON.stringify(selfTargets)}] }]`,
    '  - job_name: offline',
    '    scrape_interval: 1s',
    '    scrape_timeout: 1s',
    `    static_configs: [{ targets: ["127.0.0.1:${closedPort}"] }]`,
    '',
  ].join('\n'));
  pharos = await startPharosProcess({ extraArgs: [`--config=${config}`] });
  writeFileSync(selfTargets, JSON.stringify([{ targets: [`127.0.0.1:${pharos.apiPort}`] }]));

  const port = await freePort();
  app = spawn(process.execPath, ['--import', 'tsx', '--import', './examples/express-app/instrumentation.ts', './examples/express-app/app.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      OTEL_SERVICE_NAME: 'shop',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${pharos.otlpGrpcPort}`,
      OTEL_EXPORTER_OTLP_INSECURE: 'true',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${base}/products`)).ok, 20_000, 'example service to listen');
  const legacy = legacyService(pharos.otlpHttpUrl);
  const dual = dualService(pharos.otlpHttpUrl);
  const wide = wideService(pharos.otlpHttpUrl);
  // The demo's traffic generator (its mix of 200, 404 and 500) while a fixed round of requests makes
  // sure every route and a 404 are there, over several export intervals, so rates have several points.
  const demoTraffic = runTraffic({ target: base, rps: 15, durationS: 4, count: Infinity, allowRemote: false, quiet: true });
  for (let round = 0; round < 4; round++) {
    for (const path of ['/products', '/users/1', '/users/2', '/missing', '/checkout', '/users/999']) await fetch(base + path).catch(() => undefined);
    legacy.record();
    dual.record();
    wide.record();
    await new Promise((r) => setTimeout(r, 1000));
  }
  const sent = await demoTraffic;
  expect([...sent.keys()].filter((k) => k.startsWith('error:'))).toEqual([]);
  await Promise.all([legacy.stop(), dual.stop(), wide.stop()]);
  await eventually(async () => (await apiQuery('sum(rate(http_server_request_duration_seconds_count{service_name="shop"}[1m]))', Date.now() / 1000)).length > 0, 20_000, 'shop rates');
  await eventually(async () => (await apiQuery('sum(rate(http_server_duration_milliseconds_count{service_name="legacy"}[1m]))', Date.now() / 1000)).length > 0, 20_000, 'legacy rates');
  // Two export intervals after the traffic, everything up to `to` has arrived.
  await new Promise((r) => setTimeout(r, 2500));
  to = Math.floor(Date.now() / 1000) - 1;
  from = to - 300;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  app?.kill('SIGTERM');
  await pharos?.stop();
});

/** The Endpoints region once every row has its latencies. */
async function tableComplete(p: Page) {
  const table = p.getByRole('region', { name: 'Endpoints' });
  await expect.poll(() => table.getAttribute('aria-busy'), { timeout: 20_000 }).toBe('false');
  return table;
}

describe('dashboard', () => {
  it('picks the service, draws its routes and status codes, and labels every control', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?range=300`);
    await expect.poll(() => page.getByLabel('Service').inputValue(), { timeout: 15_000 }).toMatch(/^(shop|legacy|dual)$/);
    await page.getByLabel('Service').selectOption('shop');
    const rate = page.getByRole('region', { name: 'Requests per second by route' });
    await expect.poll(() => rate.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['GET /products', 'GET /users/:id', 'GET /checkout']));
    const latency = page.getByRole('region', { name: 'Latency p50 / p95 / p99 by route' });
    await expect.poll(() => latency.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['p50 /products', 'p95 /products', 'p99 /products']));
    const errors = page.getByRole('region', { name: 'Errors per second by status code' });
    await expect.poll(() => errors.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['404 (4xx client error)']));
    const ratio = page.getByRole('region', { name: 'Error ratio (5xx)' });
    await expect.poll(() => ratio.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['5xx / all requests']);
    const active = page.getByRole('region', { name: 'Active requests' });
    await expect.poll(() => active.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['GET']));
    // Node's HTTP instrumentation records no body sizes: the panel says so instead of drawing nothing.
    const body = page.getByRole('region', { name: 'Request / response body size (median)' });
    await expect.poll(() => body.locator('.empty').textContent(), { timeout: 15_000 }).toContain('No body-size histograms (http_server_request_body_size_bytes');
    expect(await page.locator('.convention').textContent()).toContain('stable HTTP semantic conventions');
    expect(await page.locator('canvas').count()).toBeGreaterThan(3);
    for (const label of ['Service', 'Time range', 'Auto-refresh', 'Route filter (regex)']) expect(await page.getByLabel(label, { exact: true }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  });

  it('zooms to a time range dragged across a chart, and keeps it in the URL', async () => {
    const before = new URL(page.url());
    const box = (await page.getByRole('region', { name: 'Requests per second by route' }).locator('.u-over').boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).not.toBeNull();
    const url = new URL(page.url());
    const zoomFrom = Number(url.searchParams.get('from'));
    const zoomTo = Number(url.searchParams.get('to'));
    // 40 % of a 5-minute window, inside it.
    expect(zoomTo - zoomFrom).toBeGreaterThan(60);
    expect(zoomTo - zoomFrom).toBeLessThan(180);
    expect(url.searchParams.get('range')).toBeNull();
    expect(url.searchParams.get('service')).toBe(before.searchParams.get('service'));
    expect(await page.getByLabel('Time range', { exact: true }).inputValue()).toBe('custom');
    expect(await page.getByLabel('From').inputValue()).not.toBe('');
  });

  it('fills the endpoint table with exactly the numbers the API returns for the same queries', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=shop&from=${from}&to=${to}`);
    const table = await tableComplete(page);
    expect(Number(await table.getAttribute('data-time'))).toBe(to);
    const rows = await tableFigures(page);
    expect(rows.map((r) => `${r.method} ${r.route}`)).toEqual(expect.arrayContaining(['GET /products', 'GET /users/:id', 'GET /checkout']));
    // The spec's per-endpoint queries (§1.4, rows 9, 6 and 7 by method and route) over the view's 300 s.
    const sel = (extra = '') => `{service_name="shop"${extra}}`;
    const by = 'http_request_method, http_route';
    const count = (extra = '') => `sum by (${by}) (rate(http_server_request_duration_seconds_count${sel(extra)}[300s]))`;
    const quantile = (q: number) => `histogram_quantile(${q}, sum by (le, ${by}) (rate(http_server_request_duration_seconds_bucket${sel()}[300s])))`;
    const queries = [count(), `${count(', http_response_status_code=~"5.."')} / ${count()}`, quantile(0.5), quantile(0.95), quantile(0.99)];
    // Requests that matched no route (the 404s of unknown paths) have no http_route: the table's '' row.
    const key = (m: Record<string, string>) => `${m.http_request_method} ${m.http_route ?? ''}`;
    const [rate, errorRatio, p50, p95, p99] = await Promise.all(queries.map(async (q) => new Map((await apiQuery(q, to)).map((s) => [key(s.metric), Number(s.value[1])]))));
    expect(rate.size).toBe(rows.length);
    for (const r of rows) {
      const k = `${r.method} ${r.route}`;
      expect(r.rate, k).toBeGreaterThan(0);
      expectSame(r.rate, rate.get(k)!, `${k} req/s`);
      // The ratio query has no series for endpoints without 5xx; the table shows 0 there.
      expectSame(r.errorRatio, errorRatio.get(k) ?? 0, `${k} error ratio`);
      expectSame(r.p50, p50.get(k)!, `${k} p50`);
      expectSame(r.p95, p95.get(k)!, `${k} p95`);
      expectSame(r.p99, p99.get(k)!, `${k} p99`);
    }
    // The queries behind the table (the Explore links) are the same ones.
    expect((await table.getAttribute('data-queries'))!.split('\n')).toEqual(queries);
    // What the cells say is the same figure, rounded.
    const products = rows.find((r) => r.route === '/products')!;
    expect(await table.locator('tr[data-route="/products"] td[data-column="rate"]').textContent()).toBe(products.rate.toFixed(3));
    expect(await table.locator('tr[data-route="/products"] td[data-column="p50"]').textContent()).toBe(`${(products.p50 * 1000).toFixed(1)} ms`);
    expect(await table.locator('tr[data-route="/products"] td[data-column="errorRatio"]').textContent()).toBe((products.errorRatio * 100).toFixed(2));
    await page.screenshot({ path: join(SHOTS, 'dashboard-fixed-range.png'), fullPage: true });
  });

  it('asks each question once on a load, though the boot script asks the first ones before the app runs', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const asked: string[] = [];
    fresh.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/')) asked.push(`${r.method()} ${r.url()} ${r.postData() ?? ''}`);
    });
    await fresh.goto(`${pharos.apiUrl}/dashboard?service=shop&from=${from}&to=${to}`);
    await tableComplete(fresh);
    expect(asked.length).toBeGreaterThan(8);
    expect(asked.filter((a, i) => asked.indexOf(a) !== i)).toEqual([]);
    await fresh.close();
  });

  it('sorts the table by a column header', async () => {
    const table = page.getByRole('region', { name: 'Endpoints' });
    await table.getByRole('button', { name: /^p99/ }).click();
    expect(await table.getByRole('columnheader', { name: /^p99/ }).getAttribute('aria-sort')).toBe('descending');
    const p99 = (await tableFigures(page)).map((r) => r.p99).filter((v) => !Number.isNaN(v));
    expect(p99).toEqual([...p99].sort((a, b) => b - a));
    await table.getByRole('button', { name: /^Route/ }).click();
    const routes = (await tableFigures(page)).map((r) => r.route);
    expect(routes).toEqual([...routes].sort((a, b) => a.localeCompare(b)));
  });

  it('filters every panel by a route when its row is clicked, and keeps it in the URL', async () => {
    await page.getByRole('region', { name: 'Endpoints' }).getByRole('button', { name: '/products GET' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('route')).toBe('/products');
    const rate = page.getByRole('region', { name: 'Requests per second by route' });
    await expect.poll(() => rate.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['GET /products']);
    const latency = page.getByRole('region', { name: 'Latency p50 / p95 / p99 by route' });
    await expect.poll(() => latency.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['p50 /products', 'p95 /products', 'p99 /products']);
    // A shared link opens the same view.
    const shared = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await shared.goto(page.url());
    await expect.poll(() => shared.getByRole('region', { name: 'Requests per second by route' }).locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['GET /products']);
    expect(await shared.getByLabel('Route filter (regex)').inputValue()).toBe('/products');
    await shared.close();
    await page.getByRole('button', { name: 'Show all routes' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('route')).toBeNull();
  });

  it('recognises the older convention (ms, http_target), says so and shows seconds', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=legacy&from=${from}&to=${to}`);
    await expect.poll(() => page.locator('.convention').textContent(), { timeout: 15_000 }).toContain('older HTTP semantic conventions');
    expect(await page.locator('.convention').textContent()).toContain('http_target');
    await tableComplete(page);
    const rows = await tableFigures(page);
    expect(rows.map((r) => `${r.method} ${r.route}`).sort()).toEqual(['GET /legacy/items', 'POST /legacy/orders']);
    // The same figures from the older names, in ms, converted here.
    const by = 'http_method, http_target';
    const count = (extra = '') => `sum by (${by}) (rate(http_server_duration_milliseconds_count{service_name="legacy"${extra}}[300s]))`;
    const ms = (q: number) => `histogram_quantile(${q}, sum by (le, ${by}) (rate(http_server_duration_milliseconds_bucket{service_name="legacy"}[300s])))`;
    const answer = async (q: string) => new Map((await apiQuery(q, to)).map((s) => [s.metric.http_target, Number(s.value[1])]));
    const [rate, errors, p50, p99] = await Promise.all([count(), count(', http_status_code=~"5.."'), ms(0.5), ms(0.99)].map(answer));
    for (const r of rows) {
      expectSame(r.rate, rate.get(r.route)!, `${r.route} req/s`);
      expectSame(r.errorRatio, (errors.get(r.route) ?? 0) / rate.get(r.route)!, `${r.route} error ratio`);
      expectSame(r.p50, p50.get(r.route)! / 1000, `${r.route} p50`);
      expectSame(r.p99, p99.get(r.route)! / 1000, `${r.route} p99`);
    }
    // Recorded 20…200 ms and 400…600 ms: in seconds, not milliseconds.
    const items = rows.find((r) => r.route === '/legacy/items')!;
    expect(items.p50).toBeGreaterThan(0.01);
    expect(items.p50).toBeLessThan(0.3);
    expect(rows.find((r) => r.route === '/legacy/orders')!.errorRatio).toBeGreaterThan(0);
    const errorsPanel = page.getByRole('region', { name: 'Errors per second by status code' });
    await expect.poll(() => errorsPanel.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['503 (5xx server error)']);
    // This service records body sizes (http_server_{request,response}_size_bytes): both medians are drawn.
    const body = page.getByRole('region', { name: 'Request / response body size (median)' });
    await expect.poll(() => body.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['request body (median)', 'response body (median)']);
    await page.screenshot({ path: join(SHOTS, 'dashboard-older-convention.png'), fullPage: true });
  });

  it('reads the stable names of a service that sends both, and says it also sends the older ones', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=dual&from=${from}&to=${to}`);
    // The note on the older names comes once the view is drawn (it costs a lookup of its own).
    await expect.poll(() => page.locator('.convention').textContent(), { timeout: 15_000 }).toContain('It also sends the older names (http_server_duration_milliseconds); the dashboard reads the stable ones.');
    expect(await page.locator('.convention').textContent()).toContain('stable HTTP semantic conventions');
    await tableComplete(page);
    const rows = await tableFigures(page);
    expect(rows.map(rowName)).toEqual(['/dual GET']);
    // 0.03 s in the (0.025, 0.05] bucket of the stable histogram: a p50 in seconds, from the stable names.
    expect(rows[0].p50).toBeGreaterThan(0.025);
    expect(rows[0].p50).toBeLessThanOrEqual(0.05);
  });

  it('renders only the rows in view of a long endpoint table, and every row shows the API\'s numbers once scrolled to', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=wide&from=${from}&to=${to}`);
    const table = await tableComplete(page);
    const grid = table.getByRole('table', { name: 'Endpoints' });
    // Assistive technology is told the whole table's size (header row included), not the rendered part.
    expect(Number(await grid.getAttribute('aria-rowcount'))).toBe(WIDE_ROUTES + 1);
    expect((await tableFigures(page)).length).toBeLessThan(WIDE_ROUTES / 2);
    const sel = '{service_name="wide"}';
    const by = 'http_request_method, http_route';
    const key = (m: Record<string, string>) => `${m.http_request_method} ${m.http_route}`;
    const answer = async (q: string) => new Map((await apiQuery(q, to)).map((s) => [key(s.metric), Number(s.value[1])]));
    const count = (extra = '') => `sum by (${by}) (rate(http_server_request_duration_seconds_count{service_name="wide"${extra}}[300s]))`;
    const quantile = (q: number) => `histogram_quantile(${q}, sum by (le, ${by}) (rate(http_server_request_duration_seconds_bucket${sel}[300s])))`;
    const [rate, errorRatio, p50, p99] = await Promise.all([count(), `${count(', http_response_status_code=~"5.."')} / ${count()}`, quantile(0.5), quantile(0.99)].map(answer));
    expect(rate.size).toBe(WIDE_ROUTES);
    // Scrolled a box at a time from top to bottom, the rendered rows cover every endpoint, in
    // their places (aria-rowindex) of the sort by req/s, each with the API's figures.
    const box = table.locator('.table-scroll');
    const seen = new Map<number, { key: string; rate: number }>();
    for (let top = 0; ; ) {
      await box.evaluate((e, t) => (e.scrollTop = t), top);
      await afterFrames(page);
      const indices = await table.locator('tbody tr[data-route]').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('aria-rowindex'))));
      const rows = await tableFigures(page);
      // Consecutive rows, besides the one in the tab order (the first, here), which stays rendered.
      const inView = indices.filter((x) => x !== 2);
      expect(inView).toEqual(inView.map((_, i) => inView[0] + i));
      rows.forEach((r, i) => {
        const k = `${r.method} ${r.route}`;
        expectSame(r.rate, rate.get(k)!, `${k} req/s`);
        expectSame(r.errorRatio, errorRatio.get(k) ?? 0, `${k} error ratio`);
        expectSame(r.p50, p50.get(k)!, `${k} p50`);
        expectSame(r.p99, p99.get(k)!, `${k} p99`);
        seen.set(indices[i], { key: k, rate: r.rate });
      });
      const { scrollTop, clientHeight, scrollHeight } = await box.evaluate((e) => ({ scrollTop: e.scrollTop, clientHeight: e.clientHeight, scrollHeight: e.scrollHeight }));
      if (scrollTop + clientHeight >= scrollHeight - 1) break;
      top = scrollTop + clientHeight;
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: WIDE_ROUTES }, (_, i) => i + 2));
    expect(new Set([...seen.values()].map((v) => v.key)).size).toBe(WIDE_ROUTES);
    const byPlace = [...seen].sort((a, b) => a[0] - b[0]).map(([, v]) => v.rate);
    expect(byPlace).toEqual([...byPlace].sort((a, b) => b - a));
    // The keyboard reaches rows that were not rendered: End focuses the last one, Home the first.
    await box.evaluate((e) => (e.scrollTop = 0));
    await afterFrames(page);
    await table.locator('tbody button[tabindex="0"]').focus();
    await page.keyboard.press('End');
    expect(await page.locator(':focus').evaluate((e) => e.closest('tr')!.getAttribute('aria-rowindex'))).toBe(String(WIDE_ROUTES + 1));
    const last = seen.get(WIDE_ROUTES + 1)!.key;
    expect(await focused(page)).toEqual({ role: 'button', name: `${last.slice(last.indexOf(' ') + 1)} ${last.slice(0, last.indexOf(' '))}` });
    await page.keyboard.press('Home');
    expect(await page.locator(':focus').evaluate((e) => e.closest('tr')!.getAttribute('aria-rowindex'))).toBe('2');
    expect(await table.locator('tbody button[tabindex="0"]').count()).toBe(1);
    // Scrolled away (the wheel, not the keys), the focused row stays in the document, and focused.
    await box.evaluate((e) => (e.scrollTop = e.scrollHeight));
    await afterFrames(page);
    expect(await page.locator(':focus').evaluate((e) => e.closest('tr')!.getAttribute('aria-rowindex'))).toBe('2');
    expect(await table.locator('tbody tr[data-route]').last().getAttribute('aria-rowindex')).toBe(String(WIDE_ROUTES + 1));
  });

  it('sets a custom range with the picker, and follows Back to the previous one', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=shop&range=300`);
    await tableComplete(page);
    await page.getByLabel('Time range', { exact: true }).selectOption('900');
    await expect.poll(() => new URL(page.url()).searchParams.get('range')).toBe('900');
    await page.getByLabel('Time range', { exact: true }).selectOption('custom');
    // datetime-local takes local time, as the picker shows it.
    const local = (t: number) => {
      const d = new Date(t * 1000);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    };
    await page.getByLabel('From', { exact: true }).fill(local(from));
    await page.getByLabel('To', { exact: true }).fill(local(to));
    await page.getByRole('button', { name: 'Apply range' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toBe(String(from));
    expect(new URL(page.url()).searchParams.get('to')).toBe(String(to));
    expect(new URL(page.url()).searchParams.get('range')).toBeNull();
    expect(Number(await (await tableComplete(page)).getAttribute('data-time'))).toBe(to);
    await page.goBack();
    await expect.poll(() => page.getByLabel('Time range', { exact: true }).inputValue()).toBe('900');
    expect(new URL(page.url()).searchParams.get('from')).toBeNull();
  });

  it('refreshes by itself when auto-refresh is on, and keeps the setting in the URL', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=shop&range=300`);
    await tableComplete(page);
    const ends: number[] = [];
    const onRequest = (r: { url(): string; postData(): string | null }) => {
      if (r.url().endsWith('/api/v1/query_range')) ends.push(Number(new URLSearchParams(r.postData() ?? '').get('end')));
    };
    page.on('request', onRequest);
    try {
      await page.getByLabel('Auto-refresh', { exact: true }).selectOption('10');
      expect(new URL(page.url()).searchParams.get('refresh')).toBe('10');
      const before = Math.floor(Date.now() / 1000);
      // Within one period and a bit, the panels ask again, for a window that ends later.
      await expect.poll(() => ends.filter((e) => e >= before + 9).length, { timeout: 15_000, interval: 250 }).toBeGreaterThan(0);
    } finally {
      page.off('request', onRequest);
    }
    await page.getByLabel('Auto-refresh', { exact: true }).selectOption('0');
    expect(new URL(page.url()).searchParams.get('refresh')).toBeNull();
  });
});

describe('keyboard and accessibility', () => {
  it('walks the controls in reading order with Tab, each with its name, down to the table as one stop', async () => {
    // A relative range: a custom one adds the From/To date fields (and Chromium's spin buttons in them) after the range.
    await page.goto(`${pharos.apiUrl}/dashboard?service=shop&range=300`);
    await tableComplete(page);
    const [first] = await tableFigures(page);
    const panels = ['Requests per second by route', 'Errors per second by status code', 'Error ratio (5xx)', 'Latency p50 / p95 / p99 by route', 'Active requests', 'Request / response body size (median)'];
    const walk = (await tabWalk(page, 23)).map((f) => (f ? `${f.role} ${f.name}` : 'nothing'));
    expect(walk.slice(0, 22)).toEqual([
      'link Dashboard',
      'link Explore',
      'link Pipeline',
      'combobox Service',
      'combobox Time range',
      'combobox Auto-refresh',
      'textbox Route filter (regex)',
      'button Refresh now',
      ...panels.map((t) => `link Open the query of "${t}" in Explore`),
      ...['Route', 'Method', 'Req/s', 'Error %', 'p50', 'p95', 'p99'].map((c) => `button ${c}`),
      // The rows are one tab stop: the first (busiest) row's button, named by route, then method.
      `button ${rowName(first)}`,
    ]);
    // The next Tab leaves the table rather than walking its other rows.
    expect(walk[22]).not.toMatch(/^button \/.* (GET|POST)$/);
  });

  it('moves between table rows with the arrow keys and selects one with Enter', async () => {
    const table = page.getByRole('region', { name: 'Endpoints' });
    // The rows are one tab stop: the first row's button is the only one in the tab order.
    expect(await table.locator('tbody button[tabindex="0"]').count()).toBe(1);
    // Back from after the table (where the walk above ended) onto that row.
    await page.keyboard.press('Shift+Tab');
    const [first, second] = await tableFigures(page);
    expect(await focused(page)).toEqual({ role: 'button', name: rowName(first) });
    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toEqual({ role: 'button', name: rowName(second) });
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('route')).toBe(second.route === '' ? '(?:)' : second.route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    expect(await page.locator(':focus').getAttribute('aria-pressed')).toBe('true');
    // Selected is said in words (aria-pressed) and by a check mark, besides the row's colour.
    expect(await page.locator(':focus .selected-mark').textContent()).toBe('✓ ');
  });

  it('gives every control on every page an accessible name', async () => {
    // Besides the three page links: the dashboard's selects, filter, panel links, sort and row buttons; Explore's editor and tabs.
    const atLeast = { [`/dashboard?service=shop&from=${from}&to=${to}`]: 20, '/explore?q=up&view=table': 7, '/pipeline': 3 };
    for (const [path, min] of Object.entries(atLeast)) {
      await page.goto(`${pharos.apiUrl}${path}`);
      await page.waitForLoadState('networkidle');
      const all = await controls(page);
      expect(all.length, path).toBeGreaterThanOrEqual(min);
      expect(all.filter((c) => c.name === ''), path).toEqual([]);
    }
  });

  it('tells status classes apart by text and line pattern, not colour alone', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?service=shop&from=${from}&to=${to}`);
    const errors = page.getByRole('region', { name: 'Errors per second by status code' });
    const notFound = errors.locator('.legend-list li', { hasText: '404' });
    await expect.poll(() => notFound.textContent(), { timeout: 15_000 }).toBe('404 (4xx client error)');
    // 4xx lines are dashed, 5xx solid; the note under the title says so in words.
    expect(await notFound.locator('line').getAttribute('stroke-dasharray')).toMatch(/\d/);
    expect(await errors.locator('.panel-note').textContent()).toMatch(/Solid lines: 5xx.*dashed: 4xx/);
  });
});

describe('explore', () => {
  it('completes metric names from the API in the PromQL editor', async () => {
    await page.goto(`${pharos.apiUrl}/explore`);
    const editor = page.getByRole('textbox', { name: 'PromQL expression' });
    await editor.click();
    await page.keyboard.type('http_server_request_dur');
    await page.keyboard.press('Control+Space');
    await expect.poll(() => page.getByRole('listbox').getByRole('option').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('http_server_request_duration_seconds_count')]));
    await page.screenshot({ path: join(SHOTS, 'explore-completion.png') });
    await page.keyboard.press('Escape');
  });

  it('completes label names, label values and functions too', async () => {
    await page.goto(`${pharos.apiUrl}/explore`);
    await page.getByRole('textbox', { name: 'PromQL expression' }).click();
    const options = () => page.getByRole('listbox').getByRole('option').allTextContents();
    await page.keyboard.type('histogram_qua');
    await page.keyboard.press('Control+Space');
    await expect.poll(options, { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('histogram_quantile')]));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('http_server_request_duration_seconds_count{http_r');
    await page.keyboard.press('Control+Space');
    await expect.poll(options, { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('http_route'), expect.stringContaining('http_request_method')]));
    await page.keyboard.press('Escape');
    await page.keyboard.type('oute="');
    await page.keyboard.press('Control+Space');
    await expect.poll(options, { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('/products'), expect.stringContaining('/users/:id')]));
    await page.keyboard.press('Escape');
  });

  it('runs a typed query as a table, and keeps it in the URL', async () => {
    await page.goto(`${pharos.apiUrl}/explore`);
    const editor = page.getByRole('textbox', { name: 'PromQL expression' });
    await editor.click();
    await page.keyboard.type('sum by (http_route) (rate(http_server_request_duration_seconds_count{service_name="shop"}[1m]))');
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: 'Table' }).click();
    const rows = page.getByRole('table', { name: 'Query result' }).locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(await rows.first().textContent()).toContain('http_route=');
    expect(new URL(page.url()).searchParams.get('q')).toContain('sum by (http_route)');
    expect(new URL(page.url()).searchParams.get('view')).toBe('table');
    await page.screenshot({ path: join(SHOTS, 'explore-table.png'), fullPage: true });
    // A range selector answers a matrix at one instant: each series with its samples, "value @time".
    await page.goto(`${pharos.apiUrl}/explore?view=table&q=${encodeURIComponent('http_server_request_duration_seconds_count{service_name="shop", http_route="/products"}[5m]')}`);
    const cell = page.getByRole('table', { name: 'Query result' }).locator('tbody tr td.value').first();
    await expect.poll(() => cell.textContent(), { timeout: 15_000 }).toMatch(/^\d+(\.\d+)? @\d+(\.\d+)?/);
  });

  it('draws a graph with a legend of the series', async () => {
    const q = 'sum by (http_route) (rate(http_server_request_duration_seconds_count{service_name="shop"}[1m]))';
    await page.goto(`${pharos.apiUrl}/explore?q=${encodeURIComponent(q)}&range=300`);
    const legend = page.locator('.legend-list li');
    await expect.poll(() => legend.allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['{http_route="/products"}']));
    expect(await page.locator('canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'explore-graph.png'), fullPage: true });
  });

  it('shows a parse error at its position', async () => {
    await page.goto(`${pharos.apiUrl}/explore?view=table&q=${encodeURIComponent('sum(rate(x[5m])')}`);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toMatch(/parse error.*\(line 1, column \d+\)/);
    const col = Number(/column (\d+)/.exec((await alert.textContent())!)![1]);
    // The excerpt puts a caret under that column, and the editor underlines it.
    expect((await page.locator('.error-excerpt').textContent())!.split('\n')[1]).toBe(`${' '.repeat(col - 1)}^`);
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'explore-error.png'), fullPage: true });
  });
});

describe('pipeline', () => {
  it('lists the receivers, the scrape targets with health and last error, and the services pushing', async () => {
    await page.goto(`${pharos.apiUrl}/pipeline`);
    const receivers = page.getByRole('region', { name: 'Receivers' });
    await expect.poll(async () => Number(await receivers.locator('tr[data-protocol="grpc"] td[data-column="points"]').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => Number(await receivers.locator('tr[data-protocol="http/json"] td[data-column="points"]').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);

    const targets = page.getByRole('region', { name: 'Scrape targets' });
    const self = targets.locator('tr[data-job="pharos"]');
    await expect.poll(() => self.locator('td[data-column="health"]').textContent(), { timeout: 15_000 }).toBe('✓ up');
    expect(await self.getAttribute('data-url')).toBe(`http://127.0.0.1:${pharos.apiPort}/metrics`);
    expect(await self.locator('td[data-column="error"]').textContent()).toBe('none');
    // From the scrape's report series: samples in the last body, and kept after relabelling.
    await expect.poll(async () => Number((await self.locator('td[data-column="samples"]').textContent())!.split(' / ')[0]), { timeout: 15_000 }).toBeGreaterThan(0);
    const offline = targets.locator('tr[data-job="offline"]');
    await expect.poll(() => offline.locator('td[data-column="health"]').textContent(), { timeout: 15_000 }).toBe('✕ down');
    // The page shows the error the API reports for that target.
    const api = (await (await fetch(`${pharos.apiUrl}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ scrapePool: string; lastError: string }> } };
    const apiError = api.data.activeTargets.find((t) => t.scrapePool === 'offline')!.lastError;
    expect(apiError).not.toBe('');
    await expect.poll(() => offline.locator('td[data-column="error"]').textContent(), { timeout: 15_000 }).not.toBe('none');

    const services = page.getByRole('region', { name: 'Services pushing metrics' });
    await expect.poll(() => services.locator('tbody th').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['shop', 'legacy']));
    // legacy stopped exporting: its last push is fixed, and the page shows the API's time for it.
    const pushes = await apiQuery('max by (service_name, service_namespace, job) (timestamp(target_info))', Date.now() / 1000);
    const legacyPush = pushes.find((p) => (p.metric.service_name ?? p.metric.job) === 'legacy')!;
    const legacyAt = services.locator('tr[data-service="legacy"] time');
    expect(await legacyAt.getAttribute('datetime')).toBe(new Date(Number(legacyPush.value[1]) * 1000).toISOString());
    expect(await legacyAt.textContent()).toMatch(/^\d+ (s|min) ago$/);
    await page.screenshot({ path: join(SHOTS, 'pipeline.png'), fullPage: true });
  });

  it('counts a rejected point under its receiver with the reason, as Pharos\' own /metrics does', async () => {
    // One OTLP/HTTP JSON export with a good gauge point and one without a value (rejected: missing_value).
    const now = `${BigInt(Date.now()) * 1_000_000n}`;
    const body = {
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rejects' } }] },
        scopeMetrics: [{ metrics: [{ name: 'ui.test.gauge', gauge: { dataPoints: [{ timeUnixNano: now, asDouble: 1 }, { timeUnixNano: now, attributes: [{ key: 'k', value: { stringValue: 'v' } }] }] } }] }],
      }],
    };
    const r = await fetch(`${pharos.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status).toBe(200);
    expect(String(((await r.json()) as { partialSuccess?: { rejectedDataPoints?: string | number } }).partialSuccess?.rejectedDataPoints)).toBe('1');
    const self = async (name: string) => {
      const text = await (await fetch(`${pharos.apiUrl}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes('protocol="http/json"')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    };
    const rejected = await self('pharos_receiver_points_rejected_total');
    expect(rejected).toBeGreaterThanOrEqual(1);
    // The http/json senders are done now (legacy stopped), so the figures hold still.
    const received = await self('pharos_receiver_points_received_total');
    await page.goto(`${pharos.apiUrl}/pipeline`);
    const row = page.getByRole('region', { name: 'Receivers' }).locator('tr[data-protocol="http/json"]');
    await expect.poll(async () => Number((await row.locator('td[data-column="rejected"]').textContent())!.replace('⚠ ', '')), { timeout: 15_000 }).toBe(rejected);
    expect(Number(await row.locator('td[data-column="points"]').textContent())).toBe(received);
    expect(await row.locator('td[data-column="reasons"]').textContent()).toBe(`missing_value: ${rejected}`);
    // A warning sign besides the number, so a rejection does not rely on colour either.
    expect(await row.locator('td[data-column="rejected"]').textContent()).toMatch(/^⚠ \d+$/);
  });

  it('shows the store\'s figures as /api/v1/status/tsdb reports them', async () => {
    const status = async () => ((await (await fetch(`${pharos.apiUrl}/api/v1/status/tsdb`)).json()) as { data: { headStats: { numSeries: number; numSamples?: number; walBytes?: number } } }).data.headStats;
    const figure = (name: string) => page.locator(`[data-figure="${name}"]`).textContent();
    // Series change as scrapes and exports add them: the page's figure catches up with a fresh answer within a refresh.
    await expect.poll(async () => Number(await figure('series')) === (await status()).numSeries, { timeout: 25_000, interval: 1000 }).toBe(true);
    const head = await status();
    // Samples and WAL size are Pharos' additions to Prometheus' headStats: this Pharos reports both.
    expect(head.numSamples).toBeGreaterThan(0);
    expect(Number(await figure('samples'))).toBeGreaterThan(0);
    expect(head.walBytes).toBeGreaterThan(0);
    expect(await figure('wal')).toMatch(/^\d+\.\d+ (KiB|MiB|GiB)$/);
  });
});
