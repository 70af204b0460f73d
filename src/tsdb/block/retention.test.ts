/** Retention by age and by size, after Prometheus' BeyondTimeRetention / BeyondSizeRetention. */
import { describe, expect, it } from 'vitest';
import type { BlockMeta } from './meta.ts';
import { applyRetention, type RetentionCandidate } from './retention.ts';

const H = 3_600_000;
function block(ulid: string, minTime: number, maxTime: number, bytes: number): RetentionCandidate {
  const meta: BlockMeta = { ulid, minTime, maxTime, stats: { numSamples: 0, numSeries: 0, numChunks: 0 }, compaction: { level: 1, sources: [ulid] }, version: 1 };
  return { meta, size: () => bytes };
}
// Four 2h blocks ending at 2h, 4h, 6h, 8h; 100, 200, 300, 400 bytes.
const blocks = [
  block('01H00000000000000000000001', 0, 2 * H, 100),
  block('01H00000000000000000000002', 2 * H, 4 * H, 200),
  block('01H00000000000000000000003', 4 * H, 6 * H, 300),
  block('01H00000000000000000000004', 6 * H, 8 * H, 400),
];
const ids = (n: number[]) => n.map((i) => `01H0000000000000000000000${i}`);

describe('applyRetention', () => {
  it.each<[string, Parameters<typeof applyRetention>[1], Array<[number, 'time' | 'size']>]>([
    ['nothing configured', { now: 100 * H }, []],
    ['time: every block newer than the cutoff stays', { maxAgeMs: 10 * H, now: 10 * H }, []],
    ['time: a block whose maxTime equals the cutoff goes (maxTime is exclusive)', { maxAgeMs: 8 * H, now: 10 * H }, [[1, 'time']]],
    ['time: a block straddling the cutoff stays', { maxAgeMs: 7 * H, now: 10 * H }, [[1, 'time']]],
    ['time: older blocks go', { maxAgeMs: 5 * H, now: 10 * H }, [[2, 'time'], [1, 'time']]],
    ['time: everything is too old', { maxAgeMs: H, now: 100 * H }, [[4, 'time'], [3, 'time'], [2, 'time'], [1, 'time']]],
    ['size: all fit exactly', { maxBytes: 1000, now: 0 }, []],
    ['size: the oldest goes', { maxBytes: 999, now: 0 }, [[1, 'size']]],
    ['size: oldest first until under budget', { maxBytes: 700, now: 0 }, [[2, 'size'], [1, 'size']]],
    ['size: even the newest block is over budget', { maxBytes: 399, now: 0 }, [[4, 'size'], [3, 'size'], [2, 'size'], [1, 'size']]],
    ['size: reserved bytes (head, WAL) count first', { maxBytes: 1000, reservedBytes: 300, now: 0 }, [[2, 'size'], [1, 'size']]],
    ['size: reserved bytes push one more block out', { maxBytes: 1000, reservedBytes: 301, now: 0 }, [[3, 'size'], [2, 'size'], [1, 'size']]],
    ['both: time first, size for the rest', { maxAgeMs: 7 * H, maxBytes: 700, now: 10 * H }, [[2, 'size'], [1, 'time']]],
  ])('%s', (_name, opts, want) => {
    expect(applyRetention(blocks, opts)).toEqual(want.map(([i, reason]) => ({ ulid: ids([i])[0], reason })));
  });

  it('does not depend on input order and counts newest first by maxTime', () => {
    expect(applyRetention([...blocks].reverse(), { maxBytes: 700, now: 0 }).map((d) => d.ulid)).toEqual(ids([2, 1]));
  });
});
