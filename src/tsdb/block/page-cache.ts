/**
 * @module The read cache of block chunk pages (`storage.read_cache_size`): runs of whole pages of
 * the chunk segments, in ArrayBuffers off the V8 heap, least recently used first out once their
 * bytes pass a fixed cap. Queries read chunks through it, so a repeated query makes no system call
 * for them, and a page's CRC is checked once, when it enters the cache, not on every query
 * (Prometheus reads blocks through the OS page cache and checks CRCs at open and compaction).
 *
 * A segment is cached in groups of the pages that start in one aligned 64 KiB range of it
 * (PAGE_GROUP_BYTES): a group is read with one read and is the unit of eviction. Keys are numbers:
 * every opened segment gets an id of its own (segmentIds), so a block opened again, or another
 * block, never meets an entry of the one before.
 */

/** Pages whose start falls in one aligned range of this many bytes of a segment form a group. */
export const PAGE_GROUP_BYTES = 64 * 1024;
/** Default cap of a read cache: 64 MiB. */
export const DEFAULT_READ_CACHE_BYTES = 64 * 1024 * 1024;

/** Page states in Pages.state. */
export const PAGE_UNCHECKED = 0;
export const PAGE_GOOD = 1;
/** The page's bytes do not match its CRC. */
export const PAGE_BAD_CRC = 2;
/** The segment ends before the page does. */
export const PAGE_TRUNCATED = 3;

/** Pages [first, first + count) of one segment, read in one go: buf[0] is at segment offset start. */
export interface Pages {
  readonly buf: Uint8Array;
  readonly start: number;
  readonly first: number;
  readonly count: number;
  /** One PAGE_* per page; a cached group's pages are all checked. */
  readonly state: Uint8Array;
}

const GROUPS_PER_SEGMENT = 2 ** 16; // segments stay below 4 GiB
let nextSegmentId = 1;

/** Ids for the `n` segments of a block being opened (never reused in the process). */
export function segmentIds(n: number): number {
  const first = nextSegmentId;
  nextSegmentId += Math.max(1, n);
  return first;
}

/** The cache key of a group of a segment id. */
export function pageGroupKey(segmentId: number, group: number): number {
  return segmentId * GROUPS_PER_SEGMENT + group;
}

/** A byte-capped LRU of page groups, shared by the blocks of one store. */
export class PageCache {
  readonly maxBytes: number;
  /** Insertion order is recency: a hit moves its entry to the end. */
  readonly #map = new Map<number, Pages>();
  #bytes = 0;
  /** Groups found and groups read, since creation (tests and figures). */
  hits = 0;
  misses = 0;

  constructor(maxBytes: number = DEFAULT_READ_CACHE_BYTES) {
    if (!(maxBytes >= 0)) throw new RangeError(`read cache size ${maxBytes} below 0`);
    this.maxBytes = maxBytes;
  }

  /** Bytes of the groups held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Groups held. */
  get size(): number {
    return this.#map.size;
  }

  get(key: number): Pages | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    this.hits++;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e;
  }

  /** Adds a group just read (checked); evicts the least recently used beyond the cap. */
  set(key: number, pages: Pages): void {
    this.misses++;
    const size = pages.buf.length;
    if (size > this.maxBytes) return;
    const old = this.#map.get(key);
    if (old !== undefined) {
      this.#bytes -= old.buf.length;
      this.#map.delete(key);
    }
    this.#map.set(key, pages);
    this.#bytes += size;
    if (this.#bytes <= this.maxBytes) return;
    for (const [k, e] of this.#map) {
      this.#map.delete(k);
      this.#bytes -= e.buf.length;
      if (this.#bytes <= this.maxBytes) break;
    }
  }

  /** Drops the groups of segment ids [first, first + n) (a block being closed). */
  dropSegments(first: number, n: number): void {
    const lo = first * GROUPS_PER_SEGMENT;
    const hi = (first + n) * GROUPS_PER_SEGMENT;
    for (const [k, e] of this.#map) {
      if (k < lo || k >= hi) continue;
      this.#map.delete(k);
      this.#bytes -= e.buf.length;
    }
  }

  /** Drops everything. */
  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }
}
