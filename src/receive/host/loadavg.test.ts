import { describe, expect, it } from 'vitest';
import { HostParseError } from './errors.ts';
import { parseLoadavg } from './loadavg.ts';
import { BAD, GOOD, collect } from './testdata/fixtures.ts';

describe('parseLoadavg', () => {
  it.each([
    ['5.25 5.23 4.55 3/338 5947\n', [5.25, 5.23, 4.55]],
    ['0.00 0.01 0.05', [0, 0.01, 0.05]],
  ])('%j', (text, want) => {
    expect(parseLoadavg(text)).toEqual(want);
  });
  it.each(['', '0.5\n', '1 2', '1 x 3 1/2 3'])('refuses %j', (text) => {
    expect(() => parseLoadavg(text)).toThrow(HostParseError);
  });
});

describe('loadavg collector', () => {
  it('emits node_load1/5/15', () => {
    const c = collect({ ...GOOD, collectors: ['loadavg'] });
    expect([c.series('node_load1'), c.series('node_load5'), c.series('node_load15')]).toEqual([{ '': 5.25 }, { '': 5.23 }, { '': 4.55 }]);
  });
  it('fails on a malformed file', () => {
    expect(collect({ ...BAD, collectors: ['loadavg'] }).success('loadavg')).toBe(0);
  });
});
