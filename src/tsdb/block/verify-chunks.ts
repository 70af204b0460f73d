/**
 * @module Full verification of format-2 chunk segments against their index: every page's CRC, and
 * every chunk's column and value stream where the index says, agreeing with its chunk meta.
 */
import { crc32 } from 'node:zlib';
import { type ChunkSegments, ChunkReader, ColumnCache, checkValues, segmentName } from './chunks.ts';
import { CorruptBlockError, CorruptChunkReadError } from './errors.ts';
import type { IndexReader } from './index-reader.ts';

const TWO_POW_32 = 4294967296;
/** Bytes read per segment read while checking page CRCs. */
const READ_BYTES = 4 << 20;

/**
 * Reads every page of every segment and checks its CRC, then walks the index: each chunk's
 * timestamp column must decode to exactly its bytes and span the chunk's [mint, maxt], and each
 * value stream must have a known mode. Returns the number of samples. Throws CorruptBlockError.
 * (The index has checked already that the chunks tile the pages and the pages the segments.)
 */
export async function verifySegmentsV2(blockDir: string, segs: ChunkSegments, index: IndexReader): Promise<number> {
  const pages = index.pages;
  for (let s = 0; s < pages.length; s++) {
    const { starts, crcs } = pages[s];
    const file = `chunks/${segmentName(s)}`;
    const n = crcs.length;
    for (let p = 0; p < n; ) {
      let q = p + 1;
      while (q < n && starts[q + 1] - starts[p] <= READ_BYTES) q++;
      const buf = segs.readAt(s, starts[p], starts[q] - starts[p]);
      for (let i = p; i < q; i++) {
        const from = starts[i] - starts[p];
        const to = starts[i + 1] - starts[p];
        if (to > buf.length) throw new CorruptBlockError(blockDir, file, `page runs past the end of the segment (${buf.length + starts[p]} bytes)`, starts[i]);
        const got = crc32(buf.subarray(from, to));
        if (got !== crcs[i]) throw new CorruptBlockError(blockDir, file, `CRC mismatch (stored 0x${crcs[i].toString(16)}, computed 0x${got.toString(16)})`, starts[i]);
      }
      p = q;
      await new Promise((r) => setImmediate(r));
    }
  }

  const columns = new ColumnCache();
  const reader = new ChunkReader(segs, pages, columns, READ_BYTES);
  let samples = 0;
  let k = 0;
  for (const dec of index.walk()) {
    for (let c = 0; c < dec.numChunks; c++) {
      const ref = dec.ref[c];
      const colRef = dec.colRef[c];
      const segment = Math.floor(ref / TWO_POW_32);
      const file = `chunks/${segmentName(segment)}`;
      try {
        let ts: Float64Array;
        if (dec.newColumn[c]) {
          const d = reader.decodeColumn(colRef);
          if (d.end !== ref) throw new CorruptChunkReadError(file, colRef - segment * TWO_POW_32, `timestamp column of ${ref - colRef} bytes decodes from ${d.end - colRef}`);
          ts = d.ts;
          columns.set(colRef, ts);
        } else {
          ts = reader.column(colRef);
        }
        if (ts[0] !== dec.mint[c] || ts[ts.length - 1] !== dec.maxt[c]) {
          throw new CorruptChunkReadError(file, ref - segment * TWO_POW_32, `timestamps span [${ts[0]}, ${ts[ts.length - 1]}], the index says [${dec.mint[c]}, ${dec.maxt[c]}]`);
        }
        samples += ts.length;
        checkValues(file, ref - segment * TWO_POW_32, reader.item(ref, dec.len[c]));
      } catch (err) {
        if (err instanceof CorruptChunkReadError) throw new CorruptBlockError(blockDir, err.file, err.reason, err.offset, { cause: err });
        throw err;
      }
      if ((++k & 0xffff) === 0) await new Promise((r) => setImmediate(r));
    }
  }
  return samples;
}
