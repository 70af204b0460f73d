/**
 * @module Prometheus remote write 1.0 `prometheus.WriteRequest` protobuf, by hand: an encoder that
 * writes columnar samples straight into one growable buffer, and a streaming decoder that walks the
 * bytes and calls a visitor per series and per sample, with no object per sample.
 *
 * Schema (prometheus/prompb/remote.proto and types.proto; field numbers are the wire contract):
 * ```
 * WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 * TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2;
 *                  repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 * Label          { string name = 1; string value = 2; }
 * Sample         { double value = 1; int64 timestamp = 2; }   // timestamp in ms
 * MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 * ```
 * Values travel as raw IEEE-754 bits through DataView, so NaN payloads (the staleness marker,
 * model/value.ts) survive both directions.
 */
import type { Labels } from '../model/labels.ts';
import type { MetricMetadata, MetricType } from '../storage/interface.ts';

/** prompb.MetricMetadata.MetricType, indexed by its wire number. */
const METRIC_TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

const TWO_32 = 4294967296;

// Field keys: (field << 3) | wire type.
const KEY_TIMESERIES = (1 << 3) | 2;
const KEY_METADATA = (3 << 3) | 2;
const KEY_LABEL = (1 << 3) | 2;
const KEY_SAMPLE = (2 << 3) | 2;
const KEY_NAME = (1 << 3) | 2;
const KEY_VALUE = (2 << 3) | 2;
const KEY_SAMPLE_VALUE = (1 << 3) | 1;
const KEY_SAMPLE_TIMESTAMP = (2 << 3) | 0;
const KEY_META_TYPE = (1 << 3) | 0;
const KEY_META_FAMILY = (2 << 3) | 2;
const KEY_META_HELP = (4 << 3) | 2;
const KEY_META_UNIT = (5 << 3) | 2;

/** One series of columnar input for the encoder: samples [start, end) of `t` (ms) and `v`. */
export interface WriteSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** First sample to send; 0 when absent. */
  readonly start?: number;
  /** One past the last sample to send; `t.length` when absent. */
  readonly end?: number;
}

/**
 * Encodes WriteRequests into one internal buffer that grows by doubling and is reused after
 * reset(). Series are written in call order, labels in the order given (canonical Labels are
 * sorted, as the remote write spec requires). Both sample fields are always written, so -0 and
 * NaN payloads reach the receiver unchanged. Timestamps must be integer ms (negative allowed).
 */
export class WriteRequestEncoder {
  #buf: Buffer;
  #dv: DataView;
  #pos = 0;
  #lens = new Int32Array(64);

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.alloc(Math.max(16, initialBytes));
    this.#dv = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** Bytes written since the last reset. */
  get byteLength(): number {
    return this.#pos;
  }

  /** Forgets what was written; keeps the buffer. Views returned by finish() become invalid. */
  reset(): this {
    this.#pos = 0;
    return this;
  }

  /** Appends one TimeSeries with samples [start, end) of the columns. */
  addSeries(labels: Labels, t: Float64Array, v: Float64Array, start = 0, end = t.length): this {
    if (end > t.length || end > v.length || start < 0 || start > end) throw new RangeError(`sample range [${start}, ${end}) is outside the columns (t: ${t.length}, v: ${v.length})`);
    // Size pass: label strings' UTF-8 lengths (kept for the write pass), then samples.
    const n = labels.length;
    if (this.#lens.length < 2 * n) this.#lens = new Int32Array(4 * n);
    const lens = this.#lens;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const nl = Buffer.byteLength(labels[i].name, 'utf8');
      const vl = Buffer.byteLength(labels[i].value, 'utf8');
      lens[2 * i] = nl;
      lens[2 * i + 1] = vl;
      const msg = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
      size += 1 + varintSize(msg) + msg;
    }
    for (let i = start; i < end; i++) {
      const msg = 9 + 1 + int64Size(t[i]);
      size += 1 + varintSize(msg) + msg;
    }
    this.#ensure(1 + 5 + size);

    // Write pass.
    const b = this.#buf;
    b[this.#pos++] = KEY_TIMESERIES;
    this.#varint(size);
    for (let i = 0; i < n; i++) {
      const nl = lens[2 * i];
      const vl = lens[2 * i + 1];
      b[this.#pos++] = KEY_LABEL;
      this.#varint(1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl);
      b[this.#pos++] = KEY_NAME;
      this.#varint(nl);
      this.#pos += b.write(labels[i].name, this.#pos, nl, 'utf8');
      b[this.#pos++] = KEY_VALUE;
      this.#varint(vl);
      this.#pos += b.write(labels[i].value, this.#pos, vl, 'utf8');
    }
    for (let i = start; i < end; i++) {
      const ts = t[i];
      b[this.#pos++] = KEY_SAMPLE;
      b[this.#pos++] = 9 + 1 + int64Size(ts); // at most 20: one byte
      b[this.#pos++] = KEY_SAMPLE_VALUE;
      this.#dv.setFloat64(this.#pos, v[i], true);
      this.#pos += 8;
      b[this.#pos++] = KEY_SAMPLE_TIMESTAMP;
      this.#int64(ts);
    }
    return this;
  }

  /** Appends one MetricMetadata entry for a metric family (the name without _bucket/_sum/_count). */
  addMetadata(family: string, metadata: MetricMetadata): this {
    const typeNum = Math.max(0, METRIC_TYPES.indexOf(metadata.type));
    const fl = Buffer.byteLength(family, 'utf8');
    const hl = Buffer.byteLength(metadata.help, 'utf8');
    const ul = Buffer.byteLength(metadata.unit, 'utf8');
    let size = 0;
    if (typeNum !== 0) size += 2;
    if (fl) size += 1 + varintSize(fl) + fl;
    if (hl) size += 1 + varintSize(hl) + hl;
    if (ul) size += 1 + varintSize(ul) + ul;
    this.#ensure(1 + 5 + size);
    const b = this.#buf;
    b[this.#pos++] = KEY_METADATA;
    this.#varint(size);
    if (typeNum !== 0) { b[this.#pos++] = KEY_META_TYPE; b[this.#pos++] = typeNum; }
    if (fl) { b[this.#pos++] = KEY_META_FAMILY; this.#varint(fl); this.#pos += b.write(family, this.#pos, fl, 'utf8'); }
    if (hl) { b[this.#pos++] = KEY_META_HELP; this.#varint(hl); this.#pos += b.write(metadata.help, this.#pos, hl, 'utf8'); }
    if (ul) { b[this.#pos++] = KEY_META_UNIT; this.#varint(ul); this.#pos += b.write(metadata.unit, this.#pos, ul, 'utf8'); }
    return this;
  }

  /** The request written so far: a view into the internal buffer, valid until the next add or reset. */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  #ensure(extra: number): void {
    const need = this.#pos + extra;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.alloc(cap);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
    this.#dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  #varint(n: number): void {
    const b = this.#buf;
    while (n > 127) {
      b[this.#pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    b[this.#pos++] = n;
  }

  /** int64 varint of an integer: two's complement over 64 bits, so negatives take 10 bytes. */
  #int64(t: number): void {
    const b = this.#buf;
    if (t >= 0 && t < TWO_32) { this.#varint(t); return; }
    const hiSigned = Math.floor(t / TWO_32);
    let lo = (t - hiSigned * TWO_32) >>> 0;
    let hi = hiSigned >>> 0;
    while (hi !== 0 || lo > 127) {
      b[this.#pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    b[this.#pos++] = lo;
  }
}

/** Encodes one WriteRequest into a fresh buffer (convenience over WriteRequestEncoder). */
export function encodeWriteRequest(series: readonly WriteSeries[], metadata?: ReadonlyMap<string, MetricMetadata>): Uint8Array {
  const enc = new WriteRequestEncoder();
  for (const s of series) enc.addSeries(s.labels, s.t, s.v, s.start ?? 0, s.end ?? s.t.length);
  if (metadata) for (const [family, m] of metadata) enc.addMetadata(family, m);
  return new Uint8Array(enc.finish());
}

function varintSize(n: number): number {
  let size = 1;
  while (n > 127) { n = Math.floor(n / 128); size++; }
  return size;
}

function int64Size(t: number): number {
  if (t < 0) return 10;
  return varintSize(t);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Why bytes are not a valid WriteRequest; the message names the offset. */
export class WriteRequestDecodeError extends Error {}

/**
 * The raw labels of one TimeSeries as they were on the wire: any order, possibly with duplicate
 * names or empty values. Reused between series: copy what you keep; valid only during the call.
 */
export interface WireLabels {
  count: number;
  readonly names: string[];
  readonly values: string[];
}

/** What the decoder calls, in wire order. Calls are synchronous; a throw aborts the decode. */
export interface WriteRequestVisitor {
  /** Start of a TimeSeries; `labels` is scratch (see WireLabels). Its samples follow. */
  series(labels: WireLabels): void;
  /** One sample of the current series: `t` in ms (an integer), `v` with its NaN payload intact. */
  sample(t: number, v: number): void;
  /** Parts of the current series this decoder skips (exemplars, native histograms), with their count. */
  skipped?(kind: 'exemplar' | 'histogram', count: number): void;
  /** One MetricMetadata entry. */
  metadata?(family: string, metadata: MetricMetadata): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Walks a WriteRequest and drives `visitor`: per TimeSeries, series() then sample() per sample,
 * then metadata() per MetricMetadata entry, in wire order. Labels of a series are collected before
 * its samples even if the wire interleaves them. Unknown fields are skipped, as protobuf requires.
 * Throws WriteRequestDecodeError on malformed input (visitor calls made before that stand).
 */
export function decodeWriteRequest(bytes: Uint8Array, visitor: WriteRequestVisitor): void {
  new WriteRequestDecoder(bytes, visitor).run();
}

class WriteRequestDecoder {
  readonly #b: Uint8Array;
  readonly #dv: DataView;
  #pos = 0;
  readonly #labels: WireLabels = { count: 0, names: [], values: [] };

  constructor(bytes: Uint8Array, private readonly visitor: WriteRequestVisitor) {
    this.#b = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): void {
    const end = this.#b.length;
    this.#pos = 0;
    while (this.#pos < end) {
      const at = this.#pos;
      const key = this.#varint();
      if (key === KEY_TIMESERIES) { const e = this.#lengthEnd(end, at); this.#timeSeries(this.#pos, e); this.#pos = e; }
      else if (key === KEY_METADATA) { const e = this.#lengthEnd(end, at); if (this.visitor.metadata) this.#metadata(this.#pos, e); this.#pos = e; }
      else this.#skip(key, end, at);
    }
  }

  // ---- wire primitives ----

  #varint(): number {
    const b = this.#b;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= b.length) throw new WriteRequestDecodeError(`truncated varint at offset ${this.#pos}`);
      const byte = b[this.#pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    throw new WriteRequestDecodeError(`malformed varint at offset ${this.#pos}`);
  }

  /** A signed int64 varint, exact for every value within ±2^53. */
  #int64(): number {
    const b = this.#b;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.#pos >= b.length) throw new WriteRequestDecodeError(`truncated varint at offset ${this.#pos}`);
      const byte = b[this.#pos++] & 0xff;
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) { lo |= (bits & 0x0f) << 28; hi |= bits >>> 4; }
      else hi |= bits << (shift - 32);
      if (byte < 0x80) return (hi | 0) * TWO_32 + (lo >>> 0);
    }
    throw new WriteRequestDecodeError(`malformed varint at offset ${this.#pos}`);
  }

  /** Reads a length prefix at the cursor and returns where the payload ends. */
  #lengthEnd(end: number, at: number): number {
    const len = this.#varint();
    const e = this.#pos + len;
    if (e > end) throw new WriteRequestDecodeError(`field at offset ${at} runs past the end of its message (offset ${end})`);
    return e;
  }

  #skip(key: number, end: number, at: number): void {
    if (key < 8) throw new WriteRequestDecodeError(`invalid field number 0 at offset ${at}`);
    switch (key & 7) {
      case 0: this.#varint(); break;
      case 1: this.#pos += 8; break;
      case 5: this.#pos += 4; break;
      case 2: this.#pos = this.#lengthEnd(end, at); break;
      default: throw new WriteRequestDecodeError(`unsupported wire type ${key & 7} at offset ${at}`);
    }
    if (this.#pos > end) throw new WriteRequestDecodeError(`field at offset ${at} runs past the end of its message (offset ${end})`);
  }

  /** A field that ran over its message's end leaves the cursor past it. */
  #checkEnd(end: number, what: string): void {
    if (this.#pos !== end) throw new WriteRequestDecodeError(`${what} field runs past the end of its message (offset ${end})`);
  }

  #string(s: number, e: number, at: number): string {
    // Label names and most values are short ASCII: building those directly beats TextDecoder.
    if (e - s <= 64) {
      const b = this.#b;
      let ascii = true;
      for (let i = s; i < e; i++) if (b[i] >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
    }
    try {
      return utf8.decode(this.#b.subarray(s, e));
    } catch (cause) {
      throw new WriteRequestDecodeError(`string at offset ${at} is not valid UTF-8`, { cause });
    }
  }

  // ---- messages ----

  #timeSeries(start: number, end: number): void {
    // Pass 1: labels (and counts of what we skip). Pass 2: samples.
    const labels = this.#labels;
    labels.count = 0;
    let samples = 0, exemplars = 0, histograms = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const at = this.#pos;
      const key = this.#varint();
      if (key === KEY_LABEL) { const e = this.#lengthEnd(end, at); this.#label(e); }
      else if (key === KEY_SAMPLE) { samples++; this.#pos = this.#lengthEnd(end, at); }
      else if (key === ((3 << 3) | 2)) { exemplars++; this.#pos = this.#lengthEnd(end, at); }
      else if (key === ((4 << 3) | 2)) { histograms++; this.#pos = this.#lengthEnd(end, at); }
      else this.#skip(key, end, at);
    }
    this.#checkEnd(end, 'time series');
    this.visitor.series(labels);
    if (samples > 0) {
      this.#pos = start;
      while (this.#pos < end) {
        const at = this.#pos;
        const key = this.#varint();
        if (key === KEY_SAMPLE) { const e = this.#lengthEnd(end, at); this.#sample(e); }
        else this.#skip(key, end, at);
      }
      this.#checkEnd(end, 'time series');
    }
    if (exemplars > 0) this.visitor.skipped?.('exemplar', exemplars);
    if (histograms > 0) this.visitor.skipped?.('histogram', histograms);
  }

  #label(end: number): void {
    let name = '', value = '';
    while (this.#pos < end) {
      const at = this.#pos;
      const key = this.#varint();
      if (key === KEY_NAME) { const e = this.#lengthEnd(end, at); name = this.#string(this.#pos, e, at); this.#pos = e; }
      else if (key === KEY_VALUE) { const e = this.#lengthEnd(end, at); value = this.#string(this.#pos, e, at); this.#pos = e; }
      else this.#skip(key, end, at);
    }
    const l = this.#labels;
    l.names[l.count] = name;
    l.values[l.count] = value;
    l.count++;
    this.#checkEnd(end, 'label');
  }

  #sample(end: number): void {
    // Proto3 defaults: an absent field is 0.
    let t = 0, v = 0;
    while (this.#pos < end) {
      const at = this.#pos;
      const key = this.#varint();
      if (key === KEY_SAMPLE_VALUE) {
        if (this.#pos + 8 > end) throw new WriteRequestDecodeError(`sample value at offset ${at} runs past the end of its message (offset ${end})`);
        v = this.#dv.getFloat64(this.#pos, true);
        this.#pos += 8;
      } else if (key === KEY_SAMPLE_TIMESTAMP) t = this.#int64();
      else this.#skip(key, end, at);
    }
    this.#checkEnd(end, 'sample');
    this.visitor.sample(t, v);
  }

  #metadata(start: number, end: number): void {
    let type: MetricType = 'unknown', family = '', help = '', unit = '';
    this.#pos = start;
    while (this.#pos < end) {
      const at = this.#pos;
      const key = this.#varint();
      if (key === KEY_META_TYPE) type = METRIC_TYPES[this.#varint()] ?? 'unknown';
      else if (key === KEY_META_FAMILY) { const e = this.#lengthEnd(end, at); family = this.#string(this.#pos, e, at); this.#pos = e; }
      else if (key === KEY_META_HELP) { const e = this.#lengthEnd(end, at); help = this.#string(this.#pos, e, at); this.#pos = e; }
      else if (key === KEY_META_UNIT) { const e = this.#lengthEnd(end, at); unit = this.#string(this.#pos, e, at); this.#pos = e; }
      else this.#skip(key, end, at);
    }
    this.#checkEnd(end, 'metadata');
    this.visitor.metadata!(family, { type, unit, help });
  }
}
