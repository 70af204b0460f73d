/** Postings set operations, regex shapes, and matcher resolution: fast paths equal the slow path. */
import { describe, expect, it } from 'vitest';
import { labelsFrom, matchesAll, type Labels } from '../../model/index.ts';
import { Matcher } from '../../model/matcher.ts';
import { prng } from '../chunkenc/test-util.ts';
import { LabelPairs } from './label-pairs.ts';
import { postingsForMatchers } from './matchers.ts';
import { PostingsStore, intersect, subtract, union } from './postings.ts';
import { regexShape } from './regex-shape.ts';

function randomList(rnd: () => number, max: number, p: number): Uint32Array {
  const out: number[] = [];
  for (let i = 1; i < max; i++) if (rnd() < p) out.push(i);
  return Uint32Array.from(out);
}

describe('postings set operations', () => {
  it('match Set semantics on random sorted lists, including galloping sizes', () => {
    const rnd = prng(7);
    for (let round = 0; round < 200; round++) {
      const a = randomList(rnd, 2000, rnd() * 0.5);
      const b = randomList(rnd, 2000, rnd() < 0.3 ? 0.002 : rnd() * 0.5);
      const c = randomList(rnd, 2000, rnd() * 0.1);
      const sa = new Set(a);
      const sb = new Set(b);
      expect([...intersect(a, b)]).toEqual([...a].filter((x) => sb.has(x)));
      expect([...intersect(b, a)]).toEqual([...a].filter((x) => sb.has(x)));
      expect([...subtract(a, b)]).toEqual([...a].filter((x) => !sb.has(x)));
      expect([...union([a, b])]).toEqual([...new Set([...a, ...b])].sort((x, y) => x - y));
      expect([...union([a, b, c])]).toEqual([...new Set([...a, ...b, ...c])].sort((x, y) => x - y));
      expect([...union([a])]).toEqual([...sa]);
    }
    expect(union([]).length).toBe(0);
  });

  it('keeps lists sorted when refs arrive out of order (WAL replay) and drops dead refs', () => {
    const p = new PostingsStore();
    for (const r of [5, 1, 9, 3, 7, 2]) {
      p.add(0, r);
      p.addSeries(r);
    }
    p.add(1, 4);
    expect([...p.get(0)]).toEqual([1, 2, 3, 5, 7, 9]);
    expect([...p.all()]).toEqual([1, 2, 3, 5, 7, 9]);
    const view = p.get(0);
    expect(p.removeDead([0, 1], (r) => r % 2 === 1)).toEqual([1]);
    expect([...p.get(0)]).toEqual([1, 3, 5, 7, 9]);
    expect([...view]).toEqual([1, 2, 3, 5, 7, 9]); // earlier views stay intact
    expect(p.get(1).length).toBe(0);
    expect([...p.all()]).toEqual([1, 3, 5, 7, 9]);
  });
});

describe('regexShape', () => {
  const cases: Array<[string, ReturnType<typeof regexShape>]> = [
    ['a|b|c', { kind: 'literals', values: ['a', 'b', 'c'] }],
    ['GET', { kind: 'literals', values: ['GET'] }],
    ['(2xx|5xx)', { kind: 'literals', values: ['2xx', '5xx'] }],
    ['(?:/api/v1/query|/metrics)', { kind: 'literals', values: ['/api/v1/query', '/metrics'] }],
    ['0\\.5|1\\.0', { kind: 'literals', values: ['0.5', '1.0'] }],
    ['a|', { kind: 'literals', values: ['a', ''] }],
    ['foo.*', { kind: 'prefix', prefix: 'foo', nonEmptyRest: false }],
    ['/api/.+', { kind: 'prefix', prefix: '/api/', nonEmptyRest: true }],
    ['.*', { kind: 'prefix', prefix: '', nonEmptyRest: false }],
    ['a\\.*', { kind: 'other' }],
    ['2..', { kind: 'other' }],
    ['a|b.*', { kind: 'other' }],
    ['[ab]', { kind: 'other' }],
    ['\\d+', { kind: 'other' }],
    ['(a|b)|c', { kind: 'other' }],
  ];
  it.each(cases)('%s', (src, want) => expect(regexShape(src)).toEqual(want));
});

describe('postingsForMatchers', () => {
  const NAMES = ['__name__', 'job', 'route', 'code', 'le'];
  const VALUES = ['', 'a', 'ab', 'abc', 'b', 'ba', 'api', '/api/x', '/api/', '2xx', '200', '500', 'a.b', 'a|b'];
  function build(seed: number): { pairs: LabelPairs; postings: PostingsStore; series: Labels[] } {
    const rnd = prng(seed);
    const pairs = new LabelPairs();
    const postings = new PostingsStore();
    const series: Labels[] = [];
    const seen = new Set<string>();
    for (let ref = 1; series.length < 400; ref++) {
      const obj: Record<string, string> = { __name__: VALUES[1 + Math.floor(rnd() * 3)] };
      for (const n of NAMES.slice(1)) if (rnd() < 0.7) obj[n] = VALUES[Math.floor(rnd() * VALUES.length)];
      const labels = labelsFrom(obj);
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      series[ref] = labels;
      series.length = ref + 1;
      for (const l of labels) postings.add(pairs.intern(l.name, l.value), ref);
      postings.addSeries(ref);
    }
    return { pairs, postings, series };
  }
  const PATTERNS = ['a|b', 'a', 'ab|abc|zz', 'a.*', '/api/.*', '/api/.+', '.*', '.+', '2..', 'a|', '', 'a\\.b', 'a\\|b', '(a|ba)', 'b.*|a'];

  it('gives the brute-force result for random matchers, with and without fast paths', () => {
    const rnd = prng(99);
    for (let seed = 1; seed <= 3; seed++) {
      const { pairs, postings, series } = build(seed);
      for (let round = 0; round < 300; round++) {
        const ms: Matcher[] = [];
        const k = 1 + Math.floor(rnd() * 3);
        for (let i = 0; i < k; i++) {
          const type = (['=', '!=', '=~', '!~'] as const)[Math.floor(rnd() * 4)];
          const name = NAMES[Math.floor(rnd() * NAMES.length)];
          const value = type === '=~' || type === '!~' ? PATTERNS[Math.floor(rnd() * PATTERNS.length)] : VALUES[Math.floor(rnd() * VALUES.length)];
          ms.push(new Matcher(type, name, value));
        }
        const want: number[] = [];
        for (let ref = 1; ref < series.length; ref++) if (series[ref] && matchesAll(series[ref], ms)) want.push(ref);
        const label = ms.map(String).join(',');
        expect([...postingsForMatchers(pairs, postings, ms)], label).toEqual(want);
        expect([...postingsForMatchers(pairs, postings, ms, { fastPaths: false })], label).toEqual(want);
      }
    }
  });
});
