/**
 * @module Chunk segments of format 1, read only (blocks written before index v2): records
 * `uvarint len · encoding u8 · data · crc32 u32`, each chunk with its own timestamps, a chunk ref
 * pointing at its record (docs/format/block.md#format-1).
 */
import { crc32 } from 'node:zlib';
import { type BlockChunkReader, type ChunkSegments, SEGMENT_HEADER_BYTES, chunkRef, segmentName, type StoredChunk } from './chunks.ts';
import { CorruptBlockError, CorruptChunkReadError } from './errors.ts';
import type { ChunkMeta } from './series-codec.ts';

/** Segment format version of these files. */
export const CHUNKS_VERSION_1 = 1;

const TWO_POW_32 = 4294967296;
/** The bytes before a chunk's data: at most 5 for a uvarint below 2^32, plus the encoding byte. */
const MAX_RECORD_PREFIX = 6;
const MIN_READAHEAD_BYTES = 4096;

/** CRC-32 of each possible encoding byte alone: the start value for a record's CRC. */
const ENCODING_CRC = Array.from({ length: 256 }, (_, b) => crc32(Uint8Array.of(b)));

function crcOfRecord(encoding: number, data: Uint8Array): number {
  return crc32(data, ENCODING_CRC[encoding]);
}

/**
 * Reads format-1 chunk records through a read-ahead window per segment. Windows are fresh buffers
 * that are never written again, so returned chunk views stay valid while referenced.
 */
export class ChunkReaderV1 implements BlockChunkReader {
  readonly #segs: ChunkSegments;
  readonly #maxReadahead: number;
  #readahead = MIN_READAHEAD_BYTES;
  #winSeg = -1;
  #winStart = 0;
  #win: Buffer = Buffer.alloc(0);
  /** Offset right after the last record read: lets verification walk records in order. */
  lastEnd = 0;

  constructor(segs: ChunkSegments, readaheadBytes: number) {
    this.#segs = segs;
    this.#maxReadahead = Math.max(MIN_READAHEAD_BYTES, readaheadBytes);
  }

  /** The chunk at `meta.ref`, CRC-checked. Throws CorruptChunkReadError naming segment and offset. */
  read(meta: ChunkMeta): StoredChunk {
    const segment = Math.floor(meta.ref / TWO_POW_32);
    return this.readRecord(segment, meta.ref - segment * TWO_POW_32);
  }

  /** The chunk record at `offset` of `segment`; sets lastEnd to the offset after it. */
  readRecord(segment: number, offset: number): StoredChunk {
    const file = `chunks/${segmentName(segment)}`;
    if (segment >= this.#segs.sizes.length) throw new CorruptChunkReadError(file, offset, 'segment does not exist');
    const size = this.#segs.sizes[segment];
    if (offset < SEGMENT_HEADER_BYTES || offset >= size) throw new CorruptChunkReadError(file, offset, `offset outside the segment (${size} bytes)`);
    let win = this.#window(segment, offset, MAX_RECORD_PREFIX);
    let p = offset - this.#winStart;
    let len = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (i === 5 || p >= win.length) throw new CorruptChunkReadError(file, offset, 'bad chunk length');
      const b = win[p++];
      len += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    const prefix = p - (offset - this.#winStart) + 1;
    const total = prefix + len + 4;
    if (offset + total > size) throw new CorruptChunkReadError(file, offset, `chunk of ${len} bytes runs past the end of the segment (${size} bytes)`);
    win = this.#window(segment, offset, total);
    const start = offset - this.#winStart;
    const encoding = win[start + prefix - 1];
    const data = win.subarray(start + prefix, start + prefix + len);
    const want = win.readUInt32BE(start + prefix + len);
    const got = crcOfRecord(encoding, data);
    if (got !== want) throw new CorruptChunkReadError(file, offset, `CRC mismatch (stored 0x${want.toString(16)}, computed 0x${got.toString(16)})`);
    this.lastEnd = offset + total;
    return { encoding, data, ts: null };
  }

  /** A window holding [offset, offset + need) of the segment (or up to its end). */
  #window(segment: number, offset: number, need: number): Buffer {
    const size = this.#segs.sizes[segment];
    const end = Math.min(offset + need, size);
    const winEnd = this.#winStart + this.#win.length;
    if (segment === this.#winSeg && offset >= this.#winStart && end <= winEnd) return this.#win;
    const forward = segment === this.#winSeg && offset >= this.#winStart && offset <= winEnd + this.#readahead;
    this.#readahead = forward ? Math.min(this.#readahead * 2, this.#maxReadahead) : MIN_READAHEAD_BYTES;
    this.#win = this.#segs.readAt(segment, offset, Math.max(need, this.#readahead));
    this.#winSeg = segment;
    this.#winStart = offset;
    return this.#win;
  }
}

/**
 * Reads every format-1 record of every segment in order, checking each CRC and that the records
 * are exactly the chunks the index refers to (`refs`, in index order), with no bytes between or
 * after them. Returns the number of samples (from the chunk headers). Throws CorruptBlockError.
 */
export async function verifySegmentsV1(blockDir: string, segs: ChunkSegments, refs: Float64Array, numRefs: number): Promise<number> {
  const reader = new ChunkReaderV1(segs, 4 << 20);
  let k = 0;
  let samples = 0;
  for (let s = 0; s < segs.sizes.length; s++) {
    const file = `chunks/${segmentName(s)}`;
    let off = SEGMENT_HEADER_BYTES;
    while (off < segs.sizes[s]) {
      if (k >= numRefs || refs[k] !== chunkRef(s, off)) {
        throw new CorruptBlockError(blockDir, file, k >= numRefs ? 'chunk not referenced by the index' : `index refers to chunk ${refs[k]}, segment has one at ${chunkRef(s, off)}`, off);
      }
      let c: StoredChunk;
      try {
        c = reader.readRecord(s, off);
      } catch (err) {
        if (err instanceof CorruptChunkReadError) throw new CorruptBlockError(blockDir, file, err.reason, err.offset, { cause: err });
        throw err;
      }
      if (c.data.length < 2) throw new CorruptBlockError(blockDir, file, 'chunk without a sample-count header', off);
      samples += (c.data[0] << 8) | c.data[1];
      off = reader.lastEnd;
      k++;
      if ((k & 0xffff) === 0) await new Promise((r) => setImmediate(r));
    }
  }
  if (k !== numRefs) {
    const last = segs.sizes.length - 1;
    throw new CorruptBlockError(blockDir, `chunks/${segmentName(last)}`, `segments end after ${k} of the ${numRefs} chunks the index refers to (truncated?)`, segs.sizes[last]);
  }
  return samples;
}
