/** @module Immutable on-disk blocks: write, open and verify, query, delete, compact, plan, retain. */
export type { BlockChunk, BlockSeries, WriteBlockOptions } from './writer.ts';
export { writeBlock } from './writer.ts';
export type { BlockLogger, BlockReader, OpenBlockOptions } from './block.ts';
export { Block, openBlock } from './block.ts';
export type { OpenBlocksReport, QuarantinedBlock } from './open-blocks.ts';
export { openBlocks, QUARANTINE_DIR } from './open-blocks.ts';
export type { BlockCompaction, BlockMeta, BlockRef, BlockStats } from './meta.ts';
export type { CompactOptions } from './compact.ts';
export { compact, DEFAULT_SAMPLES_PER_CHUNK } from './compact.ts';
export { DEFAULT_BLOCK_RANGES_MS, exponentialBlockRanges, planCompaction } from './plan.ts';
export type { RetentionCandidate, RetentionDecision, RetentionOptions } from './retention.ts';
export { applyRetention } from './retention.ts';
export { mergeQueriers } from './merge.ts';
export { CorruptBlockError, CorruptChunkReadError } from './errors.ts';
export { removeBlockDir } from './fs-util.ts';
export { isUlid, newUlid, ulidTime } from './ulid.ts';
