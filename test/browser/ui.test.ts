/**
 * The web UI in real Chromium (Debian's, driven by playwright-core): Pharos fed by the example
 * Express service (stable HTTP semconv over OTLP/gRPC) and by a service on the older conventions
 * (http.server.duration in ms with http.target, from the OTel SDK over OTLP/HTTP JSON), scraping
 * its own /metrics and a target that is down. Each page is opened and screenshotted under
 * test-results/ui/; the endpoint table is compared figure by figure with the API's answers.
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
import { controls, launchChromium, SHOTS, tabWalk } from './chromium.ts';

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

/** The endpoint table's figures as the page holds them (data-value: the unrounded numbers). */
async function tableFigures(p: Page): Promise<Array<{ route: string; method: string } & Record<'rate' | 'errorRatio' | 'p50' | 'p95' | 'p99', number>>> {
  return p.getByRole('region', { name: 'Endpoints' }).locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const v = (k: string) => Number(tr.querySelector(`td[data-column="${k}"]`)!.getAttribute('data-value'));
      return { route: tr.getAttribute('data-route')!, method: tr.getAttribute('data-method')!, rate: v('rate'), errorRatio: v('errorRatio'), p50: v('p50'), p95: v('p95'), p99: v('p99') };
    }),
  );
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
  const duration = provider.getMeter('legacy-http').createHistogram('http.server.duration', { unit: 'ms' });
  let i = 0;
  return {
    record: () => {
      for (let k = 0; k < 5; k++, i++) {
        duration.record(20 + (i % 7) * 30, { 'http.method': 'GET', 'http.target': '/legacy/items', 'http.status_code': 200, 'http.scheme': 'http' });
        duration.record(400 + (i % 3) * 100, { 'http.method': 'POST', 'http.target': '/legacy/orders', 'http.status_code': i % 4 === 0 ? 503 : 201, 'http.scheme': 'http' });
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
  // Traffic over several export intervals, so rates have several points per series.
  for (let round = 0; round < 4; round++) {
    for (const path of ['/products', '/users/1', '/users/2', '/missing', '/checkout', '/users/999']) await fetch(base + path).catch(() => undefined);
    legacy.record();
    await new Promise((r) => setTimeout(r, 1000));
  }
  await legacy.stop();
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
    await expect.poll(() => page.getByLabel('Service').inputValue(), { timeout: 15_000 }).toMatch(/^(shop|legacy)$/);
    await page.getByLabel('Service').selectOption('shop');
    const rate = page.getByRole('region', { name: 'Requests per second by route' });
    await expect.poll(() => rate.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['GET /products', 'GET /users/:id', 'GET /checkout']));
    const latency = page.getByRole('region', { name: 'Latency p50 / p95 / p99 by route' });
    await expect.poll(() => latency.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['p50 /products', 'p95 /products', 'p99 /products']));
    const errors = page.getByRole('region', { name: 'Errors per second by status code' });
    await expect.poll(() => errors.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['404 (4xx client error)']));
    const active = page.getByRole('region', { name: 'Active requests' });
    await expect.poll(() => active.locator('.legend-list li').count(), { timeout: 15_000 }).toBeGreaterThan(0);
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
    const [rate, errorRatio, p50, p95, p99] = (await table.getAttribute('data-queries'))!.split('\n');
    const time = Number(await table.getAttribute('data-time'));
    expect(time).toBe(to);
    const rows = await tableFigures(page);
    expect(rows.map((r) => `${r.method} ${r.route}`)).toEqual(expect.arrayContaining(['GET /products', 'GET /users/:id', 'GET /checkout']));
    // Requests that matched no route (the 404s of unknown paths) have no http_route: the table's '' row.
    const key = (m: Record<string, string>) => `${m.http_request_method} ${m.http_route ?? ''}`;
    const answers = await Promise.all([rate, errorRatio, p50, p95, p99].map(async (q) => new Map((await apiQuery(q, time)).map((s) => [key(s.metric), Number(s.value[1])]))));
    expect(answers[0].size).toBe(rows.length);
    for (const r of rows) {
      const k = `${r.method} ${r.route}`;
      expect(r.rate, k).toBeGreaterThan(0);
      expectSame(r.rate, answers[0].get(k)!, `${k} req/s`);
      // The ratio query has no series for endpoints without 5xx; the table shows 0 there.
      expectSame(r.errorRatio, answers[1].get(k) ?? 0, `${k} error ratio`);
      expectSame(r.p50, answers[2].get(k)!, `${k} p50`);
      expectSame(r.p95, answers[3].get(k)!, `${k} p95`);
      expectSame(r.p99, answers[4].get(k)!, `${k} p99`);
    }
    // What the cells say is the same figure, rounded.
    const products = rows.find((r) => r.route === '/products')!;
    expect(await table.locator('tr[data-route="/products"] td[data-column="rate"]').textContent()).toBe(products.rate.toFixed(3));
    expect(await table.locator('tr[data-route="/products"] td[data-column="p50"]').textContent()).toBe(`${(products.p50 * 1000).toFixed(1)} ms`);
    await page.screenshot({ path: join(SHOTS, 'dashboard-fixed-range.png'), fullPage: true });
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
    const table = await tableComplete(page);
    const [, , p50] = (await table.getAttribute('data-queries'))!.split('\n');
    expect(p50).toContain('http_server_duration_milliseconds_bucket');
    const rows = await tableFigures(page);
    expect(rows.map((r) => `${r.method} ${r.route}`).sort()).toEqual(['GET /legacy/items', 'POST /legacy/orders']);
    const answer = new Map((await apiQuery(p50, to)).map((s) => [s.metric.http_target, Number(s.value[1])]));
    for (const r of rows) expectSame(r.p50, answer.get(r.route)!, `${r.route} p50`);
    // Recorded 20…200 ms and 400…600 ms: in seconds, not milliseconds.
    const items = rows.find((r) => r.route === '/legacy/items')!;
    expect(items.p50).toBeGreaterThan(0.01);
    expect(items.p50).toBeLessThan(0.3);
    expect(rows.find((r) => r.route === '/legacy/orders')!.errorRatio).toBeGreaterThan(0);
    const errors = page.getByRole('region', { name: 'Errors per second by status code' });
    await expect.poll(() => errors.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['503 (5xx server error)']);
    await page.screenshot({ path: join(SHOTS, 'dashboard-older-convention.png'), fullPage: true });
  });
});

describe('keyboard and accessibility', () => {
  it('walks the controls in reading order with Tab, each with its name', async () => {
    // A relative range: a custom one adds the From/To date fields (and Chromium's spin buttons in them) after the range.
    await page.goto(`${pharos.apiUrl}/dashboard?service=shop&range=300`);
    await tableComplete(page);
    const walk = await tabWalk(page, 9);
    expect(walk.map((f) => (f ? `${f.role} ${f.name}` : 'nothing'))).toEqual([
      'link Dashboard',
      'link Explore',
      'link Pipeline',
      'combobox Service',
      'combobox Time range',
      'combobox Auto-refresh',
      'textbox Route filter (regex)',
      'button Refresh now',
      'link Open the query of "Requests per second by route" in Explore',
    ]);
  });

  it('moves between table rows with the arrow keys and selects one with Enter', async () => {
    const table = page.getByRole('region', { name: 'Endpoints' });
    // The rows are one tab stop: the first row's button is the only one in the tab order.
    const tabbable = await table.locator('tbody button[tabindex="0"]').count();
    expect(tabbable).toBe(1);
    await table.locator('tbody button[tabindex="0"]').focus();
    const focusedRoute = () => page.locator(':focus').evaluate((el) => el.closest('tr')?.getAttribute('data-route'));
    const first = await focusedRoute();
    await page.keyboard.press('ArrowDown');
    const second = await focusedRoute();
    expect(second).not.toBe(first);
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('route')).toBe(second!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    expect(await page.locator(':focus').getAttribute('aria-pressed')).toBe('true');
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
    const series = Number(await page.locator('[data-figure="series"]').textContent());
    expect(series).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'pipeline.png'), fullPage: true });
  });
});
