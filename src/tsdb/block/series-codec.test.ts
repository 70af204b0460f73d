/** Series groups of index v2: labels as edits, chunk metas as deltas, positions implied by lengths. */
import { describe, expect, it } from 'vitest';
import { prng } from '../chunkenc/test-util.ts';
import { Decbuf, DecodeError, Encbuf } from './encoding.ts';
import { GroupDecoder, GroupEncoder, nextSegmentStart, type ChunkMetaIn } from './series-codec.ts';

const SEG = 2 ** 32;

/** A series: labels as [name index, value index] pairs, chunks as [mint, maxt, column len (0: reuse `reuse`), values len, reuse]. */
interface Spec {
  labels: Array<[number, number]>;
  chunks: Array<{ mint: number; maxt: number; colLen?: number; reuse?: number; len: number; newSegment?: boolean }>;
}

/** Lays the specs' chunks out in a stream as the writer does; `reuse` is the index of an earlier chunk whose column is used. */
function layout(specs: Spec[]): ChunkMetaIn[][] {
  let pos = 8;
  const all: ChunkMetaIn[] = [];
  return specs.map((s) => {
    if (s.chunks[0].newSegment) pos = nextSegmentStart(pos);
    return s.chunks.map((c) => {
      let colRef: number;
      const newColumn = c.colLen !== undefined;
      if (newColumn) {
        colRef = pos;
        pos += c.colLen!;
      } else {
        colRef = all[c.reuse!].colRef;
      }
      const m = { mint: c.mint, maxt: c.maxt, ref: pos, len: c.len, colRef, newColumn };
      pos += c.len;
      all.push(m);
      return m;
    });
  });
}

function encode(specs: Spec[], metas = layout(specs)): Buffer {
  const e = new Encbuf(64);
  const g = new GroupEncoder();
  g.begin(e, metas[0][0].newColumn ? metas[0][0].colRef : metas[0][0].ref);
  for (let i = 0; i < specs.length; i++) {
    const l = specs[i].labels;
    g.series(e, l.length, l.map((x) => x[0]), l.map((x) => x[1]), metas[i]);
  }
  return Buffer.from(e.bytes());
}

function decode(buf: Buffer, n: number, valueCounts: Int32Array): Array<{ labels: Array<[number, number]>; chunks: ChunkMetaIn[] }> {
  const d = new Decbuf(buf, 0);
  const dec = new GroupDecoder(valueCounts);
  dec.begin(d);
  const out = [];
  for (let i = 0; i < n; i++) {
    dec.next(d);
    const labels: Array<[number, number]> = [];
    for (let k = 0; k < dec.n; k++) labels.push([dec.names[k], dec.values[k]]);
    const chunks = dec.chunkMetas().map((c, k) => ({ ...c, newColumn: dec.newColumn[k] === 1 }));
    out.push({ labels, chunks });
  }
  expect(d.remaining).toBe(0);
  return out;
}

function roundTrip(specs: Spec[], valueCounts: Int32Array): Buffer {
  const metas = layout(specs);
  const buf = encode(specs, metas);
  expect(decode(buf, specs.length, valueCounts)).toEqual(specs.map((s, i) => ({ labels: s.labels, chunks: metas[i] })));
  return buf;
}

const counts = (n: number, each: number) => new Int32Array(n).fill(each);
const T = 1_700_000_000_000;
const one = (mint: number, len = 40, extra: Partial<Spec['chunks'][0]> = { colLen: 25 }) => [{ mint, maxt: mint + 7_140_000, len, ...extra }];

describe('series groups', () => {
  it('codes a histogram: one full label set, then one-byte le edits and two-byte chunk metas', () => {
    // names: 0 __name__, 1 job, 2 le; le has 15 values.
    const specs: Spec[] = Array.from({ length: 15 }, (_, i) => ({ labels: [[0, 0], [1, 3], [2, i]], chunks: one(T, 35, i === 0 ? { colLen: 25 } : { reuse: 0 }) }));
    const buf = roundTrip(specs, Int32Array.of(1, 5, 15));
    // base 1 byte; first series: 7 bytes of labels, 1 + 1 + 1 + 1 + 6 + 4 of chunks; then 14 × (1 + 2).
    expect(buf.length).toBe(1 + 7 + 14 + 14 * 3);
  });

  it.each<[string, Spec[]]>([
    ['a replaced value and a repeated delta', [{ labels: [[0, 1], [1, 1], [2, 1]], chunks: one(T) }, { labels: [[0, 2], [1, 2], [2, 2]], chunks: one(T, 40, { reuse: 0 }) }]],
    ['value deltas at varint boundaries', [{ labels: [[0, 0], [1, 0]], chunks: one(T) }, { labels: [[0, 64], [1, 8192 + 64]], chunks: one(T, 40, { reuse: 0 }) }, { labels: [[0, 0], [1, 2 ** 21]], chunks: one(T, 40, { reuse: 0 }) }]],
    ['a deleted and an inserted label', [{ labels: [[0, 0], [3, 1], [5, 2]], chunks: one(T) }, { labels: [[0, 0], [2, 7], [5, 2]], chunks: one(T, 40, { reuse: 0 }) }, { labels: [[0, 0], [1, 1], [2, 7], [4, 0], [5, 2], [6, 3]], chunks: one(T) }]],
    ['everything deleted but one label, then all back', [{ labels: [[0, 0], [1, 1], [2, 2], [3, 3]], chunks: one(T) }, { labels: [[3, 4]], chunks: one(T) }, { labels: [[0, 0], [1, 1], [2, 2], [3, 5]], chunks: one(T) }]],
    ['an edit after 20 unchanged labels', [{ labels: Array.from({ length: 25 }, (_, i) => [i, 0] as [number, number]), chunks: one(T) }, { labels: Array.from({ length: 25 }, (_, i) => [i, i === 21 ? 3 : 0] as [number, number]), chunks: one(T, 40, { reuse: 0 }) }]],
    ['name indices at varint boundaries', [{ labels: [[127, 0], [128 + 127, 0], [2 ** 14 + 300, 0]], chunks: one(T) }, { labels: [[127, 0], [2 ** 14 + 299, 1], [2 ** 14 + 300, 0]], chunks: one(T) }]],
    [
      'several chunks, columns reused from far back, times at boundaries',
      [
        { labels: [[0, 0]], chunks: [{ mint: -(2 ** 40), maxt: -1, colLen: 200, len: 2 ** 14 }, { mint: 0, maxt: 2 ** 21, colLen: 127, len: 128 }, { mint: 2 ** 21 + 1, maxt: 2 ** 40, colLen: 1, len: 1 }] },
        { labels: [[0, 1]], chunks: [{ mint: -(2 ** 40), maxt: -1, reuse: 0, len: 5 }, { mint: 0, maxt: 2 ** 21, reuse: 1, len: 6 }] },
        { labels: [[0, 2]], chunks: [{ mint: -(2 ** 40), maxt: -1, reuse: 0, len: 7 }, { mint: 7, maxt: 8, colLen: 3, len: 9 }, { mint: 2 ** 21 + 1, maxt: 2 ** 40, reuse: 2, len: 1 }] },
        { labels: [[0, 3]], chunks: [{ mint: -(2 ** 40), maxt: -1, reuse: 0, len: 2 }] },
      ],
    ],
    ['a series on the next segment', [{ labels: [[0, 0]], chunks: one(T) }, { labels: [[0, 1]], chunks: [{ mint: T, maxt: T + 10, colLen: 9, len: 3, newSegment: true }, { mint: T + 11, maxt: T + 12, reuse: 0, len: 4 }] }, { labels: [[0, 2]], chunks: [{ mint: T, maxt: T + 7_140_000, reuse: 0, len: 8 }] }]],
  ])('round-trips %s', (_name, specs) => {
    roundTrip(specs, counts(2 ** 14 + 301, 2 ** 21 + 1));
  });

  it('round-trips random groups', () => {
    const rnd = prng(9);
    for (let round = 0; round < 50; round++) {
      const specs: Spec[] = [];
      let labels: Array<[number, number]> = [[0, 0], [3, 3], [6, 6]];
      let chunks = 0;
      for (let s = 0; s < 32; s++) {
        const next = new Map(labels);
        for (let k = 0; k < 2; k++) {
          const name = Math.floor(rnd() * 7);
          if (rnd() < 0.2 && next.size > 1) next.delete(name);
          else next.set(name, Math.floor(rnd() * 20));
        }
        next.set(7, s); // keeps the series distinct
        labels = [...next].sort((a, b) => a[0] - b[0]);
        const n = 1 + Math.floor(rnd() * 3);
        const cs: Spec['chunks'] = [];
        let t = T + Math.floor(rnd() * 1000) - 500;
        for (let c = 0; c < n; c++) {
          const reuse = chunks > 0 && rnd() < 0.5 ? Math.floor(rnd() * chunks) : undefined;
          cs.push({ mint: t, maxt: t + Math.floor(rnd() * 5000), len: 1 + Math.floor(rnd() * 300), ...(reuse === undefined ? { colLen: 1 + Math.floor(rnd() * 100) } : { reuse }), newSegment: c === 0 && rnd() < 0.05 });
          t = cs[c].maxt + 1 + Math.floor(rnd() * 10);
          chunks++;
        }
        specs.push({ labels, chunks: cs });
      }
      roundTrip(specs, counts(8, 32));
    }
  });

  it('rejects a series that repeats the one before', () => {
    const specs: Spec[] = [{ labels: [[0, 0]], chunks: one(T) }, { labels: [[0, 0]], chunks: one(T, 40, { reuse: 0 }) }];
    expect(() => encode(specs)).toThrow(/labels of the one before/);
  });

  it('rejects chunks out of stream order', () => {
    const specs: Spec[] = [{ labels: [[0, 0]], chunks: one(T) }, { labels: [[0, 1]], chunks: one(T, 40, { reuse: 0 }) }];
    const metas = layout(specs);
    metas[1][0] = { ...metas[1][0], ref: metas[1][0].ref + 1 };
    expect(() => encode(specs, metas)).toThrow(/stream/);
  });

  it.each<[string, string, Int32Array]>([
    ['a label outside the table', '08' + '01' + '0005' + '05' + '0302' + '00' + '00', Int32Array.of(2)],
    ['names that are not ascending', '08' + '02' + '0000' + '0000' + '05' + '0302' + '00' + '00', Int32Array.of(2, 2)],
    ['a series without chunks', '08' + '01' + '0000' + '00', Int32Array.of(2)],
    ['a chunk of 0 bytes', '08' + '01' + '0000' + '04' + '00' + '00' + '00', Int32Array.of(2)],
    ['shared chunks in the first series', '08' + '01' + '0000' + '05' + '02', Int32Array.of(2)],
    ['a column not before its chunk', '08' + '01' + '0000' + '04' + '04' + '02' + '00' + '00', Int32Array.of(2)],
    ['a chunk ending before it starts', '08' + '01' + '0000' + '04' + '03' + '02' + '00' + '01', Int32Array.of(2)],
    ['a base inside a segment header', '04' + '01' + '0000' + '04' + '03' + '02' + '00' + '00', Int32Array.of(2)],
  ])('rejects %s', (_name, h, valueCounts) => {
    const d = new Decbuf(Buffer.from(h, 'hex'), 0);
    const dec = new GroupDecoder(valueCounts);
    expect(() => {
      dec.begin(d);
      dec.next(d);
    }).toThrow(DecodeError);
  });

  it('moves to the next segment start', () => {
    expect(nextSegmentStart(8)).toBe(SEG + 8);
    expect(nextSegmentStart(SEG - 1)).toBe(SEG + 8);
    expect(nextSegmentStart(3 * SEG + 100)).toBe(4 * SEG + 8);
  });
});
