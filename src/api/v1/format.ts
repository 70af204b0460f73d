/**
 * @module Serialises query results exactly as Prometheus does (util/jsonutil MarshalTimestamp,
 * MarshalFloat): times as seconds with a 3-digit ms fraction when non-zero, values as strings.
 */
import type { Labels } from '../../model/labels.ts';
import type { Matrix, QueryValue } from '../../promql/value.ts';

/**
 * A ms timestamp as Prometheus writes it: integer seconds, then ".ddd" only when the ms part is
 * non-zero (so 1500 → "1.500", 2000 → "2"). Never uses exponent notation.
 */
export function formatTime(t: number): string {
  let s = '';
  if (t < 0) {
    s = '-';
    t = -t;
  }
  const frac = t % 1000;
  s += String((t - frac) / 1000);
  if (frac !== 0) s += '.' + String(frac).padStart(3, '0');
  return s;
}

/**
 * A sample value as Prometheus writes it: Go strconv 'f' with shortest digits, switching to 'e'
 * below 1e-6 and from 1e21 (exponent at least two digits, e.g. "1e-07"); "NaN", "+Inf", "-Inf".
 */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v); // JS also picks shortest round-trip digits and the same 1e-6/1e21 cut-offs
  const e = s.indexOf('e');
  if (e < 0) return s;
  const exp = s.slice(e + 2);
  return s.slice(0, e + 2) + (exp.length < 2 ? '0' + exp : exp);
}

/** A label set as a JSON object, in label order (built by hand: JS objects reorder numeric keys). */
export function labelsJson(labels: Labels): string {
  let s = '{';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) s += ',';
    s += JSON.stringify(labels[i].name) + ':' + JSON.stringify(labels[i].value);
  }
  return s + '}';
}

/**
 * JSON text, as a string or as its UTF-8 bytes (large results, whose text is turned into bytes as
 * it is built).
 */
export type JsonText = string | Buffer;

/** The `data` object of a query response: `{"resultType":…,"result":…}`. */
export function queryDataJson(value: QueryValue, limit = 0): JsonText {
  const parts: string[] = [];
  switch (value.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":[${formatTime(value.t)},"${formatValue(value.v)}"]}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(value.t)},${JSON.stringify(value.v)}]}`;
    case 'vector': {
      const t = formatTime(value.t);
      const n = limit > 0 ? Math.min(limit, value.labels.length) : value.labels.length;
      for (let i = 0; i < n; i++) parts.push(`{"metric":${labelsJson(value.labels[i])},"value":[${t},"${formatValue(value.values[i])}"]}`);
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix':
      return matrixJson(value, limit);
  }
}

/** Text a matrix's JSON is turned into bytes at, once it is this long (UTF-16 code units). */
const MATRIX_PIECE_CHARS = 16_384;

/**
 * A matrix as UTF-8 bytes. Built with `+=` a large result is a rope of a few pieces per point,
 * which costs as much again to flatten when it is written: the text goes into bytes every
 * MATRIX_PIECE_CHARS instead. The series of a range query share the step grid, so each timestamp
 * is formatted once and reused while the next series has the same time at that index.
 */
function matrixJson(value: Matrix, limit: number): Buffer {
  const n = limit > 0 ? Math.min(limit, value.series.length) : value.series.length;
  const pieces: Buffer[] = [];
  let out = '{"resultType":"matrix","result":[';
  let prevTimes: Float64Array | null = null;
  const times: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = value.series[i];
    const ts = s.timestamps;
    const vs = s.values;
    out += (i > 0 ? ',{"metric":' : '{"metric":') + labelsJson(s.labels) + ',"values":[';
    for (let j = 0; j < ts.length; j++) {
      const t = ts[j];
      // times[j] is always the text of the previous series' time at j, when it had one.
      let text = times[j];
      if (prevTimes === null || j >= prevTimes.length || prevTimes[j] !== t) times[j] = text = formatTime(t);
      out += (j > 0 ? ',[' : '[') + text + ',"' + formatValue(vs[j]) + '"]';
    }
    out += ']}';
    prevTimes = ts;
    if (out.length >= MATRIX_PIECE_CHARS) {
      pieces.push(Buffer.from(out, 'utf8'));
      out = '';
    }
  }
  pieces.push(Buffer.from(out + ']}', 'utf8'));
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
}

/** How many series a result holds (for limit truncation warnings). */
export function seriesCount(value: QueryValue): number {
  return value.resultType === 'vector' ? value.labels.length : value.resultType === 'matrix' ? value.series.length : 1;
}
