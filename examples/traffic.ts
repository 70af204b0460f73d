// Bounded traffic generator for the example service: a realistic mix of 200, 404 and 500
// responses at a fixed request rate, stopping by itself after --duration or --count.
//
//   npx tsx examples/traffic.ts --target http://127.0.0.1:8080 --rps 20 --duration 60
//
// Only loopback targets are allowed unless --allow-remote is given.
import { parseArgs } from 'node:util';

/** One weighted entry of the request mix. */
interface Route {
  weight: number;
  method: 'GET' | 'POST';
  path: () => string;
}

const MIX: Route[] = [
  { weight: 40, method: 'GET', path: () => '/products' },
  { weight: 35, method: 'GET', path: () => `/users/${1 + Math.floor(Math.random() * 110)}` }, // ids > 100 → 404
  { weight: 10, method: 'GET', path: () => '/checkout' }, // ~10 % 500
  { weight: 5, method: 'POST', path: () => '/checkout' },
  { weight: 5, method: 'GET', path: () => '/missing' },
  { weight: 5, method: 'GET', path: () => '/healthz' },
];
const TOTAL_WEIGHT = MIX.reduce((n, r) => n + r.weight, 0);

function pick(): Route {
  let x = Math.random() * TOTAL_WEIGHT;
  for (const r of MIX) {
    x -= r.weight;
    if (x < 0) return r;
  }
  return MIX[0]!;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Options for {@link runTraffic}. */
export interface TrafficOptions {
  target: string;
  rps: number;
  /** Seconds; the run stops at whichever of durationS and count comes first. */
  durationS: number;
  count: number;
  allowRemote: boolean;
  signal?: AbortSignal;
  quiet?: boolean;
}

/** Sends the request mix at a steady rate; resolves with counts by status once done or aborted. */
export async function runTraffic(opts: TrafficOptions): Promise<Map<string, number>> {
  const base = new URL(opts.target);
  if (!opts.allowRemote && !LOOPBACK.has(base.hostname)) {
    throw new Error(`refusing non-loopback target ${base.hostname} (pass --allow-remote)`);
  }
  if (!(opts.rps > 0) || opts.rps > 5000) throw new Error(`--rps must be in (0, 5000], got ${opts.rps}`);
  const byStatus = new Map<string, number>();
  const inflight = new Set<Promise<void>>();
  const intervalMs = 1000 / opts.rps;
  const start = performance.now();
  const deadline = start + opts.durationS * 1000;
  let sent = 0;
  let lastReport = start;
  while (sent < opts.count && performance.now() < deadline && !opts.signal?.aborted) {
    const r = pick();
    const p: Promise<void> = fetch(new URL(r.path(), base), { method: r.method, signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        const k = String(res.status);
        byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
      })
      .catch((err: unknown) => {
        const k = `error:${err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.name : 'unknown'}`;
        byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
    sent++;
    const now = performance.now();
    if (!opts.quiet && now - lastReport >= 10_000) {
      lastReport = now;
      console.error(`traffic: ${sent} sent ${format(byStatus)}`);
    }
    // Schedule against the start time so the rate does not drift.
    const wait = start + sent * intervalMs - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  await Promise.all(inflight);
  return byStatus;
}

function format(m: Map<string, number>): string {
  return [...m].sort().map(([k, v]) => `${k}=${v}`).join(' ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: process.env.TRAFFIC_TARGET ?? 'http://127.0.0.1:8080' },
      rps: { type: 'string', default: '10' },
      duration: { type: 'string', default: '60' },
      count: { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: tsx examples/traffic.ts [--target URL] [--rps N] [--duration SECONDS] [--count N] [--allow-remote]');
    return;
  }
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  const opts: TrafficOptions = {
    target: values.target,
    rps: Number(values.rps),
    durationS: Number(values.duration),
    count: values.count === undefined ? Infinity : Number(values.count),
    allowRemote: values['allow-remote'],
    signal: ac.signal,
  };
  const t0 = performance.now();
  const byStatus = await runTraffic(opts);
  const n = [...byStatus.values()].reduce((a, b) => a + b, 0);
  console.error(`traffic: done, ${n} requests in ${((performance.now() - t0) / 1000).toFixed(1)}s ${format(byStatus)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`traffic: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
