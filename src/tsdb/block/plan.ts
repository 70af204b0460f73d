/**
 * @module The compaction planner (Prometheus tsdb/compact.go LeveledCompactor.plan): which blocks
 * to merge next, from their metas alone.
 */
import type { BlockMeta } from './meta.ts';

const HOUR_MS = 3_600_000;

/**
 * Block ranges growing by `stepSize` from `minSizeMs`: (2h, 10, 3) gives 2h, 6h, 18h, 54h, …
 * (Prometheus tsdb.ExponentialBlockRanges).
 */
export function exponentialBlockRanges(minSizeMs: number, steps: number, stepSize: number): number[] {
  const out: number[] = [];
  let r = minSizeMs;
  for (let i = 0; i < steps; i++) {
    out.push(r);
    r *= stepSize;
  }
  return out;
}

/** 2h, 6h, 18h, 54h, 162h, 486h: Prometheus' ranges (steps of 3 from 2h) up to its 31-day cap. */
export const DEFAULT_BLOCK_RANGES_MS: readonly number[] = exponentialBlockRanges(2 * HOUR_MS, 10, 3).filter((r) => r <= 31 * 24 * HOUR_MS);

/** Tombstones per series above which a large block is rewritten on its own (Prometheus: 5 %). */
const TOMBSTONE_RATIO = 0.05;

/**
 * The blocks to compact next, oldest first, or [] when nothing is due. In order:
 * 1. blocks whose time ranges overlap (vertical compaction), the first overlapping group;
 * 2. otherwise, leaving out the newest block (so a fresh block stays as cut for a full block
 *    range), the first group of 2+ blocks that fills an aligned range of ranges[1..] completely
 *    or lies before the newest block;
 * 3. otherwise one block of at least ranges[len/2] whose tombstones exceed 5 % of its series.
 * Blocks marked compaction.failed are never picked by step 2.
 */
export function planCompaction(metas: readonly BlockMeta[], ranges: readonly number[] = DEFAULT_BLOCK_RANGES_MS): BlockMeta[] {
  const dms = [...metas].sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
  const overlapping = selectOverlapping(dms);
  if (overlapping.length > 0) return overlapping;
  if (dms.length === 0) return [];
  const rest = dms.slice(0, -1);
  const picked = selectDirs(rest, ranges);
  if (picked.length > 0) return picked;
  if (ranges.length === 0) return [];
  for (let i = rest.length - 1; i >= 0; i--) {
    const m = rest[i];
    if (m.maxTime - m.minTime < ranges[Math.floor(ranges.length / 2)]) break;
    if ((m.stats.numTombstones ?? 0) / (m.stats.numSeries + 1) > TOMBSTONE_RATIO) return [m];
  }
  return [];
}

/** The first run of blocks overlapping in time, sorted by minTime (Prometheus selectOverlappingDirs). */
function selectOverlapping(ds: readonly BlockMeta[]): BlockMeta[] {
  if (ds.length < 2) return [];
  const out: BlockMeta[] = [];
  let globalMaxt = ds[0].maxTime;
  for (let i = 1; i < ds.length; i++) {
    const d = ds[i];
    if (d.minTime < globalMaxt) {
      if (out.length === 0) out.push(ds[i - 1]);
      out.push(d);
    } else if (out.length > 0) {
      break;
    }
    if (d.maxTime > globalMaxt) globalMaxt = d.maxTime;
  }
  return out;
}

/** Prometheus selectDirs: the first aligned group of 2+ blocks that is complete or in the past. */
function selectDirs(ds: readonly BlockMeta[], ranges: readonly number[]): BlockMeta[] {
  if (ranges.length < 2 || ds.length < 1) return [];
  const highTime = ds[ds.length - 1].minTime;
  for (const iv of ranges.slice(1)) {
    for (const p of splitByRange(ds, iv)) {
      if (p.some((m) => m.compaction.failed)) continue;
      const mint = p[0].minTime;
      const maxt = p[p.length - 1].maxTime;
      // Pick the range if it is full (gaps allowed) or before the most recent block, so blocks are
      // not compacted early while another one of the same size still fits in the range.
      if ((maxt - mint === iv || maxt <= highTime) && p.length > 1) return p;
    }
  }
  return [];
}

/**
 * Groups blocks into aligned ranges of size `tr`; blocks wider than their aligned range (or not
 * fitting in one) are skipped (Prometheus splitByRange, Go's truncating division).
 */
export function splitByRange(ds: readonly BlockMeta[], tr: number): BlockMeta[][] {
  const out: BlockMeta[][] = [];
  for (let i = 0; i < ds.length; ) {
    const m = ds[i];
    const t0 = m.minTime >= 0 ? tr * Math.trunc(m.minTime / tr) : tr * Math.trunc((m.minTime - tr + 1) / tr);
    if (m.maxTime > t0 + tr) {
      i++;
      continue;
    }
    const group: BlockMeta[] = [];
    for (; i < ds.length; i++) {
      if (ds[i].maxTime > t0 + tr) break;
      group.push(ds[i]);
    }
    if (group.length > 0) out.push(group);
  }
  return out;
}
