/**
 * @module The head's Appender (Prometheus tsdb/head_append.go): validates each sample against the
 * series' last committed time and the batch's own earlier samples, buffers samples in columns,
 * and at commit hands the batch to onCommit (the WAL) and only then writes it into the chunks.
 * With an out-of-order window, an older sample takes a slower path: its own columns, then the
 * series' out-of-order buffer (ooo.ts). The in-order path is unchanged by it.
 */
import type { Labels } from '../../model/labels.ts';
import type { Appender, MetricMetadata, SeriesRef } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';
import type { CommitBatch, Head } from './head.ts';
import { HeadChunks } from './head-chunks.ts';
import { OooInsert } from './ooo.ts';
import { SERIES_ALIVE, SERIES_LOGGED, SERIES_PENDING_LOG } from './series-columns.ts';

const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** Whether two numbers have the same IEEE 754 bits (NaN payloads included). */
function sameBits(a: number, b: number): boolean {
  f64[0] = a;
  f64[1] = b;
  return u32[0] === u32[2] && u32[1] === u32[3];
}

/**
 * One batch of a Head. A ref hint is trusted when it names a live series with as many labels as
 * given (refs are never reused, as in Prometheus); otherwise the labels are looked up, and a new
 * series is created at once (invisible to queries until it has committed samples).
 */
export class HeadAppender implements Appender {
  readonly #head: Head;
  readonly #id: number;
  #refs: Uint32Array;
  #ts: Float64Array;
  #vs: Float64Array;
  #n = 0;
  /** Out-of-order samples of the batch (allocated on the first one). */
  #oRefs: Uint32Array | null = null;
  #oTs: Float64Array | null = null;
  #oVs: Float64Array | null = null;
  #on = 0;
  readonly #maxT: number;
  #metadata: Map<string, MetricMetadata> | null = null;
  #done = false;

  constructor(head: Head, id: number) {
    this.#head = head;
    this.#id = id;
    this.#maxT = head.now() + head.maxFutureMs;
    const b = head.takeBuffers();
    this.#refs = b.refs;
    this.#ts = b.ts;
    this.#vs = b.vs;
  }

  /** Hands the sample buffers back to the head for the next appender (nothing may use them after). */
  #release(): void {
    this.#head.returnBuffers({ refs: this.#refs, ts: this.#ts, vs: this.#vs });
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    if (this.#done) throw new Error('appender already committed or rolled back');
    const head = this.#head;
    const cols = head.chunks.cols;
    if (!(ref > 0 && ref < head.nextRef && (cols.flags[ref] & SERIES_ALIVE) !== 0 && head.table.count(ref) === labels.length)) {
      ref = head.lookup(labels);
      if (ref === 0) {
        this.#checkTime(t);
        ref = head.create(labels);
      }
    }
    return this.#add(ref, t, v);
  }

  appendRef(ref: SeriesRef, t: number, v: number): boolean {
    if (this.#done) throw new Error('appender already committed or rolled back');
    const head = this.#head;
    if (!(ref > 0 && ref < head.nextRef && (head.chunks.cols.flags[ref] & SERIES_ALIVE) !== 0)) return false;
    this.#add(ref, t, v);
    return true;
  }

  /** Adds a sample to the live series ref (checks its time against the head's bounds and the series' last). */
  #add(ref: number, t: number, v: number): SeriesRef {
    const cols = this.#head.chunks.cols;
    this.#checkTime(t);
    const own = cols.batchOwner[ref] === this.#id;
    const last = own ? this.#ts[cols.batchIdx[ref]] : cols.lastT[ref];
    if (t <= last) {
      if (t < last) return this.#outOfOrder(ref, t, v, last);
      // Same time, same value bits: a retried scrape or export; Prometheus ignores it as well.
      const lastV = own ? this.#vs[cols.batchIdx[ref]] : undefined;
      if (lastV !== undefined ? sameBits(lastV, v) : this.#sameCommitted(ref, v)) return ref;
      throw new StorageError('duplicate_sample', `duplicate sample for timestamp ${t} with a different value`);
    }
    let i = this.#n;
    if (i === this.#ts.length) this.#grow();
    this.#refs[i] = ref;
    this.#ts[i] = t;
    this.#vs[i] = v;
    this.#n = i + 1;
    cols.batchOwner[ref] = this.#id;
    cols.batchIdx[ref] = i;
    return ref;
  }

  /** The slow path of a sample older than the series' newest (`last`): staged out of order within the window, or refused. */
  #outOfOrder(ref: number, t: number, v: number, last: number): SeriesRef {
    const head = this.#head;
    const w = head.oooWindowMs;
    if (w === 0) throw new StorageError('out_of_order', `out of order sample: timestamp ${t} is before the series' last ${last}`);
    const newest = Math.max(head.maxTime, last);
    if (t < newest - w) throw new StorageError('too_old', `too old sample: timestamp ${t} is more than the out-of-order window (${w} ms) before the newest sample ${newest}`);
    const cols = head.chunks.cols;
    // The batch has later samples, but this one may repeat the last committed one.
    if (t === cols.lastT[ref]) {
      if (this.#sameCommitted(ref, v)) return ref;
      throw new StorageError('duplicate_sample', `duplicate sample for timestamp ${t} with a different value`);
    }
    const seen = head.ooo.check(ref, t, v);
    if (seen === OooInsert.Same) return ref;
    if (seen === OooInsert.Conflict) throw new StorageError('duplicate_sample', `duplicate out-of-order sample for timestamp ${t} with a different value`);
    this.#stageOutOfOrder(ref, t, v);
    return ref;
  }

  #stageOutOfOrder(ref: number, t: number, v: number): void {
    let i = this.#on;
    if (this.#oTs === null || i === this.#oTs.length) {
      const n = this.#oTs === null ? 64 : this.#oTs.length * 2;
      const r = new Uint32Array(n);
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      if (this.#oTs !== null) {
        r.set(this.#oRefs!);
        ts.set(this.#oTs);
        vs.set(this.#oVs!);
      }
      this.#oRefs = r;
      this.#oTs = ts;
      this.#oVs = vs;
    }
    this.#oRefs![i] = ref;
    this.#oTs[i] = t;
    this.#oVs![i] = v;
    this.#on = i + 1;
  }

  #checkTime(t: number): void {
    if (t > this.#maxT) throw new StorageError('out_of_bounds', `sample timestamp ${new Date(t).toISOString()} is more than ${this.#head.maxFutureMs} ms in the future`);
    if (t < this.#head.minValidT) throw new StorageError('out_of_bounds', `sample timestamp ${t} is before the head's minimum valid time ${this.#head.minValidT}`);
    if (!HeadChunks.validTimestamp(t)) throw new StorageError('out_of_bounds', `sample timestamp ${t} is not an integer within ±2^51 ms`);
  }

  #sameCommitted(ref: number, v: number): boolean {
    const cols = this.#head.chunks.cols;
    f64[0] = v;
    return u32[LO] === cols.vLo[ref] && u32[HI] === cols.vHi[ref];
  }

  #grow(): void {
    const n = this.#ts.length * 2;
    const r = new Uint32Array(n);
    r.set(this.#refs);
    this.#refs = r;
    const t = new Float64Array(n);
    t.set(this.#ts);
    this.#ts = t;
    const v = new Float64Array(n);
    v.set(this.#vs);
    this.#vs = v;
  }

  updateMetadata(metricFamily: string, metadata: MetricMetadata): void {
    if (this.#done) throw new Error('appender already committed or rolled back');
    (this.#metadata ??= new Map()).set(metricFamily, metadata);
  }

  async commit(): Promise<void> {
    this.#commit();
  }

  #commit(): void {
    if (this.#done) throw new Error('appender already committed or rolled back');
    this.#done = true;
    const head = this.#head;
    head.appenderDone(this.#id);
    if (head.closed) throw new StorageError('unavailable', 'head is closed');
    const cols = head.chunks.cols;
    const refs = this.#refs;
    const ts = this.#ts;
    const vs = this.#vs;
    const flags = cols.flags;
    // Another appender may have committed later samples of a series since append() checked;
    // batch samples of a series are ascending, so comparing with the committed last time suffices.
    const series: Array<{ ref: number; labels: Labels }> = [];
    const w = head.oooWindowMs;
    let k = 0;
    for (let i = 0; i < this.#n; i++) {
      const r = refs[i];
      if (cols.batchOwner[r] === this.#id) cols.batchOwner[r] = 0;
      if (!(ts[i] > cols.lastT[r]) || (flags[r] & SERIES_ALIVE) === 0) {
        // Overtaken by another commit: still in the window, it goes in out of order.
        if (w > 0 && (flags[r] & SERIES_ALIVE) !== 0 && ts[i] < cols.lastT[r] && ts[i] >= head.maxTime - w) this.#stageOutOfOrder(r, ts[i], vs[i]);
        else head.outOfOrderAtCommit++;
        continue;
      }
      if ((flags[r] & (SERIES_LOGGED | SERIES_PENDING_LOG)) === 0) {
        flags[r] |= SERIES_PENDING_LOG;
        series.push({ ref: r, labels: head.labelsOf(r) });
      }
      if (k !== i) {
        refs[k] = r;
        ts[k] = ts[i];
        vs[k] = vs[i];
      }
      k++;
    }
    const ko = this.#on > 0 ? this.#keepOutOfOrder(series) : 0;
    const oRefs = this.#oRefs ?? EMPTY_REFS;
    const oTs = this.#oTs ?? EMPTY_F64;
    const oVs = this.#oVs ?? EMPTY_F64;
    const metadata = this.#metadata ?? EMPTY_METADATA;
    if (head.onCommit !== undefined && (k > 0 || ko > 0 || series.length > 0 || metadata.size > 0)) {
      const batch: CommitBatch = { series, refs: refs.subarray(0, k), t: ts.subarray(0, k), v: vs.subarray(0, k), n: k, oooRefs: oRefs.subarray(0, ko), oooT: oTs.subarray(0, ko), oooV: oVs.subarray(0, ko), oooN: ko, metadata };
      try {
        head.onCommit(batch);
      } catch (cause) {
        for (const s of series) flags[s.ref] &= ~SERIES_PENDING_LOG;
        throw new StorageError('unavailable', `commit of ${k} samples rejected: ${(cause as Error)?.message ?? String(cause)}`, { cause });
      }
    }
    for (const s of series) flags[s.ref] = (flags[s.ref] & ~SERIES_PENDING_LOG) | SERIES_LOGGED;
    const chunks = head.chunks;
    let maxT = head.maxTime;
    for (let i = 0; i < k; i++) {
      const t = ts[i];
      chunks.append(refs[i], t, vs[i]);
      if (t > maxT) maxT = t;
    }
    head.maxTime = maxT;
    // Out-of-order samples go in after the in-order ones, as replay puts them back.
    for (let j = 0; j < ko; j++) if (head.ooo.insert(oRefs[j], oTs[j], oVs[j]) !== OooInsert.Added) head.outOfOrderAtCommit++;
    if (metadata.size > 0) head.applyMetadata(metadata);
    this.#release();
  }

  /** Compacts the batch's out-of-order samples to those still storable; adds their unlogged series to `series`. Returns how many are left. */
  #keepOutOfOrder(series: Array<{ ref: number; labels: Labels }>): number {
    const head = this.#head;
    const flags = head.chunks.cols.flags;
    const refs = this.#oRefs!;
    const ts = this.#oTs!;
    const vs = this.#oVs!;
    let k = 0;
    for (let i = 0; i < this.#on; i++) {
      const r = refs[i];
      if ((flags[r] & SERIES_ALIVE) === 0 || ts[i] < head.minValidT) {
        head.outOfOrderAtCommit++;
        continue;
      }
      if ((flags[r] & (SERIES_LOGGED | SERIES_PENDING_LOG)) === 0) {
        flags[r] |= SERIES_PENDING_LOG;
        series.push({ ref: r, labels: head.labelsOf(r) });
      }
      refs[k] = r;
      ts[k] = ts[i];
      vs[k] = vs[i];
      k++;
    }
    return k;
  }

  rollback(): void {
    if (this.#done) return;
    this.#done = true;
    const cols = this.#head.chunks.cols;
    for (let i = 0; i < this.#n; i++) if (cols.batchOwner[this.#refs[i]] === this.#id) cols.batchOwner[this.#refs[i]] = 0;
    this.#head.appenderDone(this.#id);
    this.#release();
  }
}

const EMPTY_METADATA: ReadonlyMap<string, MetricMetadata> = new Map();
const EMPTY_REFS = new Uint32Array(0);
const EMPTY_F64 = new Float64Array(0);
