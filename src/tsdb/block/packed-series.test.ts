/** Packed series: unpacked in label order with their chunks intact, whatever order they were packed in. */
import { describe, expect, it } from 'vitest';
import { compareLabels, labelsFrom, type Labels } from '../../model/labels.ts';
import { prng } from '../../model/prng.ts';
import { packedTransferList, unpackSeries, type PackedSeries } from './packed-series.ts';
import { packBlockSeries } from './test-util.ts';
import type { BlockSeries } from './writer.ts';

/** Series with one chunk per byte string; chunk k of the whole input spans [10k, 10k + 9] with encoding 1 + k % 3. */
function pack(series: ReadonlyArray<{ labels: Labels; chunks: number[][] }>, spareIds = 0): PackedSeries {
  let k = 0;
  const input: BlockSeries[] = series.map((s) => ({ labels: s.labels, chunks: s.chunks.map((c) => ({ mint: k * 10, maxt: k * 10 + 9, encoding: 1 + (k++ % 3), bytes: Uint8Array.from(c) })) }));
  return packBlockSeries(input, spareIds);
}

describe('unpackSeries', () => {
  it('yields shuffled series in compareLabels order, each with its own chunks, ranges and encodings', () => {
    const rnd = prng(5);
    const series: Array<{ labels: Labels; chunks: number[][] }> = [];
    for (let i = 0; i < 400; i++) {
      const pairs: Record<string, string> = { __name__: `m${Math.floor(rnd() * 4)}`, job: `j${Math.floor(rnd() * 30)}` };
      // Some series have a label the others lack, so shorter label sets sort before longer ones.
      if (rnd() < 0.5) pairs.le = String(Math.floor(rnd() * 12));
      pairs.id = String(i);
      const chunks = Array.from({ length: Math.floor(rnd() * 3) + 1 }, (_, c) => [i & 0xff, i >> 8, c]);
      series.push({ labels: labelsFrom(pairs), chunks });
    }
    const packed = pack(series, 7);
    const want = packed.chunkStart;
    const got = [...unpackSeries(packed)];
    const sorted = [...series].sort((a, b) => compareLabels(a.labels, b.labels));
    expect(got.map((s) => s.labels)).toEqual(sorted.map((s) => s.labels));
    for (let j = 0; j < got.length; j++) {
      const i = series.indexOf(sorted[j]);
      expect(got[j].chunks.map((c) => [...c.bytes])).toEqual(series[i].chunks);
      expect(got[j].chunks.map((c) => [c.mint, c.maxt, c.encoding])).toEqual(Array.from({ length: want[i + 1] - want[i] }, (_, c) => [(want[i] + c) * 10, (want[i] + c) * 10 + 9, 1 + ((want[i] + c) % 3)]));
    }
  });

  it('shares one Label object per pair between series, as the block writer expects of a head', () => {
    const a = labelsFrom({ __name__: 'up', job: 'a' });
    const b = labelsFrom({ __name__: 'up', job: 'b' });
    const [x, y] = [...unpackSeries(pack([{ labels: b, chunks: [[1]] }, { labels: a, chunks: [[2]] }]))];
    expect(x.labels).toEqual(a);
    expect(x.labels[0]).toBe(y.labels[0]);
  });

  it('transfers only buffers that a typed array covers whole', () => {
    const packed = pack([{ labels: labelsFrom({ a: '1' }), chunks: [[1, 2, 3]] }]);
    const list = packedTransferList({ ...packed, bytes: new Uint8Array(16).subarray(4, 7) });
    expect(list).toContain(packed.minT.buffer);
    expect(list).toHaveLength(7);
  });
});
