/**
 * The WriteRequest codec: encode → decode round trips over boundary timestamps and values (NaN
 * payloads compared bit for bit), golden bytes for a tiny request, buffer reuse and growth, and
 * a decoder that fails cleanly on truncated or odd input.
 */
import { describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../model/labels.ts';
import { isStaleNaN, STALE_NAN } from '../model/value.ts';
import type { MetricMetadata } from '../storage/interface.ts';
import { decodeWriteRequest, encodeWriteRequest, WriteRequestDecodeError, WriteRequestEncoder, type WireLabels, type WriteRequestVisitor, type WriteSeries } from './write-request.ts';

/** What the decoder produced, kept in Float64Arrays so NaN payloads are not canonicalised. */
interface Decoded {
  series: Array<{ names: string[]; values: string[]; t: Float64Array; v: Float64Array; n: number }>;
  metadata: Array<[string, MetricMetadata]>;
  skipped: Array<[string, number]>;
}

function decode(bytes: Uint8Array): Decoded {
  const out: Decoded = { series: [], metadata: [], skipped: [] };
  let cur: Decoded['series'][number] | null = null;
  const visitor: WriteRequestVisitor = {
    series(l: WireLabels) {
      cur = { names: l.names.slice(0, l.count), values: l.values.slice(0, l.count), t: new Float64Array(4), v: new Float64Array(4), n: 0 };
      out.series.push(cur);
    },
    sample(t, v) {
      const s = cur!;
      if (s.n === s.t.length) {
        const t2 = new Float64Array(s.n * 2); t2.set(s.t); s.t = t2;
        const v2 = new Float64Array(s.n * 2); v2.set(s.v); s.v = v2;
      }
      s.t[s.n] = t; s.v[s.n] = v; s.n++;
    },
    skipped(kind, count) { out.skipped.push([kind, count]); },
    metadata(family, m) { out.metadata.push([family, m]); },
  };
  decodeWriteRequest(bytes, visitor);
  return out;
}

/** IEEE-754 bits of each value, so NaN payloads and -0 compare exactly. */
function bits(v: Float64Array, n = v.length): string[] {
  const u = new BigUint64Array(v.buffer, v.byteOffset, v.length);
  return Array.from(u.subarray(0, n), (x) => x.toString(16));
}

function expectRoundTrip(input: WriteSeries[]): void {
  const got = decode(encodeWriteRequest(input));
  expect(got.series).toHaveLength(input.length);
  input.forEach((s, i) => {
    const start = s.start ?? 0, end = s.end ?? s.t.length;
    const g = got.series[i];
    expect(g.names).toEqual(s.labels.map((l) => l.name));
    expect(g.values).toEqual(s.labels.map((l) => l.value));
    expect(g.n).toBe(end - start);
    expect(Array.from(g.t.subarray(0, g.n))).toEqual(Array.from(s.t.subarray(start, end)));
    expect(bits(g.v, g.n)).toEqual(bits(s.v.subarray(start, end)));
  });
}

const NOW = 1_764_000_000_123;
// Varint boundaries (127/128, 2^14, 2^21, 2^28, 2^31, 2^32, 2^35, 2^49, 2^53) and negatives (10 bytes).
const TIMESTAMPS = [0, 1, 127, 128, 2 ** 14 - 1, 2 ** 14, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35, 2 ** 49, NOW, Number.MAX_SAFE_INTEGER, -1, -127, -128, -(2 ** 31), -(2 ** 32) - 1, -(2 ** 40) + 5, -Number.MAX_SAFE_INTEGER];
const NAN_WITH_PAYLOAD = (() => { const a = new Float64Array(1); new BigUint64Array(a.buffer)[0] = 0x7ff8_0000_dead_beefn; return a[0]; })();
// Float64Array.of, not a plain array: V8 canonicalises NaNs stored in double arrays.
const VALUES = Float64Array.of(0, -0, 1, -1.5, 0.1, Math.PI, Infinity, -Infinity, NaN, STALE_NAN, NAN_WITH_PAYLOAD, Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53);

describe('WriteRequest round trip', () => {
  it('has NaN payloads in its test values to begin with', () => {
    expect(isStaleNaN(VALUES[9])).toBe(true);
    expect(bits(VALUES.subarray(10, 11))).toEqual(['7ff80000deadbeef']);
  });

  const cases: Array<[string, WriteSeries[]]> = [
    ['empty request', []],
    ['one sample', [{ labels: labelsFrom({ __name__: 'up', job: 'x' }), t: Float64Array.of(NOW), v: Float64Array.of(1) }]],
    ['series without samples', [{ labels: labelsFrom({ __name__: 'a' }), t: new Float64Array(0), v: new Float64Array(0) }]],
    ['boundary timestamps', [{ labels: labelsFrom({ __name__: 'ts' }), t: Float64Array.from(TIMESTAMPS), v: Float64Array.from(TIMESTAMPS, (_, i) => i) }]],
    ['special values incl. stale NaN and ±Inf', [{ labels: labelsFrom({ __name__: 'vals' }), t: Float64Array.from(VALUES, (_, i) => NOW + i), v: VALUES }]],
    ['unicode and long labels', [{ labels: labelsFrom({ __name__: 'u', city: 'Zürich ✓ 東京 🚀', long: 'x'.repeat(300), empty_name_ok: 'y' }), t: Float64Array.of(NOW), v: Float64Array.of(2) }]],
    ['a sub-range of the columns', [{ labels: labelsFrom({ __name__: 'r' }), t: Float64Array.of(1, 2, 3, 4, 5), v: Float64Array.of(10, 20, 30, 40, 50), start: 1, end: 4 }]],
    ['labels on the wire as given (unsorted, duplicates)', [{ labels: [{ name: 'b', value: '1' }, { name: '__name__', value: 'x' }, { name: 'b', value: '2' }, { name: 'e', value: '' }], t: Float64Array.of(NOW), v: Float64Array.of(1) }]],
  ];
  it.each(cases)('%s', (_name, input) => expectRoundTrip(input));

  it('many series with many samples', () => {
    const series: WriteSeries[] = [];
    for (let i = 0; i < 2000; i++) {
      const n = i % 50;
      const t = new Float64Array(n), v = new Float64Array(n);
      for (let j = 0; j < n; j++) { t[j] = NOW + j * 15_000; v[j] = j === n - 1 && i % 7 === 0 ? STALE_NAN : i * 1000 + j + 0.25; }
      series.push({ labels: labelsFrom({ __name__: `metric_${i % 13}`, instance: `host-${i}:9100`, job: 'node' }), t, v });
    }
    expectRoundTrip(series);
  });

  it('keeps the stale marker distinct from an ordinary NaN', () => {
    const got = decode(encodeWriteRequest([{ labels: labelsFrom({ __name__: 's' }), t: Float64Array.of(1, 2), v: Float64Array.of(STALE_NAN, NaN) }]));
    expect(isStaleNaN(got.series[0].v[0])).toBe(true);
    expect(isStaleNaN(got.series[0].v[1])).toBe(false);
    expect(Number.isNaN(got.series[0].v[1])).toBe(true);
  });

  it('round-trips metadata', () => {
    const meta = new Map<string, MetricMetadata>([
      ['http_requests', { type: 'counter', unit: '', help: 'Requests served.' }],
      ['temp_celsius', { type: 'gauge', unit: 'celsius', help: 'Température ✓' }],
      ['latency_seconds', { type: 'histogram', unit: 'seconds', help: '' }],
      ['mystery', { type: 'unknown', unit: '', help: '' }],
      ['st', { type: 'stateset', unit: '', help: 'h' }],
    ]);
    const got = decode(encodeWriteRequest([], meta));
    expect(got.metadata).toEqual([...meta]);
  });
});

describe('WriteRequestEncoder', () => {
  it('writes the exact protobuf bytes (golden)', () => {
    const bytes = encodeWriteRequest([{ labels: labelsFrom({ __name__: 'a' }), t: Float64Array.of(2), v: Float64Array.of(1) }]);
    // WriteRequest{timeseries: [{labels: [{__name__, a}], samples: [{value: 1, timestamp: 2}]}]}
    expect(Buffer.from(bytes).toString('hex')).toBe('0a1c' + '0a0d' + '0a085f5f6e616d655f5f' + '120161' + '120b' + '09000000000000f03f' + '1002');
  });

  it('encodes a negative timestamp as a 10-byte two\'s complement varint', () => {
    const bytes = encodeWriteRequest([{ labels: [], t: Float64Array.of(-1), v: Float64Array.of(0) }]);
    expect(Buffer.from(bytes).toString('hex')).toBe('0a16' + '1214' + '090000000000000000' + '10ffffffffffffffffff01');
  });

  it('grows from a tiny buffer and gives the same bytes after reset', () => {
    const labels: Labels = labelsFrom({ __name__: 'grow', k: 'v'.repeat(100) });
    const t = Float64Array.from({ length: 500 }, (_, i) => NOW + i);
    const v = Float64Array.from({ length: 500 }, (_, i) => i / 3);
    const small = new WriteRequestEncoder(16);
    const first = Buffer.from(small.addSeries(labels, t, v).addMetadata('grow', { type: 'gauge', unit: '', help: 'g' }).finish());
    const big = Buffer.from(new WriteRequestEncoder(1 << 20).addSeries(labels, t, v).addMetadata('grow', { type: 'gauge', unit: '', help: 'g' }).finish());
    expect(first.equals(big)).toBe(true);
    expect(small.byteLength).toBe(first.length);
    const again = Buffer.from(small.reset().addSeries(labels, t, v).addMetadata('grow', { type: 'gauge', unit: '', help: 'g' }).finish());
    expect(again.equals(first)).toBe(true);
  });

  it('appends series after earlier ones, leaving the prefix intact', () => {
    const enc = new WriteRequestEncoder(32);
    enc.addSeries(labelsFrom({ __name__: 'one' }), Float64Array.of(1), Float64Array.of(1));
    const prefix = Buffer.from(enc.finish());
    enc.addSeries(labelsFrom({ __name__: 'two', pad: 'p'.repeat(64) }), Float64Array.of(2), Float64Array.of(2));
    expect(Buffer.from(enc.finish().subarray(0, prefix.length)).equals(prefix)).toBe(true);
    expect(decode(enc.finish()).series.map((s) => s.values[0])).toEqual(['one', 'two']);
  });

  it('rejects a sample range outside the columns', () => {
    expect(() => new WriteRequestEncoder().addSeries([], new Float64Array(2), new Float64Array(2), 0, 3)).toThrow(RangeError);
  });
});

describe('decodeWriteRequest', () => {
  const valid = encodeWriteRequest(
    [{ labels: labelsFrom({ __name__: 'x', job: 'j' }), t: Float64Array.of(NOW, NOW + 1), v: Float64Array.of(1, 2) }],
    new Map([['x', { type: 'counter', unit: '', help: 'h' } as MetricMetadata]]),
  );

  it('fails cleanly on every truncation of a valid request', () => {
    const seriesEnd = 2 + valid[1]; // the only top-level boundary inside: after the TimeSeries
    for (let n = 1; n < valid.length; n++) {
      try {
        decode(valid.subarray(0, n));
        if (n !== seriesEnd) throw new Error(`prefix of ${n} bytes decoded without error`);
      } catch (err) {
        expect(err, `prefix of ${n} bytes`).toBeInstanceOf(WriteRequestDecodeError);
      }
    }
  });

  it('skips unknown fields and reads labels that follow samples', () => {
    // TimeSeries with: sample, unknown varint field 9, label, unknown fixed32 field 10; request-level unknown field 7.
    const hex = '3801' + '0a' + '23' + '120b09000000000000f03f1064' + '4805' + '0a0d0a085f5f6e616d655f5f120161' + '5501020304';
    const got = decode(Buffer.from(hex, 'hex'));
    expect(got.series).toHaveLength(1);
    expect(got.series[0].values).toEqual(['a']);
    expect(Array.from(got.series[0].t.subarray(0, 1))).toEqual([100]);
    expect(Array.from(got.series[0].v.subarray(0, 1))).toEqual([1]);
  });

  it('takes absent sample fields as zero (proto3 defaults)', () => {
    const got = decode(Buffer.from('0a04' + '1202' + '1005', 'hex'));
    expect(got.series[0].n).toBe(1);
    expect(got.series[0].t[0]).toBe(5);
    expect(got.series[0].v[0]).toBe(0);
  });

  it('reports exemplars and native histograms it skips', () => {
    const got = decode(Buffer.from('0a08' + '1a00' + '1a00' + '2200' + '1200', 'hex'));
    expect(got.skipped).toEqual([['exemplar', 2], ['histogram', 1]]);
    expect(got.series[0].n).toBe(1);
  });

  it.each([
    ['invalid UTF-8 in a label', '0a06' + '0a04' + '0a02c328', /not valid UTF-8/],
    ['field number 0', '0001', /field number 0/],
    ['wire type 3 (groups)', '0b', /wire type 3/],
    ['length past the end', '0a7f00', /runs past the end/],
    ['sample value cut short', '0a06' + '1204' + '09000000', /runs past the end/],
    ['unterminated varint', '0a' + 'ff'.repeat(11), /varint/],
  ])('rejects %s', (_name, hex, message) => {
    expect(() => decode(Buffer.from(hex, 'hex'))).toThrow(message);
  });
});
