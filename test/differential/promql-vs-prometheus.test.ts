/**
 * Differential test: a few hundred random PromQL queries, generated from a small grammar with a
 * fixed seed, run against Pharos and against the real Prometheus (Debian's 2.42) holding the
 * same data; answers must agree within float tolerance, errors with errors.
 *
 * Prometheus 2.x closes the left end of range windows where 3.x (and Pharos) leave it open, so
 * every sample sits 7 ms off the query grid: no window edge ever lands on a sample.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createApiHandler } from '../../src/api/v1/index.ts';
import { labelsFrom } from '../../src/model/labels.ts';
import { openDb, type Db } from '../../src/tsdb/index.ts';
import { apiQuery, backfill, startPrometheus, type ApiAnswer, type ApiSeries, type PrometheusPeer } from '../peers/prometheus.ts';
import { prng } from '../../src/model/prng.ts';

const T0 = 1_700_000_000; // seconds; the data spans T0 … T0 + 2h
const STEP_S = 15;
const POINTS = 480;
const OFFSET_MS = 7;


interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly series: Array<{ labels: Record<string, string>; values: number[] }>;
}

function dataset(): Family[] {
  const rnd = prng(42);
  const requests: Family = { name: 'http_requests_total', type: 'counter', series: [] };
  for (const job of ['api', 'web']) {
    for (const instance of ['i1', 'i2', 'i3']) {
      for (const code of ['200', '404', '500']) {
        let v = Math.floor(rnd() * 100);
        const values: number[] = [];
        const resetAt = rnd() < 0.3 ? Math.floor(rnd() * POINTS) : -1;
        for (let k = 0; k < POINTS; k++) {
          if (k === resetAt) v = 0;
          v += Math.floor(rnd() * (code === '200' ? 20 : 4));
          values.push(v);
        }
        requests.series.push({ labels: { job, instance, code }, values });
      }
    }
  }
  const buckets: Family = { name: 'http_request_duration_seconds_bucket', type: 'counter', series: [] };
  const bounds = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];
  for (const job of ['api', 'web']) {
    for (const route of ['/a', '/b']) {
      const counts = bounds.map(() => 0);
      const perBound: number[][] = bounds.map(() => []);
      for (let k = 0; k < POINTS; k++) {
        const n = Math.floor(rnd() * 30);
        for (let o = 0; o < n; o++) {
          const x = rnd() * rnd() * 1.5;
          for (let b = 0; b < bounds.length; b++) if (b === bounds.length - 1 || x <= Number(bounds[b])) counts[b]++;
        }
        for (let b = 0; b < bounds.length; b++) perBound[b].push(counts[b]);
      }
      bounds.forEach((le, b) => buckets.series.push({ labels: { job, route, le }, values: perBound[b] }));
    }
  }
  const memory: Family = { name: 'memory_bytes', type: 'gauge', series: [] };
  for (const instance of ['i1', 'i2', 'i3']) {
    let v = 1e9 * (1 + rnd());
    const values: number[] = [];
    for (let k = 0; k < POINTS; k++) {
      v += (rnd() - 0.5) * 1e7;
      values.push(Math.round(v * 1000) / 1000);
    }
    memory.series.push({ labels: { instance, job: 'api' }, values });
  }
  const temperature: Family = { name: 'temperature_celsius', type: 'gauge', series: [] };
  for (const room of ['a', 'b']) {
    let v = rnd() * 10 - 5;
    const values: number[] = [];
    for (let k = 0; k < POINTS; k++) {
      v += rnd() - 0.5;
      values.push(Math.round(v * 100) / 100);
    }
    temperature.series.push({ labels: { room }, values });
  }
  return [requests, buckets, memory, temperature];
}

function openMetricsText(families: Family[]): string {
  let out = '';
  for (const f of families) {
    const family = f.type === 'counter' && f.name.endsWith('_total') ? f.name.slice(0, -'_total'.length) : f.name.replace(/_bucket$/, '');
    out += `# TYPE ${family} ${f.name.endsWith('_bucket') ? 'unknown' : f.type}\n`;
    for (const s of f.series) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',');
      s.values.forEach((v, k) => {
        out += `${f.name}{${labels}} ${v} ${T0 + k * STEP_S}.${String(OFFSET_MS).padStart(3, '0')}\n`;
      });
    }
  }
  return out + '# EOF\n';
}

const METRICS = ['http_requests_total', 'memory_bytes', 'temperature_celsius', 'http_request_duration_seconds_bucket'];
const MATCHERS: Record<string, string[]> = {
  http_requests_total: ['', '{job="api"}', '{code=~"5.."}', '{instance!="i1"}', '{code!~"2.*",job="web"}'],
  memory_bytes: ['', '{instance="i2"}', '{instance=~"i[12]"}'],
  temperature_celsius: ['', '{room="a"}'],
  http_request_duration_seconds_bucket: ['', '{job="web"}', '{route="/a"}'],
};
const RANGE_FUNCS = ['rate', 'increase', 'irate', 'delta', 'idelta', 'deriv', 'changes', 'resets', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time'];
const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group'];
const ELEM_FUNCS = ['abs', 'ceil', 'floor', 'round', 'sqrt', 'ln', 'exp', 'sgn', 'log2', 'timestamp'];
const RANGES = ['1m', '2m', '5m', '10m', '30m'];
// Not atan2: Prometheus 2.x keeps the metric name on it, 3.x (and Pharos) drop it like any arithmetic.
const ARITH = ['+', '-', '*', '/', '%', '^'];
const CMP = ['==', '!=', '>', '<', '>=', '<='];

function generator(seed: number): () => string {
  const rnd = prng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const num = (): string => pick(['0', '1', '2', '0.5', '10', '100', '-1', '1e3']);
  const selector = (metric = pick(METRICS)): string => `${metric}${pick(MATCHERS[metric])}`;
  const grouping = (): string => pick(['', ' by (job)', ' by (instance)', ' without (instance)', ' by (job, code)', ' without (code)']);
  const vector = (depth: number): string => {
    const choice = depth <= 0 ? Math.floor(rnd() * 3) : Math.floor(rnd() * 16);
    switch (choice) {
      case 0: return selector();
      case 1: return `${pick(RANGE_FUNCS)}(${selector()}[${pick(RANGES)}])`;
      case 2: return `${selector()} offset ${pick(['1m', '5m', '30m'])}`;
      case 3: return `${pick(AGGS)}${grouping()} (${vector(depth - 1)})`;
      case 4: return `${vector(depth - 1)} ${pick(ARITH)} ${num()}`;
      case 5: return `${num()} ${pick(ARITH)} ${vector(depth - 1)}`;
      case 6: return `${vector(depth - 1)} ${pick(CMP)}${rnd() < 0.5 ? ' bool' : ''} ${num()}`;
      case 7: return `${pick(ELEM_FUNCS)}(${vector(depth - 1)})`;
      case 8: {
        const by = pick(['job', 'instance']);
        return `sum by (${by}) (${vector(depth - 1)}) ${pick([...ARITH, ...CMP])} on (${by}) sum by (${by}) (${vector(depth - 1)})`;
      }
      case 9: return `${selector('http_requests_total')} ${pick(['and', 'or', 'unless'])} ${pick(['on (job) ', 'ignoring (code) ', ''])}${selector('http_requests_total')}`;
      case 10: return `histogram_quantile(${pick(['0.5', '0.9', '0.99', '0'])}, sum by (le${pick(['', ', job', ', route'])}) (rate(${selector('http_request_duration_seconds_bucket')}[${pick(['1m', '5m'])}])))`;
      case 11: return `${pick(['max_over_time', 'avg_over_time', 'min_over_time'])}(rate(${selector('http_requests_total')}[1m])[${pick(['5m', '10m'])}:${pick(['1m', '30s', ''])}])`;
      // Prometheus 2.x feeds aggregations in map order, so topk/bottomk break ties at random:
      // give them inputs without ties.
      case 12: return `${pick(['topk', 'bottomk'])}${grouping()} (${pick(['1', '2', '3'])}, ${pick(['memory_bytes', 'temperature_celsius', 'rate(http_requests_total{code="200"}[5m])', 'deriv(memory_bytes[10m])'])})`;
      case 13: return `quantile${grouping()} (${pick(['0.5', '0.9', '0'])}, ${vector(depth - 1)})`;
      case 14: return `${pick(['clamp_min', 'clamp_max'])}(${vector(depth - 1)}, ${num()})`;
      default: return `predict_linear(${selector(pick(['memory_bytes', 'temperature_celsius']))}[${pick(['10m', '30m'])}], ${pick(['60', '3600'])})`;
    }
  };
  return () => vector(2);
}

function parseValue(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  const diff = Math.abs(a - b);
  return diff < 1e-9 || diff <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

/** Compares two answers; returns a description of the first difference, or null. */
function compare(pharos: ApiAnswer, prom: ApiAnswer): string | null {
  if (!pharos.ok || !prom.ok) {
    if (!pharos.ok && !prom.ok) return null;
    return `pharos ${pharos.ok ? 'answered' : `failed: ${pharos.error}`}, prometheus ${prom.ok ? 'answered' : `failed: ${prom.error}`}`;
  }
  if (pharos.resultType !== prom.resultType) return `result types ${pharos.resultType} vs ${prom.resultType}`;
  if (pharos.resultType === 'scalar') {
    const [a, b] = [pharos.result as [number, string], prom.result as [number, string]];
    return close(parseValue(a[1]), parseValue(b[1])) ? null : `scalar ${a[1]} vs ${b[1]}`;
  }
  const key = (s: ApiSeries) => JSON.stringify(Object.entries(s.metric).sort());
  const mine = new Map((pharos.result as ApiSeries[]).map((s) => [key(s), s]));
  const theirs = prom.result as ApiSeries[];
  if (mine.size !== theirs.length) return `${mine.size} series vs ${theirs.length}: ${[...mine.keys()].slice(0, 3).join(' ')} | ${theirs.slice(0, 3).map(key).join(' ')}`;
  for (const t of theirs) {
    const m = mine.get(key(t));
    if (!m) return `missing ${key(t)}`;
    const a = m.values ?? (m.value ? [m.value] : []);
    const b = t.values ?? (t.value ? [t.value] : []);
    if (a.length !== b.length) return `${key(t)}: ${a.length} points vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      if (a[i][0] !== b[i][0]) return `${key(t)}: point ${i} at ${a[i][0]} vs ${b[i][0]}`;
      if (!close(parseValue(a[i][1]), parseValue(b[i][1]))) return `${key(t)} at ${a[i][0]}: ${a[i][1]} vs ${b[i][1]}`;
    }
  }
  return null;
}

const QUERIES = 300;

describe('PromQL: Pharos agrees with the real Prometheus', () => {
  let prom: PrometheusPeer;
  let db: Db;
  let server: Server;
  let pharosUrl: string;

  beforeAll(async () => {
    const families = dataset();
    prom = await startPrometheus({ dataDir: backfill(openMetricsText(families)) });
    db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-diff-')) });
    const app = db.appender();
    for (const f of families) {
      for (const s of f.series) {
        const labels = labelsFrom({ __name__: f.name, ...s.labels });
        let ref = 0;
        s.values.forEach((v, k) => {
          ref = app.append(ref, labels, (T0 + k * STEP_S) * 1000 + OFFSET_MS, v);
        });
      }
    }
    await app.commit();
    const api = createApiHandler({ queryable: db, registry: new Registry(), ready: () => true, version: 'test' });
    server = createServer((req, res) => void api(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    pharosUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    server?.close();
    await db?.close();
  });

  it(`gives the same answers to ${QUERIES} generated queries, instant and range`, async () => {
    const next = generator(7);
    const rnd = prng(99);
    const failures: string[] = [];
    let compared = 0;
    let nonEmpty = 0;
    for (let i = 0; i < QUERIES; i++) {
      const query = next();
      const time = T0 + 1800 + Math.floor(rnd() * 5000);
      const range = { start: T0 + 1800, end: T0 + 1800 + 3600, step: [60, 30, 300][i % 3] };
      for (const params of [{ time }, range]) {
        const [a, b] = await Promise.all([apiQuery(pharosUrl, query, params), apiQuery(prom.url, query, params)]);
        const diff = compare(a, b);
        compared++;
        if (b.ok && Array.isArray(b.result) && b.result.length > 0) nonEmpty++;
        if (diff) failures.push(`${query} ${JSON.stringify(params)}: ${diff}`);
      }
    }
    console.log(`differential: ${compared - failures.length}/${compared} answers agree (${nonEmpty} non-empty on Prometheus)`);
    for (const f of failures) console.log(`DIFF ${f}`);
    expect(failures).toEqual([]);
    // Guard against a vacuous pass: most answers must carry data.
    expect(nonEmpty).toBeGreaterThan(compared / 2);
  }, 300_000);
});
