/**
 * @module Replay: streams the records of a segment range, or of the latest checkpoint plus the
 * segments after it, into a visitor, in log order. Every bad frame met on the way is repaired
 * (repair.ts) and reading goes on with the next segment: each segment starts at a frame boundary,
 * so later segments stay trustworthy when an earlier one is damaged.
 */
import { join } from 'node:path';
import { RecordDecodeError } from './codec.ts';
import { RecordDecoder, type RecordVisitor } from './records.ts';
import { newRepairReport, repairSegment, type RepairReport } from './repair.ts';
import { SegmentReader } from './segment-reader.ts';
import { checkpointName, listCheckpoints, listSegments, segmentName, type WalLogger } from './segment.ts';

/**
 * Receives each record in log order: `type` is its first byte, `record` the whole record (type
 * byte included), a view valid only during the call. Throwing RecordDecodeError skips the record
 * (counted and logged); any other error stops the read and propagates.
 */
export type RawRecordVisitor = (type: number, record: Uint8Array) => void;

/** Options of readWal and replayWal. */
export interface ReadWalOptions {
  /** Last segment to read, inclusive (default: the last one present). */
  readonly toSegment?: number;
  readonly logger?: WalLogger;
  /** Quarantine and truncate bad segments (default true); with false they are only reported. */
  readonly repair?: boolean;
  /** Add repairs to this report instead of a new one. */
  readonly report?: RepairReport;
}

/** What a read went through. */
export interface ReadWalResult {
  /** Segment files read (checkpoint segments included). */
  segments: number;
  records: number;
  /** Bytes of good frames read. */
  bytes: number;
  /** First and last WAL segment read (not counting the checkpoint), or -1 when none. */
  firstSegment: number;
  lastSegment: number;
  readonly report: RepairReport;
}

/** What replayWal went through: a read plus the checkpoint it started from. */
export interface ReplayResult extends ReadWalResult {
  /** Index of the checkpoint replayed first, or null when there was none. */
  readonly checkpoint: number | null;
}

/** Adapts a typed RecordVisitor to a raw one, decoding each record with one reused decoder. */
export function decodingVisitor(visitor: RecordVisitor): RawRecordVisitor {
  const decoder = new RecordDecoder();
  return (_type, record) => {
    decoder.decode(record, visitor);
  };
}

function newResult(report: RepairReport | undefined): ReadWalResult {
  return { segments: 0, records: 0, bytes: 0, firstSegment: -1, lastSegment: -1, report: report ?? newRepairReport() };
}

/**
 * Reads WAL segments `fromSegment`..`toSegment` (those present, ascending) of `dir` into
 * `visitor`. Missing numbers are skipped with a warning. Synchronous; segments must be closed
 * for writing (not the head segment of an open Wal).
 */
export function readWal(dir: string, fromSegment: number, visitor: RawRecordVisitor, options: ReadWalOptions = {}): ReadWalResult {
  const result = newResult(options.report);
  const to = options.toSegment ?? Infinity;
  const indexes = listSegments(dir).filter((i) => i >= fromSegment && i <= to);
  readSegmentFiles(dir, '', indexes, visitor, options, result);
  if (indexes.length > 0) {
    result.firstSegment = indexes[0];
    result.lastSegment = indexes[indexes.length - 1];
  }
  return result;
}

/**
 * Replays a WAL directory: the latest checkpoint, then the segments after it up to
 * `options.toSegment`, into `visitor`, repairing what it must. Returns counts and the report.
 */
export function replayWal(dir: string, visitor: RawRecordVisitor, options: ReadWalOptions = {}): ReplayResult {
  const checkpoints = listCheckpoints(dir);
  const checkpoint = checkpoints.length > 0 ? checkpoints[checkpoints.length - 1] : null;
  const result = newResult(options.report);
  if (checkpoint !== null) readCheckpoint(dir, checkpoint, visitor, options, result);
  const rest = readWal(dir, checkpoint === null ? 0 : checkpoint + 1, visitor, { ...options, report: result.report });
  return {
    checkpoint,
    segments: result.segments + rest.segments,
    records: result.records + rest.records,
    bytes: result.bytes + rest.bytes,
    firstSegment: rest.firstSegment,
    lastSegment: rest.lastSegment,
    report: result.report,
  };
}

/** Reads the segments of checkpoint `index` in `walDir` into `visitor`, adding to `result`. */
export function readCheckpoint(walDir: string, index: number, visitor: RawRecordVisitor, options: ReadWalOptions, result: ReadWalResult): void {
  const rel = checkpointName(index);
  readSegmentFiles(walDir, rel, listSegments(join(walDir, rel)), visitor, options, result);
}

function readSegmentFiles(walDir: string, relDir: string, indexes: readonly number[], visitor: RawRecordVisitor, options: ReadWalOptions, result: ReadWalResult): void {
  const { logger } = options;
  for (let k = 0; k < indexes.length; k++) {
    if (k > 0 && indexes[k] !== indexes[k - 1] + 1) {
      logger?.warn('wal: segments missing, replaying around the gap', { dir: relDir || '.', after: segmentName(indexes[k - 1]), next: segmentName(indexes[k]) });
    }
    const file = relDir ? `${relDir}/${segmentName(indexes[k])}` : segmentName(indexes[k]);
    readSegmentFile(walDir, file, visitor, options, result);
  }
}

/** Reads one segment file, then repairs it if it ended at a bad frame. */
export function readSegmentFile(walDir: string, file: string, visitor: RawRecordVisitor, options: ReadWalOptions, result: ReadWalResult): void {
  const reader = new SegmentReader(join(walDir, file));
  const report = result.report;
  try {
    while (reader.next()) {
      const record = reader.record();
      result.records++;
      result.bytes += record.length + 8;
      try {
        visitor(record[0], record);
      } catch (err) {
        if (!(err instanceof RecordDecodeError)) throw err;
        skipUndecodable(file, reader.offset, record, err, options.logger, report);
      }
    }
  } finally {
    reader.close();
  }
  result.segments++;
  endSegment(walDir, file, reader, options, report);
}

/**
 * After a SegmentReader stopped: when it stopped at a bad frame, repairs the segment (or only
 * reports it with `repair: false`) and adds that to `report`.
 */
export function endSegment(walDir: string, file: string, reader: SegmentReader, options: ReadWalOptions, report: RepairReport): void {
  const failure = reader.failure();
  if (failure === null) return;
  const lostBytes = reader.size - failure.offset;
  if (options.repair === false) {
    options.logger?.warn('wal: corrupt segment (not repaired)', { segment: file, offset: failure.offset, lost_bytes: lostBytes, reason: failure.reason });
    report.repairs.push({ file, offset: failure.offset, lostBytes, reason: failure.reason, quarantine: null, truncated: false });
  } else {
    report.repairs.push(repairSegment(walDir, file, reader.size, failure, options.logger));
  }
  report.lostBytes += lostBytes;
}

/** Logs and counts a record whose CRC matched but whose bytes did not decode. */
export function skipUndecodable(file: string, offset: number, record: Uint8Array, err: RecordDecodeError, logger: WalLogger | undefined, report: RepairReport): void {
  report.undecodableRecords++;
  logger?.warn('wal: undecodable record skipped', { segment: file, offset, type: record[0], bytes: record.length, err: err.message });
}
