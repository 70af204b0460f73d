/** @module Fallback embedded store: in-memory head + append-only WAL (one record per commit). */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Labels } from '../model/labels.ts';
import { compareLabels, labelsKey, labelValue } from '../model/labels.ts';
import { matchesAll, type Matcher } from '../model/matcher.ts';
import { ValueType } from '../model/value.ts';
import type { Appendable, Appender, MetricMetadata, Queryable, Querier, SampleColumns, SampleIterator, SelectHints, Series, SeriesRef, SeriesSet } from '../storage/interface.ts';
import { StorageError } from '../storage/interface.ts';

class MemSeries {
  t = new Float64Array(16);
  v = new Float64Array(16);
  n = 0;
  constructor(readonly ref: number, readonly labels: Labels, readonly key: string) {}
  push(t: number, v: number) {
    if (this.n === this.t.length) {
      const nt = new Float64Array(this.n * 2); nt.set(this.t); this.t = nt;
      const nv = new Float64Array(this.n * 2); nv.set(this.v); this.v = nv;
    }
    this.t[this.n] = t; this.v[this.n] = v; this.n++;
  }
  lastT() { return this.n ? this.t[this.n - 1] : -Infinity; }
}

/** Options of openDb. */
export interface DbOptions {
  dir: string;
  now?: () => number;
  logger?: { warn(msg: string, fields?: Record<string, unknown>): void; info(msg: string, fields?: Record<string, unknown>): void };
  fsync?: 'never' | 'always';
}

const REC_SERIES = 1;
const REC_SAMPLES = 2;
const HEADER = 9; // type u8, length u32, crc32 u32
const MAX_FUTURE_MS = 10 * 60_000;

/** The embedded store: head in memory, every commit appended to the WAL with one write. */
export class Db implements Appendable, Queryable {
  readonly #byKey = new Map<string, MemSeries>();
  readonly #byRef: MemSeries[] = [];
  readonly #postings = new Map<string, Map<string, Set<number>>>();
  readonly #metadata = new Map<string, MetricMetadata>();
  readonly #now: () => number;
  #fd: number;
  #walBytes = 0;
  #samples = 0;
  #closed = false;

  private constructor(fd: number, readonly options: DbOptions) {
    this.#fd = fd;
    this.#now = options.now ?? Date.now;
  }

  static async open(options: DbOptions): Promise<Db> {
    const walDir = join(options.dir, 'wal');
    mkdirSync(walDir, { recursive: true });
    const path = join(walDir, '00000001');
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    const db = new Db(fd, options);
    db.#replay(path);
    return db;
  }

  #replay(path: string) {
    const buf = readFileSync(path);
    let pos = 0;
    while (pos + HEADER <= buf.length) {
      const type = buf[pos];
      const len = buf.readUInt32LE(pos + 1);
      const crc = buf.readUInt32LE(pos + 5);
      if ((type !== REC_SERIES && type !== REC_SAMPLES) || pos + HEADER + len > buf.length) break;
      const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
      if (crc32(payload) !== crc) break;
      if (type === REC_SERIES) this.#applySeriesRecord(payload);
      else this.#applySamplesRecord(payload);
      pos += HEADER + len;
    }
    if (pos < buf.length) {
      this.options.logger?.warn('wal: torn or corrupt tail truncated', { segment: path, offset: pos, dropped_bytes: buf.length - pos });
      ftruncateSync(this.#fd, pos);
    }
    this.#walBytes = pos;
  }

  #applySeriesRecord(payload: Buffer) {
    const entries = JSON.parse(payload.toString('utf8')) as Array<[number, string[]]>;
    for (const [ref, flat] of entries) {
      const labels: { name: string; value: string }[] = [];
      for (let i = 0; i < flat.length; i += 2) labels.push({ name: flat[i], value: flat[i + 1] });
      this.#addSeries(ref, labels);
    }
  }

  #applySamplesRecord(payload: Buffer) {
    const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let p = 0; p + 20 <= payload.length; p += 20) {
      const s = this.#byRef[dv.getUint32(p, true)];
      if (s) { s.push(dv.getFloat64(p + 4, true), dv.getFloat64(p + 12, true)); this.#samples++; }
    }
  }

  #addSeries(ref: number, labels: Labels): MemSeries {
    const key = labelsKey(labels);
    const s = new MemSeries(ref, labels, key);
    this.#byKey.set(key, s);
    this.#byRef[ref] = s;
    for (const l of labels) {
      let values = this.#postings.get(l.name);
      if (!values) this.#postings.set(l.name, (values = new Map()));
      let refs = values.get(l.value);
      if (!refs) values.set(l.value, (refs = new Set()));
      refs.add(ref);
    }
    return s;
  }

  appender(): Appender {
    if (this.#closed) throw new StorageError('unavailable', 'storage is closed');
    return new HeadAppender(this);
  }

  /** @internal */ lookup(key: string): MemSeries | undefined { return this.#byKey.get(key); }
  /** @internal */ byRef(ref: number): MemSeries | undefined { return this.#byRef[ref]; }
  /** @internal */ nextRef(): number { return this.#byRef.length; }
  /** @internal */ now(): number { return this.#now(); }

  /** @internal Writes one WAL record set and applies it. */
  commitBatch(newSeries: Array<{ ref: number; labels: Labels }>, refs: Uint32Array, ts: Float64Array, vs: Float64Array, n: number, metadata: Map<string, MetricMetadata>) {
    if (this.#closed) throw new StorageError('unavailable', 'storage is closed');
    const parts: Buffer[] = [];
    if (newSeries.length) {
      const payload = Buffer.from(JSON.stringify(newSeries.map((s) => [s.ref, s.labels.flatMap((l) => [l.name, l.value])])));
      parts.push(frame(REC_SERIES, payload));
    }
    if (n) {
      const payload = Buffer.allocUnsafe(n * 20);
      for (let i = 0; i < n; i++) {
        payload.writeUInt32LE(refs[i], i * 20);
        payload.writeDoubleLE(ts[i], i * 20 + 4);
        payload.writeDoubleLE(vs[i], i * 20 + 12);
      }
      parts.push(frame(REC_SAMPLES, payload));
    }
    if (parts.length) {
      const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      try {
        writeSync(this.#fd, buf, 0, buf.length, this.#walBytes);
      } catch (cause) {
        throw new StorageError('unavailable', `cannot write the WAL: ${(cause as Error).message}`, { cause });
      }
      this.#walBytes += buf.length;
    }
    for (const s of newSeries) if (!this.#byRef[s.ref]) this.#addSeries(s.ref, s.labels);
    for (let i = 0; i < n; i++) { this.#byRef[refs[i]].push(ts[i], vs[i]); this.#samples++; }
    for (const [k, m] of metadata) this.#metadata.set(k, m);
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    return new HeadQuerier(this, mint, maxt);
  }

  // Dashboards repeat the same selectors: their (sorted) results stay valid until a series is added.
  readonly #matchCache = new Map<string, { seriesCount: number; result: MemSeries[] }>();

  /** @internal Series matching all matchers, sorted by labels. */
  matching(matchers: Matcher[]): MemSeries[] {
    const cacheKey = matchers.map(String).join('\xff');
    const hit = this.#matchCache.get(cacheKey);
    if (hit && hit.seriesCount === this.#byRef.length) return hit.result;
    const result = this.#match(matchers);
    if (this.#matchCache.size >= 512) this.#matchCache.clear();
    this.#matchCache.set(cacheKey, { seriesCount: this.#byRef.length, result });
    return result;
  }

  #match(matchers: Matcher[]): MemSeries[] {
    // Start from the smallest postings list among the matchers that cannot match an empty value
    // (an equality's list, or the union of a regex's matching values), then check the rest.
    let candidates: Iterable<number> | null = null;
    let best = Infinity;
    for (const m of matchers) {
      if (m.matchesEmpty()) continue;
      const values = this.#postings.get(m.name);
      if (!values) return [];
      if (m.type === '=') {
        const refs = values.get(m.value);
        if (!refs) return [];
        if (refs.size < best) {
          best = refs.size;
          candidates = refs;
        }
      }
    }
    if (!candidates) {
      for (const m of matchers) {
        if (m.matchesEmpty()) continue;
        const out: number[] = [];
        for (const [v, refs] of this.#postings.get(m.name)!) if (m.matches(v)) for (const r of refs) out.push(r);
        candidates = out;
        break;
      }
    }
    const result: MemSeries[] = [];
    if (!candidates) {
      for (const s of this.#byRef) if (s && matchesAll(s.labels, matchers)) result.push(s);
    } else {
      for (const r of candidates) {
        const s = this.#byRef[r];
        if (matchesAll(s.labels, matchers)) result.push(s);
      }
    }
    return result.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  metadata(): ReadonlyMap<string, MetricMetadata> { return this.#metadata; }
  stats() { return { series: this.#byKey.size, samples: this.#samples, walBytes: this.#walBytes }; }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

function frame(type: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out[0] = type;
  out.writeUInt32LE(payload.length, 1);
  out.writeUInt32LE(crc32(payload), 5);
  payload.copy(out, HEADER);
  return out;
}

class HeadAppender implements Appender {
  #refs = new Uint32Array(64);
  #ts = new Float64Array(64);
  #vs = new Float64Array(64);
  #n = 0;
  #newSeries: Array<{ ref: number; labels: Labels; key: string; lastT: number }> = [];
  #newByKey = new Map<string, { ref: number; labels: Labels; key: string; lastT: number }>();
  #batchLast = new Map<number, number>();
  #metadata = new Map<string, MetricMetadata>();
  #done = false;
  constructor(private readonly db: Db) {}

  append(ref_: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.#done) throw new Error('appender already committed or rolled back');
    // A ref from an earlier append of the same labels array skips building and hashing the key.
    const hinted = ref_ > 0 ? this.db.byRef(ref_) : undefined;
    const existing = hinted && hinted.labels === labels ? hinted : this.db.lookup(labelsKey(labels));
    let ref: number;
    let lastT: number;
    if (existing) { ref = existing.ref; lastT = this.#batchLast.get(ref) ?? existing.lastT(); }
    else {
      const key = labelsKey(labels);
      let pending = this.#newByKey.get(key);
      if (!pending) {
        pending = { ref: this.db.nextRef() + this.#newSeries.length, labels, key, lastT: -Infinity };
        this.#newSeries.push(pending);
        this.#newByKey.set(key, pending);
      }
      ref = pending.ref;
      lastT = this.#batchLast.get(ref) ?? -Infinity;
    }
    if (t > this.db.now() + MAX_FUTURE_MS) throw new StorageError('out_of_bounds', `sample timestamp ${new Date(t).toISOString()} is more than 10m in the future`);
    if (t < lastT) throw new StorageError('out_of_order', `out of order sample: timestamp ${t} is before the series' last ${lastT}`);
    if (t === lastT) throw new StorageError('duplicate_sample', `duplicate sample for timestamp ${t}`);
    this.#batchLast.set(ref, t);
    if (this.#n === this.#ts.length) this.#grow();
    this.#refs[this.#n] = ref; this.#ts[this.#n] = t; this.#vs[this.#n] = v; this.#n++;
    return ref;
  }

  #grow() {
    const n = this.#ts.length * 2;
    const r = new Uint32Array(n); r.set(this.#refs); this.#refs = r;
    const t = new Float64Array(n); t.set(this.#ts); this.#ts = t;
    const v = new Float64Array(n); v.set(this.#vs); this.#vs = v;
  }

  updateMetadata(family: string, metadata: MetricMetadata): void { this.#metadata.set(family, metadata); }

  async commit(): Promise<void> {
    if (this.#done) throw new Error('appender already committed or rolled back');
    this.#done = true;
    // Refs were assigned optimistically; another appender may have committed new series since.
    const base = this.db.nextRef();
    const remap = new Map<number, number>();
    const fresh: Array<{ ref: number; labels: Labels }> = [];
    for (const s of this.#newSeries) {
      const now = this.db.lookup(s.key);
      const ref = now ? now.ref : base + fresh.length;
      if (!now) fresh.push({ ref, labels: s.labels });
      remap.set(s.ref, ref);
    }
    for (let i = 0; i < this.#n; i++) { const r = remap.get(this.#refs[i]); if (r !== undefined) this.#refs[i] = r; }
    this.db.commitBatch(fresh, this.#refs, this.#ts, this.#vs, this.#n, this.#metadata);
  }

  rollback(): void { this.#done = true; }
}

/** One selected series: reads its samples in [mint, maxt] by iterator or as column views. */
class HeadSeries implements Series {
  readonly labels: Labels;
  /** Index range of [mint, maxt] in the series' columns, found once by select. */
  constructor(private readonly s: MemSeries, private readonly mint: number, private readonly maxt: number, private readonly lo: number, private readonly hi: number) {
    this.labels = s.labels;
  }
  iterator(): SampleIterator {
    return new RangeIterator(this.s.t, this.s.v, this.lo, this.hi);
  }
  /** Appends only ever write past n, so views of [lo, hi) stay as they are. */
  columns(from: number, to: number): SampleColumns {
    const s = this.s;
    const lo = from <= this.mint ? this.lo : lowerBound(s.t, this.hi, from);
    const hi = Math.max(lo, to >= this.maxt ? this.hi : upperBound(s.t, this.hi, to));
    return { t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi) };
  }
}

class HeadQuerier implements Querier {
  constructor(private readonly db: Db, private readonly mint: number, private readonly maxt: number) {}

  async select(hints: SelectHints, ...matchers: Matcher[]): Promise<SeriesSet> {
    if (matchers.every((m) => m.matchesEmpty())) throw new Error('at least one matcher must not match the empty string');
    const mint = Math.max(this.mint, hints.start ?? this.mint);
    const maxt = Math.min(this.maxt, hints.end ?? this.maxt);
    // Like Prometheus, a series without samples in the range is not selected.
    const series: Series[] = [];
    for (const s of this.db.matching(matchers)) {
      const lo = lowerBound(s.t, s.n, mint);
      const hi = upperBound(s.t, s.n, maxt);
      if (lo >= hi) continue;
      series.push(new HeadSeries(s, mint, maxt, lo, hi));
      if (hints.limit && series.length >= hints.limit) break;
    }
    let i = -1;
    return { next: () => ++i < series.length, at: () => series[i], warnings: () => [] };
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    const names = new Set<string>();
    for (const s of this.#series(matchers)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    const values = new Set<string>();
    for (const s of this.#series(matchers)) { const v = labelValue(s.labels, name); if (v) values.add(v); }
    return [...values].sort();
  }

  #series(matchers: Matcher[]): MemSeries[] {
    const all = this.db.matching(matchers);
    return all.filter((s) => s.n > 0 && s.t[s.n - 1] >= this.mint && s.t[0] <= this.maxt);
  }

  close(): void {}
}

class RangeIterator implements SampleIterator {
  #i: number;
  constructor(private readonly t: Float64Array, private readonly v: Float64Array, start: number, private readonly end: number) { this.#i = start - 1; }
  next(): ValueType { return ++this.#i < this.end ? ValueType.Float : ((this.#i = this.end), ValueType.None); }
  seek(t: number): ValueType {
    if (this.#i < 0) this.#i = 0;
    while (this.#i < this.end && this.t[this.#i] < t) this.#i++;
    return this.#i < this.end ? ValueType.Float : ValueType.None;
  }
  atT(): number { return this.t[this.#i]; }
  atV(): number { return this.v[this.#i]; }
}

// Both searches gallop from the newest sample backwards: most queries read the last minutes, and
// a plain binary search would touch a dozen cache lines of a long series for what sits at its end.

/** The first index in [0, n) with t[i] >= x (n when none). */
function lowerBound(t: Float64Array, n: number, x: number): number {
  let hi = n;
  let step = 1;
  let lo = n - 1;
  while (lo >= 0 && t[lo] >= x) {
    hi = lo;
    lo = hi - step;
    step *= 2;
  }
  lo = lo < 0 ? 0 : lo + 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (t[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** The first index in [0, n) with t[i] > x (n when none). */
function upperBound(t: Float64Array, n: number, x: number): number {
  let hi = n;
  let step = 1;
  let lo = n - 1;
  while (lo >= 0 && t[lo] > x) {
    hi = lo;
    lo = hi - step;
    step *= 2;
  }
  lo = lo < 0 ? 0 : lo + 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (t[mid] <= x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Opens (and replays) the store in `options.dir`. */
export function openDb(options: DbOptions): Promise<Db> {
  return Db.open(options);
}
