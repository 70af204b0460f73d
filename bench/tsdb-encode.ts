/**
 * @module Encodes the `bench:tsdb` load per system: an OTLP/HTTP protobuf ExportMetricsServiceRequest
 * (for Pharos) and a Prometheus remote write 1.0 WriteRequest (for Prometheus and VictoriaMetrics)
 * per service and step. Each service's request is written once as a template; every field that
 * changes between steps is fixed-width on the wire (OTLP fixed64/double, remote-write values, and
 * ms timestamps, whose varint is 6 bytes for any date between 1971 and 2109), so a step only
 * overwrites those bytes in place. The sender thus costs little CPU next to the system under test.
 *
 * Schemas: opentelemetry-proto metrics/v1 (field numbers below) and prometheus/prompb remote.proto.
 */
import { compressSync } from 'snappy';
import {
  BUCKETS, COMBOS, DURATION_BOUNDARIES_S, GAUGES, HOST_SCOPE, HTTP_SCOPE, SERIES_PER_SERVICE,
  comboAttributes, promSeries, resourceAttributes, type AttributeValue, type ServiceState,
} from './tsdb-data.ts';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const TWO_32 = 4294967296;

/** A placeholder of `width` bytes inside a message; `offset` is set by ProtoMsg.flatten(). */
class Slot {
  offset = -1;
  constructor(readonly width: number) {}
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** A protobuf message under construction: static bytes and placeholders, nested by value. */
class ProtoMsg {
  readonly parts: Array<Uint8Array | Slot> = [];
  length = 0;

  #raw(bytes: number[] | Uint8Array): void {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.parts.push(b);
    this.length += b.length;
  }

  #key(field: number, wire: number): void {
    this.#raw(varintBytes(field * 8 + wire));
  }

  varint(field: number, n: number): this {
    this.#key(field, WIRE_VARINT);
    this.#raw(varintBytes(n));
    return this;
  }

  string(field: number, s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.#key(field, WIRE_LEN);
    this.#raw(varintBytes(b.length));
    this.#raw(b);
    return this;
  }

  double(field: number, v: number): this {
    this.#key(field, WIRE_I64);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.#raw(b);
    return this;
  }

  fixed64(field: number, n: bigint): this {
    this.#key(field, WIRE_I64);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    this.#raw(b);
    return this;
  }

  /** A fixed64 or double field whose 8 bytes are written later. */
  i64Slot(field: number): Slot {
    this.#key(field, WIRE_I64);
    return this.#slot(8);
  }

  /** A packed repeated fixed64/double field of `count` values written later; the slot starts at the first. */
  packedI64Slot(field: number, count: number): Slot {
    this.#key(field, WIRE_LEN);
    this.#raw(varintBytes(count * 8));
    return this.#slot(count * 8);
  }

  packedDoubles(field: number, xs: readonly number[]): this {
    this.#key(field, WIRE_LEN);
    this.#raw(varintBytes(xs.length * 8));
    const b = Buffer.alloc(xs.length * 8);
    xs.forEach((x, i) => b.writeDoubleLE(x, i * 8));
    this.#raw(b);
    return this;
  }

  /** A varint field that always takes 6 bytes (ms timestamps), written later with writeVarint6. */
  varint6Slot(field: number): Slot {
    this.#key(field, WIRE_VARINT);
    return this.#slot(6);
  }

  message(field: number, m: ProtoMsg): this {
    this.#key(field, WIRE_LEN);
    this.#raw(varintBytes(m.length));
    this.parts.push(...m.parts);
    this.length += m.length;
    return this;
  }

  #slot(width: number): Slot {
    const s = new Slot(width);
    this.parts.push(s);
    this.length += width;
    return s;
  }

  /** The message's bytes; sets every slot's offset (its bytes are zero until patched). */
  flatten(): Buffer {
    const out = Buffer.alloc(this.length);
    let pos = 0;
    for (const p of this.parts) {
      if (p instanceof Slot) p.offset = pos;
      else out.set(p, pos);
      pos += p instanceof Slot ? p.width : p.length;
    }
    return out;
  }
}

function writeFixed64(buf: Buffer, off: number, n: number): void {
  buf.writeUInt32LE(n % TWO_32 >>> 0, off);
  buf.writeUInt32LE(Math.floor(n / TWO_32), off + 4);
}

const MIN_VARINT6 = 2 ** 35;
const MAX_VARINT6 = 2 ** 42;

function writeVarint6(buf: Buffer, off: number, n: number): void {
  if (!(n >= MIN_VARINT6 && n < MAX_VARINT6)) throw new Error(`timestamp ${n} ms does not take 6 varint bytes`);
  for (let i = 0; i < 5; i++) {
    buf[off + i] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[off + 5] = n;
}

// --- OTLP (opentelemetry/proto/metrics/v1/metrics.proto, common/v1/common.proto) ---

function keyValue(k: string, v: AttributeValue): ProtoMsg {
  // AnyValue: string_value = 1, int_value = 3.
  const value = typeof v === 'string' ? new ProtoMsg().string(1, v) : new ProtoMsg().varint(3, v);
  return new ProtoMsg().string(1, k).message(2, value);
}

/** One service's OTLP request, patched in place per step. Not safe to patch while a send of it is in flight. */
export class OtlpRequest {
  readonly bytes: Buffer;
  readonly #times: Slot[] = [];
  readonly #counts: Slot[] = [];
  readonly #sums: Slot[] = [];
  readonly #buckets: Slot[] = [];
  readonly #counters: Slot[] = [];
  readonly #gauges: Slot[] = [];

  constructor(s: number, startTimeMs: number) {
    const startNs = BigInt(startTimeMs) * 1_000_000n;
    const fixedStart = (m: ProtoMsg, field: number) => m.fixed64(field, startNs);
    const histPoints: ProtoMsg[] = [];
    const sumPoints: ProtoMsg[] = [];
    for (let c = 0; c < COMBOS; c++) {
      const attrs = comboAttributes(c);
      // HistogramDataPoint: attributes 9, start 2, time 3, count 4, sum 5, bucket_counts 6, explicit_bounds 7.
      const h = new ProtoMsg();
      for (const [k, v] of attrs) h.message(9, keyValue(k, v));
      fixedStart(h, 2);
      this.#times.push(h.i64Slot(3));
      this.#counts.push(h.i64Slot(4));
      this.#sums.push(h.i64Slot(5));
      this.#buckets.push(h.packedI64Slot(6, BUCKETS));
      h.packedDoubles(7, DURATION_BOUNDARIES_S);
      histPoints.push(h);
      // NumberDataPoint: attributes 7, start 2, time 3, as_int 6 (sfixed64).
      const n = new ProtoMsg();
      for (const [k, v] of attrs) n.message(7, keyValue(k, v));
      fixedStart(n, 2);
      this.#times.push(n.i64Slot(3));
      this.#counters.push(n.i64Slot(6));
      sumPoints.push(n);
    }
    // Histogram: data_points 1, aggregation_temporality 2 (CUMULATIVE = 2).
    const histogram = new ProtoMsg();
    for (const p of histPoints) histogram.message(1, p);
    histogram.varint(2, 2);
    // Sum: data_points 1, aggregation_temporality 2, is_monotonic 3.
    const sum = new ProtoMsg();
    for (const p of sumPoints) sum.message(1, p);
    sum.varint(2, 2).varint(3, 1);
    // Metric: name 1, description 2, unit 3, sum 7, gauge 5, histogram 9.
    const httpScope = new ProtoMsg()
      .message(1, new ProtoMsg().string(1, HTTP_SCOPE.name).string(2, HTTP_SCOPE.version))
      .message(2, new ProtoMsg().string(1, 'http.server.request.duration').string(2, 'Duration of HTTP server requests.').string(3, 's').message(9, histogram))
      .message(2, new ProtoMsg().string(1, 'app.requests').string(2, 'Requests handled.').string(3, '{request}').message(7, sum));
    const hostScope = new ProtoMsg().message(1, new ProtoMsg().string(1, HOST_SCOPE.name).string(2, HOST_SCOPE.version));
    for (const g of GAUGES) {
      // NumberDataPoint: start 2, time 3, as_double 4.
      const p = new ProtoMsg();
      fixedStart(p, 2);
      this.#times.push(p.i64Slot(3));
      this.#gauges.push(p.i64Slot(4));
      hostScope.message(2, new ProtoMsg().string(1, g.name).string(3, g.unit).message(5, new ProtoMsg().message(1, p)));
    }
    const resource = new ProtoMsg();
    for (const [k, v] of resourceAttributes(s)) resource.message(1, keyValue(k, v));
    // ResourceMetrics: resource 1, scope_metrics 2; ExportMetricsServiceRequest: resource_metrics 1.
    const rm = new ProtoMsg().message(1, resource).message(2, httpScope).message(2, hostScope);
    this.bytes = new ProtoMsg().message(1, rm).flatten();
  }

  /** Writes the service's current step into the request. */
  patch(state: ServiceState): Buffer {
    const b = this.bytes;
    const ns = BigInt(state.t) * 1_000_000n;
    const lo = Number(ns & 0xffffffffn);
    const hi = Number(ns >> 32n);
    for (const slot of this.#times) {
      b.writeUInt32LE(lo, slot.offset);
      b.writeUInt32LE(hi, slot.offset + 4);
    }
    for (let c = 0; c < COMBOS; c++) {
      writeFixed64(b, this.#counts[c].offset, state.counts[c]);
      b.writeDoubleLE(state.sums[c], this.#sums[c].offset);
      const off = this.#buckets[c].offset;
      for (let i = 0; i < BUCKETS; i++) writeFixed64(b, off + i * 8, state.bucketCounts[c * BUCKETS + i]);
      writeFixed64(b, this.#counters[c].offset, state.counts[c]);
    }
    for (let g = 0; g < GAUGES.length; g++) b.writeDoubleLE(state.gauges[g], this.#gauges[g].offset);
    return b;
  }
}

// --- Prometheus remote write 1.0 (prompb: WriteRequest.timeseries 1; TimeSeries labels 1, samples 2;
// Label name 1, value 2; Sample value 1 (double), timestamp 2 (int64 ms)) ---

/** One service's remote write request: one sample per series, as a Prometheus sender's shard sends them. */
export class RemoteWriteRequest {
  readonly #bytes: Buffer;
  readonly #values: Slot[] = [];
  readonly #times: Slot[] = [];
  readonly #scratch = new Float64Array(SERIES_PER_SERVICE);

  constructor(s: number) {
    const req = new ProtoMsg();
    for (const labels of promSeries(s)) {
      const ts = new ProtoMsg();
      for (const [name, value] of labels) ts.message(1, new ProtoMsg().string(1, name).string(2, value));
      const sample = new ProtoMsg();
      this.#values.push(sample.i64Slot(1));
      this.#times.push(sample.varint6Slot(2));
      req.message(1, ts.message(2, sample));
    }
    this.#bytes = req.flatten();
  }

  /** The service's current step as a snappy-compressed body (a new buffer, safe to send while patching the next). */
  encode(state: ServiceState): Buffer {
    const values = state.promValues(this.#scratch);
    const b = this.#bytes;
    for (let i = 0; i < values.length; i++) {
      b.writeDoubleLE(values[i], this.#values[i].offset);
      writeVarint6(b, this.#times[i].offset, state.t);
    }
    return compressSync(b);
  }
}
