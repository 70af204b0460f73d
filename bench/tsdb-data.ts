/**
 * @module The load of `npm run bench:tsdb`: OTel HTTP-server metrics of N services (a duration
 * histogram and a request counter per route × method × status, three process gauges), generated
 * deterministically step by step so every system under test receives exactly the same samples.
 *
 * One service is one OTLP resource and one request per step. Its samples have a fixed canonical
 * order (per combo: 15 cumulative `le` buckets, `_sum`, `_count`, the counter; then the gauges),
 * which is also the order of `promSeries()` and of the remote-write encoding.
 */

/** Advised buckets of http.server.request.duration (semconv), in seconds. */
export const DURATION_BOUNDARIES_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Buckets per histogram point, +Inf included. */
export const BUCKETS = DURATION_BOUNDARIES_S.length + 1;
export const ROUTES = 10;
export const METHODS = ['GET', 'POST'];
export const STATUS_CODES = [200, 201, 404, 500];
/** Route × method × status combinations of one service. */
export const COMBOS = ROUTES * METHODS.length * STATUS_CODES.length;
/** Prometheus series per combo: the buckets, `_sum`, `_count`, and the request counter. */
export const SERIES_PER_COMBO = BUCKETS + 3;

/** The gauges every service reports, with the name the OTLP translation gives them. */
export const GAUGES = [
  { name: 'process.memory.usage', unit: 'By', promName: 'process_memory_usage_bytes' },
  { name: 'process.cpu.utilization', unit: '1', promName: 'process_cpu_utilization_ratio' },
  { name: 'nodejs.eventloop.delay.p99', unit: 's', promName: 'nodejs_eventloop_delay_p99_seconds' },
] as const;

export const SERIES_PER_SERVICE = COMBOS * SERIES_PER_COMBO + GAUGES.length;
/** OTLP data points per service and step: a histogram and a counter point per combo, the gauges. */
export const POINTS_PER_SERVICE = COMBOS * 2 + GAUGES.length;

export const HTTP_SCOPE = { name: '@opentelemetry/instrumentation-http', version: '0.223.0' };
export const HOST_SCOPE = { name: 'host-metrics', version: '1.0.0' };

/** What to generate: `services` resources, `points` steps of `intervalMs` from `startMs`. */
export interface LoadShape {
  readonly services: number;
  readonly points: number;
  readonly intervalMs: number;
  /** Time of step 0 (ms). */
  readonly startMs: number;
  /** Each service's step k is at startMs + k × intervalMs + a random [0, jitterMs) ms, as real exporters' timers drift. */
  readonly jitterMs: number;
}

export type AttributeValue = string | number;

/** Resource attributes of service `s`, in OTLP order. */
export function resourceAttributes(s: number): Array<[string, string]> {
  return [
    ['service.name', `bench-svc-${s}`], ['service.namespace', 'bench'], ['service.instance.id', `inst-${s}`],
    ['host.name', `host-${s % 4}`], ['telemetry.sdk.language', 'nodejs'], ['telemetry.sdk.name', 'opentelemetry'],
  ];
}

/** Data point attributes of combo `c` (int status code, as the OTel http instrumentation sends it). */
export function comboAttributes(c: number): Array<[string, AttributeValue]> {
  const status = STATUS_CODES[c % STATUS_CODES.length];
  const method = METHODS[Math.floor(c / STATUS_CODES.length) % METHODS.length];
  const route = Math.floor(c / (STATUS_CODES.length * METHODS.length));
  return [
    ['http.request.method', method], ['url.scheme', 'http'], ['network.protocol.version', '1.1'],
    ['http.route', `/api/v1/resource${route}/:id`], ['http.response.status_code', status],
  ];
}

/** `http.route` of route r, for query selectors. */
export function routeName(r: number): string {
  return `/api/v1/resource${r}/:id`;
}

/**
 * The Prometheus label sets of service `s` in canonical sample order, as Pharos' OTLP translation
 * writes them (resource attributes promoted, job/instance, otel_scope_*); each sorted by name.
 */
export function promSeries(s: number): Array<Array<[string, string]>> {
  const esc = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
  const resource: Array<[string, string]> = resourceAttributes(s).map(([k, v]) => [esc(k), v]);
  resource.push(['job', `bench/bench-svc-${s}`], ['instance', `inst-${s}`]);
  const scoped = (scope: { name: string; version: string }): Array<[string, string]> => [...resource, ['otel_scope_name', scope.name], ['otel_scope_version', scope.version]];
  const sorted = (pairs: Array<[string, string]>) => pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<Array<[string, string]>> = [];
  const base = 'http_server_request_duration_seconds';
  for (let c = 0; c < COMBOS; c++) {
    const attrs: Array<[string, string]> = [...scoped(HTTP_SCOPE), ...comboAttributes(c).map(([k, v]): [string, string] => [esc(k), String(v)])];
    for (let b = 0; b < BUCKETS; b++) out.push(sorted([['__name__', `${base}_bucket`], ...attrs, ['le', b < DURATION_BOUNDARIES_S.length ? String(DURATION_BOUNDARIES_S[b]) : '+Inf']]));
    out.push(sorted([['__name__', `${base}_sum`], ...attrs]));
    out.push(sorted([['__name__', `${base}_count`], ...attrs]));
    out.push(sorted([['__name__', 'app_requests_total'], ...attrs]));
  }
  for (const g of GAUGES) out.push(sorted([['__name__', g.promName], ...scoped(HOST_SCOPE)]));
  return out;
}

/** Share of a route's requests per method (METHODS order) and per status code (STATUS_CODES order). */
const METHOD_SHARE = [0.8, 0.2];
const STATUS_SHARE = [0.9, 0.05, 0.04, 0.01];

/** Latency draws per combo and step; each stands for n / DRAWS requests. */
const DRAWS = 8;

/**
 * The evolving values of one service. `advance()` moves to the next step; the fields then hold
 * that step's cumulative values. Seeded by the service index only, so any system that advances a
 * service k times sees the same values.
 */
export class ServiceState {
  /** Per combo, BUCKETS non-cumulative bucket counts (OTLP bucket_counts), cumulative over time. */
  readonly bucketCounts: Float64Array;
  /** Per combo: request count (histogram count and counter value) and duration sum in seconds. */
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  readonly gauges = new Float64Array(GAUGES.length);
  /** Time of the current step (ms) and its index (-1 before the first advance). */
  t = 0;
  step = -1;
  readonly #rates: Float64Array;
  #seed: number;
  readonly #shape: LoadShape;

  constructor(s: number, shape: LoadShape) {
    this.#shape = shape;
    this.#seed = (s + 1) * 2654435761 >>> 0 || 1;
    this.bucketCounts = new Float64Array(COMBOS * BUCKETS);
    this.counts = new Float64Array(COMBOS);
    this.sums = new Float64Array(COMBOS);
    this.#rates = new Float64Array(COMBOS);
    // Traffic is skewed as in real fleets: a service gets 0.5–50 req/s (log-uniform), its routes a
    // Zipf share, GET most of it, and most answers are 200. Many series thus change rarely.
    const serviceRps = 0.5 * 100 ** this.#rnd();
    const harmonic = Array.from({ length: ROUTES }, (_, r) => 1 / (r + 1)).reduce((a, b) => a + b, 0);
    for (let c = 0; c < COMBOS; c++) {
      const route = Math.floor(c / (STATUS_CODES.length * METHODS.length));
      const method = Math.floor(c / STATUS_CODES.length) % METHODS.length;
      this.#rates[c] = serviceRps * (1 / (route + 1) / harmonic) * METHOD_SHARE[method] * STATUS_SHARE[c % STATUS_CODES.length];
    }
    this.gauges[0] = 60_000_000 + Math.floor(this.#rnd() * 100_000_000);
  }

  /** xorshift32 in [0, 1): cheap and reproducible. */
  #rnd(): number {
    let x = this.#seed;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.#seed = x;
    return x / 4294967296;
  }

  /** Moves to the next step: new requests per combo spread over the buckets, gauges move. */
  advance(): void {
    this.step++;
    const intervalS = this.#shape.intervalMs / 1000;
    this.t = this.#shape.startMs + this.step * this.#shape.intervalMs + Math.floor(this.#rnd() * this.#shape.jitterMs);
    for (let c = 0; c < COMBOS; c++) {
      const n = Math.floor(this.#rates[c] * intervalS * (0.5 + this.#rnd()) + this.#rnd()); // rounded at random, so rare combos still see requests
      if (n === 0) continue;
      const draws = Math.min(n, DRAWS);
      const each = Math.floor(n / draws);
      let extra = n - each * draws;
      for (let i = 0; i < draws; i++) {
        const x = -Math.log(1 - this.#rnd()) * 0.08; // exponential latency, mean 80 ms
        const w = each + (extra-- > 0 ? 1 : 0);
        let b = 0;
        while (b < DURATION_BOUNDARIES_S.length && x > DURATION_BOUNDARIES_S[b]) b++;
        this.bucketCounts[c * BUCKETS + b] += w;
        this.sums[c] += x * w;
      }
      this.counts[c] += n;
    }
    this.gauges[0] += Math.floor((this.#rnd() - 0.5) * 2_000_000);
    this.gauges[1] = Math.round(this.#rnd() * 10_000) / 10_000;
    this.gauges[2] = 0.01 + this.#rnd() * 0.005;
  }

  /** The current step's Prometheus sample values in canonical order, into `out` (SERIES_PER_SERVICE long). */
  promValues(out: Float64Array): Float64Array {
    let i = 0;
    for (let c = 0; c < COMBOS; c++) {
      let cum = 0;
      for (let b = 0; b < BUCKETS; b++) out[i++] = cum += this.bucketCounts[c * BUCKETS + b];
      out[i++] = this.sums[c];
      out[i++] = this.counts[c];
      out[i++] = this.counts[c];
    }
    for (let g = 0; g < GAUGES.length; g++) out[i++] = this.gauges[g];
    return out;
  }
}
