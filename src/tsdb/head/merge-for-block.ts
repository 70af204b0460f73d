/**
 * @module The slow path of a block cut: one series' in-order chunks merged with its out-of-order
 * samples (in-order samples win on equal times), deleted intervals left out, re-encoded as XOR.
 */
import type { SampleIterator } from '../../storage/interface.ts';
import { MergeIterator } from '../block/iterators.ts';
import type { Intervals } from '../block/tombstones.ts';
import { chunkFromBytes } from '../chunkenc/factory.ts';
import { XorChunk } from '../chunkenc/xor.ts';
import { collectColumns } from '../columns.ts';
import { ColumnsIterator, DeletedFilterIterator } from './sample-iterators.ts';

/** Samples per re-encoded chunk (Prometheus' target). */
const REENCODED_SAMPLES_PER_CHUNK = 120;

/** A chunk as the block writer takes it: inclusive ms range, encoding byte, bytes (header included). */
export interface CutChunk {
  readonly mint: number;
  readonly maxt: number;
  readonly encoding: number;
  readonly bytes: Uint8Array;
}

/**
 * The samples within [mint, maxt] of `chunks` (in time order) and `ooo` (sorted columns, or null),
 * without those in `ivs`, as fresh XOR chunks of up to 120 samples. Empty when nothing is left.
 */
export function mergeForBlock(chunks: readonly CutChunk[], ooo: { t: Float64Array; v: Float64Array } | null, ivs: Intervals | undefined, mint: number, maxt: number): CutChunk[] {
  const its: SampleIterator[] = [];
  // Out-of-order samples first: MergeIterator lets the later iterators win on equal times.
  if (ooo !== null) its.push(new ColumnsIterator(ooo.t, ooo.v));
  for (const c of chunks) its.push(chunkFromBytes(c.encoding, c.bytes).iterator());
  let it: SampleIterator = its.length === 1 ? its[0] : new MergeIterator(its);
  if (ivs !== undefined) it = new DeletedFilterIterator(it, ivs);
  const cols = collectColumns(it, mint, maxt);
  const out: CutChunk[] = [];
  for (let i = 0; i < cols.t.length; i += REENCODED_SAMPLES_PER_CHUNK) {
    const end = Math.min(cols.t.length, i + REENCODED_SAMPLES_PER_CHUNK);
    const c = new XorChunk();
    const app = c.appender();
    for (let k = i; k < end; k++) app.append(cols.t[k], cols.v[k]);
    out.push({ mint: cols.t[i], maxt: cols.t[end - 1], encoding: c.encoding, bytes: c.bytes().slice() });
  }
  return out;
}
