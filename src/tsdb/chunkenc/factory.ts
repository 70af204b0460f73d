/** @module Chunk factories keyed by ChunkEncoding: what the head and block readers call. */
import { ChunkEncoding, type Chunk } from './chunk.ts';
import { DeltaChunk } from './delta.ts';
import { CorruptChunkError } from './bstream.ts';
import { XorChunk } from './xor.ts';

/** A new, empty chunk of the given encoding. */
export function newChunk(encoding: ChunkEncoding): Chunk {
  switch (encoding) {
    case ChunkEncoding.XOR:
      return new XorChunk();
    case ChunkEncoding.Delta:
      return new DeltaChunk();
    default:
      throw new RangeError(`unknown chunk encoding ${encoding as number}`);
  }
}

/**
 * A chunk over stored bytes (header included), without copying them: they must not change while
 * the chunk is in use. `encoding` is a raw byte from disk; throws CorruptChunkError for an unknown
 * encoding or a truncated header.
 */
export function chunkFromBytes(encoding: number, bytes: Uint8Array): Chunk {
  switch (encoding) {
    case ChunkEncoding.XOR:
      return XorChunk.fromBytes(bytes);
    case ChunkEncoding.Delta:
      return DeltaChunk.fromBytes(bytes);
    default:
      throw new CorruptChunkError(`unknown chunk encoding 0x${encoding.toString(16)} (${bytes.length} bytes)`);
  }
}
