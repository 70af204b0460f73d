/** WAL record codecs: round trips at varint boundaries, bit-exact NaNs, views that survive growth, malformed bytes. */
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsKey } from '../../model/labels.ts';
import { STALE_NAN } from '../../model/value.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { RecordDecodeError } from './codec.ts';
import { RecordDecoder, RecordEncoder, RecordType, recordType, type SeriesDropReason } from './records.ts';
import { bitsAt, eventVisitor, fromBits, type Event } from './test-util.ts';

const decode = (record: Uint8Array): Event[] => {
  const out: Event[] = [];
  new RecordDecoder().decode(record, eventVisitor(out));
  return out;
};

// Varint boundaries (127/128, 2^14, 2^21, 2^28, 2^31, 2^32) and the largest uint32.
const REF_BOUNDARIES = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];

const STALE_BITS = '7ff0000000000002';
const VALUE_BITS = [
  STALE_BITS,
  '7ff8000000000000', // the canonical NaN
  '7ff8000000000001', // a quiet NaN with payload
  'fff8000000000000', // negative NaN
  '7ff0000000000001', // signalling NaN
  '8000000000000000', // -0
  '7ff0000000000000', // +Inf
  'fff0000000000000', // -Inf
  '0000000000000001', // smallest subnormal
  '3ff0000000000000', // 1
];

describe('Series record', () => {
  it.each([
    ['none', []],
    ['one', [{ ref: 1, labels: labelsFrom({ __name__: 'up', job: 'node' }) }]],
    [
      'shared strings, UTF-8 and long strings',
      [
        { ref: 7, labels: labelsFrom({ __name__: 'http_requests_total', job: 'api', path: '/ünïcødé/😀' }) },
        { ref: 8, labels: labelsFrom({ __name__: 'http_requests_total', job: 'api', path: 'x'.repeat(300) }) },
        { ref: 9, labels: labelsFrom({ __name__: 'a', long: 'é'.repeat(200), job: 'api' }) },
      ],
    ],
    ['ref boundaries', REF_BOUNDARIES.map((ref, i) => ({ ref, labels: labelsFrom({ __name__: 'm', i: String(i) }) }))],
  ])('round-trips %s', (_, entries) => {
    const rec = new RecordEncoder().series(entries);
    expect(recordType(rec)).toBe(RecordType.Series);
    expect(decode(rec)).toEqual(entries.map((e) => ({ kind: 'series', ref: e.ref, key: labelsKey(e.labels) })));
  });

  it('writes a repeated string once', () => {
    const labels = labelsFrom({ __name__: 'some_long_metric_name', instance: 'some-long-host-name:9100' });
    const one = new RecordEncoder().series([{ ref: 1, labels }]).length;
    const hundred = new RecordEncoder().series(Array.from({ length: 100 }, (_, i) => ({ ref: i + 1, labels }))).length;
    expect(hundred - one).toBeLessThan(99 * 12); // 4-byte ref, count, two 1-byte references per label
  });

  it('rejects a ref that is not a uint32', () => {
    for (const ref of [-1, 2 ** 32, 1.5, NaN]) expect(() => new RecordEncoder().series([{ ref, labels: labelsFrom({ a: 'b' }) }])).toThrow(RangeError);
  });
});

describe('Samples record', () => {
  const check = (refs: number[], t: number[], bits: string[], st?: number[]) => {
    const v = fromBits(bits);
    const rec = new RecordEncoder().samples(refs, Float64Array.from(t), v, refs.length, st ? Float64Array.from(st) : null);
    expect(recordType(rec)).toBe(RecordType.Samples);
    const want = refs.map((ref, i) => (st ? { kind: 'sample', ref, t: t[i], v: bits[i], st: st[i] } : { kind: 'sample', ref, t: t[i], v: bits[i] }));
    expect(decode(rec)).toEqual(want);
  };

  it('round-trips empty records', () => {
    check([], [], []);
    check([], [], [], []);
  });

  it('round-trips refs across varint boundaries, up and down', () => {
    const refs = [...REF_BOUNDARIES, ...[...REF_BOUNDARIES].reverse()];
    check(refs, refs.map((_, i) => 1_700_000_000_000 + i), refs.map(() => '3ff0000000000000'));
  });

  it('round-trips timestamps: negative, equal, far apart, at ±2^52 deltas', () => {
    const t = [0, -1, 1, -128, 128, 2 ** 14, -(2 ** 21), 1_700_000_000_000, 1_700_000_000_000, -1_700_000_000_000];
    check(t.map((_, i) => i), t, t.map(() => '0000000000000000'));
    check([1, 2], [2 ** 51, -(2 ** 51) + 1], ['0000000000000000', '0000000000000000']);
  });

  it('keeps every NaN payload and special value bit for bit, the staleness marker included', () => {
    check(VALUE_BITS.map((_, i) => i + 1), VALUE_BITS.map((_, i) => 1000 + i), VALUE_BITS);
    // Stored straight into the typed array: `new Float64Array([STALE_NAN])` would pass through a
    // plain JS array, and V8 quiets the NaN there (0x7ff8000000000002).
    const v = new Float64Array(1);
    v[0] = STALE_NAN;
    expect(bitsAt(v, 0)).toBe(STALE_BITS);
    const out: string[] = [];
    new RecordDecoder().decode(new RecordEncoder().samples([1], new Float64Array([5]), v, 1), { samples: (_r, _t, vs) => out.push(bitsAt(vs, 0)) });
    expect(out).toEqual([STALE_BITS]);
  });

  it('round-trips a start-timestamp column (0 = unknown, before or after t)', () => {
    check([1, 2, 3, 4], [1000, 2000, 3000, 4000], ['3ff0000000000000', STALE_BITS, '0000000000000000', '4000000000000000'], [0, 1, 2500, 5000]);
  });

  it('round-trips the out-of-order flag, with and without start timestamps', () => {
    const t = new Float64Array([3000, 1000]);
    const v = new Float64Array([1, 2]);
    expect(decode(new RecordEncoder().samples([1, 2], t, v, 2, null, true))).toEqual([
      { kind: 'sample', ref: 1, t: 3000, v: '3ff0000000000000', ooo: true },
      { kind: 'sample', ref: 2, t: 1000, v: '4000000000000000', ooo: true },
    ]);
    expect(decode(new RecordEncoder().samples([1], t, v, 1, new Float64Array([500]), true))).toEqual([{ kind: 'sample', ref: 1, t: 3000, v: '3ff0000000000000', st: 500, ooo: true }]);
    expect(decode(new RecordEncoder().samples([1], t, v, 1, null, false))).toEqual([{ kind: 'sample', ref: 1, t: 3000, v: '3ff0000000000000' }]);
  });

  it('reads columns from subarray views and encodes only the first n', () => {
    const buf = new Float64Array(10).fill(7);
    const t = buf.subarray(3, 8);
    const v = new Float64Array(20).fill(2).subarray(5, 10);
    const out: Event[] = [];
    new RecordDecoder().decode(new RecordEncoder().samples(new Uint32Array([4, 5, 6, 7, 8]), t, v, 3), eventVisitor(out));
    expect(out).toEqual([4, 5, 6].map((ref) => ({ kind: 'sample', ref, t: 7, v: '4000000000000000' })));
  });

  it('rejects timestamps that are not integers within ±2^52', () => {
    for (const t of [0.5, NaN, Infinity, 2 ** 53]) expect(() => new RecordEncoder().samples([1], new Float64Array([t]), new Float64Array(1), 1)).toThrow(RangeError);
    expect(() => new RecordEncoder().samples([1, 2], new Float64Array([0, 1]), new Float64Array(1), 2)).toThrow(RangeError);
  });
});

describe('Tombstones, Metadata and SeriesDropped records', () => {
  it('round-trips tombstones, open ends as ±Infinity', () => {
    const rec = new RecordEncoder().tombstones([1, 2 ** 32 - 1, 300], [-Infinity, 0, 1_700_000_000_000], [Infinity, 10, 1_700_000_000_500], 3);
    expect(decode(rec)).toEqual([
      { kind: 'tombstone', ref: 1, mint: -Infinity, maxt: Infinity },
      { kind: 'tombstone', ref: 2 ** 32 - 1, mint: 0, maxt: 10 },
      { kind: 'tombstone', ref: 300, mint: 1_700_000_000_000, maxt: 1_700_000_000_500 },
    ]);
  });

  it('round-trips metadata of every metric type', () => {
    const types = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'] as const;
    const map = new Map<string, MetricMetadata>(types.map((type, i) => [`family_${i}`, { type, unit: i % 2 ? 'seconds' : '', help: `Help ${type} — ünïcødé ${'h'.repeat(i * 40)}` }]));
    expect(decode(new RecordEncoder().metadata(map))).toEqual([...map].map(([family, m]) => ({ kind: 'metadata', family, m })));
  });

  it.each<SeriesDropReason>(['series_limit', 'deleted', 'other'])('round-trips SeriesDropped (%s)', (reason) => {
    expect(decode(new RecordEncoder().seriesDropped([3, 1, 2 ** 32 - 1], 3, reason))).toEqual([3, 1, 2 ** 32 - 1].map((ref) => ({ kind: 'dropped', ref, reason })));
  });

  it('hands a record of unknown type to unknown()', () => {
    expect(decode(new Uint8Array([200, 1, 2, 3]))).toEqual([{ kind: 'unknown', type: 200 }]);
  });
});

describe('RecordEncoder buffer', () => {
  it('keeps earlier views intact while the buffer grows, until reset', () => {
    const enc = new RecordEncoder(16);
    const a = enc.series([{ ref: 1, labels: labelsFrom({ __name__: 'a', job: 'j' }) }]);
    const aCopy = a.slice();
    const n = 5000;
    const b = enc.samples(Uint32Array.from({ length: n }, (_, i) => i), Float64Array.from({ length: n }, (_, i) => i), new Float64Array(n), n);
    expect(a).toEqual(aCopy);
    expect(decode(a)).toEqual([{ kind: 'series', ref: 1, key: labelsKey(labelsFrom({ __name__: 'a', job: 'j' })) }]);
    expect(decode(b)).toHaveLength(n);
  });
});

describe('RecordDecoder on malformed bytes', () => {
  const enc = new RecordEncoder();
  const samples = [
    enc.series([{ ref: 1, labels: labelsFrom({ __name__: 'up', job: 'ü' }) }]).slice(),
    enc.samples([1, 200], new Float64Array([1, 2]), new Float64Array([1, 2]), 2, new Float64Array([0, 1])).slice(),
    enc.tombstones([1], [0], [1], 1).slice(),
    enc.metadata(new Map([['up', { type: 'gauge', unit: 'u', help: 'h' } as const]])).slice(),
    enc.seriesDropped([1, 2], 2, 'deleted').slice(),
  ];

  it.each(samples.map((r) => [r[0], r] as const))('throws RecordDecodeError for every truncation of type %i, and for trailing bytes', (_, rec) => {
    const visitor = eventVisitor([]);
    for (let len = 1; len < rec.length; len++) expect(() => new RecordDecoder().decode(rec.subarray(0, len), visitor), `length ${len}`).toThrow(RecordDecodeError);
    const longer = new Uint8Array(rec.length + 1);
    longer.set(rec);
    expect(() => new RecordDecoder().decode(longer, visitor)).toThrow(RecordDecodeError);
  });

  it('rejects impossible counts before allocating, string references ahead of the table, unknown flags', () => {
    const visitor = eventVisitor([]);
    expect(() => new RecordDecoder().decode(new Uint8Array([RecordType.Samples, 0, 0xff, 0xff, 0xff, 0x7f, 0]), visitor)).toThrow(/cannot fit/);
    expect(() => new RecordDecoder().decode(new Uint8Array([RecordType.Series, 1, 1, 0, 0, 0, 1, 5, 5]), visitor)).toThrow(/string reference/);
    expect(() => new RecordDecoder().decode(new Uint8Array([RecordType.Samples, 4, 0, 0]), visitor)).toThrow(/flags/);
  });
});
