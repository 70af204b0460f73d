/**
 * @module Segment repair: the bytes from a bad frame to the end of its segment are copied to a
 * quarantine file `<segment>.corrupt-<offset>` (fsynced), then the segment is truncated there.
 * Bytes that cannot be saved are not destroyed: the segment is then left as it is, and the same
 * repair is tried again at the next replay.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Corruption, CorruptionReason } from './segment-reader.ts';
import { fsyncDir, writeFully, type WalLogger } from './segment.ts';

const COPY_CHUNK_BYTES = 1 << 20; // 1 MiB

/** One repaired (or unrepairable) segment. Paths are relative to the WAL directory. */
export interface SegmentRepair {
  /** The segment: `00000003`, or `checkpoint.00000002/00000000` inside a checkpoint. */
  readonly file: string;
  /** Byte offset of the first bad frame: the segment's new length. */
  readonly offset: number;
  /** Bytes no longer replayed (all of them kept in the quarantine file). */
  readonly lostBytes: number;
  readonly reason: CorruptionReason;
  /** The quarantine file in the WAL directory, or null when it could not be written (then the segment was not truncated). */
  readonly quarantine: string | null;
  /** Whether the segment was truncated at `offset`. */
  readonly truncated: boolean;
}

/** Everything a replay (or a checkpoint's read) had to repair or skip. Start-up never refuses. */
export interface RepairReport {
  readonly repairs: SegmentRepair[];
  /** Sum of lostBytes. */
  lostBytes: number;
  /** Records whose CRC matched but whose bytes did not decode (skipped, each logged). */
  undecodableRecords: number;
}

/** An empty report to fill. */
export function newRepairReport(): RepairReport {
  return { repairs: [], lostBytes: 0, undecodableRecords: 0 };
}

/**
 * Quarantines bytes [offset, size) of `<walDir>/<file>` and truncates the file at `offset`;
 * logs one line and returns what it did. The segment must be closed for writing.
 */
export function repairSegment(walDir: string, file: string, size: number, corruption: Corruption, logger: WalLogger | undefined): SegmentRepair {
  const { offset, reason } = corruption;
  const path = join(walDir, file);
  const lostBytes = size - offset;
  // Checkpoint segments are quarantined next to the WAL segments, so removing the checkpoint
  // directory later does not remove its quarantine: checkpoint.00000002.00000000.corrupt-<offset>.
  let quarantine: string | null = `${file.replace('/', '.')}.corrupt-${offset}`;
  let truncated = false;
  let error: unknown;
  try {
    copyRange(path, join(walDir, quarantine), offset, size);
  } catch (cause) {
    error = cause;
    quarantine = null;
  }
  if (quarantine !== null) {
    try {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      truncated = true;
    } catch (cause) {
      error = cause;
    }
  }
  const fields: Record<string, unknown> = { segment: file, offset, lost_bytes: lostBytes, reason, quarantine: quarantine ?? 'none' };
  if (error !== undefined) fields.err = error;
  logger?.warn(truncated ? 'wal: corrupt segment truncated, bad bytes quarantined' : 'wal: corrupt segment could not be repaired, records after the offset are skipped', fields);
  return { file, offset, lostBytes, reason, quarantine, truncated };
}

/** Copies bytes [from, to) of `src` into a new file `dst` (replacing it), fsynced with its directory. */
function copyRange(src: string, dst: string, from: number, to: number): void {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(1, to - from)));
  const ifd = openSync(src, 'r');
  try {
    const ofd = openSync(dst, 'w');
    try {
      let pos = from;
      while (pos < to) {
        const got = readSync(ifd, buf, 0, Math.min(buf.length, to - pos), pos);
        if (got === 0) break;
        writeFully(ofd, buf.subarray(0, got), pos - from);
        pos += got;
      }
      fsyncSync(ofd);
    } finally {
      closeSync(ofd);
    }
  } finally {
    closeSync(ifd);
  }
  fsyncDir(dirname(dst));
}
