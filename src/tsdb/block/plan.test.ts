/** The compaction planner, after Prometheus' compact_test.go TestLeveledCompactor_plan. */
import { describe, expect, it } from 'vitest';
import type { BlockMeta } from './meta.ts';
import { DEFAULT_BLOCK_RANGES_MS, exponentialBlockRanges, planCompaction, splitByRange } from './plan.ts';

const H = 3_600_000;

let seq = 0;
/** A meta named by its range, e.g. `0-20`, times in the planner's units. */
function meta(minTime: number, maxTime: number, extra: { numTombstones?: number; numSeries?: number; failed?: boolean } = {}): BlockMeta {
  const ulid = `01H${String(seq++).padStart(23, '0')}`;
  return {
    ulid,
    minTime,
    maxTime,
    stats: { numSamples: 1, numSeries: extra.numSeries ?? 1, numChunks: 1, numTombstones: extra.numTombstones ?? 0 },
    compaction: { level: 1, sources: [ulid], ...(extra.failed ? { failed: true } : {}) },
    version: 1,
  };
}
const ranges = (...rs: Array<[number, number]>) => rs.map(([a, b]) => meta(a, b));
const names = (ms: BlockMeta[]) => ms.map((m) => `${m.minTime}-${m.maxTime}`);

describe('exponentialBlockRanges', () => {
  it('grows by the step size', () => {
    expect(exponentialBlockRanges(2 * H, 4, 3)).toEqual([2 * H, 6 * H, 18 * H, 54 * H]);
    expect(DEFAULT_BLOCK_RANGES_MS.map((r) => r / H)).toEqual([2, 6, 18, 54, 162, 486]);
  });
});

describe('planCompaction', () => {
  // Prometheus' test uses ranges 20, 60, 180, 540, 1620.
  const rs = [20, 60, 180, 540, 1620];
  it.each<[string, Array<[number, number]>, string[]]>([
    ['no blocks', [], []],
    ['one block', [[0, 20]], []],
    ['two blocks: the newest is left out', [[0, 20], [20, 40]], []],
    ['three blocks of a 60 range: the newest is left out', [[0, 20], [20, 40], [40, 60]], []],
    ['a full 60 range before the newest block', [[0, 20], [20, 40], [40, 60], [60, 80]], ['0-20', '20-40', '40-60']],
    ['a 60 range with a gap, before the newest block', [[0, 20], [40, 60], [60, 80]], ['0-20', '40-60']],
    ['a partial 60 range waits while the next range holds only the newest block', [[0, 20], [20, 40], [60, 80]], []],
    ['a partial 60 range once the next range holds an older block', [[0, 20], [20, 40], [60, 80], [80, 100]], ['0-20', '20-40']],
    ['larger ranges once the small ones are compacted', [[0, 60], [60, 120], [120, 180], [180, 200], [200, 220]], ['0-60', '60-120', '120-180']],
    ['a 180 range is not picked while incomplete and latest', [[0, 60], [60, 120], [120, 140]], []],
    ['blocks wider than their aligned range are skipped', [[0, 20], [10, 70].map((x) => x + 1000) as [number, number], [2000, 2020]], []],
    ['overlapping blocks first', [[0, 20], [19, 40], [40, 60], [60, 80]], ['0-20', '19-40']],
    ['overlapping: a block inside another', [[0, 60], [10, 20], [60, 80]], ['0-60', '10-20']],
    ['overlapping: a chain', [[0, 20], [15, 30], [25, 50], [60, 80]], ['0-20', '15-30', '25-50']],
    ['overlapping: only the first run', [[0, 20], [10, 30], [40, 60], [50, 70]], ['0-20', '10-30']],
  ])('%s', (_name, input, want) => {
    expect(names(planCompaction(ranges(...input), rs))).toEqual(want);
  });

  it('ignores the input order', () => {
    expect(names(planCompaction(ranges([60, 80], [40, 60], [0, 20], [20, 40]), rs))).toEqual(['0-20', '20-40', '40-60']);
  });

  it('skips groups with a failed compaction', () => {
    const ms = [meta(0, 20), meta(20, 40, { failed: true }), meta(40, 60), meta(60, 80)];
    expect(planCompaction(ms, rs)).toEqual([]);
  });

  it('rewrites one large block with more than 5 % tombstones', () => {
    const big = meta(0, 540, { numTombstones: 10, numSeries: 100 });
    expect(names(planCompaction([big, meta(540, 560)], rs))).toEqual(['0-540']);
    expect(planCompaction([meta(0, 540, { numTombstones: 5, numSeries: 100 }), meta(540, 560)], rs)).toEqual([]);
    // Smaller than ranges[len / 2] = 180: not rewritten for tombstones.
    expect(planCompaction([meta(0, 60, { numTombstones: 50, numSeries: 10 }), meta(60, 80)], rs)).toEqual([]);
  });

  it('works with the default hour ranges', () => {
    const T = 1_699_984_800_000; // a multiple of 6h
    const ms = [0, 1, 2, 3].map((i) => meta(T + i * 2 * H, T + (i + 1) * 2 * H));
    expect(planCompaction(ms).map((m) => m.minTime)).toEqual([T, T + 2 * H, T + 4 * H]);
  });
});

describe('splitByRange', () => {
  it('aligns groups, also below zero (Go truncating division)', () => {
    expect(splitByRange(ranges([-40, -20], [-20, 0], [0, 20], [30, 50], [50, 70], [120, 180]), 60).map(names)).toEqual([
      ['-40--20', '-20-0'],
      ['0-20', '30-50'],
      ['120-180'],
    ]);
  });
});
