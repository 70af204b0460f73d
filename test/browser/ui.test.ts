/**
 * The web UI in real Chromium (Debian's, driven by playwright-core): Pharos fed by the example
 * Express service, each page opened, the dashboard's panels and endpoint table checked against
 * the API's answers to the same queries, screenshots saved under test-results/ui/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, ROOT, startPharosProcess, type PharosProcess } from '../e2e/pharos-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-results', 'ui');

let pharos: PharosProcess;
let app: ChildProcess;
let browser: Browser;
let page: Page;

async function apiQuery(query: string, time: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetch(`${pharos.apiUrl}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: String(time) }) });
  const body = (await r.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.data.result;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package (apt-get install -y chromium)`);
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `npm ci` or `npm run build:web`');
  mkdirSync(SHOTS, { recursive: true });
  pharos = await startPharosProcess();
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
  // Traffic over several export intervals, so rates have two points per series.
  for (let round = 0; round < 4; round++) {
    for (const path of ['/products', '/users/1', '/users/2', '/missing', '/checkout']) await fetch(base + path).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
  }
  await eventually(async () => (await apiQuery('sum(rate(http_server_request_duration_seconds_count{service_name="shop"}[1m]))', Date.now() / 1000)).length > 0, 20_000, 'shop rates');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  app?.kill('SIGTERM');
  await pharos?.stop();
});

describe('dashboard', () => {
  it('shows the service, its routes and status classes, and labels every control', async () => {
    await page.goto(`${pharos.apiUrl}/dashboard?range=300`);
    await expect.poll(() => page.getByLabel('Service').inputValue(), { timeout: 15_000 }).toBe('shop');
    const rate = page.getByRole('region', { name: 'Requests per second by route' });
    await expect.poll(() => rate.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['GET /products', 'GET /users/:id']));
    const errors = page.getByRole('region', { name: 'Errors per second by status code' });
    await expect.poll(() => errors.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(expect.arrayContaining(['404 (4xx client error)']));
    await expect.poll(() => page.locator('canvas').count()).toBeGreaterThan(2);
    for (const label of ['Service', 'Time range', 'Auto-refresh', 'Route filter (regex)']) expect(await page.getByLabel(label).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  });

  it('fills the endpoint table with the numbers the API returns for the same queries', async () => {
    const table = page.getByRole('region', { name: 'Endpoints' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(1);
    const queries = (await table.getAttribute('data-queries'))!.split('\n');
    const url = new URL(page.url());
    expect(url.searchParams.get('service')).toBe('shop');
    const row = table.locator('tbody tr[data-route="/products"]');
    const shown = Number(await row.locator('td[data-column="rate"]').getAttribute('data-value'));
    // The table queried at the end of its window; ask the API the same question at nearly the same time.
    const answer = await apiQuery(queries[0], Date.now() / 1000);
    const products = answer.find((s) => s.metric.http_route === '/products');
    expect(products).toBeDefined();
    expect(shown).toBeGreaterThan(0);
    expect(Math.abs(shown - Number(products!.value[1])) / Number(products!.value[1])).toBeLessThan(0.5);
  });

  it('filters every panel by a route when its row is clicked, and keeps it in the URL', async () => {
    await page.getByRole('region', { name: 'Endpoints' }).getByRole('button', { name: '/products' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('route')).toBe('/products');
    const rate = page.getByRole('region', { name: 'Requests per second by route' });
    await expect.poll(() => rate.locator('.legend-list li').allTextContents(), { timeout: 15_000 }).toEqual(['GET /products']);
  });
});

describe('explore', () => {
  it('runs a query typed into the PromQL editor, as a table', async () => {
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
    await page.screenshot({ path: join(SHOTS, 'explore.png'), fullPage: true });
  });

  it('shows a parse error with its position', async () => {
    await page.goto(`${pharos.apiUrl}/explore?view=table&q=${encodeURIComponent('sum(rate(x[5m])')}`);
    await page.getByRole('button', { name: 'Run query' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/1:\d+: parse error/);
  });
});

describe('pipeline', () => {
  it('lists the receivers with their counts and the services pushing', async () => {
    await page.goto(`${pharos.apiUrl}/pipeline`);
    const grpc = page.getByRole('region', { name: 'Receivers' }).locator('tr[data-protocol="grpc"] td[data-column="points"]');
    await expect.poll(async () => Number(await grpc.textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('region', { name: 'Services' }).textContent(), { timeout: 15_000 }).toContain('shop');
    await page.screenshot({ path: join(SHOTS, 'pipeline.png'), fullPage: true });
  });
});
