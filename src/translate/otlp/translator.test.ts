/** The translator against the spec's label-set and data-point vectors (otlp-to-prometheus.md §6.4–6.6), driven through the visitor. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsToObject } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import { openDb, type Db } from '../../tsdb/db.ts';
import { RecordingStore } from './recording-appender.ts';
import { OtlpTranslator, type OtlpTranslatorOptions } from './translator.ts';
import { FLAG_NO_RECORDED_VALUE, MetricKind, Temporality, type Attributes, type MetricDescriptor } from './visitor.ts';

const T = 1_700_000_000_000;
const attrs = (o: Record<string, string> = {}): Attributes => ({ count: Object.keys(o).length, keys: Object.keys(o), values: Object.values(o) });
const metric = (name: string, kind: MetricDescriptor['kind'], unit = '', temporality: MetricDescriptor['temporality'] = Temporality.Cumulative, monotonic = true): MetricDescriptor =>
  ({ name, description: `${name} help`, unit, kind, temporality, monotonic });
const f64 = (xs: number[]) => Float64Array.from(xs);

/** Runs one request: resource → scope → one metric's points. */
async function translate(store: RecordingStore, opts: Partial<OtlpTranslatorOptions>, resource: Record<string, string>, m: MetricDescriptor, points: (v: ReturnType<OtlpTranslator['begin']>) => void, translator = new OtlpTranslator(opts), scope: [string, string, Record<string, string>, string] = ['', '', {}, '']) {
  const app = store.appender();
  const tr = translator.begin(app);
  tr.beginResource(attrs(resource), '');
  tr.beginScope(scope[0], scope[1], attrs(scope[2]), scope[3]);
  tr.beginMetric(m);
  points(tr);
  tr.endResource();
  await app.commit();
  await tr.commit();
  return tr;
}

describe('§6.4 label sets', () => {
  it('V1: job/instance from service.*, target_info with the other attributes', async () => {
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, { 'service.name': 'test-service', 'service.instance.id': 'test-instance', 'host.name': 'test-host' },
      metric('test.counter', MetricKind.Sum, 'By'), (tr) => tr.numberPoint(attrs({ 'foo.bar': 'baz' }), 0, T, 5, 0));
    expect(s.named('test_counter_bytes_total').map((x) => x.labels)).toEqual([{ __name__: 'test_counter_bytes_total', foo_bar: 'baz', instance: 'test-instance', job: 'test-service' }]);
    expect(s.named('target_info').map((x) => [x.labels, x.v])).toEqual([[{ __name__: 'target_info', host_name: 'test-host', instance: 'test-instance', job: 'test-service' }, 1]]);
    expect(s.metadata.get('test_counter_bytes_total')).toEqual({ type: 'counter', unit: 'bytes', help: 'test.counter help' });
    expect(s.metadata.get('target_info')).toEqual({ type: 'gauge', unit: '', help: 'Target metadata' });
  });

  it('V3: resource_to_telemetry_conversion copies every resource attribute; off gives only job/instance', async () => {
    const resource = { 'service.name': 'myservice', 'service.instance.id': 'instance', raw: 'test', 'foo.one': 'foo', 'bar.one': 'bar' };
    const on = new RecordingStore();
    await translate(on, {}, resource, metric('test_metric_gauge', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0));
    expect(on.named('test_metric_gauge')[0].labels).toEqual({ __name__: 'test_metric_gauge', bar_one: 'bar', foo_one: 'foo', instance: 'instance', service_instance_id: 'instance', job: 'myservice', service_name: 'myservice', raw: 'test' });
    const off = new RecordingStore();
    await translate(off, { resourceAttributes: 'none' }, resource, metric('test_metric_gauge', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0));
    expect(off.named('test_metric_gauge')[0].labels).toEqual({ __name__: 'test_metric_gauge', instance: 'instance', job: 'myservice' });
  });

  it('V3: a data-point attribute wins over a promoted resource attribute of the same name', async () => {
    const s = new RecordingStore();
    await translate(s, {}, { 'service.name': 'svc', region: 'from-resource' }, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs({ region: 'from-point' }), 0, T, 1, 0));
    expect(s.named('g')[0].labels.region).toBe('from-point');
  });

  it('V4: job is namespace/name; target_info keeps identifying attributes only when asked', async () => {
    const resource = { 'service.namespace': 'myns', 'service.name': 'myservice', 'service.instance.id': 'instance', custom_attr: 'test' };
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, resource, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0));
    expect(s.named('g')[0].labels).toEqual({ __name__: 'g', instance: 'instance', job: 'myns/myservice' });
    expect(s.named('target_info')[0].labels).toEqual({ __name__: 'target_info', instance: 'instance', job: 'myns/myservice', custom_attr: 'test' });
    const k = new RecordingStore();
    await translate(k, { resourceAttributes: 'none', keepIdentifyingResourceAttributes: true }, resource, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0));
    expect(k.named('target_info')[0].labels).toMatchObject({ service_instance_id: 'instance', service_namespace: 'myns', service_name: 'myservice' });
  });

  it('target_info is skipped when the resource has only identifying attributes (Prometheus rule)', async () => {
    const s = new RecordingStore();
    await translate(s, {}, { 'service.name': 'only' }, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0));
    expect(s.named('target_info')).toEqual([]);
  });

  it.each([
    [{ 'a.b': '1', a_b: '2' }, { a_b: '1;2' }],
    [{ 'a-b': '1', 'a.b': '2', a_b: '3' }, { a_b: '1;2;3' }],
    [{ 'a.b': '1', a_b: '2', 'c.d': '3', c_d: '4' }, { a_b: '1;2', c_d: '3;4' }],
  ])('V5: colliding attribute names join with ";" in key order: %j', async (point, want) => {
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, {}, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(point), 0, T, 1, 0));
    expect(s.named('g')[0].labels).toEqual({ __name__: 'g', ...want });
  });

  it('V7: scope name, version, schema URL and attributes become otel_scope_* labels; none for an empty scope', async () => {
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, {}, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0), undefined,
      ['test-scope', '1.0.0', { attr1: 'value1', attr2: 'value2' }, 'https://schema.com']);
    expect(s.named('g')[0].labels).toEqual({ __name__: 'g', otel_scope_name: 'test-scope', otel_scope_version: '1.0.0', otel_scope_schema_url: 'https://schema.com', otel_scope_attr1: 'value1', otel_scope_attr2: 'value2' });
    const alloy = new RecordingStore();
    await translate(alloy, { resourceAttributes: 'none', scopeLabels: 'name_version' }, {}, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0), undefined, ['a-name', 'a-version', { foo: 'bar' }, '']);
    expect(alloy.named('g')[0].labels).toEqual({ __name__: 'g', otel_scope_name: 'a-name', otel_scope_version: 'a-version' });
  });
});

describe('§6.5 data points', () => {
  const hist = (bounds: number[], counts: number[], count: number, sum: number | null, flags = 0) => ({ count, hasSum: sum !== null, sum: sum ?? 0, bounds: f64(bounds), boundCount: bounds.length, counts: f64(counts), countCount: counts.length, flags });

  it('D1: explicit histogram → cumulative _bucket with +Inf = count, _sum, _count', async () => {
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, {}, metric('test.hist', MetricKind.Histogram), (tr) => tr.histogramPoint(attrs(), 0, T, hist([0, 1, 2, 3, 4, 5], [2, 2, 2, 2, 2, 2], 12, 30)));
    expect(Object.fromEntries(s.named('test_hist_bucket').map((x) => [x.labels.le, x.v]))).toEqual({ 0: 2, 1: 4, 2: 6, 3: 8, 4: 10, 5: 12, '+Inf': 12 });
    expect(s.named('test_hist_sum').map((x) => x.v)).toEqual([30]);
    expect(s.named('test_hist_count').map((x) => x.v)).toEqual([12]);
  });

  it('D2: bucket counts are per bucket in OTLP and cumulative in Prometheus; no _sum without sum', async () => {
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, {}, metric('h', MetricKind.Histogram), (tr) => tr.histogramPoint(attrs(), 0, T, hist([0.25, 0.5, 0.75, 1.0], [0, 111, 0, 222], 333, null)));
    expect(Object.fromEntries(s.named('h_bucket').map((x) => [x.labels.le, x.v]))).toEqual({ '0.25': 0, '0.5': 111, '0.75': 111, 1: 333, '+Inf': 333 });
    expect(s.named('h_sum')).toEqual([]);
  });

  it('points of one family write the buckets of their own bounds, also when a stream changes its bounds', async () => {
    const s = new RecordingStore();
    const translator = new OtlpTranslator({ resourceAttributes: 'none', targetInfo: false });
    const buckets = (route: string, t: number) => Object.fromEntries(s.named('h_bucket').filter((x) => x.labels.route === route && x.t === t).map((x) => [x.labels.le, x.v]));
    await translate(s, {}, {}, metric('h', MetricKind.Histogram), (tr) => {
      tr.histogramPoint(attrs({ route: '/a' }), 0, T, hist([1, 2], [1, 1, 1], 3, 6));
      tr.histogramPoint(attrs({ route: '/b' }), 0, T, hist([1, 2], [2, 0, 0], 2, 1));
      tr.histogramPoint(attrs({ route: '/c' }), 0, T, hist([5], [4, 0], 4, 8));
    }, translator);
    await translate(s, {}, {}, metric('h', MetricKind.Histogram), (tr) => {
      tr.histogramPoint(attrs({ route: '/a' }), 0, T + 1, hist([5], [5, 1], 6, 12));
      tr.histogramPoint(attrs({ route: '/b' }), 0, T + 1, hist([1, 2], [3, 0, 0], 3, 2));
    }, translator);
    expect([buckets('/a', T), buckets('/b', T), buckets('/c', T)]).toEqual([{ 1: 1, 2: 2, '+Inf': 3 }, { 1: 2, 2: 2, '+Inf': 2 }, { 5: 4, '+Inf': 4 }]);
    expect([buckets('/a', T + 1), buckets('/b', T + 1)]).toEqual([{ 5: 5, '+Inf': 6 }, { 1: 3, 2: 3, '+Inf': 3 }]);
    expect(s.named('h_sum').filter((x) => x.t === T + 1).map((x) => [x.labels.route, x.v])).toEqual([['/a', 12], ['/b', 2]]);
  });

  it('rejects unsorted bounds through partial success', async () => {
    const s = new RecordingStore();
    const tr = await translate(s, {}, {}, metric('h', MetricKind.Histogram), (t) => t.histogramPoint(attrs(), 0, T, hist([0.5, 1.0, 0.25, 0.75], [0, 111, 0, 222], 333, 100)));
    expect([tr.rejectedPoints, [...tr.rejectedByReason]]).toEqual([1, [['unsorted_bounds', 1]]]);
    expect(s.samples).toEqual([]);
  });

  it('D4: summary → quantile series, _sum, _count', async () => {
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, {}, metric('test.summary', MetricKind.Summary), (tr) =>
      tr.summaryPoint(attrs(), 0, T, { count: 50, sum: 100, quantiles: f64([0.5, 0.9]), values: f64([30, 40]), quantileCount: 2, flags: 0 }));
    expect(s.named('test_summary').map((x) => [x.labels.quantile, x.v])).toEqual([['0.5', 30], ['0.9', 40]]);
    expect(s.named('test_summary_sum').map((x) => x.v)).toEqual([100]);
    expect(s.named('test_summary_count').map((x) => x.v)).toEqual([50]);
  });

  it('D8: a point flagged no-recorded-value becomes staleness markers on every series it would write', async () => {
    const s = new RecordingStore();
    await translate(s, {}, {}, metric('h', MetricKind.Histogram), (tr) => tr.histogramPoint(attrs(), 0, T, hist([1, 2], [1, 1], 2, 3, FLAG_NO_RECORDED_VALUE)));
    expect(s.samples.length).toBe(5); // 3 buckets, _count, _sum
    expect(s.samples.every((x) => x.stale)).toBe(true);
    const g = new RecordingStore();
    await translate(g, {}, {}, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 0, FLAG_NO_RECORDED_VALUE));
    expect(g.samples.map((x) => x.stale)).toEqual([true]);
  });

  it('exponential histogram → classic buckets at upper bounds base^(k+1), negatives, zero bucket, +Inf', async () => {
    // scale 0: base 2. Positive offset 0, counts [1, 2, 3] cover (1,2], (2,4], (4,8]; negative offset 1, count [4] covers [-4,-2); zero count 5.
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none' }, {}, metric('lat', MetricKind.ExponentialHistogram, 's'), (tr) =>
      tr.exponentialHistogramPoint(attrs(), 0, T, { count: 15, hasSum: true, sum: 20, scale: 0, zeroCount: 5, zeroThreshold: 0, positive: { offset: 0, counts: f64([1, 2, 3]), countCount: 3 }, negative: { offset: 1, counts: f64([4]), countCount: 1 }, flags: 0 }));
    expect(s.named('lat_seconds_bucket').map((x) => [x.labels.le, x.v])).toEqual([['-2', 4], ['0', 9], ['2', 10], ['4', 12], ['8', 15], ['+Inf', 15]]);
    expect(s.named('lat_seconds_count').map((x) => x.v)).toEqual([15]);
    expect(s.metadata.get('lat_seconds')?.type).toBe('histogram');
  });

  it('downscales a fine exponential histogram to the configured scale by merging neighbours', async () => {
    // scale 1 (base √2): indexes 0..3 cover (1,√2], (√2,2], (2,2√2], (2√2,4]; at scale 0 they merge pairwise into (1,2] and (2,4].
    const s = new RecordingStore();
    await translate(s, { resourceAttributes: 'none', exponentialHistogramMaxScale: 0 }, {}, metric('x', MetricKind.ExponentialHistogram), (tr) =>
      tr.exponentialHistogramPoint(attrs(), 0, T, { count: 10, hasSum: true, sum: 20, scale: 1, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, counts: f64([1, 2, 3, 4]), countCount: 4 }, negative: { offset: 0, counts: f64([]), countCount: 0 }, flags: 0 }));
    expect(s.named('x_bucket').map((b) => [b.labels.le, b.v])).toEqual([['2', 3], ['4', 10], ['+Inf', 10]]);
  });
});

describe('rejections and storage errors', () => {
  it('§6.6: one delta sum in reject mode + one gauge → 1 rejected, the gauge kept', async () => {
    const s = new RecordingStore();
    const translator = new OtlpTranslator({ delta: 'reject' });
    const app = s.appender();
    const tr = translator.begin(app);
    tr.beginResource(attrs({ 'service.name': 's' }), '');
    tr.beginScope('', '', attrs(), '');
    tr.beginMetric(metric('d', MetricKind.Sum, '', Temporality.Delta));
    tr.numberPoint(attrs(), T - 1000, T, 1, 0);
    tr.beginMetric(metric('g', MetricKind.Gauge));
    tr.numberPoint(attrs(), 0, T, 2, 0);
    tr.endResource();
    await app.commit();
    expect([tr.acceptedPoints, tr.rejectedPoints, tr.message]).toEqual([1, 1, 'metric "d": delta temporality is not accepted (otlp.delta = reject)']);
    expect(s.named('g').map((x) => x.v)).toEqual([2]);
  });

  it('counts a StorageError as a rejected point with its code as reason', async () => {
    const s = new RecordingStore();
    s.refuse.add(T);
    const tr = await translate(s, {}, {}, metric('g', MetricKind.Gauge), (t) => { t.numberPoint(attrs({ a: '1' }), 0, T, 1, 0); t.numberPoint(attrs({ a: '2' }), 0, T + 1, 1, 0); });
    expect([tr.acceptedPoints, tr.rejectedPoints, [...tr.rejectedByReason]]).toEqual([1, 1, [['out_of_order', 1]]]);
  });

  it('rejects unspecified temporality, zero timestamps, invalid names and huge label values; keeps the rest', async () => {
    const s = new RecordingStore();
    const translator = new OtlpTranslator({ maxLabelValueLength: 10 });
    const app = s.appender();
    const tr = translator.begin(app);
    tr.beginResource(attrs(), '');
    tr.beginScope('', '', attrs(), '');
    tr.beginMetric(metric('u', MetricKind.Sum, '', Temporality.Unspecified));
    tr.numberPoint(attrs(), 0, T, 1, 0);
    tr.beginMetric(metric('@#$%', MetricKind.Gauge));
    tr.numberPoint(attrs(), 0, T, 1, 0);
    tr.beginMetric(metric('g', MetricKind.Gauge));
    tr.numberPoint(attrs(), 0, 0, 1, 0);
    tr.numberPoint(attrs({ big: 'x'.repeat(11) }), 0, T, 1, 0);
    tr.numberPoint(attrs({ ok: 'y' }), 0, T, 3, 0);
    tr.endResource();
    await app.commit();
    expect(Object.fromEntries(tr.rejectedByReason)).toEqual({ invalid_temporality: 1, invalid_metric_name: 1, missing_timestamp: 1, label_value_too_long: 1 });
    expect(s.named('g').map((x) => x.v)).toEqual([3]);
  });
});

describe('start time, deltas, staleness', () => {
  it('writes a 0 at the start time of a new counter, once', async () => {
    const s = new RecordingStore();
    const translator = new OtlpTranslator({ resourceAttributes: 'none' });
    const push = (t: number, v: number) => translate(s, {}, { 'service.name': 's' }, metric('c', MetricKind.Sum), (tr) => tr.numberPoint(attrs(), T - 60_000, t, v, 0), translator);
    await push(T, 5);
    await push(T + 60_000, 9);
    expect(s.named('c_total').map((x) => [x.t, x.v])).toEqual([[T - 60_000, 0], [T, 5], [T + 60_000, 9]]);
  });

  it('converts deltas to running totals that survive reopening the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-delta-'));
    const s = new RecordingStore();
    const d = (translator: OtlpTranslator, st: number, t: number, v: number) => translate(s, {}, { 'service.name': 's' }, metric('jobs', MetricKind.Sum, '', Temporality.Delta), (tr) => tr.numberPoint(attrs(), st, t, v, 0), translator);
    const first = await OtlpTranslator.open({}, dir);
    await d(first, T, T + 10_000, 5);
    await d(first, T + 10_000, T + 20_000, 3);
    first.delta.close();
    const second = await OtlpTranslator.open({}, dir);
    await d(second, T + 20_000, T + 30_000, 2);
    const late = await d(second, T + 5_000, T + 15_000, 100); // overlaps: a single-writer violation
    expect(s.named('jobs_total').map((x) => [x.t, x.v])).toEqual([[T, 0], [T + 10_000, 5], [T + 20_000, 8], [T + 30_000, 10]]);
    expect([...late.rejectedByReason]).toEqual([['delta_out_of_order', 1]]);
  });

  it('abort() forgets a request’s delta changes', async () => {
    const s = new RecordingStore();
    const translator = new OtlpTranslator();
    const tr = translator.begin(s.appender());
    tr.beginResource(attrs(), '');
    tr.beginScope('', '', attrs(), '');
    tr.beginMetric(metric('jobs', MetricKind.Sum, '', Temporality.Delta));
    tr.numberPoint(attrs(), T, T + 1000, 5, 0);
    tr.endResource();
    tr.abort();
    expect(translator.delta.totals.size).toBe(0);
  });

  it('marks a silent resource stale after the configured number of missed export intervals', async () => {
    const s = new RecordingStore();
    const translator = new OtlpTranslator({ staleAfterMissedExports: 3 });
    const push = () => translate(s, {}, { 'service.name': 'gone', 'service.instance.id': 'i' }, metric('g', MetricKind.Gauge), (tr) => tr.numberPoint(attrs(), 0, T, 1, 0), translator);
    await push();
    const r = [...translator.resources.values()][0];
    r.lastPushMs = Date.now() - 10_000; // pretend the first push was 10 s ago: the interval becomes 10 s
    await push();
    const last = [...translator.resources.values()][0].lastPushMs;
    expect(await translator.sweepStale(s, last + 29_000)).toBe(0); // 2.9 intervals: still alive
    expect(await translator.sweepStale(s, last + 31_000)).toBe(1); // 3.1 intervals: stale
    expect(s.named('g').filter((x) => x.stale).map((x) => x.t)).toEqual([last + 31_000]);
    expect(translator.resources.size).toBe(0);
  });
});

describe('writing by ref into the embedded store', () => {
  const hist = (counts: number[]) => ({ count: counts.reduce((a, b) => a + b, 0), hasSum: true, sum: 1.5, bounds: f64([0.1, 1]), boundCount: 2, counts: f64(counts), countCount: 3, flags: 0 });
  const push = async (db: Db, translator: OtlpTranslator, t: number, counts: number[]) => {
    const app = db.appender();
    const tr = translator.begin(app);
    tr.beginResource(attrs({ 'service.name': 'svc' }), '');
    tr.beginScope('', '', attrs(), '');
    tr.beginMetric(metric('rpc.duration', MetricKind.Histogram, 's'));
    // `Zone` sorts before __name__, and an attribute `le` is kept on _count and _sum but not on the buckets.
    tr.histogramPoint(attrs({ Zone: 'eu', le: 'attr', route: '/a' }), 0, t, hist(counts));
    tr.endResource();
    await app.commit();
    await tr.commit();
  };
  const stored = async (db: Db) => {
    const q = await db.querier(T - 60_000, T + 60_000);
    const set = await q.select({ start: T - 60_000, end: T + 60_000 }, new Matcher('=~', '__name__', 'rpc_duration_seconds.*'));
    const out: Array<[Record<string, string>, number[]]> = [];
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      const vs: number[] = [];
      while (it.next() !== ValueType.None) vs.push(it.atV());
      out.push([labelsToObject(s.labels), vs]);
    }
    await q.close();
    return out;
  };

  it('keeps the same label sets when the store forgot the series and the labels are made again', async () => {
    const db = await openDb({ dir: mkdtempSync(join(tmpdir(), 'pharos-translator-db-')), fsync: 'never' });
    try {
      const translator = new OtlpTranslator({ resourceAttributes: 'none', targetInfo: false, startTimeZeroInjection: false });
      await push(db, translator, T, [1, 2, 3]);
      await push(db, translator, T + 15_000, [2, 3, 4]); // by ref: no labels kept between pushes
      const base = { Zone: 'eu', job: 'svc', route: '/a' };
      const want = (values: (i: number) => number[]) => [
        [{ ...base, __name__: 'rpc_duration_seconds_bucket', le: '+Inf' }, values(0)],
        [{ ...base, __name__: 'rpc_duration_seconds_bucket', le: '0.1' }, values(1)],
        [{ ...base, __name__: 'rpc_duration_seconds_bucket', le: '1' }, values(2)],
        [{ ...base, __name__: 'rpc_duration_seconds_count', le: 'attr' }, values(3)],
        [{ ...base, __name__: 'rpc_duration_seconds_sum', le: 'attr' }, values(4)],
      ];
      expect(await stored(db)).toEqual(want((i) => [[6, 9], [1, 2], [3, 5], [6, 9], [1.5, 1.5]][i]));
      await db.delete(-Infinity, Infinity, new Matcher('=~', '__name__', 'rpc_duration_seconds.*'));
      expect(await stored(db)).toEqual([]);
      await push(db, translator, T + 30_000, [3, 4, 5]); // the refs are dead: made again from the cached parts
      expect(await stored(db)).toEqual(want((i) => [[12], [3], [7], [12], [1.5]][i]));
    } finally {
      await db.close();
    }
  });
});
