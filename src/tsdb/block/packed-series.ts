/**
 * @module A block's input series packed into a few typed arrays and two string arrays, so the head
 * can hand a whole cut to the block writer on another thread (transferring the buffers, cloning
 * only the distinct label strings) and no object per series or chunk is made on the ingest thread.
 * The series need not be sorted: unpackSeries orders them by labels, as writeBlock wants them.
 */
import type { Label, Labels } from '../../model/labels.ts';
import type { BlockChunk, BlockSeries } from './writer.ts';

/**
 * Series i has label pairs pairIds[pairStart[i], pairStart[i + 1]) (ids into pairNames and
 * pairValues, sorted by name) and chunks [chunkStart[i], chunkStart[i + 1]); chunk k is
 * bytes[byteStart[k], byteStart[k + 1]) with range [minT[k], maxT[k]] and encoding[k].
 */
export interface PackedSeries {
  readonly pairNames: readonly string[];
  readonly pairValues: readonly string[];
  readonly pairIds: Uint32Array;
  readonly pairStart: Uint32Array;
  readonly chunkStart: Uint32Array;
  readonly minT: Float64Array;
  readonly maxT: Float64Array;
  readonly encoding: Uint8Array;
  readonly byteStart: Float64Array;
  readonly bytes: Uint8Array;
}

/** Number of series in p. */
export function packedSeriesCount(p: PackedSeries): number {
  return p.pairStart.length - 1;
}

/** The buffers of p to transfer with postMessage (p's arrays are unusable here afterwards). */
export function packedTransferList(p: PackedSeries): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of [p.pairIds, p.pairStart, p.chunkStart, p.minT, p.maxT, p.encoding, p.byteStart, p.bytes]) {
    // A view into a larger (or shared, pooled) buffer is cloned rather than transferred.
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  }
  return [...out];
}

/** Chunks one after another as PackedSeries holds them: ranges, encodings and one byte buffer. */
export function packChunks(chunks: readonly BlockChunk[]): Pick<PackedSeries, 'minT' | 'maxT' | 'encoding' | 'byteStart' | 'bytes'> {
  const n = chunks.length;
  const byteStart = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) byteStart[k + 1] = byteStart[k] + chunks[k].bytes.length;
  const bytes = new Uint8Array(byteStart[n]);
  for (let k = 0; k < n; k++) bytes.set(chunks[k].bytes, byteStart[k]);
  return {
    minT: Float64Array.from(chunks, (c) => c.mint),
    maxT: Float64Array.from(chunks, (c) => c.maxt),
    encoding: Uint8Array.from(chunks, (c) => c.encoding),
    byteStart,
    bytes,
  };
}

/** The series of p in label order, each with its chunks as views into p.bytes. */
export function* unpackSeries(p: PackedSeries): IterableIterator<BlockSeries> {
  const n = packedSeriesCount(p);
  const ranks = pairRanks(p);
  const order = seriesOrder(p, ranks, n);
  const labelOf: Array<Label | undefined> = new Array(p.pairNames.length);
  for (let j = 0; j < n; j++) {
    const i = order[j];
    const labels: Label[] = new Array(p.pairStart[i + 1] - p.pairStart[i]);
    for (let k = p.pairStart[i], l = 0; k < p.pairStart[i + 1]; k++, l++) {
      const id = p.pairIds[k];
      labels[l] = labelOf[id] ??= { name: p.pairNames[id], value: p.pairValues[id] };
    }
    const chunks: BlockChunk[] = new Array(p.chunkStart[i + 1] - p.chunkStart[i]);
    for (let k = p.chunkStart[i], c = 0; k < p.chunkStart[i + 1]; k++, c++) {
      chunks[c] = { mint: p.minT[k], maxt: p.maxT[k], encoding: p.encoding[k], bytes: p.bytes.subarray(p.byteStart[k], p.byteStart[k + 1]) };
    }
    yield { labels: labels as Labels, chunks };
  }
}

/** Each used pair's position in (name, value) order, by pair id: comparing ranks compares labels as compareLabels does. */
function pairRanks(p: PackedSeries): Uint32Array {
  const used = new Uint8Array(p.pairNames.length);
  for (let k = 0; k < p.pairIds.length; k++) used[p.pairIds[k]] = 1;
  const ids: number[] = [];
  for (let id = 0; id < used.length; id++) if (used[id] === 1) ids.push(id);
  const names = p.pairNames;
  const values = p.pairValues;
  ids.sort((a, b) => {
    if (names[a] !== names[b]) return names[a] < names[b] ? -1 : 1;
    return values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : 0;
  });
  const ranks = new Uint32Array(used.length);
  for (let r = 0; r < ids.length; r++) ranks[ids[r]] = r;
  return ranks;
}

/** Series indexes sorted by their labels, compared through the pair ranks. */
function seriesOrder(p: PackedSeries, ranks: Uint32Array, n: number): Uint32Array {
  const { pairIds, pairStart } = p;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // A plain array with a comparator sorts faster than a typed array with one.
  order.sort((a, b) => {
    const oa = pairStart[a];
    const ob = pairStart[b];
    const na = pairStart[a + 1] - oa;
    const nb = pairStart[b + 1] - ob;
    const m = na < nb ? na : nb;
    for (let k = 0; k < m; k++) {
      const d = ranks[pairIds[oa + k]] - ranks[pairIds[ob + k]];
      if (d !== 0) return d;
    }
    return na - nb;
  });
  return Uint32Array.from(order);
}
