/** @module The segmented write-ahead log: record codecs, the Wal, replay with repair, checkpoints. */
export type { CheckpointOptions, CheckpointResult } from './checkpoint.ts';
export { checkpoint } from './checkpoint.ts';
export { RecordDecodeError } from './codec.ts';
export { isLegacySegment, migrateLegacyWal } from './legacy.ts';
export type { RawRecordVisitor, ReadWalOptions, ReadWalResult, ReplayResult } from './reader.ts';
export { decodingVisitor, readWal, replayWal } from './reader.ts';
export type { SeriesDropReason, SeriesEntry, RecordVisitor } from './records.ts';
export { RecordDecoder, RecordEncoder, RecordType, recordType } from './records.ts';
export type { RepairReport, SegmentRepair } from './repair.ts';
export type { Corruption, CorruptionReason } from './segment-reader.ts';
export { SegmentReader } from './segment-reader.ts';
export type { WalLogger } from './segment.ts';
export { checkpointName, DEFAULT_SEGMENT_BYTES, FRAME_HEADER_BYTES, MAX_RECORD_BYTES, segmentName } from './segment.ts';
export type { SegmentRange, WalFsync, WalOptions } from './wal.ts';
export { Wal } from './wal.ts';
