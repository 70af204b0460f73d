/**
 * /api/v1/status/tsdb over the embedded store against Prometheus 2.42's answer for the same eight
 * series (testdata/status-tsdb.*.json: what the Debian binary scraped from a three-line exposition
 * and answered), plus the `limit` parameter of newer Prometheus versions.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { openDb, type Db } from '../../tsdb/index.ts';
import { createApiHandler } from './index.ts';

type Entry = { name: string; value: number };
interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number; numSamples?: number; walBytes?: number };
  seriesCountByMetricName: Entry[];
  labelValueCountByLabelName: Entry[];
  memoryInBytesByLabelName: Entry[];
  seriesCountByLabelValuePair: Entry[];
}
const LISTS = ['seriesCountByMetricName', 'labelValueCountByLabelName', 'memoryInBytesByLabelName', 'seriesCountByLabelValuePair'] as const;

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));
const prometheus: TsdbStatus = fixture('status-tsdb.prometheus-2.42.json').data;
const series: Array<Record<string, string>> = fixture('status-tsdb.series.json');

const T = 1_700_000_000_000;
let db: Db;
let empty: Db;
const servers: Server[] = [];
let base: string;
let emptyBase: string;

async function serve(store: Db): Promise<string> {
  const handler = createApiHandler({ queryable: store, registry: new Registry(), ready: () => true, version: 'test', status: { settings: new Map(), flagNames: new Map(), startTime: new Date(), tsdb: (limit) => store.cardinality(limit) } });
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-status-')), now: () => T });
  const a = db.appender();
  for (const s of series) for (let i = 0; i < 3; i++) a.append(0, labelsFrom(s), T - 2000 + i * 1000, 1);
  await a.commit();
  empty = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-status-')), now: () => T });
  base = await serve(db);
  emptyBase = await serve(empty);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await db.close();
  await empty.close();
});

async function status(url: string): Promise<{ code: number; body: { status: string; data: TsdbStatus; error?: string } }> {
  const r = await fetch(url);
  return { code: r.status, body: (await r.json()) as { status: string; data: TsdbStatus; error?: string } };
}

describe('/api/v1/status/tsdb', () => {
  it("matches Prometheus' answer for the same series: head figures and the top 10 of each list", async () => {
    const { code, body } = await status(`${base}/api/v1/status/tsdb`);
    expect(code).toBe(200);
    const d = body.data;
    expect(Object.keys(d)).toEqual(Object.keys(prometheus));
    expect(Object.keys(d.headStats).slice(0, 5)).toEqual(Object.keys(prometheus.headStats));
    expect(d.headStats).toMatchObject({ numSeries: prometheus.headStats.numSeries, numLabelPairs: prometheus.headStats.numLabelPairs, minTime: T - 2000, maxTime: T, numSamples: 24 });
    expect(d.headStats.chunkCount).toBe(8); // one open chunk a series (Prometheus had 56 after 13 minutes)
    expect(d.headStats.walBytes).toBeGreaterThan(0);
    for (const list of LISTS) {
      const ours = d[list];
      const theirs = prometheus[list];
      expect(ours.map((e) => e.value), list).toEqual(theirs.map((e) => e.value));
      // Prometheus orders ties as its heap leaves them; above the cut-off value both hold the same names.
      const cut = theirs[theirs.length - 1].value;
      const named = (l: Entry[]) => l.filter((e) => e.value > cut || theirs.length < 10).map((e) => `${e.name}=${e.value}`).sort();
      expect(named(ours), list).toEqual(named(theirs));
      // Ties are ordered by name.
      expect(ours).toEqual([...ours].sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)));
    }
  });

  it.each([
    ['limit=2', 2],
    ['limit=1000', 12],
  ])('takes %s', async (q, n) => {
    const { body } = await status(`${base}/api/v1/status/tsdb?${q}`);
    expect(body.data.seriesCountByLabelValuePair).toHaveLength(n);
    expect(body.data.seriesCountByMetricName).toHaveLength(Math.min(n, 7));
    expect(body.data.seriesCountByLabelValuePair.slice(0, 2)).toEqual([{ name: 'instance=127.0.0.1:19399', value: 8 }, { name: 'job=j', value: 8 }]);
  });

  it.each(['limit=0', 'limit=-1', 'limit=x'])('refuses %s', async (q) => {
    const { code, body } = await status(`${base}/api/v1/status/tsdb?${q}`);
    expect([code, body.error]).toEqual([400, 'limit must be a positive number']);
  });

  it('reports an empty head with zero times and empty lists', async () => {
    const { body } = await status(`${emptyBase}/api/v1/status/tsdb`);
    expect(body.data).toEqual({
      headStats: { numSeries: 0, numLabelPairs: 0, chunkCount: 0, minTime: 0, maxTime: 0, numSamples: 0, walBytes: 0 },
      seriesCountByMetricName: [],
      labelValueCountByLabelName: [],
      memoryInBytesByLabelName: [],
      seriesCountByLabelValuePair: [],
    });
  });

  it('counts a deleted series no more', async () => {
    await db.delete(-Infinity, Infinity, new Matcher('=', '__name__', 'b'));
    const { body } = await status(`${base}/api/v1/status/tsdb`);
    expect(body.data.headStats.numSeries).toBe(7);
    expect(body.data.seriesCountByMetricName.map((e) => e.name)).not.toContain('b');
    expect(body.data.seriesCountByLabelValuePair.find((e) => e.name === 'x=1')).toEqual({ name: 'x=1', value: 1 });
  });
});
