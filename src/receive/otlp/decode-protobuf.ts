/**
 * @module Streaming decoder for ExportMetricsServiceRequest protobuf: walks the bytes with a cursor
 * and calls the visitor per data point, with reused scratch objects and no request object tree
 * (field numbers in spec/otlp-to-prometheus.md §1.5).
 */
import { MetricKind, OtlpDecodeError, Temporality, type Attributes, type ExponentialHistogramPoint, type HistogramPoint, type MetricDescriptor, type OtlpMetricsVisitor, type SummaryPoint } from '../../translate/otlp/visitor.ts';

const utf8 = new TextDecoder();

/** Decodes `bytes` and drives `visitor`. Throws OtlpDecodeError on malformed input. */
export function decodeMetricsProtobuf(bytes: Uint8Array, visitor: OtlpMetricsVisitor): void {
  new ProtobufMetricsDecoder(bytes, visitor).run();
}

/** Strings up to this many bytes go through the string cache; longer ones are decoded each time. */
const CACHED_STRING_MAX_BYTES = 128;
/** Slots of the string cache (a power of two). Attribute keys and values repeat across points and requests. */
const STRING_CACHE_SLOTS = 1 << 14;
const STRING_CACHE_MASK = STRING_CACHE_SLOTS - 1;

/**
 * A direct-mapped cache of decoded UTF-8 strings by their bytes, shared by every request: the
 * same attribute key or value decodes to the same string instance without allocating, which also
 * makes the translator's lookups cheap (V8 caches a string's hash in the string).
 */
const stringCacheBytes: Array<Uint8Array | undefined> = new Array(STRING_CACHE_SLOTS);
const stringCacheStrings: string[] = new Array(STRING_CACHE_SLOTS).fill('');

function cachedString(b: Uint8Array, s: number, e: number): string {
  const len = e - s;
  if (len === 0) return '';
  if (len > CACHED_STRING_MAX_BYTES) return utf8.decode(b.subarray(s, e));
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  const slot = (h ^ (h >>> 15)) & STRING_CACHE_MASK;
  const cached = stringCacheBytes[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached[i] === b[s + i]) i++;
    if (i === len) return stringCacheStrings[slot];
  }
  const str = utf8.decode(b.subarray(s, e));
  stringCacheBytes[slot] = b.slice(s, e);
  stringCacheStrings[slot] = str;
  return str;
}

/**
 * The decoder walks each message with a field cursor: #field(pos, end) reads one field header
 * into #f/#w/#s/#e (field number, wire type, payload start and end), with no closure or object per
 * field. Callers copy those four into locals before visiting nested messages.
 */
class ProtobufMetricsDecoder {
  readonly #b: Uint8Array;
  readonly #dv: DataView;
  #pos = 0;
  #f = 0;
  #w = 0;
  #s = 0;
  #e = 0;
  readonly #resourceAttrs: Attributes = { count: 0, keys: [], values: [] };
  readonly #scopeAttrs: Attributes = { count: 0, keys: [], values: [] };
  readonly #pointAttrs: Attributes = { count: 0, keys: [], values: [] };
  readonly #metric: MetricDescriptor = { name: '', description: '', unit: '', kind: MetricKind.Gauge, temporality: Temporality.Unspecified, monotonic: false };
  readonly #hist: HistogramPoint = { count: 0, hasSum: false, sum: 0, bounds: new Float64Array(32), boundCount: 0, counts: new Float64Array(32), countCount: 0, flags: 0 };
  readonly #exp: ExponentialHistogramPoint = { count: 0, hasSum: false, sum: 0, scale: 0, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: new Float64Array(32), countCount: 0 }, negative: { offset: 0, counts: new Float64Array(32), countCount: 0 }, flags: 0 };
  readonly #summary: SummaryPoint = { count: 0, sum: 0, quantiles: new Float64Array(16), values: new Float64Array(16), quantileCount: 0, flags: 0 };

  constructor(bytes: Uint8Array, private readonly visitor: OtlpMetricsVisitor) {
    this.#b = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): void {
    const end = this.#b.length;
    for (let pos = 0; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 1 && w === 2) this.#resourceMetrics(s, e);
    }
  }

  // ---- wire primitives ----
  #varint(): number {
    const b = this.#b;
    let pos = this.#pos;
    // One- and two-byte varints (tags, lengths of small messages) without the general loop.
    if (pos < b.length && b[pos] < 0x80) {
      this.#pos = pos + 1;
      return b[pos];
    }
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= b.length) throw new OtlpDecodeError(`truncated varint at offset ${pos}`);
      const byte = b[pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.#pos = pos;
        return result;
      }
      mul *= 128;
    }
    throw new OtlpDecodeError(`malformed varint at offset ${pos}`);
  }

  /** Reads the field header at pos (within a message ending at end) into #f, #w, #s, #e. */
  #field(pos: number, end: number): void {
    this.#pos = pos;
    const key = this.#varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new OtlpDecodeError(`invalid field number 0 at offset ${pos}`);
    let s = this.#pos;
    let e: number;
    switch (wire) {
      case 0: this.#varint(); e = this.#pos; break;
      case 1: e = s + 8; break;
      case 5: e = s + 4; break;
      case 2: { const len = this.#varint(); s = this.#pos; e = s + len; break; }
      default: throw new OtlpDecodeError(`unsupported wire type ${wire} at offset ${pos}`);
    }
    if (e > end) throw new OtlpDecodeError(`field ${field} at offset ${pos} runs past the end of its message (offset ${end})`);
    this.#f = field;
    this.#w = wire;
    this.#s = s;
    this.#e = e;
  }

  #varintAt(s: number): number { this.#pos = s; return this.#varint(); }
  #double(s: number): number { return this.#dv.getFloat64(s, true); }
  #fixed64(s: number): number { return this.#dv.getUint32(s + 4, true) * 4294967296 + this.#dv.getUint32(s, true); }
  /** ns (fixed64) → ms, exact without BigInt: 2^32 = 4294·10^6 + 967296. */
  #nsToMs(s: number): number {
    const lo = this.#dv.getUint32(s, true);
    const hi = this.#dv.getUint32(s + 4, true);
    return hi * 4294 + Math.floor((hi * 967296 + lo) / 1e6);
  }
  #string(s: number, e: number): string { return cachedString(this.#b, s, e); }
  #zigzag(n: number): number { return n % 2 === 0 ? n / 2 : -(n + 1) / 2; }

  // ---- messages ----
  #resourceMetrics(start: number, end: number): void {
    // The resource may follow its scope_metrics on the wire: find it first.
    this.#resourceAttrs.count = 0;
    let schemaUrl = '';
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (w !== 2) continue;
      if (f === 1) {
        for (let p2 = s; p2 < e; ) {
          this.#field(p2, e);
          const f2 = this.#f, w2 = this.#w, s2 = this.#s, e2 = this.#e;
          p2 = e2;
          if (f2 === 1 && w2 === 2) this.#keyValue(s2, e2, this.#resourceAttrs);
        }
      } else if (f === 3) schemaUrl = this.#string(s, e);
    }
    this.visitor.beginResource(this.#resourceAttrs, schemaUrl);
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 2 && w === 2) this.#scopeMetrics(s, e);
    }
    this.visitor.endResource();
  }

  #scopeMetrics(start: number, end: number): void {
    let name = '', version = '', schemaUrl = '';
    this.#scopeAttrs.count = 0;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (w !== 2) continue;
      if (f === 1) {
        for (let p2 = s; p2 < e; ) {
          this.#field(p2, e);
          const f2 = this.#f, w2 = this.#w, s2 = this.#s, e2 = this.#e;
          p2 = e2;
          if (w2 !== 2) continue;
          if (f2 === 1) name = this.#string(s2, e2);
          else if (f2 === 2) version = this.#string(s2, e2);
          else if (f2 === 3) this.#keyValue(s2, e2, this.#scopeAttrs);
        }
      } else if (f === 3) schemaUrl = this.#string(s, e);
    }
    this.visitor.beginScope(name, version, this.#scopeAttrs, schemaUrl);
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 2 && w === 2) this.#metricMsg(s, e);
    }
  }

  #metricMsg(start: number, end: number): void {
    const m = this.#metric;
    m.name = ''; m.description = ''; m.unit = ''; m.temporality = Temporality.Unspecified; m.monotonic = false;
    let dataStart = -1, dataEnd = -1, kind = 0;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (w !== 2) continue;
      if (f === 1) m.name = this.#string(s, e);
      else if (f === 2) m.description = this.#string(s, e);
      else if (f === 3) m.unit = this.#string(s, e);
      else if (f === 5 || f === 7 || f === 9 || f === 10 || f === 11) { dataStart = s; dataEnd = e; kind = f; }
    }
    if (dataStart < 0) return; // absent oneof: no data
    m.kind = kind === 5 ? MetricKind.Gauge : kind === 7 ? MetricKind.Sum : kind === 9 ? MetricKind.Histogram : kind === 10 ? MetricKind.ExponentialHistogram : MetricKind.Summary;
    for (let pos = dataStart; pos < dataEnd; ) {
      this.#field(pos, dataEnd);
      const f = this.#f, w = this.#w, s = this.#s;
      pos = this.#e;
      if (f === 2 && w === 0) m.temporality = this.#varintAt(s) as Temporality;
      else if (f === 3 && w === 0) m.monotonic = this.#varintAt(s) !== 0;
    }
    this.visitor.beginMetric(m);
    for (let pos = dataStart; pos < dataEnd; ) {
      this.#field(pos, dataEnd);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f !== 1 || w !== 2) continue;
      switch (m.kind) {
        case MetricKind.Gauge: case MetricKind.Sum: this.#numberPoint(s, e); break;
        case MetricKind.Histogram: this.#histogramPoint(s, e); break;
        case MetricKind.ExponentialHistogram: this.#expPoint(s, e); break;
        case MetricKind.Summary: this.#summaryPoint(s, e); break;
      }
    }
  }

  #numberPoint(start: number, end: number): void {
    const attrs = this.#pointAttrs;
    attrs.count = 0;
    let st = 0, t = 0, value = 0, hasValue = false, flags = 0;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 7 && w === 2) this.#keyValue(s, e, attrs);
      else if (f === 2 && w === 1) st = this.#nsToMs(s);
      else if (f === 3 && w === 1) t = this.#nsToMs(s);
      else if (f === 4 && w === 1) { value = this.#double(s); hasValue = true; }
      else if (f === 6 && w === 1) { value = Number(this.#dv.getBigInt64(s, true)); hasValue = true; }
      else if (f === 8 && w === 0) flags = this.#varintAt(s);
    }
    if (!hasValue && (flags & 1) === 0) { this.visitor.invalidPoint('missing_value'); return; }
    this.visitor.numberPoint(attrs, st, t, value, flags);
  }

  #histogramPoint(start: number, end: number): void {
    const attrs = this.#pointAttrs;
    attrs.count = 0;
    const p = this.#hist;
    p.count = 0; p.hasSum = false; p.sum = 0; p.boundCount = 0; p.countCount = 0; p.flags = 0;
    let st = 0, t = 0;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 9 && w === 2) this.#keyValue(s, e, attrs);
      else if (f === 2 && w === 1) st = this.#nsToMs(s);
      else if (f === 3 && w === 1) t = this.#nsToMs(s);
      else if (f === 4 && w === 1) p.count = this.#fixed64(s);
      else if (f === 5 && w === 1) { p.sum = this.#double(s); p.hasSum = true; }
      else if (f === 6) { if (w === 2) for (let i = s; i + 8 <= e; i += 8) this.#pushCount(this.#fixed64(i)); else if (w === 1) this.#pushCount(this.#fixed64(s)); }
      else if (f === 7) { if (w === 2) for (let i = s; i + 8 <= e; i += 8) this.#pushBound(this.#double(i)); else if (w === 1) this.#pushBound(this.#double(s)); }
      else if (f === 10 && w === 0) p.flags = this.#varintAt(s);
    }
    this.visitor.histogramPoint(attrs, st, t, p);
  }

  #pushCount(v: number) { const p = this.#hist; if (p.countCount === p.counts.length) p.counts = grow(p.counts); p.counts[p.countCount++] = v; }
  #pushBound(v: number) { const p = this.#hist; if (p.boundCount === p.bounds.length) p.bounds = grow(p.bounds); p.bounds[p.boundCount++] = v; }

  #expPoint(start: number, end: number): void {
    const attrs = this.#pointAttrs;
    attrs.count = 0;
    const p = this.#exp;
    p.count = 0; p.hasSum = false; p.sum = 0; p.scale = 0; p.zeroCount = 0; p.zeroThreshold = 0; p.flags = 0;
    p.positive.offset = 0; p.positive.countCount = 0; p.negative.offset = 0; p.negative.countCount = 0;
    let st = 0, t = 0;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 1 && w === 2) this.#keyValue(s, e, attrs);
      else if (f === 2 && w === 1) st = this.#nsToMs(s);
      else if (f === 3 && w === 1) t = this.#nsToMs(s);
      else if (f === 4 && w === 1) p.count = this.#fixed64(s);
      else if (f === 5 && w === 1) { p.sum = this.#double(s); p.hasSum = true; }
      else if (f === 6 && w === 0) p.scale = this.#zigzag(this.#varintAt(s));
      else if (f === 7 && w === 1) p.zeroCount = this.#fixed64(s);
      else if ((f === 8 || f === 9) && w === 2) this.#expBuckets(s, e, f === 8 ? p.positive : p.negative);
      else if (f === 10 && w === 0) p.flags = this.#varintAt(s);
      else if (f === 14 && w === 1) p.zeroThreshold = this.#double(s);
    }
    this.visitor.exponentialHistogramPoint(attrs, st, t, p);
  }

  #expBuckets(start: number, end: number, side: ExponentialHistogramPoint['positive']): void {
    const push = (v: number) => { if (side.countCount === side.counts.length) side.counts = grow(side.counts); side.counts[side.countCount++] = v; };
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 1 && w === 0) side.offset = this.#zigzag(this.#varintAt(s));
      else if (f === 2) {
        if (w === 2) { this.#pos = s; while (this.#pos < e) push(this.#varint()); }
        else if (w === 0) push(this.#varintAt(s));
      }
    }
  }

  #summaryPoint(start: number, end: number): void {
    const attrs = this.#pointAttrs;
    attrs.count = 0;
    const p = this.#summary;
    p.count = 0; p.sum = 0; p.quantileCount = 0; p.flags = 0;
    let st = 0, t = 0;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 7 && w === 2) this.#keyValue(s, e, attrs);
      else if (f === 2 && w === 1) st = this.#nsToMs(s);
      else if (f === 3 && w === 1) t = this.#nsToMs(s);
      else if (f === 4 && w === 1) p.count = this.#fixed64(s);
      else if (f === 5 && w === 1) p.sum = this.#double(s);
      else if (f === 6 && w === 2) {
        let q = 0, v = 0;
        for (let p2 = s; p2 < e; ) {
          this.#field(p2, e);
          const f2 = this.#f, w2 = this.#w, s2 = this.#s;
          p2 = this.#e;
          if (f2 === 1 && w2 === 1) q = this.#double(s2);
          else if (f2 === 2 && w2 === 1) v = this.#double(s2);
        }
        if (p.quantileCount === p.quantiles.length) { p.quantiles = grow(p.quantiles); p.values = grow(p.values); }
        p.quantiles[p.quantileCount] = q; p.values[p.quantileCount++] = v;
      }
      else if (f === 8 && w === 0) p.flags = this.#varintAt(s);
    }
    this.visitor.summaryPoint(attrs, st, t, p);
  }

  #keyValue(start: number, end: number, into: Attributes): void {
    let key = '', value = '';
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 1 && w === 2) key = this.#string(s, e);
      else if (f === 2 && w === 2) value = this.#anyValue(s, e);
    }
    into.keys[into.count] = key;
    into.values[into.count] = value;
    into.count++;
  }

  /** AnyValue → string per spec §2.7. */
  #anyValue(start: number, end: number): string {
    let out = '';
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 1 && w === 2) out = this.#string(s, e);
      else if (f === 2 && w === 0) out = this.#varintAt(s) ? 'true' : 'false';
      else if (f === 3 && w === 0) out = this.#int64Text(s, e);
      else if (f === 4 && w === 1) out = formatDouble(this.#double(s));
      else if (f === 7 && w === 2) out = Buffer.from(this.#b.subarray(s, e)).toString('base64');
      else if ((f === 5 || f === 6) && w === 2) out = JSON.stringify(this.#anyValueJson(s, e, f === 6));
    }
    return out;
  }

  /** The int64 varint in [s, e) as decimal text; small non-negative values (status codes) skip BigInt. */
  #int64Text(s: number, e: number): string {
    if (e - s <= 7) {
      const v = this.#varintAt(s); // < 2^49: exact as a number, and non-negative (a negative int64 takes 10 bytes)
      return v < SMALL_INT_STRINGS.length ? SMALL_INT_STRINGS[v] : String(v);
    }
    // Exact for any int64: read the varint as BigInt only in this rare path.
    let result = 0n, shift = 0n;
    for (let pos = s; pos < e; pos++) {
      const byte = this.#b[pos];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7n;
    }
    return BigInt.asIntN(64, result).toString();
  }

  #anyValueJson(start: number, end: number, kv: boolean): unknown {
    const list: unknown[] = [];
    const obj: Record<string, unknown> = {};
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f !== 1 || w !== 2) continue;
      if (kv) {
        let key = '', val: unknown = null;
        for (let p2 = s; p2 < e; ) {
          this.#field(p2, e);
          const f2 = this.#f, w2 = this.#w, s2 = this.#s, e2 = this.#e;
          p2 = e2;
          if (f2 === 1 && w2 === 2) key = this.#string(s2, e2);
          else if (f2 === 2 && w2 === 2) val = this.#anyValueNative(s2, e2);
        }
        obj[key] = val;
      } else list.push(this.#anyValueNative(s, e));
    }
    if (!kv) return list;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(obj).sort()) sorted[k] = obj[k];
    return sorted;
  }

  #anyValueNative(start: number, end: number): unknown {
    let out: unknown = null;
    for (let pos = start; pos < end; ) {
      this.#field(pos, end);
      const f = this.#f, w = this.#w, s = this.#s, e = this.#e;
      pos = e;
      if (f === 1 && w === 2) out = this.#string(s, e);
      else if (f === 2 && w === 0) out = this.#varintAt(s) !== 0;
      else if (f === 3 && w === 0) out = Number(this.#int64Text(s, e));
      else if (f === 4 && w === 1) out = this.#double(s);
      else if (f === 7 && w === 2) out = Buffer.from(this.#b.subarray(s, e)).toString('base64');
      else if ((f === 5 || f === 6) && w === 2) out = this.#anyValueJson(s, e, f === 6);
    }
    return out;
  }
}

/** Decimal text of 0..999, shared: HTTP status codes and other small int attributes allocate nothing. */
const SMALL_INT_STRINGS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i));

function grow(a: Float64Array): Float64Array {
  const n = new Float64Array(a.length * 2);
  n.set(a);
  return n;
}

/** A double as a label value: JS String() except the special values' spelling. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}
