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

export function instantQuery(query: string, time: number, signal?: AbortSignal) {
  return call<{ resultType: string; result: InstantSample[] | [number, string] }>('/api/v1/query', { query, time: String(time) }, signal);
}

export function rangeQuery(query: string, start: number, end: number, step: number, signal?: AbortSignal) {
  return call<{ resultType: 'matrix'; result: RangeSeries[] }>('/api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, signal);
}

export function labelValues(name: string, match: string[], start: number, end: number, signal?: AbortSignal): Promise<string[]> {
  return get<string[]>(`/api/v1/label/${encodeURIComponent(name)}/values`, { 'match[]': match, start: String(start), end: String(end) }, signal);
}

export function seriesCount(match: string, start: number, end: number, signal?: AbortSignal): Promise<number> {
  return get<Labels[]>('/api/v1/series', { 'match[]': match, start: String(start), end: String(end) }, signal).then((s) => s.length);
}

/** One sample of Pharos' own /metrics (text exposition), parsed just enough for the pipeline page. */
export interface SelfSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

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
