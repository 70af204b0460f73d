/**
 * The decoder and handler against the real Prometheus (Debian's 2.42) as the sender: Prometheus
 * scrapes itself and a tiny target of ours every second and remote-writes everything to our
 * handler, which appends into the embedded store. We check the headers it sends, that every
 * request got 204, that its own `up` and `prometheus_*` series arrive, that the samples match
 * what Prometheus itself stored (same timestamps and values), that metadata arrives, and that
 * the staleness marker Prometheus writes when a series disappears reaches our store intact.
 * Fails (never skips) when /usr/bin/prometheus is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/e2e/pharos-process.ts';
import { apiQuery, PROMETHEUS_BIN, requirePrometheus, type ApiSeries } from '../../../test/peers/prometheus.ts';
import { silentLogger } from '../../log.ts';
import { labelsToObject } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { isStaleNaN, ValueType } from '../../model/value.ts';
import { openDb, type Db } from '../../tsdb/db.ts';
import { createRemoteWriteHandler } from './index.ts';

const WAIT_MS = 30_000;

let db: Db;
let server: Server;
let ourUrl = '';
let promUrl = '';
let promPort = 0;
let prom: ChildProcess | null = null;
let promOutput = '';
const requests: Array<{ headers: IncomingHttpHeaders; status: number }> = [];
/** Whether our scrape target still exposes pharos_flappy (turned off to make Prometheus write a stale marker). */
let flappy = true;

beforeAll(async () => {
  requirePrometheus();
  db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-rw-prom-')) });
  const handler = createRemoteWriteHandler({ appendable: db, logger: silentLogger, maxBodyBytes: 32 << 20 });
  server = createServer((req, res) => {
    if (req.url === '/metrics') {
      const body = '# HELP pharos_steady A gauge that is always there.\n# TYPE pharos_steady gauge\npharos_steady 2\n' + (flappy ? '# TYPE pharos_flappy gauge\npharos_flappy{x="1"} 1\n' : '');
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(body);
      return;
    }
    res.on('finish', () => requests.push({ headers: req.headers, status: res.statusCode }));
    handler(req, res).then((handled) => { if (!handled) res.writeHead(404).end(); }, (err: Error) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ourUrl = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const dir = mkdtempSync(join(tmpdir(), 'pharos-rw-promcfg-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ['127.0.0.1:${promPort}'] }]
  - job_name: ours
    static_configs: [{ targets: ['${ourUrl}'] }]
remote_write:
  - url: http://${ourUrl}/api/v1/write
    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
    metadata_config: { send: true, send_interval: 1s }
`);
  prom = spawn(PROMETHEUS_BIN, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  prom.stdout!.on('data', (d: Buffer) => (promOutput += d.toString()));
  prom.stderr!.on('data', (d: Buffer) => (promOutput += d.toString()));
  await waitFor('Prometheus to be ready', async () => {
    if (prom!.exitCode !== null) throw new Error(`prometheus exited with ${prom!.exitCode}:\n${promOutput}`);
    try { return (await fetch(`${promUrl}/-/ready`)).ok; } catch { return false; }
  });
});

afterAll(async () => {
  // Prometheus first: on shutdown it flushes its queue to us and would wait for a closed receiver.
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
  if (server) { server.closeAllConnections(); await new Promise((r) => server.close(r)); }
  await db?.close();
});

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; Prometheus said:\n${promOutput.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface StoredSeries { labels: Record<string, string>; t: Float64Array; v: Float64Array }

/** Our store's series matching `matchers`, samples in [mint, maxt] as columns. */
async function ours(mint: number, maxt: number, ...matchers: Matcher[]): Promise<StoredSeries[]> {
  const q = await db.querier(mint, maxt);
  const set = await q.select({ start: mint, end: maxt }, ...matchers);
  const out: StoredSeries[] = [];
  while (set.next()) {
    const t: number[] = [];
    const v = new Float64Array(1024);
    const it = set.at().iterator();
    while (it.next() !== ValueType.None) { v[t.length] = it.atV(); t.push(it.atT()); }
    out.push({ labels: labelsToObject(set.at().labels), t: Float64Array.from(t), v: v.slice(0, t.length) });
  }
  q.close();
  return out;
}

const name = (n: string) => new Matcher('=', '__name__', n);

describe('real Prometheus remote-writing to our handler', () => {
  it('sends its own up and prometheus_* series, which we store', async () => {
    await waitFor('up{job="prometheus"} in our store', async () => (await ours(0, Date.now() + 60_000, name('up'), new Matcher('=', 'job', 'prometheus'))).length > 0);
    const up = await ours(0, Date.now() + 60_000, name('up'));
    expect(up.map((s) => s.labels).sort((a, b) => a.job.localeCompare(b.job))).toEqual([
      { __name__: 'up', instance: ourUrl, job: 'ours' },
      { __name__: 'up', instance: `127.0.0.1:${promPort}`, job: 'prometheus' },
    ].sort((a, b) => a.job.localeCompare(b.job)));
    for (const s of up) expect(Array.from(s.v)).toEqual(Array.from(s.v, () => 1));

    const own = await ours(0, Date.now() + 60_000, new Matcher('=~', '__name__', 'prometheus_.*'), new Matcher('=', 'job', 'prometheus'));
    expect(own.length).toBeGreaterThan(100);
    const build = own.find((s) => s.labels.__name__ === 'prometheus_build_info');
    expect(build?.labels.version).toMatch(/^2\.\d+\.\d+/);
  });

  it('got remote write 1.0 headers and answered every request with 204', () => {
    expect(requests.length).toBeGreaterThan(0);
    const h = requests[0].headers;
    expect(h['content-encoding']).toBe('snappy');
    expect(h['content-type']).toBe('application/x-protobuf');
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h['user-agent']).toMatch(/^Prometheus\//);
    expect(requests.filter((r) => r.status !== 204)).toEqual([]);
  });

  it('stores exactly the samples Prometheus stored (timestamps and values)', async () => {
    // Compare a window old enough to have been sent: Prometheus' WAL reader lags a little.
    await waitFor('a few scrapes', async () => ((await ours(0, Date.now(), name('pharos_steady')))[0]?.t.length ?? 0) >= 4);
    const exprs = ['pharos_steady', 'up', 'prometheus_tsdb_head_samples_appended_total'];
    // Prometheus scrapes itself on its own schedule (later under load): pick a window in which it
    // already holds samples of every compared series.
    let end = 0;
    await waitFor('Prometheus to hold samples of every compared series', async () => {
      end = Date.now() - 3_000;
      for (const expr of exprs) {
        const a = await apiQuery(promUrl, `${expr}[1m]`, { time: end / 1000 });
        if (!a.ok || (a.result as ApiSeries[]).length === 0) return false;
      }
      return true;
    });
    const start = end - 60_000;
    for (const expr of exprs) {
      const answer = await apiQuery(promUrl, `${expr}[1m]`, { time: end / 1000 });
      if (!answer.ok) throw new Error(answer.error);
      const theirs = (answer.result as ApiSeries[]).map((s) => ({ labels: s.metric, samples: s.values!.map(([t, v]) => `${Math.round(t * 1000)}=${v}`) }));
      const mine = (await ours(start + 1, end, name(expr))).map((s) => ({ labels: s.labels, samples: Array.from(s.t, (t, i) => `${t}=${formatValue(s.v[i])}`) }));
      const byKey = (x: { labels: Record<string, string> }) => JSON.stringify(x.labels);
      expect(mine.sort((a, b) => byKey(a).localeCompare(byKey(b))), expr).toEqual(theirs.sort((a, b) => byKey(a).localeCompare(byKey(b))));
      expect(theirs.length).toBeGreaterThan(0);
    }
  });

  it('sends metadata, which we store', async () => {
    await waitFor('metadata for pharos_steady', async () => db.metadata().has('pharos_steady'));
    expect(db.metadata().get('pharos_steady')).toEqual({ type: 'gauge', unit: '', help: 'A gauge that is always there.' });
    await waitFor('metadata for prometheus_http_requests_total', async () => db.metadata().has('prometheus_http_requests_total'));
    expect(db.metadata().get('prometheus_http_requests_total')?.type).toBe('counter');
  });

  it('delivers the staleness marker Prometheus writes when a series disappears', async () => {
    await waitFor('pharos_flappy in our store', async () => (await ours(0, Date.now() + 60_000, name('pharos_flappy'))).length > 0);
    flappy = false;
    let last = NaN;
    await waitFor('a stale marker for pharos_flappy', async () => {
      const [s] = await ours(0, Date.now() + 60_000, name('pharos_flappy'));
      last = s.v[s.v.length - 1];
      return isStaleNaN(last);
    });
    expect(isStaleNaN(last)).toBe(true);
  });
});

/** A value as the Prometheus API prints it. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
