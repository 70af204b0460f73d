// PromQL query benchmark: the RED dashboard's queries against Pharos, the real Prometheus and
// VictoriaMetrics (both Debian packages) holding the same generated data, timed over each one's
// HTTP API, median of N uncached runs, printed with latency ratios.
//
//   npm run bench:query                                  # 20 services × 10 routes × 5 codes, 24h at 60s
//   npm run bench:query -- --interval 15 --runs 5        # the 24h at 15s (about 4x the data)
//   npm run bench:query -- --targets pharos,prometheus   # skip VictoriaMetrics
//
// Data: http_server_request_duration_seconds_{bucket,count,sum} with the semconv buckets for
// every service × route × status code (one method), as the OTLP translation names them.
// Loading: Pharos runs in a child process of its own (bench/query-pharos.ts), which appends the
// same generated data to its TSDB and serves its API on a loopback port;
// Prometheus gets the same samples as OpenMetrics backfilled with promtool; VictoriaMetrics via
// its /api/v1/import/prometheus endpoint. Loading time is not what is measured here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/e2e/pharos-process.ts';
import { BOUNDS, generateRedData, seriesText, type RedDataShape } from './red-data.ts';
import { backfillFile, startPrometheus } from '../test/peers/prometheus.ts';
import { median, redCases } from './red-queries.ts';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '20' },
    routes: { type: 'string', default: '10' },
    codes: { type: 'string', default: '5' },
    hours: { type: 'string', default: '24' },
    interval: { type: 'string', default: '60' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    targets: { type: 'string', default: 'pharos,prometheus,victoriametrics' },
  },
});
const SERVICES = Number(flags.services);
const ROUTES = Number(flags.routes);
const CODES = Math.min(5, Number(flags.codes));
const INTERVAL_S = Number(flags.interval);
const POINTS = Math.floor((Number(flags.hours) * 3600) / INTERVAL_S);
const RUNS = Number(flags.runs);
// Pharos runs on V8: its query paths are compiled after a few runs, as in any long-running server.
const WARMUP = Number(flags.warmup);
const TARGETS = flags.targets.split(',');
const END_S = Math.floor(Date.now() / 1000 / 3600) * 3600; // data ends at the last full hour
// Samples sit 7 s off the query grid: Prometheus 2.x closes range windows on the left where 3.x
// and Pharos leave them open, and aligned samples would make them read different windows.
const START_S = END_S - POINTS * INTERVAL_S + 7;
const SHAPE: RedDataShape = { services: SERVICES, routes: ROUTES, codes: CODES, points: POINTS, intervalS: INTERVAL_S, startS: START_S };
const generate = (emit: Parameters<typeof generateRedData>[1]) => generateRedData(SHAPE, emit);
const line = seriesText;

interface Target {
  readonly name: string;
  readonly url: string;
  /** Extra query parameters (VictoriaMetrics: nocache=1). */
  readonly params: Record<string, string>;
  stop(): Promise<void>;
}

/** Pharos in its own process (bench/query-pharos.ts), loaded with the same data, over HTTP. */
async function loadPharos(): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', join(import.meta.dirname, 'query-pharos.ts'), JSON.stringify(SHAPE), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`pharos bench server exited with ${code}`)));
  });
  return {
    name: 'pharos',
    url: `http://127.0.0.1:${port}`,
    params: {},
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function openMetricsFile(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pharos-bench-om-'));
  const file = join(dir, 'data.om');
  const out = createWriteStream(file);
  let buf = '';
  for (const _ of generate((name, labels, _key, t, v) => (buf += `${line(name, labels)} ${v} ${t}\n`))) {
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(`${buf}# EOF\n`);
  await new Promise<void>((r) => out.end(() => r()));
  return file;
}

async function loadPrometheus(): Promise<Target> {
  const file = await openMetricsFile();
  const data = backfillFile(file);
  rmSync(dirname(file), { recursive: true, force: true });
  const prom = await startPrometheus({ dataDir: data, flags: ['--query.max-samples=500000000'] });
  const stop = async () => {
    await prom.stop();
    // backfillFile put the blocks in a temporary directory of their own.
    rmSync(dirname(data), { recursive: true, force: true });
  };
  return { name: 'prometheus', url: prom.url, params: {}, stop };
}

async function loadVictoriaMetrics(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'pharos-bench-vm-'));
  const port = await freePort();
  const child: ChildProcess = spawn('/usr/bin/victoria-metrics', [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.disableCache', '-search.latencyOffset=0s', '-search.maxSamplesPerQuery=1000000000'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      if (i > 300) throw new Error('victoria-metrics did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let body = '';
  const send = async (chunk: string) => {
    const r = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body: chunk });
    if (!r.ok) throw new Error(`victoria-metrics import: ${r.status} ${await r.text()}`);
  };
  for (const _ of generate((name, labels, _key, t, v) => (body += `${line(name, labels)} ${v} ${t * 1000}\n`))) {
    if (body.length > 8 << 20) {
      await send(body);
      body = '';
    }
  }
  await send(body);
  await fetch(`${url}/internal/force_flush`);
  await new Promise((r) => setTimeout(r, 2000));
  return {
    name: 'victoriametrics',
    url,
    params: { nocache: '1' },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function timeQuery(t: Target, query: string, range: { start: number; end: number; step: number } | null): Promise<{ ms: number; series: number }> {
  const form = new URLSearchParams({ query, ...t.params });
  if (range) {
    form.set('start', String(range.start));
    form.set('end', String(range.end));
    form.set('step', String(range.step));
  } else form.set('time', String(END_S));
  const t0 = performance.now();
  const r = await fetch(`${t.url}/api/v1/${range ? 'query_range' : 'query'}`, { method: 'POST', body: form });
  const body = (await r.json()) as { status: string; data?: { result: unknown[] }; error?: string };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`${t.name}: ${query}: ${body.error}`);
  return { ms, series: body.data!.result.length };
}

async function main(): Promise<void> {
  const series = SERVICES * ROUTES * CODES * (BOUNDS.length + 2);
  console.log(`data: ${SERVICES} services × ${ROUTES} routes × ${CODES} codes = ${series} series (${SERVICES * ROUTES * CODES * BOUNDS.length} buckets), ${POINTS} points each at ${INTERVAL_S}s = ${(series * POINTS / 1e6).toFixed(1)}M samples`);
  const targets: Target[] = [];
  for (const name of TARGETS) {
    const t0 = performance.now();
    targets.push(name === 'pharos' ? await loadPharos() : name === 'prometheus' ? await loadPrometheus() : await loadVictoriaMetrics());
    console.log(`loaded ${name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const cases = redCases(END_S);
  const header = ['query', 'range', ...targets.map((t) => `${t.name} ms`), ...targets.slice(1).map((t) => `pharos/${t.name}`)];
  const rows: string[][] = [];
  // Warm every system up on the whole query set first, as a server that has been serving this
  // dashboard for a while is (Pharos: V8 has compiled its query paths; the others: page cache).
  for (const t of targets) for (let i = 0; i < WARMUP; i++) for (const c of cases) await timeQuery(t, c.query, c.range);
  for (const c of cases) {
    // Runs alternate between the systems, so a disturbance of the machine (another process, a
    // GC elsewhere) falls on all of them alike rather than on whichever ran at that moment.
    const times: number[][] = targets.map(() => []);
    const counts: number[] = targets.map(() => 0);
    for (const t of targets) await timeQuery(t, c.query, c.range);
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < targets.length; k++) {
        const r = await timeQuery(targets[k], c.query, c.range);
        times[k].push(r.ms);
        counts[k] = r.series;
      }
    }
    const medians = times.map(median);
    if (new Set(counts).size > 1) console.log(`  note: ${c.name} ${c.label}: series counts differ ${JSON.stringify(counts)}`);
    rows.push([c.name, c.label, ...medians.map((m) => m.toFixed(1)), ...medians.slice(1).map((m) => (medians[0] / m).toFixed(2))]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => `| ${r.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(fmt(r));
  for (const t of targets) await t.stop();
}

await main();
