/**
 * End to end: the TSDB admin API and /api/v1/status/tsdb of the real process. Off by default,
 * answering as Prometheus does; with --web-enable-admin-api a delete_series takes effect at once
 * and survives SIGKILL and restart; status/tsdb counts what is stored, in Prometheus' shape.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { apiGet, startPharosProcess, type PharosProcess } from './pharos-process.ts';
import { gauge, request } from './otlp-payloads.ts';

const running: PharosProcess[] = [];
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) await p.stop();
});

async function start(extraArgs: string[] = [], dataDir?: string): Promise<PharosProcess> {
  const p = await startPharosProcess({ extraArgs, ...(dataDir ? { dataDir } : {}) });
  running.push(p);
  return p;
}

/** Pushes one gauge point per (service, route) at each of the times. */
async function push(p: PharosProcess, times: number[]): Promise<void> {
  for (const t of times) {
    for (const service of ['checkout', 'search']) {
      const metrics = ['/a', '/b', '/c'].map((route) => gauge('http.inflight', [1], t, { route }));
      const r = await fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request(service, metrics)) });
      expect([r.status, await r.text()]).toEqual([200, '{}']);
    }
  }
}

/** route → seconds relative to `base` of http_inflight samples of `service` in the last 30m of `at`. */
async function stored(p: PharosProcess, service: string, at: number, base: number): Promise<Record<string, number[]>> {
  const body = await apiGet(p, `/api/v1/query?query=${encodeURIComponent(`http_inflight{service_name="${service}"}[30m]`)}&time=${at / 1000}`);
  expect(body.status).toBe('success');
  return Object.fromEntries(body.data.result.map((s: { metric: { route: string }; values: Array<[number]> }) => [s.metric.route, s.values.map(([t]) => Math.round(t - base / 1000))]));
}

/**
 * The head cuts a series' chunk at each 2h boundary (as Prometheus does), so a window that
 * straddles one holds two chunks a series; moves the 11 minutes the test pushes before it.
 */
function startBeforeChunkBoundary(t0: number): number {
  const chunkRange = 2 * 3600_000;
  const boundary = Math.ceil(t0 / chunkRange) * chunkRange;
  return t0 + 10 * 60_000 < boundary ? t0 : boundary - 11 * 60_000;
}

const del = (p: PharosProcess, query: string, method = 'POST') => fetch(`${p.apiUrl}/api/v1/admin/tsdb/delete_series?${query}`, { method });

describe('admin API', () => {
  it('is off by default and answers as Prometheus does', async () => {
    const p = await start();
    for (const path of ['delete_series?match[]=up', 'clean_tombstones']) {
      const r = await fetch(`${p.apiUrl}/api/v1/admin/tsdb/${path}`, { method: 'POST' });
      expect([r.status, await r.json()]).toEqual([500, { status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' }]);
    }
    await p.stop();
  });

  it('deletes a range of some series and all of others; the delete survives SIGKILL and restart', async () => {
    const p = await start(['--web-enable-admin-api']);
    const t0 = startBeforeChunkBoundary(Date.now() - 10 * 60_000);
    const times = Array.from({ length: 10 }, (_, i) => t0 + i * 60_000);
    await push(p, times);
    const all = [0, 60, 120, 180, 240, 300, 360, 420, 480, 540];
    const at = t0 + 9 * 60_000 + 1000;
    expect(await stored(p, 'checkout', at, t0)).toEqual({ '/a': all, '/b': all, '/c': all });

    const range = `match[]=${encodeURIComponent('http_inflight{service_name="checkout",route=~"/a|/b"}')}&start=${(t0 + 60_000) / 1000}&end=${(t0 + 240_000) / 1000}`;
    const r1 = await del(p, range);
    expect([r1.status, await r1.text()]).toEqual([204, '']);
    const r2 = await del(p, `match[]=${encodeURIComponent('{service_name="search",route="/c"}')}`, 'PUT');
    expect(r2.status).toBe(204);
    const cut = [0, 300, 360, 420, 480, 540];
    const wantCheckout = { '/a': cut, '/b': cut, '/c': all };
    const wantSearch = { '/a': all, '/b': all };
    expect(await stored(p, 'checkout', at, t0)).toEqual(wantCheckout);
    expect(await stored(p, 'search', at, t0)).toEqual(wantSearch);

    await p.kill();
    const again = await start(['--web-enable-admin-api'], p.dataDir);
    expect(await stored(again, 'checkout', at, t0)).toEqual(wantCheckout);
    expect(await stored(again, 'search', at, t0)).toEqual(wantSearch);
    // Later samples are kept, even for the series deleted whole.
    await push(again, [t0 + 10 * 60_000]);
    expect((await stored(again, 'search', at + 60_000, t0))['/c']).toEqual([600]);

    const status = await apiGet(again, '/api/v1/status/tsdb?limit=3');
    expect(status.status).toBe('success');
    expect(Object.keys(status.data)).toEqual(['headStats', 'seriesCountByMetricName', 'labelValueCountByLabelName', 'memoryInBytesByLabelName', 'seriesCountByLabelValuePair']);
    expect(status.data.headStats).toMatchObject({ numSeries: 6, minTime: t0, maxTime: t0 + 10 * 60_000, chunkCount: 6 });
    expect(status.data.seriesCountByMetricName).toEqual([{ name: 'http_inflight', value: 6 }]);
    expect(status.data.labelValueCountByLabelName[0]).toEqual({ name: 'route', value: 3 });
    expect(status.data.seriesCountByLabelValuePair).toHaveLength(3);
    const clean = await fetch(`${again.apiUrl}/api/v1/admin/tsdb/clean_tombstones`, { method: 'POST' });
    expect(clean.status).toBe(204);
    await again.stop();
  });
});
