// OTLP ingest benchmark: starts a Pharos process on free ports with a temporary data dir, pushes
// pre-built OTLP protobuf requests at it from C concurrent senders for a fixed time, and prints one
// summary block (requests/s, OTLP points/s, Prometheus samples/s, errors, Pharos RSS, read-back).
//
//   npm run bench:ingest -- --duration 20 --concurrency 8 --services 32 --routes 8 --protocol http
//
// Requests are encoded once. Every OTLP timestamp is a fixed64, so each send copies a template
// and overwrites time_unix_nano at offsets found once up front: every request carries new, later
// timestamps at the cost of a memcpy. Each sender owns a disjoint set of services (resources) and
// sends them in order, so per-series timestamps always increase. Values stay constant between
// requests of a service (see bench/README.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type DataPoint, type Histogram, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Advised buckets of http.server.request.duration (semconv). */
const DURATION_BOUNDARIES_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Prometheus samples per histogram point: one per boundary, +Inf, _sum and _count. */
const SAMPLES_PER_HISTOGRAM_POINT = DURATION_BOUNDARIES_S.length + 3;
const STATUS_CODES = [200, 201, 404, 500];
const METHODS = ['GET', 'POST'];
/** Distance between consecutive requests of one service (Prometheus resolution is 1 ms). */
const TICK_NS = 1_000_000n;
/** Sentinel written as every point's time_unix_nano in the templates, then patched per send. */
const SENTINEL_NS = 0x1122334455667788n;
const TIME_UNIX_NANO_TAG = (3 << 3) | 1;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '8' },
    services: { type: 'string', default: '32' },
    routes: { type: 'string', default: '8' },
    series: { type: 'string' },
    protocol: { type: 'string', default: 'http' },
    'keep-data': { type: 'boolean', default: false },
    'pharos-bin': { type: 'string', default: 'bin/pharos.js' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`usage: npm run bench:ingest -- [--duration S] [--concurrency C] [--services N] [--routes N | --series N] [--protocol http|grpc] [--keep-data] [--pharos-bin bin/pharos.js]
  --series N   approximate OTLP points per request (sets --routes); each route has ${METHODS.length} methods × ${STATUS_CODES.length} statuses`);
  process.exit(0);
}
const durationS = Number(flags.duration);
const concurrency = Number(flags.concurrency);
const services = Math.max(Number(flags.services), concurrency);
const pointsPerRoute = METHODS.length * STATUS_CODES.length * 2; // histogram + counter
const routes = flags.series !== undefined ? Math.max(1, Math.round(Number(flags.series) / pointsPerRoute)) : Number(flags.routes);
const protocol = flags.protocol;
if (protocol !== 'http' && protocol !== 'grpc') throw new Error(`--protocol must be http or grpc, got ${protocol}`);
if (!(durationS > 0 && durationS <= 3600)) throw new Error(`--duration must be in (0, 3600] s`);
if (!(concurrency >= 1 && concurrency <= 256)) throw new Error(`--concurrency must be in [1, 256]`);

/** One service's request: the encoded template and where its timestamps sit. */
interface Template {
  bytes: Uint8Array;
  timeOffsets: number[];
  points: number;
  samples: number;
}

function sentinelOffsets(buf: Buffer): number[] {
  const needle = Buffer.alloc(8);
  needle.writeBigUInt64LE(SENTINEL_NS);
  const out: number[] = [];
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 8)) out.push(i);
  return out;
}

/** Builds one realistic export of service `s`: RED histograms and counters per route, a few gauges. */
function buildTemplate(s: number, startNs: bigint): Template {
  const hr = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  const start = hr(startNs);
  const end = hr(SENTINEL_NS);
  const hist: DataPoint<Histogram>[] = [];
  const reqs: DataPoint<number>[] = [];
  let samples = 0;
  for (let r = 0; r < routes; r++) {
    for (const method of METHODS) {
      for (const status of STATUS_CODES) {
        const count = 50 + ((s * 7 + r * 13 + status) % 400);
        // Spread the count over the buckets with a rough log-normal-ish shape.
        const counts = DURATION_BOUNDARIES_S.map((_, i) => Math.round(count * Math.exp(-((i - 5) ** 2) / 6) / 4.2));
        counts.push(Math.max(0, count - counts.reduce((a, b) => a + b, 0)));
        const attrs = {
          'http.request.method': method, 'url.scheme': 'http', 'network.protocol.version': '1.1',
          'http.route': `/api/v1/resource${r}/:id`, 'http.response.status_code': status,
        };
        hist.push({
          startTime: start, endTime: end, attributes: attrs,
          value: { buckets: { boundaries: DURATION_BOUNDARIES_S, counts }, count, sum: count * 0.087, min: 0.002, max: 3.1 },
        });
        reqs.push({ startTime: start, endTime: end, attributes: attrs, value: count });
        samples += SAMPLES_PER_HISTOGRAM_POINT + 1;
      }
    }
  }
  const gauges = ['process.memory.usage', 'process.cpu.utilization', 'nodejs.eventloop.delay.p99'].map((name, i): MetricData => ({
    descriptor: { name, description: '', unit: i === 0 ? 'By' : i === 1 ? '1' : 's', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [{ startTime: start, endTime: end, attributes: {}, value: 1000 + s * 3 + i }],
  }));
  samples += gauges.length;
  const rm: ResourceMetrics = {
    resource: resourceFromAttributes({
      'service.name': `bench-svc-${s}`, 'service.namespace': 'bench', 'service.instance.id': `inst-${s}`,
      'host.name': `host-${s % 4}`, 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry',
    }),
    scopeMetrics: [{
      scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
      metrics: [
        {
          descriptor: { name: 'http.server.request.duration', description: 'Duration of HTTP server requests.', unit: 's', valueType: ValueType.DOUBLE },
          aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM, dataPoints: hist,
        } as MetricData,
        {
          descriptor: { name: 'app.requests', description: 'Requests handled.', unit: '{request}', valueType: ValueType.INT },
          aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: reqs,
        } as MetricData,
      ],
    }, { scope: { name: 'host-metrics', version: '1.0.0' }, metrics: gauges }],
  };
  const bytes = ProtobufMetricsSerializer.serializeRequest(rm);
  if (!bytes) throw new Error('serialize failed');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points = hist.length + reqs.length + gauges.length;
  const timeOffsets = sentinelOffsets(buf);
  if (timeOffsets.length !== points) throw new Error(`found ${timeOffsets.length} timestamps for ${points} points`);
  // time_unix_nano is field 3, wire type fixed64, in both NumberDataPoint and HistogramDataPoint: tag 0x19.
  if (timeOffsets.some((o) => buf[o - 1] !== TIME_UNIX_NANO_TAG)) throw new Error('sentinel found outside time_unix_nano');
  return { bytes: buf, timeOffsets, points, samples };
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => res(port));
    });
  });
}

function rssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pharos exited with code ${child.exitCode} before becoming ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

type Send = (body: Buffer) => Promise<string>; // resolves to 'ok' or an error key

function httpSender(port: number): { send: Send; close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const send: Send = (body) => new Promise((res) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', agent,
      headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
    }, (resp) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => {
        const code = resp.statusCode ?? 0;
        // A 200 may still carry partial_success (rejected points): any non-empty body is counted.
        if (code === 200) res(Buffer.concat(chunks).length > 0 ? 'ok-with-partial-success-body' : 'ok');
        else res(`http ${code}`);
      });
    });
    req.on('error', (err) => res(`error ${err.message}`));
    req.end(body);
  });
  return { send, close: () => agent.destroy() };
}

function grpcSender(port: number): { send: Send; close: () => void } {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const ident = (b: Buffer): Buffer => b;
  const send: Send = (body) => new Promise((res) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', ident, ident, body,
      (err: grpc.ServiceError | null, resp?: Buffer) => {
        if (err) res(`grpc ${grpc.status[err.code] ?? err.code}`);
        else res(resp && resp.length > 0 ? 'ok-with-partial-success-body' : 'ok');
      });
  });
  return { send, close: () => client.close() };
}

/** Number of series matching a selector, from /api/v1/series. */
async function seriesCountOf(api: string, selector: string): Promise<string> {
  try {
    const res = await fetch(`${api}/api/v1/series?match[]=${encodeURIComponent(selector)}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { status: string; data?: unknown[]; error?: string };
    return body.status === 'success' ? String(body.data?.length ?? 0) : `error: ${body.error ?? res.status}`;
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Pharos' own count of accepted OTLP points (received minus rejected), from /metrics. */
async function acceptedPointsOf(api: string): Promise<string> {
  try {
    const text = await (await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    return String(sum('pharos_receiver_points_received_total') - sum('pharos_receiver_points_rejected_total'));
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function query(api: string, expr: string): Promise<string> {
  try {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { status: string; data?: { result?: { value?: [number, string] }[] }; error?: string };
    if (body.status !== 'success') return `error: ${body.error ?? res.status}`;
    const r = body.data?.result ?? [];
    return r.length === 0 ? 'empty' : r.map((x) => x.value?.[1]).join(',');
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pharos-bench-'));
  const [httpPort, grpcPort, otlpHttpPort] = [await freePort(), await freePort(), await freePort()];
  const api = `http://127.0.0.1:${httpPort}`;

  // Timestamps start 4 min in the past and advance 1 ms per request of a service, so they stay
  // behind the wall clock (unless one service gets > 1000 req/s) and inside the 5 m lookback.
  const startNs = BigInt(Date.now() - 10 * 60_000) * 1_000_000n;
  const baseNs = BigInt(Date.now() - 4 * 60_000) * 1_000_000n;
  const t0Build = performance.now();
  const templates = Array.from({ length: services }, (_, s) => buildTemplate(s, startNs));
  const buildMs = performance.now() - t0Build;
  const tpl0 = templates[0]!;

  const pharos = spawn(process.execPath, [...(process.env.PHAROS_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    flags['pharos-bin'], 'start', '--data-dir', dataDir,
    '--http-listen', `127.0.0.1:${httpPort}`,
    '--otlp-grpc-listen', `127.0.0.1:${grpcPort}`,
    '--otlp-http-listen', `127.0.0.1:${otlpHttpPort}`,
    '--log-level', 'warn',
  ], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let pharosErr = '';
  pharos.stderr?.on('data', (c: Buffer) => { pharosErr = (pharosErr + c.toString()).slice(-4000); });
  const stopPharos = async (): Promise<void> => {
    if (pharos.exitCode !== null || pharos.signalCode !== null) return;
    const exited = new Promise<void>((r) => pharos.once('exit', () => r()));
    pharos.kill('SIGTERM');
    const t = setTimeout(() => pharos.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());

  try {
    await waitReady(`${api}/-/ready`, pharos, 30_000);
    const rssStartKiB = rssKiB(pharos.pid!);
    const sender = protocol === 'http' ? httpSender(otlpHttpPort) : grpcSender(grpcPort);

    const outcomes = new Map<string, number>();
    let okRequests = 0, okPoints = 0, okSamples = 0, bytesSent = 0;
    const latencies: number[] = [];
    let maxTicks = 0;
    const deadline = performance.now() + durationS * 1000;
    const t0 = performance.now();

    // Sender w owns services w, w+C, w+2C, … and sends them round-robin, one request at a time.
    const worker = async (w: number): Promise<void> => {
      const mine = templates.map((_, s) => s).filter((s) => s % concurrency === w);
      let tick = 0;
      while (performance.now() < deadline && !ac.signal.aborted) {
        for (const s of mine) {
          const tpl = templates[s]!;
          const body = Buffer.from(tpl.bytes); // copy, then patch the timestamps
          const ts = baseNs + BigInt(tick) * TICK_NS;
          for (const off of tpl.timeOffsets) body.writeBigUInt64LE(ts, off);
          const t = performance.now();
          const outcome = await sender.send(body);
          latencies.push(performance.now() - t);
          bytesSent += body.length;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (outcome.startsWith('ok')) {
            okRequests++;
            okPoints += tpl.points;
            okSamples += tpl.samples;
          }
        }
        tick++;
        if (tick > maxTicks) maxTicks = tick;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const elapsedS = (performance.now() - t0) / 1000;
    sender.close();
    const rssEndKiB = rssKiB(pharos.pid!);

    // Read back. Each ok request carried routes×methods×statuses histogram points.
    const histPointsPerReq = routes * METHODS.length * STATUS_CODES.length;
    const seriesCount = await seriesCountOf(api, 'http_server_request_duration_seconds_count');
    const acceptedPoints = await acceptedPointsOf(api);
    const rssAfterQueryKiB = rssKiB(pharos.pid!);

    latencies.sort((a, b) => a - b);
    const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(1);
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
    const mib = (k?: number): string => (k === undefined ? 'n/a' : `${(k / 1024).toFixed(0)} MiB`);
    const errors = [...outcomes].filter(([k]) => k !== 'ok').map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
    console.log(`
== Pharos OTLP ingest bench (${new Date().toISOString()}) ==
setup      protocol=${protocol === 'http' ? 'http/protobuf' : 'grpc'} concurrency=${concurrency} duration=${elapsedS.toFixed(1)}s services=${services} routes=${routes}
request    ${tpl0.points} OTLP points (${histPointsPerReq} histograms × ${DURATION_BOUNDARIES_S.length} buckets, ${histPointsPerReq} counters, 3 gauges) = ${tpl0.samples} Prometheus samples, ${fmt(tpl0.bytes.length)} B; built ${services} templates in ${buildMs.toFixed(0)} ms
requests   ${fmt(okRequests)} ok = ${fmt(okRequests / elapsedS)} req/s (latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms), ${(bytesSent / elapsedS / 1048576).toFixed(1)} MiB/s sent
throughput ${fmt(okPoints / elapsedS)} OTLP points/s = ${fmt(okSamples / elapsedS)} Prometheus samples/s
errors     ${errors}
pharos rss ${mib(rssStartKiB)} at start, ${mib(rssEndKiB)} after ingest, ${mib(rssAfterQueryKiB)} after read-back
read-back  series of http_server_request_duration_seconds_count = ${seriesCount} (expected ${services * histPointsPerReq})
           accepted OTLP points (/metrics) = ${acceptedPoints} (expected ${fmt(okRequests * tpl0.points)})${maxTicks * Number(TICK_NS / 1_000_000n) > 4 * 60_000 ? '\nwarning    timestamps ran ahead of the wall clock; use more --services' : ''}
`);
  } finally {
    await stopPharos();
    if (pharos.exitCode !== 0 && pharos.exitCode !== null && pharosErr) console.error(`pharos stderr (tail):\n${pharosErr}`);
    if (!flags['keep-data']) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`data kept in ${dataDir}`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
