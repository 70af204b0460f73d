/**
 * @module The write-ahead log (Prometheus tsdb/wlog): numbered segment files of framed records,
 * one write(2) per log() call, a new segment when the next call would pass the segment size, and
 * replay of the latest checkpoint plus the segments after it. Layout: docs/format/wal.md.
 */
import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { migrateLegacyWal } from './legacy.ts';
import { decodingVisitor, replayWal, type RawRecordVisitor, type ReplayResult } from './reader.ts';
import type { RecordVisitor } from './records.ts';
import {
  checkpointName,
  DEFAULT_SEGMENT_BYTES,
  fileSize,
  FRAME_HEADER_BYTES,
  fsyncDir,
  listCheckpoints,
  listCheckpointTmps,
  listSegments,
  MAX_RECORD_BYTES,
  recordCrc,
  removeDir,
  segmentName,
  segmentsBytes,
  writeFully,
  type WalLogger,
} from './segment.ts';

/** When log() calls fdatasync: never (a write survives kill -9, not power loss) or after every write. */
export type WalFsync = 'never' | 'always';

/** Options of Wal.open. */
export interface WalOptions {
  /** A new segment is started when a log() call would take the current one past this (bytes, default 128 MiB). */
  readonly segmentSize?: number;
  /** Default 'never'. Checkpoints and close() fsync regardless. */
  readonly fsync?: WalFsync;
  readonly logger?: WalLogger;
}

/** First and last segment index present (`last` is the segment being written). */
export interface SegmentRange {
  readonly first: number;
  readonly last: number;
}

/**
 * An open WAL directory. Every open starts a new segment (or reuses an empty last one), so a
 * segment is only ever written by one process and only the last segment of a run can end torn.
 * All methods are synchronous: each finishes its file work before returning.
 */
export class Wal {
  readonly dir: string;
  readonly segmentSize: number;
  readonly fsync: WalFsync;
  readonly #logger: WalLogger | undefined;
  /** Closed segments present: index → size in bytes, ascending. */
  readonly #closedSegments = new Map<number, number>();
  #head: number;
  #fd: number;
  #offset = 0;
  /** The last segment that existed before this open: replay stops there. */
  readonly #replayTo: number;
  #checkpoint: number | null;
  #checkpointBytes: number;
  #frames = Buffer.allocUnsafe(64 * 1024);
  /** A failed write or fsync left the head's tail uncertain: the next log() starts a new segment. */
  #broken = false;
  #closed = false;
  #checkpointing = false;

  private constructor(dir: string, options: WalOptions, head: number, fd: number, checkpoint: number | null) {
    this.dir = dir;
    this.segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_BYTES;
    this.fsync = options.fsync ?? 'never';
    this.#logger = options.logger;
    this.#head = head;
    this.#fd = fd;
    this.#replayTo = head - 1;
    this.#checkpoint = checkpoint;
    this.#checkpointBytes = checkpoint === null ? 0 : segmentsBytes(join(dir, checkpointName(checkpoint)));
  }

  /**
   * Opens (creating) the WAL in `dir`: converts a single-file WAL of the old store, removes what
   * an interrupted checkpoint left (`checkpoint.*.tmp`, segments and checkpoints the latest
   * checkpoint replaces), then starts a new head segment. Reads no records: call replay() next.
   */
  static open(dir: string, options: WalOptions = {}): Wal {
    const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_BYTES;
    if (!(segmentSize >= 1024 && Number.isSafeInteger(segmentSize))) throw new RangeError(`wal: segmentSize ${segmentSize} must be an integer of at least 1024 bytes`);
    const logger = options.logger;
    mkdirSync(dir, { recursive: true });
    migrateLegacyWal(dir, segmentSize, logger);
    for (const tmp of listCheckpointTmps(dir)) {
      logger?.info('wal: removing an unfinished checkpoint', { dir: tmp });
      removeDir(join(dir, tmp));
    }
    const checkpoints = listCheckpoints(dir);
    const checkpoint = checkpoints.length > 0 ? checkpoints[checkpoints.length - 1] : null;
    if (checkpoint !== null) removeReplaced(dir, checkpoint, logger);
    const segments = listSegments(dir);
    const last = segments.length > 0 ? segments[segments.length - 1] : -1;
    let head: number;
    let fd: number;
    if (last >= 0 && fileSize(join(dir, segmentName(last))) === 0) {
      head = last;
      fd = openSync(join(dir, segmentName(head)), 'r+');
    } else {
      head = Math.max(last, checkpoint ?? -1) + 1;
      fd = openSync(join(dir, segmentName(head)), 'wx');
      if (options.fsync === 'always') fsyncDir(dir);
    }
    const wal = new Wal(dir, options, head, fd, checkpoint);
    for (const i of segments) if (i !== head) wal.#closedSegments.set(i, fileSize(join(dir, segmentName(i))));
    return wal;
  }

  /**
   * Replays what the WAL held at open, in log order: the latest checkpoint, then the segments
   * after it. A RecordVisitor gets decoded records; a function gets raw ones (type, record bytes).
   * Bad frames are repaired on the way (RepairReport in the result); start-up never refuses.
   * Call it before the first log(); records logged since open are not replayed.
   */
  replay(visitor: RecordVisitor | RawRecordVisitor): ReplayResult {
    this.#check();
    const raw = typeof visitor === 'function' ? visitor : decodingVisitor(visitor);
    const result = replayWal(this.dir, raw, { toSegment: this.#replayTo, logger: this.#logger });
    for (const r of result.report.repairs) {
      if (!r.truncated) continue;
      if (r.file.startsWith('checkpoint.')) this.#checkpointBytes -= r.lostBytes;
      else this.#closedSegments.set(Number(r.file), r.offset);
    }
    return result;
  }

  /**
   * Appends records (each a whole record, type byte first) with one write(2), in this order and
   * all in the same segment; once it returns they survive kill -9 (with fsync 'always', after
   * fdatasync, power loss too). The records are copied: the caller may reuse their buffers.
   * Throws with the segment and offset when the write fails; the segment is cut back to where it
   * was (or, if that fails too, the next call starts a new segment). When only the fdatasync
   * fails, the records are written but maybe not durable: they may still be replayed later.
   */
  log(...records: Uint8Array[]): void {
    this.#check();
    let total = 0;
    for (let i = 0; i < records.length; i++) {
      const len = records[i].length;
      if (len === 0 || len > MAX_RECORD_BYTES) throw new RangeError(`wal: record of ${len} bytes (must be 1 to ${MAX_RECORD_BYTES})`);
      total += FRAME_HEADER_BYTES + len;
    }
    if (total === 0) return;
    if (this.#broken || (this.#offset > 0 && this.#offset + total > this.segmentSize)) this.cutSegment();
    if (this.#frames.length < total) this.#frames = Buffer.allocUnsafe(Math.max(total, this.#frames.length * 2));
    const b = this.#frames;
    let p = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      b.writeUInt32LE(r.length, p);
      b.writeUInt32LE(recordCrc(r), p + 4);
      b.set(r, p + FRAME_HEADER_BYTES);
      p += FRAME_HEADER_BYTES + r.length;
    }
    const offset = this.#offset;
    try {
      writeFully(this.#fd, b.subarray(0, total), offset);
    } catch (cause) {
      try {
        ftruncateSync(this.#fd, offset);
      } catch {
        this.#broken = true;
      }
      throw new Error(`wal: write of ${total} bytes to segment ${segmentName(this.#head)} at offset ${offset} failed`, { cause });
    }
    this.#offset = offset + total;
    if (this.fsync === 'always') {
      try {
        fdatasyncSync(this.#fd);
      } catch (cause) {
        // After a failed fsync the page cache state is unknown (fsyncgate): never append after it.
        this.#broken = true;
        throw new Error(`wal: fdatasync of segment ${segmentName(this.#head)} failed`, { cause });
      }
    }
  }

  /** Closes the current segment and starts the next one; returns its index. */
  cutSegment(): number {
    this.#check();
    const next = this.#head + 1;
    const path = join(this.dir, segmentName(next));
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (cause) {
      throw new Error(`wal: cannot create segment ${segmentName(next)}`, { cause });
    }
    const old = this.#fd;
    try {
      if (this.fsync === 'always') fsyncSync(old);
    } catch {
      /* its records were fdatasynced already; the new segment is what matters */
    }
    closeSync(old);
    this.#closedSegments.set(this.#head, this.#offset);
    this.#head = next;
    this.#fd = fd;
    this.#offset = 0;
    this.#broken = false;
    if (this.fsync === 'always') fsyncDir(this.dir);
    return next;
  }

  /** The first segment present and the one being written. */
  segments(): SegmentRange {
    for (const first of this.#closedSegments.keys()) return { first, last: this.#head };
    return { first: this.#head, last: this.#head };
  }

  /** Bytes on disk: segments and the latest checkpoint (quarantine files not counted). */
  size(): number {
    let n = this.#offset + this.#checkpointBytes;
    for (const s of this.#closedSegments.values()) n += s;
    return n;
  }

  /** Index of the latest checkpoint, or null. */
  checkpointIndex(): number | null {
    return this.#checkpoint;
  }

  /** fsyncs and closes the head segment. Idempotent; other methods throw afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  #check(): void {
    if (this.#closed) throw new Error('wal: closed');
  }

  /** @internal The logger (checkpoint). */
  get logger(): WalLogger | undefined {
    return this.#logger;
  }

  /** @internal Closed segments present up to `through`, ascending. */
  segmentsThrough(through: number): number[] {
    const out: number[] = [];
    for (const i of this.#closedSegments.keys()) if (i <= through) out.push(i);
    return out;
  }

  /** @internal Marks a checkpoint as running (one at a time); false when one already is. */
  beginCheckpoint(): boolean {
    this.#check();
    if (this.#checkpointing) return false;
    this.#checkpointing = true;
    return true;
  }

  /** @internal */
  endCheckpoint(): void {
    this.#checkpointing = false;
  }

  /**
   * @internal After checkpoint `index` (`bytes` big) was renamed into place and fsynced:
   * deletes the segments up to it, then the older checkpoints.
   */
  applyCheckpoint(index: number, bytes: number): number {
    this.#checkpoint = index;
    this.#checkpointBytes = bytes;
    let deleted = 0;
    for (const i of this.segmentsThrough(index)) {
      unlinkSync(join(this.dir, segmentName(i)));
      this.#closedSegments.delete(i);
      deleted++;
    }
    for (const c of listCheckpoints(this.dir)) if (c < index) removeDir(join(this.dir, checkpointName(c)));
    return deleted;
  }
}

/** Removes segments up to `checkpoint` and older checkpoints: a checkpoint interrupted after its rename. */
function removeReplaced(dir: string, checkpoint: number, logger: WalLogger | undefined): void {
  for (const c of listCheckpoints(dir)) {
    if (c >= checkpoint) continue;
    logger?.info('wal: removing a checkpoint replaced by a newer one', { checkpoint: checkpointName(c) });
    removeDir(join(dir, checkpointName(c)));
  }
  for (const i of listSegments(dir)) {
    if (i > checkpoint) break;
    logger?.info('wal: removing a segment covered by the checkpoint', { segment: segmentName(i), checkpoint: checkpointName(checkpoint) });
    unlinkSync(join(dir, segmentName(i)));
  }
}
