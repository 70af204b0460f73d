/** @module A typed client for the Prometheus HTTP API that Pharos serves (same origin). */

export interface Labels {
  readonly [name: string]: string;
}

export interface InstantSample {
  readonly metric: Labels;
  readonly value: [number, string];
}

export interface RangeSeries {
  readonly metric: Labels;
  readonly values: Array<[number, string]>;
}

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

/** An instant query at `time` (s). */
export function instantQuery(query: string, time: number, signal?: AbortSignal) {
  return call<{ resultType: string; result: InstantSample[] | [number, string] }>('/api/v1/query', { query, time: String(time) }, signal);
}

/** A range query over [start, end] (s) every `step` s. */
export function rangeQuery(query: string, start: number, end: number, step: number, signal?: AbortSignal) {
  return call<{ resultType: 'matrix'; result: RangeSeries[] }>('/api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, signal);
}

/** Values of label `name` on the series matching any of `match` in [start, end] (s). */
export function labelValues(name: string, match: string[], start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  return get<string[]>(`/api/v1/label/${encodeURIComponent(name)}/values`, { 'match[]': match, start: String(start), end: String(end) }, signal);
}

/** Label names of the series matching any of `match` in [start, end] (s); cheap, unlike /series. */
export function labelNames(match: string[], start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  return get<string[]>('/api/v1/labels', { 'match[]': match, start: String(start), end: String(end) }, signal);
}

/** /api/v1/status/tsdb: head figures and the biggest metrics by series count. */
export interface TsdbStatus {
  readonly headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number; numSamples?: number; walBytes?: number };
  readonly seriesCountByMetricName: Array<{ name: string; value: number }>;
}

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
