/** Retry-After parsing and the backoff sequence. */
import { describe, expect, it } from 'vitest';
import { isRetryableStatus, nextBackoffMs, parseRetryAfterMs } from './retry.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('parseRetryAfterMs', () => {
  it.each<[string | null | undefined, number | null]>([
    ['5', 5000],
    [' 0 ', 0],
    ['120', 120_000],
    ['Wed, 25 Nov 2026 12:00:30 GMT', 30_000],
    ['Wed, 25 Nov 2026 11:59:00 GMT', 0], // in the past: retry now
    ['Wednesday, 25-Nov-26 12:01:00 GMT', 60_000], // RFC 850, obsolete but allowed
    [null, null],
    [undefined, null],
    ['', null],
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    ['2026-11-25T12:00:30', null], // no zone: refused rather than read as local time
  ])('%j → %j', (header, ms) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(ms);
  });
});

describe('nextBackoffMs', () => {
  it('doubles from min_backoff up to max_backoff', () => {
    const seq: number[] = [];
    for (let b = 30, i = 0; i < 10; i++, b = nextBackoffMs(b, 30, 5000)) seq.push(b);
    expect(seq).toEqual([30, 60, 120, 240, 480, 960, 1920, 3840, 5000, 5000]);
  });
});

describe('isRetryableStatus', () => {
  it.each<[number, boolean, boolean]>([
    [500, true, true], [503, false, true], [599, true, true],
    [429, true, true], [429, false, false],
    [400, true, false], [401, true, false], [404, true, false], [413, true, false], [308, true, false],
  ])('%i (retry_on_http_429 %s) → %s', (status, on429, retry) => {
    expect(isRetryableStatus(status, on429)).toBe(retry);
  });
});
