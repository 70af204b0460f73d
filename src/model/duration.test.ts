/** Prometheus durations: what parses, and how they print. */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each<[string, number | null]>([
    ['0', 0], ['30ms', 30], ['15s', 15_000], ['1m30s', 90_000], ['2h', 7_200_000], ['1d', 86_400_000], ['1w', 604_800_000],
    ['1y', 31_536_000_000], ['1h1m1s1ms', 3_661_001], ['0s', 0],
    ['', null], ['30', null], ['1.5s', null], ['1s1m', null], ['1h1h', null], ['-1s', null], ['1 s', null], ['5S', null], ['1µs', null],
  ])('%j → %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('formats back as Prometheus prints it: years and weeks only when exact', () => {
    expect([0, 30, 90_000, 7_200_000, 3_661_001, 90 * 86_400_000, 14 * 86_400_000].map(formatDuration)).toEqual(['0s', '30ms', '1m30s', '2h', '1h1m1s1ms', '90d', '2w']);
  });
});
