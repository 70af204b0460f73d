/**
 * @module Tombstones: deleted time intervals per series ref, applied on read and dropped by
 * compaction (Prometheus tsdb/tombstones). File: magic · version · entries · CRC-32; see
 * docs/format/block.md.
 */
import { crc32 } from 'node:zlib';
import { Decbuf, DecodeError, Encbuf } from './encoding.ts';

/** "PTMB": first 4 bytes of a tombstones file. */
export const TOMBSTONES_MAGIC = 0x50544d42;
/** Tombstones format version. */
export const TOMBSTONES_VERSION = 1;
const HEADER_BYTES = 5;

/**
 * Deleted intervals of one series as flat pairs `[mint0, maxt0, mint1, maxt1, …]`, both ends
 * inclusive (ms), sorted, disjoint and not adjacent. Never mutated once built.
 */
export type Intervals = readonly number[];

/** Deleted intervals keyed by series ref. Copy-on-write: a delete builds a new map. */
export type TombstoneMap = ReadonlyMap<number, Intervals>;

/** `ivs` with [mint, maxt] added, merging overlapping and adjacent intervals. Returns a new array. */
export function addInterval(ivs: Intervals, mint: number, maxt: number): number[] {
  const out: number[] = [];
  let i = 0;
  // Intervals ending before mint - 1 stay as they are.
  for (; i < ivs.length && ivs[i + 1] < mint - 1; i += 2) out.push(ivs[i], ivs[i + 1]);
  let lo = mint;
  let hi = maxt;
  for (; i < ivs.length && ivs[i] <= maxt + 1; i += 2) {
    lo = Math.min(lo, ivs[i]);
    hi = Math.max(hi, ivs[i + 1]);
  }
  out.push(lo, hi);
  for (; i < ivs.length; i += 2) out.push(ivs[i], ivs[i + 1]);
  return out;
}

/** Whether [mint, maxt] lies entirely inside one deleted interval. */
export function coversRange(ivs: Intervals | undefined, mint: number, maxt: number): boolean {
  if (!ivs) return false;
  for (let i = 0; i < ivs.length; i += 2) if (ivs[i] <= mint && maxt <= ivs[i + 1]) return true;
  return false;
}

/** Whether [mint, maxt] shares at least one ms with a deleted interval. */
export function intersectsRange(ivs: Intervals | undefined, mint: number, maxt: number): boolean {
  if (!ivs) return false;
  for (let i = 0; i < ivs.length; i += 2) if (ivs[i] <= maxt && mint <= ivs[i + 1]) return true;
  return false;
}

/** Number of intervals in a map (meta.json stats.numTombstones). */
export function countIntervals(map: TombstoneMap): number {
  let n = 0;
  for (const ivs of map.values()) n += ivs.length / 2;
  return n;
}

/** The tombstones file bytes: entries sorted by series ref, then by time. */
export function encodeTombstones(map: TombstoneMap): Buffer {
  const e = new Encbuf(HEADER_BYTES + 16 * map.size + 4);
  e.putU32(TOMBSTONES_MAGIC);
  e.putByte(TOMBSTONES_VERSION);
  for (const ref of [...map.keys()].sort((a, b) => a - b)) {
    const ivs = map.get(ref)!;
    for (let i = 0; i < ivs.length; i += 2) {
      e.putUvarint(ref);
      e.putVarint(ivs[i]);
      e.putUvarint(ivs[i + 1] - ivs[i]);
    }
  }
  e.putU32(crc32(e.bytes().subarray(HEADER_BYTES)));
  return Buffer.from(e.bytes());
}

/** Parses a tombstones file. Throws DecodeError for a bad header, CRC or a non-canonical entry order. */
export function decodeTombstones(buf: Buffer): Map<number, number[]> {
  if (buf.length < HEADER_BYTES + 4) throw new DecodeError(`file of ${buf.length} bytes is shorter than header and CRC`, 0);
  const d = new Decbuf(buf, 0, buf.length - 4);
  if (d.u32() !== TOMBSTONES_MAGIC) throw new DecodeError(`bad magic 0x${buf.readUInt32BE(0).toString(16)}`, 0);
  const v = d.u8();
  if (v !== TOMBSTONES_VERSION) throw new DecodeError(`unsupported version ${v}`, 4);
  const want = buf.readUInt32BE(buf.length - 4);
  const got = crc32(buf.subarray(HEADER_BYTES, buf.length - 4));
  if (want !== got) throw new DecodeError(`CRC mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`, buf.length - 4);
  const out = new Map<number, number[]>();
  let prevRef = -1;
  let prevMaxt = 0;
  while (d.remaining > 0) {
    const at = d.pos;
    const ref = d.uvarint();
    const mint = d.varint();
    const maxt = mint + d.uvarint();
    if (ref < prevRef || (ref === prevRef && mint <= prevMaxt + 1)) throw new DecodeError('tombstones out of order', at);
    let ivs = out.get(ref);
    if (!ivs) out.set(ref, (ivs = []));
    ivs.push(mint, maxt);
    prevRef = ref;
    prevMaxt = maxt;
  }
  return out;
}
