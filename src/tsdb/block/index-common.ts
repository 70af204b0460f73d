/** @module What every index format version gives its users (the querier, compaction), and helpers shared by the readers. */
import type { Labels } from '../../model/labels.ts';
import { crcOf, DecodeError } from './encoding.ts';
import type { ChunkMeta } from './series-codec.ts';

/** One series as the index stores it. */
export interface IndexSeries {
  readonly labels: Labels;
  readonly chunks: readonly ChunkMeta[];
}

/** What opening an index learnt while walking it; checked against meta.json. */
export interface IndexWalk {
  readonly numSeries: number;
  readonly numChunks: number;
  /** Smallest chunk mint and largest chunk maxt (ms), or ±Infinity without chunks. */
  readonly minTime: number;
  readonly maxTime: number;
  /** Format 1 only: every chunk ref in index order, when asked for (to verify the segments in lockstep). */
  readonly chunkRefs: Float64Array | null;
}

/**
 * A verified, read-only index of one block. Series refs are ascending in label order. Safe to
 * share; calls are synchronous and return fresh objects.
 */
export interface BlockIndex {
  /** The file format version (1 or 2). */
  readonly version: number;
  /** Bytes of the index file. */
  readonly byteLength: number;
  /** Label names with at least one series, sorted. */
  labelNames(): string[];
  /** The values of a label, sorted, or [] when no series has it. */
  labelValues(name: string): readonly string[];
  /** All series refs, ascending (= label order). */
  allPostings(): Uint32Array;
  /** Series refs having name=value, ascending. */
  postings(name: string, value: string): Uint32Array;
  /** Series refs of the i-th value of `name` (an index into labelValues(name)). */
  postingsOfValue(name: string, i: number): Uint32Array;
  /** Entries of the i-th value's list, read without decoding it. */
  postingsCountOfValue(name: string, i: number): number;
  /** The refs of `candidates` (ascending) that have (keep) or do not have the i-th value of `name`; cheaper than decoding its list. */
  filterByValue(name: string, i: number, candidates: Uint32Array, keep: boolean): Uint32Array;
  /** The labels of a series. */
  labels(ref: number): Labels;
  /** Labels and chunk metas of a series. */
  series(ref: number): IndexSeries;
}

/** The first index i with a[i] >= x (JS string order, as the index is sorted). */
export function lowerBound(a: readonly string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Throws DecodeError at `offset`. */
export function fail(offset: number, msg: string): never {
  throw new DecodeError(msg, offset);
}

/** Reads `len u32 · body · crc32` at off, checks the CRC and returns the body's range. */
export function section(buf: Buffer, off: number, what: string): { start: number; end: number; next: number } {
  if (off + 8 > buf.length) fail(off, `${what}: truncated`);
  const len = buf.readUInt32BE(off);
  const start = off + 4;
  const end = start + len;
  if (end + 4 > buf.length) fail(off, `${what}: length ${len} runs past the end of the file`);
  const want = buf.readUInt32BE(end);
  const got = crcOf(buf, start, end);
  if (want !== got) fail(off, `${what}: CRC mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
  return { start, end, next: end + 4 };
}
