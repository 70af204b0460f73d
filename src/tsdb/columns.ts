/**
 * @module Decoding a sample iterator into columns (SampleColumns) for the query engine: samples go
 * into one reusable scratch pair of typed arrays, then one exact-size copy leaves, so a selected
 * series costs two allocations however many chunks it spans, and never an object per sample.
 */
import { ValueType } from '../model/value.ts';
import type { SampleColumns, SampleIterator } from '../storage/interface.ts';

let scratchT = new Float64Array(8192);
let scratchV = new Float64Array(8192);

function grow(): void {
  const t = new Float64Array(scratchT.length * 2);
  t.set(scratchT);
  scratchT = t;
  const v = new Float64Array(scratchV.length * 2);
  v.set(scratchV);
  scratchV = v;
}

/** The samples of `it` within [mint, maxt] (inclusive ms), in fresh arrays the caller owns. */
export function collectColumns(it: SampleIterator, mint: number, maxt: number): SampleColumns {
  let n = 0;
  for (let vt = it.seek(mint); vt !== ValueType.None; vt = it.next()) {
    const t = it.atT();
    if (t > maxt) break;
    if (n === scratchT.length) grow();
    scratchT[n] = t;
    scratchV[n] = it.atV();
    n++;
  }
  return { t: scratchT.slice(0, n), v: scratchV.slice(0, n) };
}

/**
 * Columns of parts ordered oldest first, when their samples do not overlap in time (the usual case
 * of blocks and head): concatenated. Returns null when two parts overlap; merge them instead.
 */
export function concatDisjoint(parts: readonly SampleColumns[]): SampleColumns | null {
  let n = 0;
  let last = -Infinity;
  for (const p of parts) {
    const len = p.t.length;
    if (len === 0) continue;
    if (!(p.t[0] > last)) return null;
    last = p.t[len - 1];
    n += len;
  }
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    t.set(p.t, at);
    v.set(p.v, at);
    at += p.t.length;
  }
  return { t, v };
}
