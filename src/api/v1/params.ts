/**
 * @module Request parameters as Prometheus reads them: form values (POST body first, then the
 * URL query), times as unix seconds or RFC 3339, durations as seconds or "5m", limits, match[].
 * Error texts are Prometheus' own, so clients that show them read the same words.
 */
import type { IncomingMessage } from 'node:http';
import type { Matcher } from '../../model/matcher.ts';
import { parseGoFloat, parsePromDuration } from '../../promql/duration.ts';
import { parseMetricSelector } from '../../promql/parser.ts';
import { ApiError, invalidParam } from './respond.ts';

/** Largest form body read, as Go's ParseForm (10 MiB). */
export const MAX_FORM_BYTES = 10 << 20;

/** Earliest and latest times an open range stands for (ms); stores clamp them. */
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

// Prometheus formats its min/max times like this and accepts them back (api.go minTimeFormatted).
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

/** Form values of one request: body values come before URL query values, like Go's r.Form. */
export class Form {
  readonly #body: URLSearchParams;
  readonly #query: URLSearchParams;
  constructor(query: URLSearchParams, body: URLSearchParams = new URLSearchParams()) {
    this.#query = query;
    this.#body = body;
  }
  /** The first value, or '' when absent (Go FormValue). */
  get(name: string): string {
    return this.#body.get(name) ?? this.#query.get(name) ?? '';
  }
  /** All values, body first. */
  getAll(name: string): string[] {
    return [...this.#body.getAll(name), ...this.#query.getAll(name)];
  }
}

/** Reads the form of a request: URL query plus, for form-encoded POST/PUT/PATCH, the body. */
export async function readForm(req: IncomingMessage, url: URL): Promise<Form> {
  const method = req.method ?? 'GET';
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && type === 'application/x-www-form-urlencoded') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) throw new ApiError('bad_data', 'error parsing form values: http: POST too large');
      chunks.push(chunk);
    }
    return new Form(url.searchParams, new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
  }
  return new Form(url.searchParams);
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses a time (Prometheus parseTime) into ms: unix seconds with up to ms precision (the
 * fraction is rounded to ms), or RFC 3339 (sub-ms truncated). Throws Error with Prometheus' text.
 */
export function parseTime(s: string): number {
  const f = parseGoFloat(s);
  if (f !== null && Number.isFinite(f)) {
    const whole = Math.trunc(f);
    return whole * 1000 + Math.round((f - whole) * 1000);
  }
  const m = RFC3339_RE.exec(s);
  if (m) {
    const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
    const frac = m[7];
    const zone = m[8];
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear keeps years 0-99 literal, unlike Date.UTC
    date.setUTCHours(h, mi, sec, 0);
    // Go rejects out-of-range fields (Feb 30, hour 24) rather than rolling over.
    if (date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && sec < 60) {
      let ms = date.getTime();
      if (frac) ms += Math.trunc(Number(frac.padEnd(9, '0')) / 1e6);
      if (zone !== 'Z') {
        const sign = zone[0] === '-' ? -1 : 1;
        ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
      }
      return ms;
    }
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** Prometheus parseTimeParam: `def` when empty, else parseTime with its extra wrapping. */
export function parseTimeParam(form: Form, name: string, def: number): number {
  const v = form.get(name);
  if (v === '') return def;
  try {
    return parseTime(v);
  } catch (cause) {
    throw invalidParam(name, new Error(`invalid time value for '${name}': ${(cause as Error).message}`));
  }
}

// Go time.Duration is int64 nanoseconds.
const MAX_DURATION_S = 9223372036.854775807;

/** Parses a duration (Prometheus parseDuration) into ms: float seconds or "1h30m". */
export function parseDuration(s: string): number {
  const f = parseGoFloat(s);
  if (f !== null) {
    if (Number.isNaN(f) || f > MAX_DURATION_S || f < -MAX_DURATION_S) throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    return f * 1000;
  }
  const ms = parsePromDuration(s);
  if (ms !== null) return ms;
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
}

/** Prometheus parseLimitParam: '' → 0 (no limit); negative → error. */
export function parseLimit(s: string): number {
  if (s === '') return 0;
  if (!/^[+-]?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n < 0) throw new Error('limit must be non-negative');
  return n;
}

/** Reads and checks `limit`, as `invalid parameter "limit"` on error. */
export function limitParam(form: Form): number {
  try {
    return parseLimit(form.get('limit'));
  } catch (cause) {
    throw invalidParam('limit', cause);
  }
}

/**
 * Parses every `match[]` into matcher sets (Prometheus parseMatchersParam). Each set needs a
 * matcher that does not match "", else `match[] must contain at least one non-empty matcher`.
 */
export function parseMatchersParam(values: readonly string[]): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const v of values) {
    try {
      sets.push(parseMetricSelector(v));
    } catch (cause) {
      throw invalidParam('match[]', cause);
    }
  }
  for (const set of sets) {
    if (!set.some((m) => !m.matchesEmpty())) throw invalidParam('match[]', new Error('match[] must contain at least one non-empty matcher'));
  }
  return sets;
}

/**
 * Decodes a label name from the URL (Prometheus model.UnescapeName, value-encoding escaping):
 * `U__` then `__` for "_" and `_<hex>_` for a code point. Invalid escapes return the input.
 */
export function unescapeLabelName(name: string): string {
  if (!name.startsWith('U__')) return name;
  const s = name.slice(3);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '_') {
      out += s[i];
      continue;
    }
    i++;
    if (i >= s.length) return name;
    if (s[i] === '_') {
      out += '_';
      continue;
    }
    let code = 0;
    let closed = false;
    for (let j = 0; i < s.length; j++, i++) {
      if (j >= 6) return name;
      if (s[i] === '_') {
        closed = true;
        break;
      }
      const d = parseInt(s[i], 16);
      if (Number.isNaN(d)) return name;
      code = code * 16 + d;
    }
    if (!closed || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return name;
    out += String.fromCodePoint(code);
  }
  return out;
}
