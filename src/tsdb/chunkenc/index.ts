/** @module Compressed sample chunks: Prometheus' XOR encoding, Pharos' delta encoding, and the split form blocks store (timestamp columns + value streams). */
export type { Chunk, ChunkAppender } from './chunk.ts';
export { ChunkEncoding, MAX_ABS_TIMESTAMP_MS, MAX_SAMPLES_PER_CHUNK } from './chunk.ts';
export { BitReader, BitWriter, CorruptChunkError } from './bstream.ts';
export { chunkFromBytes, newChunk } from './factory.ts';
export { DeltaChunk, DeltaIterator } from './delta.ts';
export { XorChunk, XorIterator } from './xor.ts';
export type { DecodedTimestamps } from './timestamps.ts';
export { readTimestamps, writeTimestamps } from './timestamps.ts';
export { checkValuesHeader, decodeValues, ValuesIterator, writeValues } from './values.ts';
