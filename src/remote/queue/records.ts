/**
 * @module Records of the remote-write buffer (docs/format/remote-write-buffer.md): a builder that
 * frames several records into one growable buffer for a single write, and decoders for the three
 * payloads (series, samples, metadata).
 */
import { crc32 } from 'node:zlib';
import type { Label, Labels } from '../../model/labels.ts';
import type { MetricMetadata, MetricType } from '../../storage/interface.ts';

/** Record types (the first byte of a record). */
export const RecordType = { Series: 1, Samples: 2, Metadata: 3 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** type u8 · length u32 LE · crc32 u32 LE. */
export const RECORD_HEADER_BYTES = 9;
/** ref u32 · t f64 · v f64, all little-endian. */
export const SAMPLE_BYTES = 20;

/** prompb.MetricMetadata.MetricType numbering, so the byte means the same as on the wire. */
const METRIC_TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Whether `type` is a record type this version knows. */
export function isRecordType(type: number): type is RecordType {
  return type === RecordType.Series || type === RecordType.Samples || type === RecordType.Metadata;
}

/** CRC-32 (IEEE, as zlib) of the type byte followed by the payload. */
export function recordCrc(type: number, payload: Uint8Array): number {
  return crc32(payload, crc32(TYPE_BYTES[type] ?? Uint8Array.of(type)));
}
const TYPE_BYTES: Uint8Array[] = [0, 1, 2, 3].map((t) => Uint8Array.of(t));

/**
 * Builds framed records into one internal buffer that grows by doubling and is reused after
 * reset(). Between begin() and end() the payload is written with the typed writers; end() fills
 * in the length and CRC. bytes() is a view valid until the next write or reset.
 */
export class RecordBuilder {
  #buf: Buffer;
  #dv: DataView;
  #pos = 0;
  #start = -1;
  #type = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
    this.#dv = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  reset(): this {
    this.#pos = 0;
    this.#start = -1;
    return this;
  }

  get byteLength(): number {
    return this.#pos;
  }

  begin(type: RecordType): this {
    this.#ensure(RECORD_HEADER_BYTES);
    this.#start = this.#pos;
    this.#type = type;
    this.#buf[this.#pos] = type;
    this.#pos += RECORD_HEADER_BYTES;
    return this;
  }

  end(): this {
    const start = this.#start;
    if (start < 0) throw new Error('RecordBuilder.end() without begin()');
    const payload = this.#buf.subarray(start + RECORD_HEADER_BYTES, this.#pos);
    this.#buf.writeUInt32LE(payload.length, start + 1);
    this.#buf.writeUInt32LE(recordCrc(this.#type, payload), start + 5);
    this.#start = -1;
    return this;
  }

  /** One sample: series ref, time in ms, value (raw bits, so NaN payloads survive). */
  sample(ref: number, t: number, v: number): void {
    this.#ensure(SAMPLE_BYTES);
    const dv = this.#dv;
    const p = this.#pos;
    dv.setUint32(p, ref, true);
    dv.setFloat64(p + 4, t, true);
    dv.setFloat64(p + 12, v, true);
    this.#pos = p + SAMPLE_BYTES;
  }

  /** Samples i < n whose ref is not negative: one bounds check for all of them. */
  samples(refs: Int32Array, t: Float64Array, v: Float64Array, n: number, kept: number): void {
    this.#ensure(kept * SAMPLE_BYTES);
    const dv = this.#dv;
    let p = this.#pos;
    for (let i = 0; i < n; i++) {
      const ref = refs[i];
      if (ref < 0) continue;
      dv.setUint32(p, ref, true);
      dv.setFloat64(p + 4, t[i], true);
      dv.setFloat64(p + 12, v[i], true);
      p += SAMPLE_BYTES;
    }
    this.#pos = p;
  }

  /** One series definition: ref and its labels. */
  series(ref: number, labels: Labels): void {
    this.#ensure(4 + 5);
    this.#buf.writeUInt32LE(ref, this.#pos);
    this.#pos += 4;
    this.#uvarint(labels.length);
    for (let i = 0; i < labels.length; i++) {
      this.#string(labels[i].name);
      this.#string(labels[i].value);
    }
  }

  /** One metadata entry. */
  metadata(family: string, m: MetricMetadata): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = Math.max(0, METRIC_TYPES.indexOf(m.type));
    this.#string(family);
    this.#string(m.help);
    this.#string(m.unit);
  }

  /** The framed records written since reset(). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  #string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.#ensure(5 + n);
    this.#uvarint(n);
    this.#pos += this.#buf.write(s, this.#pos, n, 'utf8');
  }

  #uvarint(n: number): void {
    this.#ensure(5);
    const b = this.#buf;
    while (n > 127) {
      b[this.#pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[this.#pos++] = n;
  }

  #ensure(extra: number): void {
    const need = this.#pos + extra;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
    this.#dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

/** Why a record payload could not be decoded (the caller names segment and offset). */
export class RecordDecodeError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Calls `fn(ref, labels)` for each series of a Series payload; labels are fresh (safe to keep). */
export function decodeSeriesRecord(p: Uint8Array, fn: (ref: number, labels: Labels) => void): void {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const cur = { pos: 0 };
  while (cur.pos < p.length) {
    if (cur.pos + 4 > p.length) throw new RecordDecodeError(`series entry at payload offset ${cur.pos} is truncated`);
    const ref = dv.getUint32(cur.pos, true);
    cur.pos += 4;
    const n = uvarint(p, cur);
    const labels: Label[] = new Array(n);
    for (let i = 0; i < n; i++) labels[i] = { name: string(p, cur), value: string(p, cur) };
    fn(ref, labels);
  }
}

/** Number of samples in a Samples payload. */
export function samplesInRecord(p: Uint8Array): number {
  if (p.length % SAMPLE_BYTES !== 0) throw new RecordDecodeError(`samples payload of ${p.length} bytes is not a multiple of ${SAMPLE_BYTES}`);
  return p.length / SAMPLE_BYTES;
}

/** Calls `fn` for each entry of a Metadata payload. */
export function decodeMetadataRecord(p: Uint8Array, fn: (family: string, m: MetricMetadata) => void): void {
  const cur = { pos: 0 };
  while (cur.pos < p.length) {
    const type = METRIC_TYPES[p[cur.pos++]] ?? 'unknown';
    const family = string(p, cur);
    const help = string(p, cur);
    const unit = string(p, cur);
    fn(family, { type, help, unit });
  }
}

function uvarint(p: Uint8Array, cur: { pos: number }): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (cur.pos >= p.length) throw new RecordDecodeError(`varint at payload offset ${cur.pos} is truncated`);
    const b = p[cur.pos++];
    n += (b & 0x7f) * mul;
    if (b < 0x80) return n;
    mul *= 128;
  }
  throw new RecordDecodeError(`varint at payload offset ${cur.pos} is too long`);
}

function string(p: Uint8Array, cur: { pos: number }): string {
  const n = uvarint(p, cur);
  if (cur.pos + n > p.length) throw new RecordDecodeError(`string at payload offset ${cur.pos} runs past the payload`);
  const s = utf8.decode(p.subarray(cur.pos, cur.pos + n));
  cur.pos += n;
  return s;
}
