/** Block querier: matcher selection (every type, regex fast paths vs the slow path), label names/values, range clipping. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLabels, labelsToObject } from '../../model/labels.ts';
import { matchesAll, Matcher, type MatchType } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import type { Querier } from '../../storage/interface.ts';
import { openBlock, writeBlock, type Block } from './index.ts';
import { expected, readSet, testSeries, tmpDir, toBlockSeries, type TestSeries } from './test-util.ts';

const T = 1_700_000_000_000;
const STEP = 10_000;

// 4 metrics × 3 jobs × 6 instances (some without `env`), 240 samples each (two XOR chunks of 120).
const series: TestSeries[] = [];
for (const name of ['http_requests_total', 'http_errors_total', 'up', 'node_cpu']) {
  for (const job of ['api', 'web', 'db']) {
    for (let i = 0; i < 6; i++) {
      const labels: Record<string, string> = { __name__: name, job, instance: `host-${i}.example:9100` };
      if (i % 2 === 0) labels.env = i === 0 ? 'prod' : 'dev';
      if (name === 'node_cpu') labels.mode = `m.${i}`;
      series.push(testSeries(labels, T + i * 1000, 240, STEP, (k) => k + i));
    }
  }
}
series.sort((a, b) => compareLabels(a.labels, b.labels));
const END = T + 5000 + 239 * STEP;

let block: Block;
let slow: Block;
beforeAll(async () => {
  const dir = tmpDir();
  const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s)), { fsync: false });
  block = await openBlock(join(dir, meta.ulid));
  slow = await openBlock(join(dir, meta.ulid), { regexFastPaths: false });
});
afterAll(async () => {
  await block.close();
  await slow.close();
});

const m = (type: MatchType, name: string, value: string) => new Matcher(type, name, value);
const brute = (ms: Matcher[]) => series.filter((s) => matchesAll(s.labels, ms));
async function select(b: Block, ms: Matcher[], mint = -Infinity, maxt = Infinity): Promise<string[]> {
  const q = await b.querier(mint, maxt);
  const set = await q.select({ start: mint, end: maxt }, ...ms);
  const out: string[] = [];
  while (set.next()) out.push(JSON.stringify(labelsToObject(set.at().labels)));
  q.close();
  return out;
}

describe('select', () => {
  const cases: Array<[string, Matcher[]]> = [
    ['= name', [m('=', '__name__', 'up')]],
    ['= two labels', [m('=', '__name__', 'up'), m('=', 'job', 'web')]],
    ['= no such value', [m('=', '__name__', 'nope')]],
    ['= no such label', [m('=', 'nope', 'x')]],
    ['= "" (label absent)', [m('=', '__name__', 'up'), m('=', 'env', '')]],
    ['!= value', [m('=', '__name__', 'up'), m('!=', 'job', 'api')]],
    ['!= "" (label present)', [m('!=', 'env', '')]],
    ['!= on absent label', [m('=', '__name__', 'up'), m('!=', 'nope', 'x')]],
    ['=~ literal alternation', [m('=~', 'job', 'api|db')]],
    ['=~ alternation in a group', [m('=~', 'job', '(api|nope)'), m('=', '__name__', 'up')]],
    ['=~ alternation in a non-capturing group', [m('=~', 'job', '(?:web|db)'), m('=', 'env', 'dev')]],
    ['=~ alternation with escapes', [m('=~', 'instance', 'host-1\\.example:9100|host-2\\.example:9100')]],
    ['=~ alternation with an empty branch', [m('=', '__name__', 'up'), m('=~', 'env', 'prod|')]],
    ['=~ prefix', [m('=~', '__name__', 'http_.*')]],
    ['=~ prefix with escape', [m('=~', 'mode', 'm\\..*')]],
    ['=~ .* with another matcher', [m('=', '__name__', 'up'), m('=~', 'env', '.*')]],
    ['=~ .+', [m('=~', 'env', '.+')]],
    ['=~ general regex', [m('=~', 'instance', 'host-[0-2]\\..*')]],
    ['=~ general regex with alternation', [m('=~', '__name__', '(up|node_.*)'), m('=~', 'job', 'a.i|d.')]],
    ['=~ matching nothing', [m('=~', 'job', 'x|y')]],
    ['!~ literal alternation', [m('=', '__name__', 'up'), m('!~', 'job', 'api|db')]],
    ['!~ prefix', [m('=', 'job', 'api'), m('!~', '__name__', 'http_.*')]],
    ['!~ general regex', [m('=', 'job', 'db'), m('!~', 'instance', '.*[135]\\..*')]],
    ['!~ "" (label present)', [m('!~', 'env', '')]],
    ['!~ .* (nothing)', [m('=', '__name__', 'up'), m('!~', 'job', '.*')]],
    ['!~ on absent label', [m('=', '__name__', 'up'), m('!~', 'nope', 'a|b')]],
    ['mixed', [m('=~', '__name__', 'http_.*'), m('!=', 'job', 'web'), m('!~', 'env', 'dev'), m('=~', 'instance', 'host-[0-4].*')]],
  ];

  it.each(cases)('%s: same series as a scan, with and without regex fast paths', async (_name, ms) => {
    const want = brute(ms).map((s) => JSON.stringify(labelsToObject(s.labels)));
    expect(await select(block, ms)).toEqual(want);
    expect(await select(slow, ms)).toEqual(want);
  });

  it('refuses selectors whose every matcher matches the empty string', async () => {
    const q = await block.querier(T, END);
    await expect(q.select({ start: T, end: END }, m('=~', 'job', '.*'))).rejects.toThrow(/empty/);
    await expect(q.select({ start: T, end: END }, m('!=', 'job', 'api'))).rejects.toThrow(/empty/);
    q.close();
  });

  it('clips samples to the querier range and the hints, and skips series without samples there', async () => {
    const cases: Array<[number, number]> = [
      [T, END],
      [T + 2500, T + 2500],
      [T + 3000, T + 3000],
      [T + 1_000_000, T + 1_300_000],
      [T + 1_195_000, T + 1_205_000], // across the chunk boundary of some series
      [END - 1000, END + 1_000_000],
      [END + 1, END + 1_000_000],
      [T - 1_000_000, T - 1],
    ];
    const ms = [m('=~', '__name__', 'up|node_cpu')];
    for (const [mint, maxt] of cases) {
      const q = await block.querier(mint, maxt);
      expect(readSet(await q.select({ start: mint, end: maxt }, ...ms)), `[${mint - T}, ${maxt - T}]`).toEqual(expected(brute(ms), mint, maxt));
      q.close();
      // The hints narrow a wider querier the same way.
      const wide = await block.querier(-Infinity, Infinity);
      expect(readSet(await wide.select({ start: mint, end: maxt }, ...ms))).toEqual(expected(brute(ms), mint, maxt));
      wide.close();
    }
  });

  it('seeks forward within the range and across chunks, never backwards', async () => {
    const s = series.find((x) => labelsToObject(x.labels).__name__ === 'up')!;
    const q = await block.querier(T + 20_000, T + 2_000_000);
    const set = await q.select({ start: T + 20_000, end: T + 2_000_000 }, ...s.labels.map((l) => m('=', l.name, l.value)));
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    const t0 = s.t[0];
    expect(it.seek(0)).toBe(ValueType.Float);
    expect(it.atT()).toBe(t0 + 20_000);
    expect(it.seek(t0 + 1_500_001)).toBe(ValueType.Float); // chunk 2 starts at sample 120 = t0 + 1.2e6
    expect([it.atT(), it.atV()]).toEqual([t0 + 1_510_000, s.v[151]]);
    expect(it.seek(t0)).toBe(ValueType.Float);
    expect(it.atT()).toBe(t0 + 1_510_000);
    expect(it.next()).toBe(ValueType.Float);
    expect(it.atT()).toBe(t0 + 1_520_000);
    expect(it.seek(T + 2_000_001)).toBe(ValueType.None);
    expect(it.next()).toBe(ValueType.None);
    expect(set.next()).toBe(false);
    q.close();
  });

  it('hands out column views of the range', async () => {
    const q = await block.querier(T + 100_000, T + 1_500_000);
    const set = await q.select({ start: T, end: END }, m('=', '__name__', 'up'), m('=', 'job', 'db'));
    expect(set.next()).toBe(true);
    const s = set.at();
    const cols = s.columns!(T + 1_190_000, T + 9e9);
    const ref = series.find((x) => compareLabels(x.labels, s.labels) === 0)!;
    const want = expected([ref], T + 1_190_000, T + 1_500_000)[0].samples;
    expect(Array.from(cols.t)).toEqual(want.map((x) => x[0]));
    expect(cols.v.length).toBe(want.length);
    q.close();
  });

  it('honours limit and labelsOnly', async () => {
    const q = await block.querier(T, END);
    const set = await q.select({ start: T, end: END, limit: 5 }, m('=~', '__name__', '.+'));
    let n = 0;
    while (set.next()) n++;
    expect(n).toBe(5);
    const labelsOnly = await q.select({ start: T, end: END, labelsOnly: true }, m('=', '__name__', 'up'));
    let k = 0;
    while (labelsOnly.next()) k++;
    expect(k).toBe(18);
    q.close();
  });
});

describe('labelNames and labelValues', () => {
  let q: Querier;
  beforeAll(async () => {
    q = await block.querier(-Infinity, Infinity);
  });
  afterAll(() => q.close());

  it('lists every name and value without matchers, sorted', async () => {
    expect(await q.labelNames()).toEqual(['__name__', 'env', 'instance', 'job', 'mode']);
    expect(await q.labelValues('__name__')).toEqual(['http_errors_total', 'http_requests_total', 'node_cpu', 'up']);
    expect(await q.labelValues('env')).toEqual(['dev', 'prod']);
    expect(await q.labelValues('nope')).toEqual([]);
  });

  it('restricts to matching series', async () => {
    expect(await q.labelNames(m('=', '__name__', 'up'))).toEqual(['__name__', 'env', 'instance', 'job']);
    expect(await q.labelNames(m('=', '__name__', 'up'), m('=', 'env', ''))).toEqual(['__name__', 'instance', 'job']);
    expect(await q.labelValues('mode', m('=', 'job', 'web'))).toEqual(['m.0', 'm.1', 'm.2', 'm.3', 'm.4', 'm.5']);
    expect(await q.labelValues('instance', m('=', 'env', 'prod'))).toEqual(['host-0.example:9100']);
    expect(await q.labelValues('env', m('=~', 'instance', 'host-[12].*'))).toEqual(['dev']);
  });

  it('restricts to series with data in the querier range', async () => {
    // Series of instance i start at T + i s; the block starts at T.
    const early = await block.querier(T, T + 2500);
    expect(await early.labelValues('instance', m('=', '__name__', 'up'))).toEqual(['host-0.example:9100', 'host-1.example:9100', 'host-2.example:9100']);
    expect(await early.labelValues('instance')).toEqual(['host-0.example:9100', 'host-1.example:9100', 'host-2.example:9100']);
    expect(await early.labelNames()).toEqual(['__name__', 'env', 'instance', 'job', 'mode']);
    early.close();
    const outside = await block.querier(END + 1, END + 100);
    expect(await outside.labelNames()).toEqual([]);
    expect(await outside.labelValues('job')).toEqual([]);
    outside.close();
  });
});
