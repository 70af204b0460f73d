/**
 * The protobuf and JSON decoders on bytes made by the official OpenTelemetry JS SDK serializers,
 * plus hand-made edge cases: both decoders must drive the visitor identically.
 */
import { describe, expect, it } from 'vitest';
import { AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpDecodeError } from '../../translate/otlp/visitor.ts';
import { decodeMetricsJson } from './decode-json.ts';
import { decodeMetricsProtobuf } from './decode-protobuf.ts';
import { RecordingVisitor } from './recording-visitor.ts';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function sdkMetrics(): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'decoder-test', 'host.cpus': 8, 'feature.on': true, 'ratio.value': 0.5 }),
    readers: [reader],
    views: [{ instrumentName: 'exp.hist', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('decoder-meter', '2.0.0');
  meter.createCounter('c.count', { unit: '1' }).add(3, { route: '/a' });
  meter.createUpDownCounter('u.active').add(-2);
  meter.createGauge('g.temp', { unit: 'Cel' }).record(21.5, { room: 'lab' });
  const h = meter.createHistogram('h.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
  for (const v of [0.05, 0.5, 5, 50]) h.record(v, { method: 'GET' });
  const e = meter.createHistogram('exp.hist');
  for (const v of [1, 2, 3, 100]) e.record(v); // the API drops negative histogram values
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics;
}

describe('decoders on official SDK payloads', () => {
  it('protobuf and JSON yield the same calls, with names, units, temporality, attributes and values', async () => {
    const rm = await sdkMetrics();
    const pb = new RecordingVisitor();
    decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(rm)!, pb);
    const js = new RecordingVisitor();
    decodeMetricsJson(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)!), js);
    expect(js.calls).toEqual(pb.calls);

    const resource = pb.calls.find((c) => c[0] === 'resource')!;
    expect(resource[1]).toMatchObject({ 'service.name': 'decoder-test', 'host.cpus': '8', 'feature.on': 'true', 'ratio.value': '0.5' });
    expect(pb.calls.find((c) => c[0] === 'scope')!.slice(1, 3)).toEqual(['decoder-meter', '2.0.0']);
    const metrics = pb.calls.filter((c) => c[0] === 'metric').map((c) => c[1] as { name: string; unit: string; kind: number; temporality: number; monotonic: boolean });
    expect(metrics.map((m) => [m.name, m.unit, m.kind, m.temporality, m.monotonic]).sort()).toEqual([
      ['c.count', '1', 2, 2, true], ['exp.hist', '', 4, 2, false], ['g.temp', 'Cel', 1, 0, false], ['h.duration', 's', 3, 2, false], ['u.active', '', 2, 2, false],
    ]);
    const numbers = pb.calls.filter((c) => c[0] === 'number');
    expect(numbers.map((c) => [c[1], c[4]])).toEqual(expect.arrayContaining([[{ route: '/a' }, 3], [{}, -2], [{ room: 'lab' }, 21.5]]));
    expect(numbers).toHaveLength(3);
    const now = Date.now();
    for (const c of numbers) expect(Math.abs((c[3] as number) - now)).toBeLessThan(60_000);
    const hist = pb.calls.find((c) => c[0] === 'histogram')!;
    expect(hist[4]).toEqual({ count: 4, hasSum: true, sum: 55.55, bounds: [0.1, 1, 10], counts: [1, 1, 1, 1], flags: 0 });
    const exp = pb.calls.find((c) => c[0] === 'exphistogram')![4] as { count: number; positive: { counts: number[] }; negative: { counts: number[] } };
    expect(exp.count).toBe(4);
    expect(exp.positive.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(exp.negative.counts).toEqual([]);
  });

  it('every truncation of a real request decodes or throws OtlpDecodeError, nothing else', async () => {
    const bytes = ProtobufMetricsSerializer.serializeRequest(await sdkMetrics())!;
    let errors = 0;
    for (let n = 0; n < bytes.length; n++) {
      try {
        decodeMetricsProtobuf(bytes.subarray(0, n), new RecordingVisitor());
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        expect((err as Error).message).toMatch(/offset \d+/);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(bytes.length / 2);
  });
});

/** A minimal protobuf writer for hand-made cases. */
const varint = (n: number): number[] => { const out: number[] = []; while (n > 0x7f) { out.push((n % 128) | 0x80); n = Math.floor(n / 128); } out.push(n); return out; };
const tag = (f: number, w: number) => varint(f * 8 + w);
const ld = (f: number, body: number[]) => [...tag(f, 2), ...varint(body.length), ...body];
const str = (f: number, s: string) => ld(f, [...new TextEncoder().encode(s)]);
const f64le = (x: number) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, x, true); return [...new Uint8Array(b.buffer)]; };
const u64le = (lo: number, hi: number) => { const b = new DataView(new ArrayBuffer(8)); b.setUint32(0, lo, true); b.setUint32(4, hi, true); return [...new Uint8Array(b.buffer)]; };
const request = (metric: number[], resourceAttrs: number[] = []) => Uint8Array.from(ld(1, [...ld(1, resourceAttrs), ...ld(2, ld(2, metric))]));

describe('protobuf edge cases', () => {
  it.each([
    ['0 ns', 0, 0, 0],
    ['1 ms', 1_000_000, 0, 1],
    ['2^32 ns', 0, 1, 4294],
    ['1700000000123456789 ns (a 2023 time)', 1700000000123456789 % 2 ** 32, Math.floor(1700000000123456789 / 2 ** 32), 1700000000123],
  ])('converts fixed64 ns to ms exactly: %s', (_n, lo, hi, ms) => {
    const point = [...tag(3, 1), ...u64le(lo, hi), ...tag(4, 1), ...f64le(1)];
    const v = new RecordingVisitor();
    decodeMetricsProtobuf(request([...str(1, 'g'), ...ld(5, ld(1, point))]), v);
    expect(v.calls.find((c) => c[0] === 'number')![3]).toBe(ms);
  });

  it('skips unknown fields of every wire type and reads unpacked bucket counts', () => {
    const unknown = [...tag(99, 0), ...varint(300), ...tag(98, 1), ...f64le(1), ...str(97, 'x'), ...tag(96, 5), 1, 2, 3, 4];
    const point = [...unknown, ...tag(3, 1), ...u64le(1_000_000, 0), ...tag(4, 1), ...u64le(2, 0), ...tag(6, 1), ...u64le(1, 0), ...tag(6, 1), ...u64le(1, 0), ...tag(7, 1), ...f64le(0.5)];
    const v = new RecordingVisitor();
    decodeMetricsProtobuf(request([...unknown, ...str(1, 'h'), ...ld(9, [...ld(1, point), ...tag(2, 0), 2])]), v);
    expect(v.calls.find((c) => c[0] === 'histogram')![4]).toMatchObject({ count: 2, bounds: [0.5], counts: [1, 1], hasSum: false });
  });

  it('prints an int64 attribute beyond 2^53 exactly', () => {
    // 2^63 - 1 as a varint
    const big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    const kv = [...str(1, 'big'), ...ld(2, [...tag(3, 0), ...big])];
    const v = new RecordingVisitor();
    decodeMetricsProtobuf(request([...str(1, 'g'), ...ld(5, ld(1, [...tag(3, 1), ...u64le(1e6, 0), ...tag(4, 1), ...f64le(1)]))], ld(1, kv)), v);
    expect(v.calls[0][1]).toEqual({ big: '9223372036854775807' });
  });

  it('reports a number point without a value as invalid, not as an exception', () => {
    const v = new RecordingVisitor();
    decodeMetricsProtobuf(request([...str(1, 'g'), ...ld(5, ld(1, [...tag(3, 1), ...u64le(1e6, 0)]))]), v);
    expect(v.calls.filter((c) => c[0] === 'invalid')).toEqual([['invalid', 'missing_value']]);
  });

  it('accepts an empty request', () => {
    const v = new RecordingVisitor();
    decodeMetricsProtobuf(new Uint8Array(0), v);
    expect(v.calls).toEqual([]);
  });
});

describe('JSON edge cases', () => {
  it('decodes the spec example (examples/metrics.json)', () => {
    const v = new RecordingVisitor();
    decodeMetricsJson(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'my.counter', unit: '1', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asDouble: 5, startTimeUnixNano: '1544712660300000000', timeUnixNano: '1544712660300000000', attributes: [{ key: 'my.counter.attr', value: { stringValue: 'some value' } }] }] } }] }] }] }), v);
    expect(v.calls.filter((c) => c[0] !== 'resource' && c[0] !== 'scope' && c[0] !== 'endResource')).toEqual([
      ['metric', { name: 'my.counter', description: '', unit: '1', kind: 2, temporality: 1, monotonic: true }],
      ['number', { 'my.counter.attr': 'some value' }, 1544712660300, 1544712660300, 5, 0],
    ]);
  });

  it('accepts snake_case keys, enum names, numeric times and string doubles', () => {
    const v = new RecordingVisitor();
    decodeMetricsJson(JSON.stringify({ resource_metrics: [{ scope_metrics: [{ metrics: [{ name: 's', sum: { aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', is_monotonic: true, data_points: [{ as_double: 'NaN', time_unix_nano: 1_000_000_000 }, { asDouble: 'Infinity', timeUnixNano: '2000000000' }, { asDouble: '-Infinity', timeUnixNano: '3000000000' }, { asInt: '7', timeUnixNano: '4000000000' }] } }] }] }] }), v);
    const points = v.calls.filter((c) => c[0] === 'number').map((c) => [c[3], c[4]]);
    expect(points).toEqual([[1000, NaN], [2000, Infinity], [3000, -Infinity], [4000, 7]]);
    expect((v.calls.find((c) => c[0] === 'metric')![1] as { temporality: number }).temporality).toBe(2);
  });

  it.each([
    ['{"resourceMetrics": [', /invalid JSON/],
    ['{"resourceMetrics": {}}', /\$\.resourceMetrics: expected an array/],
    ['{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "g", "gauge": {"dataPoints": [7]}}]}]}]}', /\$\.resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]: expected an object/],
    ['{"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "g", "gauge": {"dataPoints": [{"asDouble": "lots", "timeUnixNano": "1"}]}}]}]}]}', /asDouble: expected a number, got "lots"/],
  ])('names the problem in %s', (text, message) => {
    expect(() => decodeMetricsJson(text, new RecordingVisitor())).toThrow(OtlpDecodeError);
    expect(() => decodeMetricsJson(text, new RecordingVisitor())).toThrow(message);
  });

  it('accepts {"resourceMetrics": []} and {}', () => {
    for (const text of ['{"resourceMetrics": []}', '{}']) {
      const v = new RecordingVisitor();
      decodeMetricsJson(text, v);
      expect(v.calls).toEqual([]);
    }
  });
});
