/**
 * @module The chunk contract shared by every encoding (Prometheus tsdb/chunkenc/chunk.go): a
 * chunk is a byte slice of compressed samples of one series, appended in time order and read back
 * through a SampleIterator.
 */
import type { SampleIterator } from '../../storage/interface.ts';

/**
 * How a chunk's bytes are encoded; stored as one byte next to the chunk so readers pick the
 * decoder. XOR has Prometheus' value (chunkenc.EncXOR = 1). Pharos' own encodings use values above
 * Prometheus' range (0–3 today) and leave bit 7 clear, which Prometheus uses as its out-of-order flag.
 */
export const ChunkEncoding = {
  /** Prometheus' Gorilla-style XOR chunk, bit-for-bit (xor.ts). */
  XOR: 1,
  /** Pharos' delta chunk: finer timestamp buckets, integer/decimal values as deltas (delta.ts). */
  Delta: 0x40,
  /**
   * A value stream without timestamps (values.ts), as blocks store chunks next to a shared
   * timestamp column (timestamps.ts). Not a Chunk: newChunk and chunkFromBytes refuse it.
   */
  Values: 0x41,
} as const;
export type ChunkEncoding = (typeof ChunkEncoding)[keyof typeof ChunkEncoding];

/** The most samples one chunk can hold: the 16-bit count in every chunk header. */
export const MAX_SAMPLES_PER_CHUNK = 0xffff;

/**
 * The largest |t| a chunk accepts, in ms (about 71,000 years). It keeps every delta and
 * delta-of-delta an exact JS number, so no BigInt is needed; Prometheus allows all of int64.
 */
export const MAX_ABS_TIMESTAMP_MS = 2 ** 51;

/** Writes samples to the end of a chunk. Only the chunk's latest appender may be used. */
export interface ChunkAppender {
  /**
   * Adds a sample. `t` is an integer ms timestamp within ±MAX_ABS_TIMESTAMP_MS, not below the previous one;
   * `v` is any float64, NaN payloads included. Throws RangeError for a bad timestamp or a full chunk.
   */
  append(t: number, v: number): void;
}

/** A chunk of compressed samples of one series. Not safe to share across threads; fine across await. */
export interface Chunk {
  readonly encoding: ChunkEncoding;
  /**
   * The encoded bytes, header included: what goes to disk next to `encoding`. A view that may go
   * stale after the next append; copy it to keep it.
   */
  bytes(): Uint8Array;
  /** Samples in the chunk. */
  numSamples(): number;
  /**
   * An appender that continues the chunk. For a chunk loaded from bytes this replays the samples
   * once (O(n)). Any earlier appender of this chunk must not be used afterwards.
   */
  appender(): ChunkAppender;
  /**
   * An iterator over the samples present now; later appends are not seen. It decodes lazily, one
   * sample per next(). Pass an iterator from a chunk of the same encoding to reuse it.
   */
  iterator(reuse?: SampleIterator): SampleIterator;
}
