/**
 * @module Per-series state of the head as struct-of-arrays indexed by series ref: the open chunk's
 * XOR state, its slab slot, the list of completed chunks and bookkeeping flags. About 80 bytes a
 * series and no JS object per series.
 */

/** flags: the ref names a live series. */
export const SERIES_ALIVE = 1;
/** flags: the series' labels were handed to onCommit (the WAL has them). */
export const SERIES_LOGGED = 2;
/** flags: scratch bit while a commit collects series to log. */
export const SERIES_PENDING_LOG = 4;
/** leading value meaning "no XOR window yet" (as in chunkenc's XorValueState). */
export const NO_WINDOW = 0xff;

const GROWTH = 1.5;

function grow<T extends Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array>(a: T, cap: number, fill?: number): T {
  const C = a.constructor as new (n: number) => T;
  const next = new C(cap);
  next.set(a as never);
  if (fill !== undefined) next.fill(fill as never, a.length);
  return next;
}

/** The columns; index with a series ref. Arrays are replaced when they grow: re-read them after ensure(). */
export class SeriesColumns {
  /** Capacity in refs. */
  capacity = 0;
  /** Time of the last committed sample (ms); -Infinity when none. */
  lastT = new Float64Array(0);
  /** Time of the first sample still held (ms); +Infinity when none. */
  minT = new Float64Array(0);
  /** Open chunk: first sample time (ms). */
  headMinT = new Float64Array(0);
  /** Open chunk: exclusive end of the chunk range it belongs to (ms); a sample at or past it cuts. */
  headEnd = new Float64Array(0);
  /** Open chunk: last timestamp delta (ms). */
  tDelta = new Float64Array(0);
  /** Bits (high and low uint32) of the last committed value: the XOR predecessor. */
  vHi = new Uint32Array(0);
  vLo = new Uint32Array(0);
  /** Open chunk: XOR window (leading zeros, NO_WINDOW before the first; trailing zeros). */
  leading = new Uint8Array(0);
  trailing = new Uint8Array(0);
  /** Open chunk: samples in it (0: no open chunk). */
  count = new Uint16Array(0);
  /** Open chunk: bits written, the 16-bit header included. */
  bits = new Uint32Array(0);
  /** Open chunk: slab handle and size class. */
  slot = new Uint32Array(0);
  cls = new Uint8Array(0);
  /** Completed chunks: first and last record id (-1: none). */
  firstChunk = new Int32Array(0);
  lastChunk = new Int32Array(0);
  /** SERIES_* bits. */
  flags = new Uint8Array(0);
  /** Id of the appender with uncommitted samples for this series, and the index of its last one. */
  batchOwner = new Uint32Array(0);
  batchIdx = new Uint32Array(0);

  /** Makes ref a valid index. */
  ensure(ref: number): void {
    if (ref < this.capacity) return;
    const cap = Math.max(ref + 1, Math.ceil(this.capacity * GROWTH), 1024);
    this.lastT = grow(this.lastT, cap, -Infinity);
    this.minT = grow(this.minT, cap, Infinity);
    this.headMinT = grow(this.headMinT, cap);
    this.headEnd = grow(this.headEnd, cap);
    this.tDelta = grow(this.tDelta, cap);
    this.vHi = grow(this.vHi, cap);
    this.vLo = grow(this.vLo, cap);
    this.leading = grow(this.leading, cap, NO_WINDOW);
    this.trailing = grow(this.trailing, cap);
    this.count = grow(this.count, cap);
    this.bits = grow(this.bits, cap);
    this.slot = grow(this.slot, cap);
    this.cls = grow(this.cls, cap);
    this.firstChunk = grow(this.firstChunk, cap, -1);
    this.lastChunk = grow(this.lastChunk, cap, -1);
    this.flags = grow(this.flags, cap);
    this.batchOwner = grow(this.batchOwner, cap);
    this.batchIdx = grow(this.batchIdx, cap);
    this.capacity = cap;
  }

  /** Bytes held by the columns. */
  get byteLength(): number {
    return this.capacity * (8 * 5 + 4 * 2 + 1 * 2 + 2 + 4 + 4 + 1 + 4 * 2 + 1 + 4 * 2);
  }
}

/** Completed chunks as struct-of-arrays records, linked per series in time order. Ids are reused after free(). */
export class ChunkRecords {
  capacity = 0;
  minT = new Float64Array(0);
  maxT = new Float64Array(0);
  /** Position in the spill files (segment × 2^32 + offset). */
  pos = new Float64Array(0);
  /** Chunk bytes (header included). */
  len = new Uint32Array(0);
  /** Next record of the same series (-1: last). */
  next = new Int32Array(0);
  encoding = new Uint8Array(0);
  samples = new Uint16Array(0);
  #free = new Int32Array(64);
  #freeLen = 0;
  #top = 0;
  /** Records in use. */
  size = 0;

  alloc(): number {
    this.size++;
    if (this.#freeLen > 0) return this.#free[--this.#freeLen];
    const id = this.#top++;
    if (id >= this.capacity) {
      const cap = Math.max(1024, Math.ceil(this.capacity * GROWTH));
      this.minT = grow(this.minT, cap);
      this.maxT = grow(this.maxT, cap);
      this.pos = grow(this.pos, cap);
      this.len = grow(this.len, cap);
      this.next = grow(this.next, cap);
      this.encoding = grow(this.encoding, cap);
      this.samples = grow(this.samples, cap);
      this.capacity = cap;
    }
    return id;
  }

  free(id: number): void {
    this.size--;
    if (this.#freeLen === this.#free.length) this.#free = grow(this.#free, this.#free.length * 2);
    this.#free[this.#freeLen++] = id;
  }

  /** Bytes held by the records. */
  get byteLength(): number {
    return this.capacity * (8 * 3 + 4 + 4 + 1 + 2) + this.#free.byteLength;
  }
}
