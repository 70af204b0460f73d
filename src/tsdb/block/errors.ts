/** @module Errors of the block layer, each with a stable `code`. */

/**
 * A block file failed verification: bad magic or version, a CRC mismatch, a truncated or
 * inconsistent structure. Names the block directory, the file inside it and, when known, the byte
 * offset. A block that throws this at open is quarantined by openBlocks, never loaded.
 */
export class CorruptBlockError extends Error {
  readonly code = 'corrupt_block';
  constructor(
    /** The block directory. */
    readonly dir: string,
    /** The file inside the block directory, e.g. `index`, `chunks/000001`, `meta.json`. */
    readonly file: string,
    /** What failed. */
    readonly reason: string,
    /** Byte offset in the file, when the failure has one. */
    readonly offset?: number,
    options?: ErrorOptions,
  ) {
    super(`corrupt block ${dir}: ${file}${offset !== undefined ? ` at offset ${offset}` : ''}: ${reason}`, options);
  }
}

/** A chunk read at query or compaction time failed its CRC or could not be decoded. */
export class CorruptChunkReadError extends Error {
  readonly code = 'corrupt_chunk';
  constructor(
    /** The segment file, relative to the block, e.g. `chunks/000001`. */
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file} at offset ${offset}: ${reason}`);
  }
}
