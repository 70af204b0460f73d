import { describe, expect, it } from 'vitest';
import { labelsToObject } from '../model/labels.ts';
import { Engine } from './engine.ts';
import { FakeQueryable } from './fake-queryable.ts';
import { QueryCanceledError, QueryTimeoutError } from './errors.ts';
import type { QueryValue } from './value.ts';

const S = 1000;
const M = 60 * S;

/** Plain view of a result for assertions. */
function view(v: QueryValue): unknown {
  switch (v.resultType) {
    case 'vector':
      return v.labels.map((l, i) => [labelsToObject(l), v.values[i]]);
    case 'matrix':
      return v.series.map((s) => [labelsToObject(s.labels), Array.from(s.timestamps, (t, i) => [t / S, s.values[i]])]);
    default:
      return [v.resultType, v.t, v.v];
  }
}

function store(): FakeQueryable {
  return new FakeQueryable()
    .add({ __name__: 'up', job: 'api' }, [[0, 1], [1 * M, 2], [2 * M, 3]])
    .add({ __name__: 'up', job: 'db' }, [[0, 10], [1 * M, 'stale']])
    .add({ __name__: 'other', job: 'api' }, [[0, 7]]);
}

describe('Engine.evalInstant', () => {
  it.each<[string, number, unknown]>([
    ['up', 0, [[{ __name__: 'up', job: 'api' }, 1], [{ __name__: 'up', job: 'db' }, 10]]],
    ['up', 30 * S, [[{ __name__: 'up', job: 'api' }, 1], [{ __name__: 'up', job: 'db' }, 10]]],
    // the stale marker at 1m ends job="db" at once, not 5m later
    ['up', 1 * M, [[{ __name__: 'up', job: 'api' }, 2]]],
    // lookback is (t-5m, t]: the sample at 2m is seen until 7m, exclusive
    ['up', 7 * M - 1, [[{ __name__: 'up', job: 'api' }, 3]]],
    ['up', 7 * M, []],
    ['up{job=~"a.*"}', 0, [[{ __name__: 'up', job: 'api' }, 1]]],
    ['up{job!="api"}', 0, [[{ __name__: 'up', job: 'db' }, 10]]],
    ['up{job!~"a.*|x"}', 0, [[{ __name__: 'up', job: 'db' }, 10]]],
    ['{job="api"}', 0, [[{ __name__: 'other', job: 'api' }, 7], [{ __name__: 'up', job: 'api' }, 1]]],
    ['{__name__=~"oth.*"}', 0, [[{ __name__: 'other', job: 'api' }, 7]]],
    ['up offset 1m', 2 * M, [[{ __name__: 'up', job: 'api' }, 2]]],
    ['up @ 60', 0, [[{ __name__: 'up', job: 'api' }, 2]]],
    ['up @ 120 offset 1m', 99 * M, [[{ __name__: 'up', job: 'api' }, 2]]],
    ['nothing', 0, []],
    ['42', 5 * S, ['scalar', 5 * S, 42]],
    ['"hi"', 5 * S, ['string', 5 * S, 'hi']],
  ])('%s at %d', async (q, t, want) => {
    const r = await new Engine(store()).evalInstant(q, t);
    expect(view(r.value)).toEqual(want);
  });

  it('honours a configured lookback delta', async () => {
    const e = new Engine(store(), { lookbackDeltaMs: 30 * S });
    expect(view((await e.evalInstant('up{job="api"}', 2 * M + 29 * S)).value)).toEqual([[{ __name__: 'up', job: 'api' }, 3]]);
    expect(view((await e.evalInstant('up{job="api"}', 2 * M + 30 * S)).value)).toEqual([]);
    expect(view((await e.evalInstant('up{job="api"}', 2 * M + 45 * S, { lookbackDeltaMs: M })).value)).toEqual([[{ __name__: 'up', job: 'api' }, 3]]);
  });

  it('asks storage for (t - lookback, t] only and closes the querier', async () => {
    const q = store();
    await new Engine(q).evalInstant('up offset 1m', 10 * M);
    expect(q.querierRanges).toEqual([{ mint: 4 * M + 1, maxt: 9 * M }]);
    expect(q.openQueriers).toBe(0);
  });

  it('passes storage warnings through', async () => {
    const q = store();
    q.warnings = ['secondary down'];
    expect((await new Engine(q).evalInstant('up', 0)).warnings).toEqual(['secondary down']);
  });
});

describe('Engine.evalRange', () => {
  it('steps with lookback and stops at a stale marker', async () => {
    const r = await new Engine(store()).evalRange('up', 0, 8 * M, 2 * M);
    expect(view(r.value)).toEqual([
      [{ __name__: 'up', job: 'api' }, [[0, 1], [120, 3], [240, 3], [360, 3]]],
      [{ __name__: 'up', job: 'db' }, [[0, 10]]],
    ]);
  });

  it('pins @ start() / end() to the range', async () => {
    const r = await new Engine(store()).evalRange('up{job="api"} @ end()', 0, 2 * M, M);
    expect(view(r.value)).toEqual([[{ __name__: 'up', job: 'api' }, [[0, 3], [60, 3], [120, 3]]]]);
    const s = await new Engine(store()).evalRange('up{job="api"} @ start()', 60 * S, 2 * M, M);
    expect(view(s.value)).toEqual([[{ __name__: 'up', job: 'api' }, [[60, 2], [120, 2]]]]);
  });

  it('turns a scalar into one series without labels', async () => {
    const r = await new Engine(store()).evalRange('2', 0, 2 * S, S);
    expect(view(r.value)).toEqual([[{}, [[0, 2], [1, 2], [2, 2]]]]);
  });

  it('rejects strings', async () => {
    await expect(new Engine(store()).evalRange('"x"', 0, 1, 1)).rejects.toThrow('invalid expression type "string" for range query, must be Scalar or instant Vector');
  });

  it('keeps values in Float64Array columns', async () => {
    const r = await new Engine(store()).evalRange('up', 0, 2 * M, M);
    if (r.value.resultType !== 'matrix') throw new Error('not a matrix');
    expect(r.value.series[0].values).toBeInstanceOf(Float64Array);
    expect(r.value.series[0].timestamps).toBeInstanceOf(Float64Array);
  });
});

describe('Engine cancellation', () => {
  it('times out', async () => {
    const e = new Engine(store(), { timeoutMs: -1 });
    await expect(e.evalInstant('up', 0)).rejects.toBeInstanceOf(QueryTimeoutError);
    await expect(e.evalInstant('up', 0)).rejects.toThrow('query timed out in expression evaluation');
  });

  it('cancels on an aborted signal, and times out on a timeout signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(new Engine(store()).evalInstant('up', 0, { signal: ac.signal })).rejects.toBeInstanceOf(QueryCanceledError);
    await expect(new Engine(store()).evalInstant('up', 0, { signal: ac.signal })).rejects.toThrow('query was canceled in expression evaluation');
    const timeout = AbortSignal.timeout(0);
    await new Promise((r) => setTimeout(r, 5));
    await expect(new Engine(store()).evalInstant('up', 0, { signal: timeout })).rejects.toBeInstanceOf(QueryTimeoutError);
  });

  it('notices a timeout in the middle of many series', async () => {
    const q = new FakeQueryable();
    for (let i = 0; i < 5000; i++) q.add({ __name__: 'm', i: String(i).padStart(5, '0') }, [[0, i]]);
    const ac = new AbortController();
    const p = new Engine(q).evalRange('m', 0, 10 * M, S, { signal: ac.signal });
    setImmediate(() => ac.abort());
    await expect(p).rejects.toBeInstanceOf(QueryCanceledError);
    expect(q.openQueriers).toBe(0);
  });
});
