/** @module The head block: memory-lean series index, in-place XOR head chunks, spill files. */
export type { CommitBatch, DeletePlan, HeadCardinality, HeadOptions, HeadStats, TruncateResult } from './head.ts';
export { DEFAULT_CHUNK_RANGE_MS, DEFAULT_MAX_FUTURE_MS, DEFAULT_SAMPLES_PER_CHUNK, Head } from './head.ts';
export type { HeadChunkEncoding } from './head-chunks.ts';
export type { ChunkSpillOptions } from './spill.ts';
export { ChunkSpill, HEAD_CHUNKS_MAGIC, HEAD_CHUNKS_VERSION } from './spill.ts';
export { SymbolTable } from './symbols.ts';
export { LabelPairs } from './label-pairs.ts';
export type { PairHash } from './series-table.ts';
export { SeriesTable, hashPairs } from './series-table.ts';
export { PostingsStore, intersect, subtract, union } from './postings.ts';
export type { MatchOptions } from './matchers.ts';
export { postingsForMatchers } from './matchers.ts';
export type { RegexShape } from './regex-shape.ts';
export { regexShape } from './regex-shape.ts';
export { SLAB_CLASS_BYTES, SLAB_PAGE_BYTES, Slab, slabClassFor } from './slab.ts';
