// Head memory benchmark: N series with OTel HTTP-server labels (histogram buckets, _count, _sum
// as the OTLP translation names them), K samples each at 15 s, appended in OTLP-request-sized
// batches. Prints append throughput (series creation, then appends with ref hints), heap and RSS
// per series after gc(), chunk bytes per sample, and select latency for a few matchers.
//
//   node --expose-gc --import tsx bench/head-memory.ts --series 1000000 --samples 120
//   node --expose-gc --import tsx bench/head-memory.ts --series 1000000 --samples 120 --store db
//
// --store head (src/tsdb/head alone, default) or db (src/tsdb/db.ts: the same head behind its WAL);
// --batch N samples per commit (default 2000); --encoding xor|smallest; --materialize (the head
// keeps one label array per series instead of building them per query). Run one store per process so
// RSS figures do not mix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Label, Labels } from '../src/model/labels.ts';
import { Matcher } from '../src/model/matcher.ts';
import { ValueType } from '../src/model/value.ts';
import type { Appendable, Queryable } from '../src/storage/interface.ts';
import { openDb } from '../src/tsdb/db.ts';
import { Head } from '../src/tsdb/head/index.ts';
import { prng } from '../src/model/prng.ts';

const { values: flags } = parseArgs({
  options: {
    series: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '120' },
    store: { type: 'string', default: 'head' },
    batch: { type: 'string', default: '2000' },
    encoding: { type: 'string', default: 'xor' },
    materialize: { type: 'boolean', default: false },
  },
});
const N = Number(flags.series);
const K = Number(flags.samples);
const BATCH = Number(flags.batch);
const STORE = flags.store;
const INTERVAL_MS = 15_000;
if (STORE !== 'head' && STORE !== 'db') throw new Error(`--store must be head or db, got ${STORE}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** Advised buckets of http.server.request.duration (semconv). */
const BOUNDS = ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'];
const METHODS = ['GET', 'POST'];
const CODES = ['200', '201', '404', '500', '503'];
const ROUTES = 40;
const INSTANCES = 10;
const FAMILY = 'http_server_request_duration_seconds';

function memory(): { heap: number; rss: number; ab: number } {
  for (let i = 0; i < 4; i++) gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, ab: m.arrayBuffers };
}

/** Label sets in translation order: per (service, instance, route, method, code): 15 buckets, _count, _sum. Label objects are shared. */
function makeLabels(n: number): Labels[] {
  const intern = new Map<string, Label>();
  const L = (name: string, value: string): Label => {
    const k = `${name}\xff${value}`;
    let l = intern.get(k);
    if (!l) intern.set(k, (l = { name, value }));
    return l;
  };
  const out: Labels[] = [];
  for (let svc = 0; out.length < n; svc++) {
    const service = `checkout-${svc}`;
    const ns = `shop-${svc % 7}`;
    for (let inst = 0; inst < INSTANCES && out.length < n; inst++) {
      const id = `${service}-${(inst * 2654435761 + svc).toString(16).padStart(8, '0')}`;
      const instance = `10.${svc % 250}.${inst}.${(svc * 7) % 250}:8080`;
      for (let r = 0; r < ROUTES && out.length < n; r++) {
        const route = `/api/v1/${['orders', 'users', 'carts', 'items', 'payments'][r % 5]}/r${r}`;
        for (const method of METHODS) {
          for (const code of CODES) {
            const base = (name: string): Label[] => [
              L('__name__', name),
              L('http_request_method', method),
              L('http_response_status_code', code),
              L('http_route', route),
              L('instance', instance),
              L('job', `${ns}/${service}`),
            ];
            const tail = [L('otel_scope_name', 'io.opentelemetry.http'), L('service_instance_id', id), L('service_name', service), L('service_namespace', ns)];
            for (const le of BOUNDS) {
              if (out.length >= n) break;
              // Sorted by name: __name__, http_*, instance, job, le, otel_scope_name, service_*.
              out.push([...base(`${FAMILY}_bucket`), L('le', le), ...tail]);
            }
            if (out.length < n) out.push([...base(`${FAMILY}_count`), ...tail]);
            if (out.length < n) out.push([...base(`${FAMILY}_sum`), ...tail]);
          }
        }
      }
    }
  }
  return out;
}


const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pharos-head-bench-'));
  const base = memory();
  let labels: Labels[] | null = makeLabels(N);
  const refs = new Uint32Array(N);
  // Per-series value state: counters (buckets, _count) grow by integers, _sum by fractional seconds.
  const rnd = prng(1);
  const rate = new Float64Array(N);
  const isSum = new Uint8Array(N);
  const value = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const name = labels[i][0].value;
    isSum[i] = name.endsWith('_sum') ? 1 : 0;
    rate[i] = Math.floor(rnd() * 20);
    value[i] = Math.floor(rnd() * 1e5);
  }
  const incs = Float64Array.from({ length: 4096 }, () => rnd());
  const jitter = Int32Array.from({ length: 4096 }, () => (rnd() < 0.8 ? 0 : Math.floor(rnd() * 5) - 2));
  const phase = Int32Array.from({ length: 1024 }, () => Math.floor(rnd() * INTERVAL_MS));
  const t0 = Math.floor((Date.now() - K * INTERVAL_MS - 60_000) / 1000) * 1000;
  const next = (i: number, k: number): number => {
    const x = incs[(i * 31 + k) & 4095];
    value[i] += isSum[i] ? Math.round(x * rate[i] * 1000) / 1000 : Math.floor(x * rate[i]);
    return value[i];
  };
  const ts = (i: number, k: number): number => t0 + phase[i & 1023] + k * INTERVAL_MS + (k > 0 ? jitter[(i + k * 7) & 4095] : 0);
  // The bench's own typed arrays (refs, rate, isSum, value) stay allocated; leave them out of the per-series figures.
  const benchBytes = N * (4 + 8 + 1 + 8);

  let store: Appendable & Queryable;
  let close: () => Promise<void>;
  let head: Head | null = null;
  if (STORE === 'head') {
    head = new Head({ dir, chunkEncoding: flags.encoding === 'smallest' ? 'smallest' : 'xor', materializeLabels: flags.materialize });
    store = head;
    close = () => head!.close();
  } else {
    const db = await openDb({ dir });
    store = db;
    close = () => db.close();
  }

  // Wall time and CPU time (user + system) per phase: on a shared machine the CPU figure is the stable one.
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  // Series creation: the first sample of every series, no ref.
  let t = performance.now();
  let c = cpu();
  for (let i = 0; i < N; ) {
    const app = store.appender();
    const end = Math.min(N, i + BATCH);
    for (; i < end; i++) refs[i] = app.append(0, labels[i], ts(i, 0), next(i, 0));
    await app.commit();
  }
  const createS = (performance.now() - t) / 1000;
  const createCpu = cpu() - c;

  // Later samples with ref hints, series after series as OTLP requests bring them.
  t = performance.now();
  c = cpu();
  for (let k = 1; k < K; k++) {
    for (let i = 0; i < N; ) {
      const app = store.appender();
      const end = Math.min(N, i + BATCH);
      for (; i < end; i++) refs[i] = app.append(refs[i], labels[i], ts(i, k), next(i, k));
      await app.commit();
    }
  }
  const appendS = (performance.now() - t) / 1000;
  const appendCpu = cpu() - c;

  labels = null; // the store keeps what it needs
  const after = memory();
  const heapPer = (after.heap - base.heap) / N;
  const rssPer = (after.rss - base.rss - benchBytes) / N;
  console.log(`store ${STORE}${STORE === 'head' ? ` (encoding ${flags.encoding}, materialize ${flags.materialize})` : ''}: ${fmt(N)} series × ${K} samples, batch ${BATCH}, node ${process.version}`);
  console.log(`append   create ${fmt(N / createS)} series/s (${fmt(createS, 1)} s wall; ${fmt(N / createCpu)} per CPU-s)   hinted ${fmt((N * (K - 1)) / appendS)} samples/s (${fmt(appendS, 1)} s wall; ${fmt((N * (K - 1)) / appendCpu)} per CPU-s, bench's own value generation included)`);
  console.log(`memory   heap ${fmt(after.heap / MiB)} MiB (${fmt(heapPer)} B/series over baseline)   rss ${fmt(after.rss / MiB)} MiB (${fmt(rssPer)} B/series over baseline ${fmt(base.rss / MiB)} MiB)   arrayBuffers ${fmt((after.ab - benchBytes) / MiB)} MiB`);
  if (head) {
    const s = head.stats();
    console.log(`chunks   ${fmt(s.numChunks)} chunks, ${fmt(s.chunkBytes / s.numSamples, 2)} B/sample (${fmt(s.chunkBytes / MiB)} MiB), spilled files ${fmt(s.spilledBytes / MiB)} MiB, slab ${fmt(s.slabBytes / MiB)} MiB used of ${fmt(s.slabAllocatedBytes / MiB)} MiB, delta chunks ${fmt(s.deltaChunks)}`);
    console.log(`index    typed arrays ${fmt(s.indexBytes / MiB)} MiB (${fmt(s.indexBytes / N)} B/series), ${fmt(head.pairs.size)} label pairs, ${fmt(head.pairs.symbols.size)} symbols`);
  } else {
    console.log(`chunks   none: 16 B/sample in Float64Arrays, capacity rounded up to a power of two per series`);
  }

  const queries: Array<[string, Matcher[]]> = [
    ['one service _count', [new Matcher('=', '__name__', `${FAMILY}_count`), new Matcher('=', 'service_name', 'checkout-3')]],
    ['route alternation, le="0.5"', [new Matcher('=', '__name__', `${FAMILY}_bucket`), new Matcher('=~', 'http_route', '/api/v1/orders/r0|/api/v1/users/r1'), new Matcher('=', 'le', '0.5')]],
    ['service prefix, 5xx _count', [new Matcher('=', '__name__', `${FAMILY}_count`), new Matcher('=~', 'service_name', 'checkout-1.*'), new Matcher('=~', 'http_response_status_code', '5..')]],
    ['all _count, code !~ 2..', [new Matcher('=', '__name__', `${FAMILY}_count`), new Matcher('!~', 'http_response_status_code', '2..')]],
  ];
  const mint = t0;
  const maxt = ts(N, K) + INTERVAL_MS;
  console.log(`queries  over the whole range (best of 3): series, select ms, +iterate-all-samples ms`);
  for (const [name, ms] of queries) {
    let best = Infinity;
    let bestIter = Infinity;
    let series = 0;
    let samples = 0;
    for (let run = 0; run < 3; run++) {
      const q = await store.querier(mint, maxt);
      let t1 = performance.now();
      const set = await q.select({ start: mint, end: maxt }, ...ms);
      const list = [];
      while (set.next()) list.push(set.at());
      best = Math.min(best, performance.now() - t1);
      t1 = performance.now();
      samples = 0;
      for (const s of list) {
        const it = s.iterator();
        while (it.next() !== ValueType.None) samples++;
      }
      bestIter = Math.min(bestIter, performance.now() - t1);
      series = list.length;
      q.close();
    }
    console.log(`  ${name.padEnd(30)} ${fmt(series).padStart(9)} series ${fmt(best, 1).padStart(9)} ms ${fmt(bestIter, 1).padStart(9)} ms (${fmt(samples)} samples)`);
  }
  await close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
