/**
 * @module WAL record codecs (Prometheus tsdb/record): Series, Samples, Tombstones, Metadata and
 * the Pharos SeriesDropped record. Encoding appends into a reusable growable buffer; decoding
 * pushes columns (typed arrays reused between records) into a visitor, never an object per
 * sample. Byte layouts: docs/format/wal.md.
 */
import type { Label, Labels } from '../../model/labels.ts';
import type { MetricMetadata, MetricType } from '../../storage/interface.ts';
import { ByteReader, ByteWriter, MAX_UVARINT_BYTES, MAX_ZIGZAG, putUvarint, RecordDecodeError, unzigzag, zigzag } from './codec.ts';

/**
 * Record type tags: the first byte of every record. Numbers follow Prometheus' record.Type for
 * the analogous records (the encodings differ); 128–254 are Pharos' own.
 */
export const RecordType = {
  Series: 1,
  Samples: 2,
  Tombstones: 3,
  Metadata: 6,
  SeriesDropped: 128,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Why series were dropped from the head (SeriesDropped record). */
export type SeriesDropReason = 'series_limit' | 'deleted' | 'other';

const DROP_REASONS: readonly SeriesDropReason[] = ['other', 'series_limit', 'deleted'];

/** Metric types by their prompb MetricType number (as in the remote-write buffer). */
const METRIC_TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Samples flag: a start-timestamp column follows the values. */
const SAMPLES_HAS_ST = 1;
/**
 * Samples flag: out-of-order samples, each older than its series' newest sample when it was
 * written (accepted within the out-of-order time window); replay puts them back out of order.
 */
const SAMPLES_OUT_OF_ORDER = 2;
const SAMPLES_KNOWN_FLAGS = SAMPLES_HAS_ST | SAMPLES_OUT_OF_ORDER;

const MAX_U32 = 0xffffffff;

/** A series definition as logged: its ref and canonical labels. */
export interface SeriesEntry {
  readonly ref: number;
  readonly labels: Labels;
}

/**
 * Receives decoded records. Typed arrays are scratch views owned by the decoder: valid only during
 * the call (copy to keep), and the first `n` entries are meaningful. Values are float64 with their
 * bits as written (staleness NaNs included). Omitted methods skip that record type.
 */
export interface RecordVisitor {
  /** One series of a Series record; `labels` are fresh objects the visitor may keep. */
  series?(ref: number, labels: Labels): void;
  /**
   * One Samples record: refs[i], t[i] (ms), v[i]; st[i] is the start time in ms (0: unknown) or st
   * is null. `outOfOrder`: the samples were accepted out of order (older than their series' newest).
   */
  samples?(refs: Uint32Array, t: Float64Array, v: Float64Array, n: number, st: Float64Array | null, outOfOrder: boolean): void;
  /** One Tombstones record: the samples of refs[i] in [mint[i], maxt[i]] (ms, inclusive) are deleted. */
  tombstones?(refs: Uint32Array, mint: Float64Array, maxt: Float64Array, n: number): void;
  /** One entry of a Metadata record; last write wins per family. */
  metadata?(family: string, metadata: MetricMetadata): void;
  /** One SeriesDropped record: these refs were removed from the head and are never reused. */
  seriesDropped?(refs: Uint32Array, n: number, reason: SeriesDropReason): void;
  /** A record of a type this version does not know; `record` includes the type byte. */
  unknown?(type: number, record: Uint8Array): void;
}

/** The type byte of a record (0 for an empty one). */
export function recordType(record: Uint8Array): number {
  return record.length > 0 ? record[0] : 0;
}

function checkRef(ref: number): void {
  if (!(ref >= 0 && ref <= MAX_U32 && Math.floor(ref) === ref)) throw new RangeError(`series ref ${ref} is not a uint32`);
}

function checkTime(d: number, what: string): void {
  if (!(d >= -MAX_ZIGZAG && d <= MAX_ZIGZAG && Math.floor(d) === d)) throw new RangeError(`${what} ${d} is not an integer within ±2^52`);
}

/**
 * Encodes records into one growable buffer. Each method appends a record and returns a view of
 * it; views stay valid until reset(), so one commit's records can be encoded and then logged
 * together. Not safe to share across an await while views are in use.
 */
export class RecordEncoder {
  readonly #w: ByteWriter;
  readonly #strings = new Map<string, number>();

  constructor(capacityBytes = 64 * 1024) {
    this.#w = new ByteWriter(capacityBytes);
  }

  /** Forgets all records encoded so far (their views become invalid). */
  reset(): void {
    this.#w.reset();
  }

  /**
   * A Series record. Labels must be canonical (sorted, unique names, no empty values). Strings
   * repeated within the record are written once and referenced by index afterwards.
   */
  series(entries: ReadonlyArray<SeriesEntry>): Uint8Array {
    const w = this.#w;
    const start = w.pos;
    const strings = this.#strings;
    strings.clear();
    w.u8(RecordType.Series);
    w.uvarint(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const { ref, labels } = entries[i];
      checkRef(ref);
      w.u32(ref);
      w.uvarint(labels.length);
      for (let j = 0; j < labels.length; j++) {
        this.#strRef(labels[j].name);
        this.#strRef(labels[j].value);
      }
    }
    return w.view(start);
  }

  #strRef(s: string): void {
    const w = this.#w;
    const k = this.#strings.get(s);
    if (k !== undefined) {
      w.uvarint(k);
      return;
    }
    this.#strings.set(s, this.#strings.size + 1);
    w.u8(0);
    w.str(s);
  }

  /**
   * A Samples record of refs[i], t[i], v[i] for i < n (t in integer ms; st[i] start time in ms or
   * 0 when unknown). Values are copied as bytes, so NaN payloads survive. `outOfOrder` flags
   * samples accepted out of order (each older than its series' newest sample).
   */
  samples(refs: ArrayLike<number>, t: Float64Array, v: Float64Array, n: number, st?: Float64Array | null, outOfOrder = false): Uint8Array {
    if (n > refs.length || n > t.length || n > v.length || (st && n > st.length)) throw new RangeError(`samples: n=${n} exceeds a column's length`);
    const base = n > 0 ? t[0] : 0;
    checkTime(base, 'sample timestamp');
    const w = this.#w;
    const start = w.pos;
    w.ensure(2 + 2 * MAX_UVARINT_BYTES + n * (2 * MAX_UVARINT_BYTES + 8 + (st ? MAX_UVARINT_BYTES : 0)));
    const b = w.buffer;
    let p = start;
    b[p++] = RecordType.Samples;
    b[p++] = (st ? SAMPLES_HAS_ST : 0) | (outOfOrder ? SAMPLES_OUT_OF_ORDER : 0);
    p = putUvarint(b, p, n);
    p = putUvarint(b, p, zigzag(base));
    // Hot loops: one-byte varints inline, the general case through putUvarint.
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const r = refs[i];
      if (!(r >= 0 && r <= MAX_U32 && Math.floor(r) === r)) checkRef(r);
      const d = r - prev;
      prev = r;
      const z = d >= 0 ? 2 * d : -2 * d - 1;
      if (z < 0x80) b[p++] = z;
      else p = putUvarint(b, p, z);
    }
    for (let i = 0; i < n; i++) {
      const d = t[i] - base;
      if (!(d >= -MAX_ZIGZAG && d <= MAX_ZIGZAG && Math.floor(d) === d)) checkTime(d, 'sample timestamp delta');
      const z = d >= 0 ? 2 * d : -2 * d - 1;
      if (z < 0x80) b[p++] = z;
      else p = putUvarint(b, p, z);
    }
    w.pos = p;
    w.f64Column(v, n);
    if (st) {
      p = w.pos;
      for (let i = 0; i < n; i++) {
        const s = st[i];
        if (s === 0) {
          b[p++] = 0;
          continue;
        }
        const d = t[i] - s;
        checkTime(d, 'start timestamp delta');
        p = putUvarint(b, p, zigzag(d) + 1);
      }
      w.pos = p;
    }
    return w.view(start);
  }

  /** A Tombstones record: samples of refs[i] in [mint[i], maxt[i]] (ms, inclusive; ±Infinity allowed) are deleted. */
  tombstones(refs: ArrayLike<number>, mint: ArrayLike<number>, maxt: ArrayLike<number>, n: number): Uint8Array {
    const w = this.#w;
    const start = w.pos;
    w.u8(RecordType.Tombstones);
    w.uvarint(n);
    for (let i = 0; i < n; i++) {
      checkRef(refs[i]);
      w.u32(refs[i]);
      w.f64(mint[i]);
      w.f64(maxt[i]);
    }
    return w.view(start);
  }

  /** A Metadata record: one entry per metric family. */
  metadata(entries: ReadonlyMap<string, MetricMetadata>): Uint8Array {
    const w = this.#w;
    const start = w.pos;
    w.u8(RecordType.Metadata);
    w.uvarint(entries.size);
    for (const [family, m] of entries) {
      w.str(family);
      const code = METRIC_TYPES.indexOf(m.type);
      w.u8(code < 0 ? 0 : code);
      w.str(m.unit);
      w.str(m.help);
    }
    return w.view(start);
  }

  /** A SeriesDropped record: refs[i] for i < n left the head (for `reason`) and are never reused. */
  seriesDropped(refs: ArrayLike<number>, n: number, reason: SeriesDropReason): Uint8Array {
    const w = this.#w;
    const start = w.pos;
    w.u8(RecordType.SeriesDropped);
    w.u8(DROP_REASONS.indexOf(reason) < 0 ? 0 : DROP_REASONS.indexOf(reason));
    w.uvarint(n);
    for (let i = 0; i < n; i++) {
      checkRef(refs[i]);
      w.u32(refs[i]);
    }
    return w.view(start);
  }
}

/**
 * Decodes records into a visitor, reusing its column buffers between records. Throws
 * RecordDecodeError on malformed bytes; the visitor may already have seen part of the record.
 */
export class RecordDecoder {
  readonly #r = new ByteReader();
  readonly #table: string[] = [];
  #refs = new Uint32Array(1024);
  #a = new Float64Array(1024);
  #b = new Float64Array(1024);
  #c = new Float64Array(1024);

  #grow(n: number): void {
    if (n <= this.#refs.length) return;
    let cap = this.#refs.length;
    while (cap < n) cap *= 2;
    this.#refs = new Uint32Array(cap);
    this.#a = new Float64Array(cap);
    this.#b = new Float64Array(cap);
    this.#c = new Float64Array(cap);
  }

  /** Decodes one record (type byte first) into `visitor`; returns its type. */
  decode(record: Uint8Array, visitor: RecordVisitor): number {
    const r = this.#r;
    r.reset(record);
    const type = r.u8();
    switch (type) {
      case RecordType.Series:
        if (visitor.series) this.#series(visitor);
        break;
      case RecordType.Samples:
        if (visitor.samples) this.#samples(visitor);
        break;
      case RecordType.Tombstones:
        if (visitor.tombstones) this.#tombstones(visitor);
        break;
      case RecordType.Metadata:
        if (visitor.metadata) this.#metadata(visitor);
        break;
      case RecordType.SeriesDropped:
        if (visitor.seriesDropped) this.#seriesDropped(visitor);
        break;
      default:
        visitor.unknown?.(type, record);
    }
    return type;
  }

  #count(minBytesEach: number): number {
    const r = this.#r;
    const n = r.uvarint();
    if (n * minBytesEach > r.remaining) throw new RecordDecodeError(`count ${n} cannot fit in ${r.remaining} bytes`, r.pos);
    return n;
  }

  #done(): void {
    const r = this.#r;
    if (r.pos !== r.end) throw new RecordDecodeError(`${r.end - r.pos} trailing bytes`, r.pos);
  }

  #series(visitor: RecordVisitor): void {
    const r = this.#r;
    const table = this.#table;
    table.length = 0;
    const n = this.#count(5);
    for (let i = 0; i < n; i++) {
      const ref = r.u32();
      const k = this.#count(2);
      const labels: Label[] = new Array(k);
      for (let j = 0; j < k; j++) labels[j] = { name: this.#strRef(), value: this.#strRef() };
      visitor.series!(ref, labels);
    }
    this.#done();
  }

  #strRef(): string {
    const r = this.#r;
    const k = r.uvarint();
    if (k === 0) {
      const s = r.str();
      this.#table.push(s);
      return s;
    }
    if (k > this.#table.length) throw new RecordDecodeError(`string reference ${k} beyond the ${this.#table.length} strings so far`, r.pos);
    return this.#table[k - 1];
  }

  #samples(visitor: RecordVisitor): void {
    const r = this.#r;
    const flags = r.u8();
    if ((flags & ~SAMPLES_KNOWN_FLAGS) !== 0) throw new RecordDecodeError(`unknown samples flags 0x${flags.toString(16)}`, r.pos - 1);
    const n = this.#count(10);
    this.#grow(n);
    const refs = this.#refs;
    const t = this.#a;
    const v = this.#b;
    const base = r.varint();
    // Hot loops: one-byte varints inline (the count check above keeps them within the record,
    // since every sample takes at least 10 bytes), longer ones through the reader.
    const b = r.bytes;
    let p = r.pos;
    let ref = 0;
    for (let i = 0; i < n; i++) {
      let z = b[p];
      if (z < 0x80) p++;
      else {
        r.pos = p;
        z = r.uvarint();
        p = r.pos;
      }
      ref += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      if (ref < 0 || ref > MAX_U32) throw new RecordDecodeError(`series ref ${ref} out of range`, p);
      refs[i] = ref;
    }
    for (let i = 0; i < n; i++) {
      let z = b[p];
      if (z < 0x80) p++;
      else {
        r.pos = p;
        z = r.uvarint();
        p = r.pos;
      }
      t[i] = base + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    }
    r.pos = p;
    r.f64Column(v, n);
    let st: Float64Array | null = null;
    if (flags & SAMPLES_HAS_ST) {
      st = this.#c;
      for (let i = 0; i < n; i++) {
        const z = r.uvarint();
        st[i] = z === 0 ? 0 : t[i] - unzigzag(z - 1);
      }
    }
    this.#done();
    visitor.samples!(refs, t, v, n, st, (flags & SAMPLES_OUT_OF_ORDER) !== 0);
  }

  #tombstones(visitor: RecordVisitor): void {
    const r = this.#r;
    const n = this.#count(20);
    this.#grow(n);
    const refs = this.#refs;
    const mint = this.#a;
    const maxt = this.#b;
    for (let i = 0; i < n; i++) {
      refs[i] = r.u32();
      mint[i] = r.f64();
      maxt[i] = r.f64();
    }
    this.#done();
    visitor.tombstones!(refs, mint, maxt, n);
  }

  #metadata(visitor: RecordVisitor): void {
    const r = this.#r;
    const n = this.#count(4);
    for (let i = 0; i < n; i++) {
      const family = r.str();
      const code = r.u8();
      const unit = r.str();
      const help = r.str();
      visitor.metadata!(family, { type: METRIC_TYPES[code] ?? 'unknown', unit, help });
    }
    this.#done();
  }

  #seriesDropped(visitor: RecordVisitor): void {
    const r = this.#r;
    const reason = DROP_REASONS[r.u8()] ?? 'other';
    const n = this.#count(4);
    this.#grow(n);
    const refs = this.#refs;
    for (let i = 0; i < n; i++) refs[i] = r.u32();
    this.#done();
    visitor.seriesDropped!(refs, n, reason);
  }
}
