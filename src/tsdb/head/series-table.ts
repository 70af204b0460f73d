/**
 * @module The head's series identity: each series' label set as pair ids (label-pairs.ts) in one
 * shared Uint32Array pool, and a labels-hash → ref table with open addressing in an Int32Array,
 * collisions resolved by comparing pair ids. No string key per series, no Map entry per series.
 */

/** Hashes n pair ids starting at ids[start] to a uint32. */
export type PairHash = (ids: Uint32Array, start: number, n: number) => number;

/** Murmur3's 32-bit mixing over u32 words; pair ids are dense, so they need the avalanche. */
export function hashPairs(ids: Uint32Array, start: number, n: number): number {
  let h = 0x9747b28c ^ n;
  for (let i = start, end = start + n; i < end; i++) {
    let k = Math.imul(ids[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Largest label set a series may have (the count is a u8). */
export const MAX_LABELS_PER_SERIES = 255;
/** Keep the table at most this full: linear probing degrades fast above ~0.75. */
const MAX_LOAD = 0.7;

/**
 * Label sets by series ref plus the hash table. Refs are > 0 (0 means "unknown" in the storage
 * API); a ref whose count is 0 has no label set (never added, or removed).
 */
export class SeriesTable {
  readonly #hash: PairHash;
  #pool = new Uint32Array(1024);
  #poolLen = 0;
  #poolDead = 0;
  #offset = new Uint32Array(1024);
  #count = new Uint8Array(1024);
  #hashOf = new Uint32Array(1024);
  #table = new Int32Array(1024);
  #mask = 1023;
  #size = 0;

  /** `hash` is replaceable so tests can force collisions. */
  constructor(hash: PairHash = hashPairs) {
    this.#hash = hash;
  }

  /** Series in the table. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the typed arrays (pool, per-ref columns, hash table). */
  get byteLength(): number {
    return this.#pool.byteLength + this.#offset.byteLength + this.#count.byteLength + this.#hashOf.byteLength + this.#table.byteLength;
  }

  /** The hash of a pair-id sequence, as stored for it. */
  hash(ids: Uint32Array, start: number, n: number): number {
    return this.#hash(ids, start, n);
  }

  /** The ref of the series whose pair ids are ids[start, start+n) with hash h, or 0. */
  find(ids: Uint32Array, start: number, n: number, h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const ref = table[i];
      if (ref === 0) return 0;
      if (this.#hashOf[ref] === h && this.#count[ref] === n && this.#equal(ref, ids, start, n)) return ref;
    }
  }

  #equal(ref: number, ids: Uint32Array, start: number, n: number): boolean {
    const pool = this.#pool;
    const off = this.#offset[ref];
    for (let k = 0; k < n; k++) if (pool[off + k] !== ids[start + k]) return false;
    return true;
  }

  /** Adds a series (ref not present yet, 1 <= n <= 255) whose pair ids hash to h. */
  insert(ref: number, ids: Uint32Array, start: number, n: number, h: number): void {
    if (n < 1 || n > MAX_LABELS_PER_SERIES) throw new RangeError(`a series needs 1 to ${MAX_LABELS_PER_SERIES} labels, got ${n}`);
    this.#ensureRef(ref);
    if (this.#poolLen + n > this.#pool.length) this.#growPool(n);
    this.#pool.set(ids.subarray(start, start + n), this.#poolLen);
    this.#offset[ref] = this.#poolLen;
    this.#count[ref] = n;
    this.#hashOf[ref] = h;
    this.#poolLen += n;
    if ((this.#size + 1) > (this.#mask + 1) * MAX_LOAD) this.#rehash((this.#mask + 1) * 2);
    const table = this.#table;
    const mask = this.#mask;
    let i = h & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = ref;
    this.#size++;
  }

  /** Removes a series; its pool words become garbage until compactPool(). */
  remove(ref: number): void {
    if (ref >= this.#count.length || this.#count[ref] === 0) return;
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#hashOf[ref] & mask;
    while (table[i] !== ref) {
      if (table[i] === 0) throw new Error(`series table: ref ${ref} is not in the hash table`);
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole, so no tombstones.
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const k = this.#hashOf[table[j]] & mask;
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (!between) {
        table[i] = table[j];
        i = j;
      }
    }
    table[i] = 0;
    this.#poolDead += this.#count[ref];
    this.#count[ref] = 0;
    this.#size--;
    if (this.#poolDead > 4096 && this.#poolDead * 2 > this.#poolLen) this.compactPool();
  }

  /** Number of labels of a ref (0: no such series). */
  count(ref: number): number {
    return ref < this.#count.length ? this.#count[ref] : 0;
  }

  /** The pool and the offset of ref's pair ids in it; valid until the next insert or remove. */
  pool(): Uint32Array {
    return this.#pool;
  }

  /** Offset of ref's first pair id in pool(). */
  offset(ref: number): number {
    return this.#offset[ref];
  }

  /** Rewrites the pool without the words of removed series. */
  compactPool(): void {
    const live = this.#poolLen - this.#poolDead;
    const next = new Uint32Array(Math.max(1024, Math.ceil(live * 1.25)));
    let p = 0;
    const count = this.#count;
    const offset = this.#offset;
    const pool = this.#pool;
    for (let ref = 1; ref < count.length; ref++) {
      const n = count[ref];
      if (n === 0) continue;
      next.set(pool.subarray(offset[ref], offset[ref] + n), p);
      offset[ref] = p;
      p += n;
    }
    this.#pool = next;
    this.#poolLen = p;
    this.#poolDead = 0;
  }

  #ensureRef(ref: number): void {
    if (ref < this.#count.length) return;
    const cap = Math.max(ref + 1, Math.ceil(this.#count.length * 1.5));
    const offset = new Uint32Array(cap);
    offset.set(this.#offset);
    this.#offset = offset;
    const count = new Uint8Array(cap);
    count.set(this.#count);
    this.#count = count;
    const hashOf = new Uint32Array(cap);
    hashOf.set(this.#hashOf);
    this.#hashOf = hashOf;
  }

  #growPool(extra: number): void {
    const next = new Uint32Array(Math.max(this.#poolLen + extra, Math.ceil(this.#pool.length * 1.5)));
    next.set(this.#pool.subarray(0, this.#poolLen));
    this.#pool = next;
  }

  #rehash(capacity: number): void {
    const table = new Int32Array(capacity);
    const mask = capacity - 1;
    const old = this.#table;
    for (let i = 0; i < old.length; i++) {
      const ref = old[i];
      if (ref === 0) continue;
      let j = this.#hashOf[ref] & mask;
      while (table[j] !== 0) j = (j + 1) & mask;
      table[j] = ref;
    }
    this.#table = table;
    this.#mask = mask;
  }
}
