/**
 * @module Decoder for OTLP/JSON ExportMetricsServiceRequest (spec/otlp-to-prometheus.md §1.6):
 * camelCase or snake_case keys, enums as numbers or names, int64 as strings or numbers, doubles
 * as numbers or "NaN"/"Infinity"/"-Infinity"; unknown fields ignored. Drives the same visitor as
 * the protobuf decoder.
 */
import { MetricKind, OtlpDecodeError, Temporality, type Attributes, type ExponentialHistogramPoint, type HistogramPoint, type MetricDescriptor, type OtlpMetricsVisitor, type SummaryPoint } from '../../translate/otlp/visitor.ts';
import { formatDouble } from './decode-protobuf.ts';

type Obj = Record<string, unknown>;

/** Parses `text` and drives `visitor`. Throws OtlpDecodeError naming the JSON path of a problem. */
export function decodeMetricsJson(text: string, visitor: OtlpMetricsVisitor): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  const root = asObject(doc, '$');
  const resourceAttrs: Attributes = { count: 0, keys: [], values: [] };
  const scopeAttrs: Attributes = { count: 0, keys: [], values: [] };
  const pointAttrs: Attributes = { count: 0, keys: [], values: [] };
  const metric: MetricDescriptor = { name: '', description: '', unit: '', kind: MetricKind.Gauge, temporality: Temporality.Unspecified, monotonic: false };

  list(root, 'resourceMetrics', '$').forEach((rmRaw, i) => {
    const rmPath = `$.resourceMetrics[${i}]`;
    const rm = asObject(rmRaw, rmPath);
    const resource = optObject(field(rm, 'resource'), `${rmPath}.resource`);
    readAttributes(resource ? field(resource, 'attributes') : undefined, resourceAttrs, `${rmPath}.resource.attributes`);
    visitor.beginResource(resourceAttrs, str(field(rm, 'schemaUrl'), `${rmPath}.schemaUrl`));
    list(rm, 'scopeMetrics', rmPath).forEach((smRaw, j) => {
      const smPath = `${rmPath}.scopeMetrics[${j}]`;
      const sm = asObject(smRaw, smPath);
      const scope = optObject(field(sm, 'scope'), `${smPath}.scope`);
      readAttributes(scope ? field(scope, 'attributes') : undefined, scopeAttrs, `${smPath}.scope.attributes`);
      visitor.beginScope(scope ? str(field(scope, 'name'), `${smPath}.scope.name`) : '', scope ? str(field(scope, 'version'), `${smPath}.scope.version`) : '', scopeAttrs, str(field(sm, 'schemaUrl'), `${smPath}.schemaUrl`));
      list(sm, 'metrics', smPath).forEach((mRaw, k) => {
        const mPath = `${smPath}.metrics[${k}]`;
        const m = asObject(mRaw, mPath);
        metric.name = str(field(m, 'name'), `${mPath}.name`);
        metric.description = str(field(m, 'description'), `${mPath}.description`);
        metric.unit = str(field(m, 'unit'), `${mPath}.unit`);
        metric.temporality = Temporality.Unspecified;
        metric.monotonic = false;
        const kinds: Array<[string, MetricKind]> = [['gauge', MetricKind.Gauge], ['sum', MetricKind.Sum], ['histogram', MetricKind.Histogram], ['exponentialHistogram', MetricKind.ExponentialHistogram], ['summary', MetricKind.Summary]];
        const found = kinds.find(([key]) => field(m, key) !== undefined && field(m, key) !== null);
        if (!found) return; // absent oneof: no data
        const [key, kind] = found;
        const dPath = `${mPath}.${key}`;
        const data = asObject(field(m, key), dPath);
        metric.kind = kind;
        if (kind !== MetricKind.Gauge && kind !== MetricKind.Summary) metric.temporality = temporality(field(data, 'aggregationTemporality'), `${dPath}.aggregationTemporality`);
        if (kind === MetricKind.Sum) metric.monotonic = field(data, 'isMonotonic') === true;
        visitor.beginMetric(metric);
        list(data, 'dataPoints', dPath).forEach((pRaw, n) => {
          const pPath = `${dPath}.dataPoints[${n}]`;
          const p = asObject(pRaw, pPath);
          readAttributes(field(p, 'attributes'), pointAttrs, `${pPath}.attributes`);
          const st = nanosToMs(field(p, 'startTimeUnixNano'), `${pPath}.startTimeUnixNano`);
          const t = nanosToMs(field(p, 'timeUnixNano'), `${pPath}.timeUnixNano`);
          const flags = int(field(p, 'flags'), `${pPath}.flags`);
          switch (kind) {
            case MetricKind.Gauge:
            case MetricKind.Sum: {
              const d = field(p, 'asDouble');
              const iv = field(p, 'asInt');
              if (d !== undefined && d !== null) visitor.numberPoint(pointAttrs, st, t, double(d, `${pPath}.asDouble`), flags);
              else if (iv !== undefined && iv !== null) visitor.numberPoint(pointAttrs, st, t, int(iv, `${pPath}.asInt`), flags);
              else if (flags & 1) visitor.numberPoint(pointAttrs, st, t, 0, flags);
              else visitor.invalidPoint('missing_value');
              break;
            }
            case MetricKind.Histogram: {
              const bounds = list(p, 'explicitBounds', pPath).map((x, q) => double(x, `${pPath}.explicitBounds[${q}]`));
              const counts = list(p, 'bucketCounts', pPath).map((x, q) => int(x, `${pPath}.bucketCounts[${q}]`));
              const sum = field(p, 'sum');
              const h: HistogramPoint = {
                count: int(field(p, 'count'), `${pPath}.count`), hasSum: sum !== undefined && sum !== null, sum: sum === undefined || sum === null ? 0 : double(sum, `${pPath}.sum`),
                bounds: Float64Array.from(bounds), boundCount: bounds.length, counts: Float64Array.from(counts), countCount: counts.length, flags,
              };
              visitor.histogramPoint(pointAttrs, st, t, h);
              break;
            }
            case MetricKind.ExponentialHistogram: {
              const side = (key: string) => {
                const o = optObject(field(p, key), `${pPath}.${key}`);
                const counts = o ? list(o, 'bucketCounts', `${pPath}.${key}`).map((x, q) => int(x, `${pPath}.${key}.bucketCounts[${q}]`)) : [];
                return { offset: o ? int(field(o, 'offset'), `${pPath}.${key}.offset`) : 0, counts: Float64Array.from(counts), countCount: counts.length };
              };
              const sum = field(p, 'sum');
              const e: ExponentialHistogramPoint = {
                count: int(field(p, 'count'), `${pPath}.count`), hasSum: sum !== undefined && sum !== null, sum: sum === undefined || sum === null ? 0 : double(sum, `${pPath}.sum`),
                scale: int(field(p, 'scale'), `${pPath}.scale`), zeroCount: int(field(p, 'zeroCount'), `${pPath}.zeroCount`),
                zeroThreshold: field(p, 'zeroThreshold') === undefined ? 0 : double(field(p, 'zeroThreshold'), `${pPath}.zeroThreshold`),
                positive: side('positive'), negative: side('negative'), flags,
              };
              visitor.exponentialHistogramPoint(pointAttrs, st, t, e);
              break;
            }
            case MetricKind.Summary: {
              const qs = list(p, 'quantileValues', pPath).map((x, q) => asObject(x, `${pPath}.quantileValues[${q}]`));
              const s: SummaryPoint = {
                count: int(field(p, 'count'), `${pPath}.count`), sum: field(p, 'sum') === undefined ? 0 : double(field(p, 'sum'), `${pPath}.sum`),
                quantiles: Float64Array.from(qs.map((q, x) => double(field(q, 'quantile') ?? 0, `${pPath}.quantileValues[${x}].quantile`))),
                values: Float64Array.from(qs.map((q, x) => double(field(q, 'value') ?? 0, `${pPath}.quantileValues[${x}].value`))),
                quantileCount: qs.length, flags,
              };
              visitor.summaryPoint(pointAttrs, st, t, s);
              break;
            }
          }
        });
      });
    });
    visitor.endResource();
  });
}

/** A field by its camelCase name, or its snake_case spelling. */
function field(o: Obj, camel: string): unknown {
  const v = o[camel];
  if (v !== undefined) return v;
  return o[camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())];
}

function asObject(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OtlpDecodeError(`${path}: expected an object`);
  return v as Obj;
}
function optObject(v: unknown, path: string): Obj | null {
  return v === undefined || v === null ? null : asObject(v, path);
}
function list(o: Obj, camel: string, path: string): unknown[] {
  const v = field(o, camel);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${path}.${camel}: expected an array`);
  return v;
}
function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpDecodeError(`${path}: expected a string`);
  return v;
}
function int(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  throw new OtlpDecodeError(`${path}: expected an integer, got ${JSON.stringify(v)}`);
}
function double(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new OtlpDecodeError(`${path}: expected a number, got ${JSON.stringify(v)}`);
}
/** int64 ns as a string (exact: drop the last 6 digits) or a number → ms. */
function nanosToMs(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string' && /^\d+$/.test(v)) return v.length <= 6 ? 0 : Number(v.slice(0, -6));
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v / 1e6);
  throw new OtlpDecodeError(`${path}: expected a non-negative integer of nanoseconds, got ${JSON.stringify(v)}`);
}
const TEMPORALITY_NAMES: Record<string, Temporality> = { AGGREGATION_TEMPORALITY_UNSPECIFIED: 0, AGGREGATION_TEMPORALITY_DELTA: 1, AGGREGATION_TEMPORALITY_CUMULATIVE: 2 };
function temporality(v: unknown, path: string): Temporality {
  if (typeof v === 'string' && v in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[v];
  const n = int(v, path);
  if (n < 0 || n > 2) throw new OtlpDecodeError(`${path}: unknown aggregation temporality ${n}`);
  return n as Temporality;
}

function readAttributes(v: unknown, into: Attributes, path: string): void {
  into.count = 0;
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${path}: expected an array`);
  v.forEach((kvRaw, i) => {
    const kv = asObject(kvRaw, `${path}[${i}]`);
    into.keys[into.count] = str(field(kv, 'key'), `${path}[${i}].key`);
    into.values[into.count] = anyValueText(field(kv, 'value'), `${path}[${i}].value`);
    into.count++;
  });
}

/** AnyValue → label value text (spec §2.7). */
function anyValueText(v: unknown, path: string): string {
  const native = anyValueNative(v, path);
  if (native === null) return '';
  if (typeof native === 'string') return native;
  if (typeof native === 'number') return formatDouble(native);
  if (typeof native === 'boolean') return native ? 'true' : 'false';
  return JSON.stringify(native);
}
function anyValueNative(v: unknown, path: string): unknown {
  if (v === undefined || v === null) return null;
  const o = asObject(v, path);
  if (field(o, 'stringValue') !== undefined) return str(field(o, 'stringValue'), path);
  if (field(o, 'boolValue') !== undefined) return field(o, 'boolValue') === true;
  if (field(o, 'intValue') !== undefined) { const iv = field(o, 'intValue'); return typeof iv === 'string' ? iv : int(iv, path); }
  if (field(o, 'doubleValue') !== undefined) return double(field(o, 'doubleValue'), path);
  if (field(o, 'bytesValue') !== undefined) return str(field(o, 'bytesValue'), path);
  const arr = optObject(field(o, 'arrayValue'), path);
  if (arr) return list(arr, 'values', path).map((x, i) => anyValueNative(x, `${path}.values[${i}]`));
  const kvl = optObject(field(o, 'kvlistValue'), path);
  if (kvl) {
    const out: Record<string, unknown> = {};
    const entries = list(kvl, 'values', path).map((x, i) => asObject(x, `${path}.values[${i}]`));
    entries.sort((a, b) => (String(field(a, 'key')) < String(field(b, 'key')) ? -1 : 1));
    for (const e of entries) out[str(field(e, 'key'), path)] = anyValueNative(field(e, 'value'), path);
    return out;
  }
  return null;
}
