// TSDB benchmark: the same OTel HTTP-server load (histograms, counters, gauges) into Pharos (OTLP/HTTP
// protobuf, the real OTLP path), the Debian Prometheus and the Debian VictoriaMetrics (remote write
// 1.0), one system at a time, each as its own process. Prints side by side: ingest samples/s, RSS
// per active series, bytes per sample on disk once a block is cut, and query_range latency, with
// the ratios Pharos/Prometheus and Pharos/VictoriaMetrics.
//
//   npm run bench:tsdb                                   # 100k series × 240 points over 4h
//   npm run bench:tsdb -- --series 1000000 --points-per-series 60
//   npm run bench:tsdb -- --systems pharos,prometheus
//
// The samples span more than 3h (default 4h from a 2h boundary), so Prometheus and Pharos (both
// cut the head once it spans 1.5 × 2h) each cut one 2h block; its meta.json gives the samples the
// block's bytes are divided by. Values are generated deterministically per service (bench/tsdb-data.ts),
// so every system gets exactly the same samples, each encoded for it (bench/tsdb-encode.ts).
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUCKETS, POINTS_PER_SERVICE, SERIES_PER_SERVICE, ServiceState, COMBOS, promSeries, routeName, type LoadShape } from './tsdb-data.ts';
import { OtlpRequest, RemoteWriteRequest } from './tsdb-encode.ts';
import { SYSTEM_NAMES, blocksOf, dirBytes, machineCpuSeconds, memoryOf, processCpuSeconds, startSystem, type RunningSystem, type SystemName } from './tsdb-systems.ts';

const HOUR_MS = 3_600_000;
/** Prometheus' and Pharos' default block range: data must span 1.5 times it for a block to be cut. */
const BLOCK_RANGE_MS = 2 * HOUR_MS;

const { values: flags } = parseArgs({
  options: {
    series: { type: 'string', default: '100000' },
    'points-per-series': { type: 'string', default: '240' },
    'span-hours': { type: 'string', default: '4' },
    'jitter-ms': { type: 'string', default: '0' },
    systems: { type: 'string', default: SYSTEM_NAMES.join(',') },
    concurrency: { type: 'string', default: '4' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    'block-wait': { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: npm run bench:tsdb -- [--series N] [--points-per-series P] [--span-hours H] [--jitter-ms J] [--systems pharos,prometheus,vm]
       [--concurrency C] [--runs N] [--warmup N] [--block-wait S] [--keep-data]
  --series N             active series (default 100000; rounded to whole services of ${SERIES_PER_SERVICE} series)
  --points-per-series P  samples per series, spread over --span-hours (default 240 over 4h: one every 60 s)
  --jitter-ms J          each step's timestamp is late by a random [0, J) ms, like an exporter's timer (default 0: exact)
  --block-wait S         how long to wait for a cut block after ingest (default: 120 s + 0.5 s per 1000 series)
  PHAROS_BENCH_NODE_ARGS extra node flags for the Pharos process (e.g. --max-old-space-size=8192)
  PHAROS_BENCH_LOG       a file to append every system's output to (Pharos then logs at info)`);
  process.exit(0);
}

const services = Math.max(2, Math.round(Number(flags.series) / SERIES_PER_SERVICE));
const points = Number(flags['points-per-series']);
const spanMs = Number(flags['span-hours']) * HOUR_MS;
const concurrency = Number(flags.concurrency);
const runs = Number(flags.runs);
const warmup = Number(flags.warmup);
const systems = flags.systems.split(',').map((s) => (s === 'victoriametrics' ? 'vm' : s)) as SystemName[];
for (const s of systems) if (!SYSTEM_NAMES.includes(s)) throw new Error(`--systems: unknown system ${JSON.stringify(s)} (have ${SYSTEM_NAMES.join(', ')})`);
if (!(points >= 2)) throw new Error('--points-per-series must be at least 2');
if (!(spanMs > 1.5 * BLOCK_RANGE_MS * 1.05)) throw new Error('--span-hours must exceed 3.15 so that a block gets cut');
const totalSeries = services * SERIES_PER_SERVICE;
const blockWaitS = Math.round(flags['block-wait'] !== undefined ? Number(flags['block-wait']) : 120 + totalSeries / 2000);
const intervalMs = Math.floor(spanMs / points);
// Start on a 2h boundary, so the first block holds a full 2h of samples, and end at least 1h before now.
const startMs = Math.floor((Date.now() - spanMs - HOUR_MS) / BLOCK_RANGE_MS) * BLOCK_RANGE_MS;
const jitterMs = Number(flags['jitter-ms']);
if (!(jitterMs >= 0 && jitterMs < intervalMs)) throw new Error('--jitter-ms must be in [0, interval)');
const shape: LoadShape = { services, points, intervalMs, startMs, jitterMs };
const totalSamples = totalSeries * points;

/** What one ingest run did. */
interface IngestResult {
  elapsedS: number;
  okRequests: number;
  okSamples: number;
  okPoints: number;
  retries: number;
  outcomes: Map<string, number>;
  firstError: string;
  /** CPU seconds while sending: the system under test, this bench process, everything else on the machine. */
  systemCpuS: number;
  clientCpuS: number;
  otherCpuS: number;
}

function post(agent: http.Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Buffer; retryAfterS: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), retryAfterS: Number(res.headers['retry-after'] ?? 0) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends every service's steps in time order (step-major, so all series advance together as under
 * real exporters) from `concurrency` workers over keep-alive HTTP. A service's next step waits for
 * its previous request, so per-series order always holds. 429/503 are retried after Retry-After.
 */
async function ingest(sys: RunningSystem): Promise<IngestResult> {
  const states = Array.from({ length: services }, (_, s) => new ServiceState(s, shape));
  // Templates are built before the clock starts. An OTLP request is patched in place (its previous
  // send has completed by then); a remote-write body is a fresh snappy buffer.
  let encode: (s: number) => Buffer;
  if (sys.protocol === 'otlp') {
    const requests = states.map((_, s) => new OtlpRequest(s, startMs - 60_000));
    encode = (s) => requests[s].patch(states[s]);
  } else {
    const requests = states.map((_, s) => new RemoteWriteRequest(s));
    encode = (s) => requests[s].encode(states[s]);
  }
  const headers: Record<string, string> = sys.protocol === 'otlp'
    ? { 'content-type': 'application/x-protobuf' }
    : { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
  const url = new URL(sys.ingestUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const r: IngestResult = { elapsedS: 0, okRequests: 0, okSamples: 0, okPoints: 0, retries: 0, outcomes: new Map(), firstError: '', systemCpuS: 0, clientCpuS: 0, otherCpuS: 0 };
  const chains: Array<Promise<void>> = states.map(() => Promise.resolve());
  const total = services * points;
  let next = 0;
  let reported = 0;
  const cpu0 = process.cpuUsage();
  const systemCpu0 = processCpuSeconds(sys.pid);
  const machineCpu0 = machineCpuSeconds();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const s = i % services;
      const before = chains[s];
      let done!: () => void;
      chains[s] = new Promise<void>((res) => (done = res));
      await before;
      try {
        states[s].advance();
        const body = encode(s);
        for (;;) {
          const res = await post(agent, url, body, headers);
          if (res.status === 429 || res.status === 503) {
            r.retries++;
            await new Promise((w) => setTimeout(w, Math.max(50, res.retryAfterS * 1000)));
            continue;
          }
          // OTLP answers 200 with an empty body; a body means partial_success (rejected points).
          const outcome = res.status >= 200 && res.status < 300 ? (sys.protocol === 'otlp' && res.body.length > 0 ? 'ok with partial_success body' : 'ok') : `http ${res.status}`;
          r.outcomes.set(outcome, (r.outcomes.get(outcome) ?? 0) + 1);
          if (outcome === 'ok') {
            r.okRequests++;
            r.okSamples += SERIES_PER_SERVICE;
            r.okPoints += POINTS_PER_SERVICE;
          } else if (!r.firstError) r.firstError = `${outcome}: ${res.body.toString('utf8', 0, 300)}`;
          break;
        }
      } finally {
        done();
      }
      if (i - reported >= total / 4) {
        reported = i;
        const s = (performance.now() - t0) / 1000;
        console.log(`  ${sys.name}: ${Math.round((100 * i) / total)}% sent, ${fmtInt(r.okSamples / s)} samples/s so far`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  r.elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  r.clientCpuS = (cpu.user + cpu.system) / 1e6;
  r.systemCpuS = processCpuSeconds(sys.pid) - systemCpu0;
  r.otherCpuS = Math.max(0, machineCpuSeconds() - machineCpu0 - r.systemCpuS - r.clientCpuS);
  agent.destroy();
  return r;
}

async function apiJson(sys: RunningSystem, path: string, form: Record<string, string>, timeoutMs = 300_000): Promise<any> {
  const res = await fetch(`${sys.apiUrl}${path}`, { method: 'POST', body: new URLSearchParams({ ...form, ...sys.queryParams }), signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as { status: string; data?: unknown; error?: string };
  if (body.status !== 'success') throw new Error(`${sys.name} ${path} ${JSON.stringify(form)}: ${body.error ?? res.status}`);
  return body.data;
}

const lastStepMs = startMs + (points - 1) * intervalMs;
const rangeStartS = Math.floor(startMs / 1000);
const rangeEndS = Math.floor(lastStepMs / 1000) + 20;

/** Compares the series of service 0 with the generated label sets: "ok (N)" or what differs. */
async function checkSeries(sys: RunningSystem): Promise<string> {
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  const want = new Set(promSeries(0).map((pairs) => key(Object.fromEntries(pairs))));
  const got = (await apiJson(sys, '/api/v1/series', { 'match[]': '{service_name="bench-svc-0"}', start: String(rangeStartS), end: String(rangeEndS) })) as Array<Record<string, string>>;
  const gotKeys = new Set(got.map(key));
  const missing = [...want].filter((k) => !gotKeys.has(k));
  const extra = [...gotKeys].filter((k) => !want.has(k));
  if (missing.length === 0 && extra.length === 0) return `ok (${want.size})`;
  return `${missing.length} missing, ${extra.length} unexpected${missing[0] ? `; e.g. missing ${missing[0]}` : ''}${extra[0] ? `; e.g. unexpected ${extra[0]}` : ''}`;
}

async function instant(sys: RunningSystem, query: string): Promise<number> {
  const data = (await apiJson(sys, '/api/v1/query', { query, time: String(rangeEndS) })) as { result: Array<{ value: [number, string] }> };
  return Number(data.result[0]?.value[1] ?? NaN);
}

/** Totals over all series at the last step, which every system must return alike. */
const VALUE_CHECKS = [
  { query: 'count(app_requests_total)', expected: (st: ServiceState[]) => st.length * COMBOS },
  { query: 'sum(app_requests_total)', expected: (st: ServiceState[]) => st.reduce((a, s) => a + s.counts.reduce((x, y) => x + y, 0), 0) },
  { query: 'sum(http_server_request_duration_seconds_sum)', expected: (st: ServiceState[]) => st.reduce((a, s) => a + s.sums.reduce((x, y) => x + y, 0), 0) },
  // Cumulative le="0.1" bucket: OTLP buckets 0..5 summed (the translation's cumulative conversion).
  { query: 'sum(http_server_request_duration_seconds_bucket{le="0.1"})', expected: (st: ServiceState[]) => st.reduce((a, s) => {
    let t = 0;
    for (let c = 0; c < COMBOS; c++) for (let b = 0; b <= 5; b++) t += s.bucketCounts[c * BUCKETS + b];
    return a + t;
  }, 0) },
];

/** The generator's state after the last step, for VALUE_CHECKS. */
function finalStates(): ServiceState[] {
  const st = Array.from({ length: services }, (_, s) => new ServiceState(s, shape));
  for (const s of st) for (let k = 0; k < points; k++) s.advance();
  return st;
}

/** "ok" when every VALUE_CHECKS total matches the generator (to 1e-9 relative), else what differs. */
async function checkValues(sys: RunningSystem): Promise<string> {
  const st = finalStates();
  const bad: string[] = [];
  for (const c of VALUE_CHECKS) {
    const want = c.expected(st);
    const got = await instant(sys, c.query).catch(() => NaN);
    if (!(Math.abs(got - want) <= 1e-9 * Math.abs(want))) bad.push(`${c.query} = ${got}, expected ${want}`);
  }
  return bad.length === 0 ? `ok (${VALUE_CHECKS.length} totals)` : bad.join('; ');
}

const windowS = Math.max(300, Math.ceil((4 * intervalMs) / 1000));
const stepS = Math.max(60, Math.ceil(intervalMs / 1000));
const svc = `service_name="bench-svc-1"`;
const QUERIES: Array<{ name: string; query: string }> = [
  { name: 'select 1 route of 1 service (120 series)', query: `http_server_request_duration_seconds_bucket{${svc},http_route="${routeName(3)}"}` },
  { name: 'rate by route, 1 service', query: `sum by (http_route) (rate(http_server_request_duration_seconds_count{${svc}}[${windowS}s]))` },
  { name: `sum(rate) of all ${services * COMBOS} counters`, query: `sum(rate(app_requests_total[${windowS}s]))` },
  { name: `p99 of 1 route, all services (${services * 8 * 15} series)`, query: `histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{http_route="${routeName(1)}"}[${windowS}s])))` },
];

/** Median query_range latency (ms) per query over the whole data span, after warm-up runs. */
async function timeQueries(sys: RunningSystem): Promise<Array<{ ms: number; series: number }>> {
  const form = (query: string) => ({ query, start: String(rangeStartS), end: String(rangeEndS), step: String(stepS) });
  for (let i = 0; i < warmup; i++) for (const q of QUERIES) await apiJson(sys, '/api/v1/query_range', form(q.query));
  const out: Array<{ ms: number; series: number }> = [];
  for (const q of QUERIES) {
    const times: number[] = [];
    let series = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const data = (await apiJson(sys, '/api/v1/query_range', form(q.query))) as { result: unknown[] };
      times.push(performance.now() - t0);
      series = data.result.length;
    }
    times.sort((a, b) => a - b);
    out.push({ ms: times[Math.floor(times.length / 2)], series });
  }
  return out;
}

/** Everything measured on one system. */
interface SystemResult {
  name: SystemName;
  ingest: IngestResult;
  idleRssBytes: number;
  rssAfterIngestBytes: number;
  /** VmRSS once the block (or VM's flush) is on disk: after the cut's transient memory is gone. */
  rssOnDiskBytes: number;
  hwmBytes: number;
  /** Bytes per sample on disk and what it was computed over. */
  diskBytesPerSample: number | null;
  diskNote: string;
  walBytesPerSample: number | null;
  dataDirBytes: number;
  seriesCheck: string;
  valueCheck: string;
  queries: Array<{ ms: number; series: number }>;
}

/** Waits for a cut block (Pharos, Prometheus) or flushes (VictoriaMetrics), then measures bytes per sample. */
async function measureDisk(sys: RunningSystem, ingested: number): Promise<Pick<SystemResult, 'diskBytesPerSample' | 'diskNote' | 'walBytesPerSample'>> {
  if (sys.name === 'vm') {
    // VictoriaMetrics has no blocks: in-memory rows go to small parts on flush, which background
    // merges combine over time. Flush, then force the merge a long-running server ends up with
    // (its counterpart of a compacted block), and wait until the data dir stops changing.
    await (await fetch(`${sys.apiUrl}/internal/force_flush`)).arrayBuffer();
    const month = new Date(startMs).toISOString().slice(0, 7).replace('-', '_');
    await (await fetch(`${sys.apiUrl}/internal/force_merge?partition_prefix=${month}`, { signal: AbortSignal.timeout(blockWaitS * 1000) })).arrayBuffer();
    // Samples live in data/, the series index in indexdb/ (cache/ only holds caches saved at shutdown).
    const sizes = () => [dirBytes(join(sys.dataDir, 'data')), dirBytes(join(sys.dataDir, 'indexdb'))];
    let [data, index] = sizes();
    for (let stable = 0, i = 0; stable < 3 && i < blockWaitS; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const [d, x] = sizes();
      stable = d === data && x === index ? stable + 1 : 0;
      [data, index] = [d, x];
    }
    return { diskBytesPerSample: (data + index) / ingested, diskNote: `(data/ ${(data / 1048576).toFixed(1)} MiB + indexdb/ ${(index / 1048576).toFixed(1)} MiB) / samples ingested, after force_flush and force_merge`, walBytesPerSample: null };
  }
  const walBytes = dirBytes(join(sys.dataDir, 'wal'));
  const deadline = Date.now() + blockWaitS * 1000;
  let b = blocksOf(sys.dataDir);
  while ((b.count === 0 || b.writing > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    b = blocksOf(sys.dataDir);
  }
  if (b.count === 0 || b.samples === 0) {
    return { diskBytesPerSample: null, diskNote: `n/a (no blocks yet after ${blockWaitS} s)`, walBytesPerSample: walBytes / ingested };
  }
  return { diskBytesPerSample: b.bytes / b.samples, diskNote: `${b.count} block(s): ${fmtInt(b.series)} series, ${fmtInt(b.samples)} samples, ${(b.bytes / 1048576).toFixed(1)} MiB`, walBytesPerSample: null };
}

/** The system being measured, stopped on SIGINT/SIGTERM so that no peer outlives the bench. */
let current: RunningSystem | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping ${current?.name ?? 'nothing'}`);
    void (current?.stop(flags['keep-data']) ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

/** Where Pharos' RSS is, from /api/v1/status/runtimeinfo (V8 heap used / total, ArrayBuffers). */
async function pharosMemory(sys: RunningSystem): Promise<string> {
  const r = await fetch(`${sys.apiUrl}/api/v1/status/runtimeinfo`);
  const d = ((await r.json()) as { data: Record<string, number> }).data;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return `RSS ${mib(d.rssBytes)}: JS heap ${mib(d.heapUsedBytes)} used of ${mib(d.heapTotalBytes)}, ArrayBuffers ${mib(d.arrayBuffersBytes)}`;
}

async function runSystem(name: SystemName): Promise<SystemResult> {
  console.log(`${name}: starting`);
  const sys = await startSystem(name, { pharosNodeArgs: (process.env.PHAROS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean) });
  current = sys;
  try {
    const idle = memoryOf(sys.pid);
    const ing = await ingest(sys);
    const afterIngest = memoryOf(sys.pid);
    console.log(`  ${name}: ingested ${fmtInt(ing.okSamples)} samples in ${ing.elapsedS.toFixed(1)} s; waiting for the block / flush`);
    if (name === 'pharos') console.log(`  pharos: memory after ingest: ${await pharosMemory(sys)}`);
    const disk = await measureDisk(sys, ing.okSamples);
    const onDisk = memoryOf(sys.pid);
    const seriesCheck = await checkSeries(sys).catch((err: Error) => `error: ${err.message}`);
    const valueCheck = await checkValues(sys);
    console.log(`  ${name}: ${disk.diskNote}; series check ${seriesCheck}; value check ${valueCheck}; timing queries`);
    const queries = await timeQueries(sys);
    const end = memoryOf(sys.pid);
    return {
      name, ingest: ing, idleRssBytes: idle.rssBytes, rssAfterIngestBytes: afterIngest.rssBytes, rssOnDiskBytes: onDisk.rssBytes, hwmBytes: end.hwmBytes,
      ...disk, dataDirBytes: dirBytes(sys.dataDir), seriesCheck, valueCheck, queries,
    };
  } catch (err) {
    console.error(`${name} output (tail):\n${sys.output()}`);
    throw err;
  } finally {
    current = null;
    await sys.stop(flags['keep-data']);
    if (flags['keep-data']) console.log(`  ${name}: data kept in ${sys.dataDir}`);
  }
}

function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

function printTable(results: SystemResult[]): void {
  const pharos = results.find((r) => r.name === 'pharos');
  const others = results.filter((r) => r.name !== 'pharos');
  const header = ['', ...results.map((r) => r.name), ...(pharos ? others.map((o) => `pharos/${o.name}`) : [])];
  const rows: string[][] = [];
  const row = (label: string, value: (r: SystemResult) => number | null, fmt: (n: number) => string, text?: (r: SystemResult) => string | null) => {
    const cells = results.map((r) => text?.(r) ?? (value(r) === null ? 'n/a' : fmt(value(r)!)));
    const ratios = pharos ? others.map((o) => {
      const a = value(pharos), b = value(o);
      return a === null || b === null || !(b > 0) ? 'n/a' : (a / b).toFixed(2);
    }) : [];
    rows.push([label, ...cells, ...ratios]);
  };
  const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
  const perSeries = (n: number) => `${fmtInt(n)} B`;
  row('ingest samples/s (higher is better)', (r) => r.ingest.okSamples / r.ingest.elapsedS, fmtInt);
  row('ingest time', (r) => r.ingest.elapsedS, (n) => `${n.toFixed(1)} s`);
  row('CPU of the system per 1M samples ingested', (r) => r.ingest.systemCpuS / (r.ingest.okSamples / 1e6), (n) => `${n.toFixed(2)} s`);
  row('CPU while ingesting: bench client', (r) => r.ingest.clientCpuS, (n) => `${n.toFixed(1)} s`);
  row('CPU while ingesting: other processes', (r) => r.ingest.otherCpuS, (n) => `${n.toFixed(1)} s`);
  row('RSS idle', (r) => r.idleRssBytes, mib);
  row('RSS after ingest (VmRSS)', (r) => r.rssAfterIngestBytes, mib);
  row('RSS per active series', (r) => r.rssAfterIngestBytes / totalSeries, perSeries);
  row('  (RSS - idle) per active series', (r) => (r.rssAfterIngestBytes - r.idleRssBytes) / totalSeries, perSeries);
  row('RSS per active series once the block is on disk', (r) => r.rssOnDiskBytes / totalSeries, perSeries);
  row('peak RSS (VmHWM) per active series', (r) => r.hwmBytes / totalSeries, perSeries);
  row('bytes/sample on disk (cut block; VM: data+indexdb)', (r) => r.diskBytesPerSample, (n) => n.toFixed(3), (r) => (r.diskBytesPerSample === null ? 'n/a (no blocks yet)' : null));
  if (results.some((r) => r.walBytesPerSample !== null)) row('  WAL bytes/sample (no block cut; not comparable)', (r) => r.walBytesPerSample, (n) => n.toFixed(3));
  row('data dir at end', (r) => r.dataDirBytes, mib);
  QUERIES.forEach((q, i) => row(`query_range ms: ${q.name}`, (r) => r.queries[i].ms, (n) => n.toFixed(1), (r) => `${r.queries[i].ms.toFixed(1)} (${r.queries[i].series})`));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('\nper system:');
  for (const r of results) {
    const errs = [...r.ingest.outcomes].filter(([k]) => k !== 'ok').map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
    console.log(`  ${r.name}: ${fmtInt(r.ingest.okRequests)} ok requests, errors ${errs}, ${r.ingest.retries} retries after 429/503${r.ingest.firstError ? ` (first: ${r.ingest.firstError})` : ''}`);
    console.log(`    series check (labels of service 0): ${r.seriesCheck}; value check (totals at the last step): ${r.valueCheck}`);
    console.log(`    disk: ${r.diskNote}`);
  }
  if (pharos) console.log(`  pharos OTLP points/s: ${fmtInt(pharos.ingest.okPoints / pharos.ingest.elapsedS)} (${POINTS_PER_SERVICE} points = ${SERIES_PER_SERVICE} samples per request)`);
}

async function main(): Promise<void> {
  console.log(`== bench:tsdb (${new Date().toISOString()}) ==
load: ${services} services × ${SERIES_PER_SERVICE} series = ${fmtInt(totalSeries)} active series, ${points} points each every ${intervalMs / 1000} s (+ [0, ${jitterMs}) ms jitter) from ${new Date(startMs).toISOString()} = ${fmtInt(totalSamples)} samples
      (${POINTS_PER_SERVICE} OTLP points per service and step: ${COMBOS} histograms × 15 buckets + ${COMBOS} counters + 3 gauges); ${concurrency} senders
systems, one at a time: ${systems.join(', ')}; queries: query_range over the whole span, step ${stepS} s, median of ${runs} after ${warmup} warm-up rounds`);
  const results: SystemResult[] = [];
  for (const name of systems) results.push(await runSystem(name));
  console.log('');
  printTable(results);
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
