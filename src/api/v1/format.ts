/**
 * @module Serialises query results exactly as Prometheus does (util/jsonutil MarshalTimestamp,
 * MarshalFloat): times as seconds with a 3-digit ms fraction when non-zero, values as strings.
 */
import type { Labels } from '../../model/labels.ts';
import type { QueryValue } from '../../promql/value.ts';

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

/** The `data` object of a query response: `{"resultType":…,"result":…}`. */
export function queryDataJson(value: QueryValue, limit = 0): string {
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
    case 'matrix': {
      const n = limit > 0 ? Math.min(limit, value.series.length) : value.series.length;
      for (let i = 0; i < n; i++) {
        const s = value.series[i];
        const points: string[] = new Array(s.values.length);
        for (let j = 0; j < s.values.length; j++) points[j] = `[${formatTime(s.timestamps[j])},"${formatValue(s.values[j])}"]`;
        parts.push(`{"metric":${labelsJson(s.labels)},"values":[${points.join(',')}]}`);
      }
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
    }
  }
}

/** How many series a result holds (for limit truncation warnings). */
export function seriesCount(value: QueryValue): number {
  return value.resultType === 'vector' ? value.labels.length : value.resultType === 'matrix' ? value.series.length : 1;
}
