/**
 * @module A typed client for the Prometheus HTTP API that Pharos serves (same origin). Query
 * answers are unions on `resultType`, as in Prometheus' own UI (responseTypes/query.ts).
 */

/** A series' label set, `__name__` included, as the API writes it. */
export interface Labels {
  readonly [name: string]: string;
}

/** One sample of an instant vector: `value` is [time in s, value as the API writes it ("1.5", "NaN", "+Inf")]. */
export interface InstantSample {
  readonly metric: Labels;
  readonly value: [number, string];
}

/** One series of a range query (matrix): `values` are [time in s, value text], oldest first. */
export interface RangeSeries {
  readonly metric: Labels;
  readonly values: Array<[number, string]>;
}

/** What /api/v1/query and /api/v1/query_range answer, told apart by `resultType`. */
export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: InstantSample[] }
  | { readonly resultType: 'matrix'; readonly result: RangeSeries[] }
  | { readonly resultType: 'scalar'; readonly result: [number, string] }
  | { readonly resultType: 'string'; readonly result: [number, string] };

/** An answer of one `resultType`: `ResultOf<'vector'>` is `{ resultType: 'vector'; result: InstantSample[] }`. */
export type ResultOf<T extends QueryResult['resultType']> = Extract<QueryResult, { resultType: T }>;

/** A failed API call: Prometheus' errorType and message, plus where in the query when it is a parse error. */
export class ApiError extends Error {
  constructor(readonly errorType: string, message: string, readonly position: { line: number; col: number } | null) {
    super(message);
  }
}

interface Envelope<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

async function call<T>(path: string, params: Record<string, string | string[]>, signal?: AbortSignal): Promise<{ data: T; warnings: string[] }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const res = await fetch(path, { method: 'POST', body, signal });
  const env = (await res.json()) as Envelope<T>;
  if (env.status !== 'success') {
    const m = /^(?:invalid parameter "query": )?(\d+):(\d+): parse error/.exec(env.error ?? '');
    throw new ApiError(env.errorType ?? 'unknown', env.error ?? `HTTP ${res.status}`, m ? { line: Number(m[1]), col: Number(m[2]) } : null);
  }
  return { data: env.data as T, warnings: [...(env.warnings ?? []), ...(env.infos ?? [])] };
}

async function get<T>(path: string, params: Record<string, string | string[]>, signal?: AbortSignal): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const res = await fetch(`${path}?${qs}`, { signal });
  const env = (await res.json()) as Envelope<T>;
  if (env.status !== 'success') throw new ApiError(env.errorType ?? 'unknown', env.error ?? `HTTP ${res.status}`, null);
  return env.data as T;
}

/** An instant query at `time` (s): a vector, scalar or string, with the API's warnings and infos. */
export function instantQuery(query: string, time: number, signal?: AbortSignal): Promise<{ data: QueryResult; warnings: string[] }> {
  return call<QueryResult>('/api/v1/query', { query, time: String(time) }, signal);
}

/** An instant query that must answer a vector (an expression over series); an ApiError otherwise. */
export async function instantVector(query: string, time: number, signal?: AbortSignal): Promise<InstantSample[]> {
  return expectType((await instantQuery(query, time, signal)).data, 'vector', query).result;
}

/** A range query over [start, end] (s) every `step` s; Prometheus answers a matrix for any expression. */
export async function rangeQuery(query: string, start: number, end: number, step: number, signal?: AbortSignal): Promise<{ data: ResultOf<'matrix'>; warnings: string[] }> {
  const r = await call<QueryResult>('/api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, signal);
  return { data: expectType(r.data, 'matrix', query), warnings: r.warnings };
}

/** `r` narrowed to `type`, or an ApiError naming what came instead. */
function expectType<T extends QueryResult['resultType']>(r: QueryResult, type: T, query: string): ResultOf<T> {
  if (r.resultType !== type) throw new ApiError('bad_response', `${query}: expected a ${type}, the API answered a ${r.resultType}`, null);
  return r as ResultOf<T>;
}

/** Values of label `name` on the series matching any of `match` in [start, end] (s). */
export function labelValues(name: string, match: string[], start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  return get<string[]>(`/api/v1/label/${encodeURIComponent(name)}/values`, { 'match[]': match, start: String(start), end: String(end) }, signal);
}

/** Label names of the series matching any of `match` in [start, end] (s); cheap, unlike /series. */
export function labelNames(match: string[], start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  return get<string[]>('/api/v1/labels', { 'match[]': match, start: String(start), end: String(end) }, signal);
}

/**
 * /api/v1/status/tsdb: head figures and the biggest metrics by series count. `numSamples` and
 * `walBytes` are Pharos' additions (Prometheus has neither); absent from an API that omits them.
 */
export interface TsdbStatus {
  readonly headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number; numSamples?: number; walBytes?: number };
  readonly seriesCountByMetricName: Array<{ name: string; value: number }>;
}

/** The store's figures (/api/v1/status/tsdb). */
export function tsdbStatus(signal?: AbortSignal): Promise<TsdbStatus> {
  return get<TsdbStatus>('/api/v1/status/tsdb', {}, signal);
}

/** /api/v1/status/flags: Pharos' effective settings under their flag names ("otlp-grpc-listen"). */
export function statusFlags(signal?: AbortSignal): Promise<Record<string, string>> {
  return get<Record<string, string>>('/api/v1/status/flags', {}, signal);
}

/** One sample of Pharos' own /metrics (text exposition), parsed just enough for the pipeline page. */
export interface SelfSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

/** Pharos' own /metrics, every sample (histogram buckets included). */
export async function selfMetrics(signal?: AbortSignal): Promise<SelfSample[]> {
  const text = await (await fetch('/metrics', { signal })).text();
  const out: SelfSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** One scrape target of /api/v1/targets (Prometheus' shape; the fields the UI reads). */
export interface ActiveTarget {
  readonly labels: Labels;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
  /** RFC 3339; `0001-01-01T00:00:00Z` before the first scrape. */
  readonly lastScrape: string;
  /** Seconds. */
  readonly lastScrapeDuration: number;
  readonly scrapeInterval: string;
}

/** The scrape manager's active targets (/api/v1/targets?state=active). */
export function activeTargets(signal?: AbortSignal): Promise<ActiveTarget[]> {
  return get<{ activeTargets: ActiveTarget[] }>('/api/v1/targets', { state: 'active' }, signal).then((d) => d.activeTargets);
}
