/**
 * @module Segment files of the WAL: names, listing, record framing (length + CRC-32) and a
 * buffered writer for whole segment sets (checkpoints). Layout: docs/format/wal.md.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../../log.ts';

/** What the WAL logs: repairs and clean-ups at warn/info. */
export type WalLogger = Pick<Logger, 'info' | 'warn'>;

/** Frame header: record length u32 LE, CRC-32 (IEEE, zlib) of the record u32 LE. */
export const FRAME_HEADER_BYTES = 8;
/** Largest record accepted; a length field above it is corruption, not a record. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024; // 256 MiB
/** Default segment size (Prometheus' default too). */
export const DEFAULT_SEGMENT_BYTES = 128 * 1024 * 1024; // 128 MiB

const SEGMENT_NAME = /^\d{8,}$/;
const CHECKPOINT_NAME = /^checkpoint\.(\d{8,})$/;
const CHECKPOINT_TMP_NAME = /^checkpoint\.\d{8,}\.tmp$/;
/** Bytes a SegmentSetWriter buffers before one write(2). */
const WRITE_BUFFER_BYTES = 1 << 20; // 1 MiB

/** A segment's file name: its index zero-padded to 8 digits (more digits past 99999999). */
export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

/** A checkpoint directory's name: `checkpoint.` and the last segment it covers, padded like segments. */
export function checkpointName(index: number): string {
  return `checkpoint.${segmentName(index)}`;
}

/** Segment indexes in `dir`, ascending. Other files (quarantine, tmp) are ignored. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .filter((n) => SEGMENT_NAME.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Indexes of the complete checkpoints in `dir` (not `.tmp` ones), ascending. */
export function listCheckpoints(dir: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync(dir)) {
    const m = CHECKPOINT_NAME.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** Names of checkpoint directories a crash left half-written. */
export function listCheckpointTmps(dir: string): string[] {
  return readdirSync(dir).filter((n) => CHECKPOINT_TMP_NAME.test(n));
}

/** The CRC stored in a record's frame. */
export function recordCrc(record: Uint8Array): number {
  return crc32(record);
}

/** Size of a file in bytes, 0 when it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Total bytes of the segment files in a directory (a checkpoint). */
export function segmentsBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const i of listSegments(dir)) n += fileSize(join(dir, segmentName(i)));
  return n;
}

/** fsyncs a directory, so new, renamed and removed entries in it survive power loss. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of bytes at `position`, looping over short writes. */
export function writeFully(fd: number, bytes: Uint8Array, position: number): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, position + off);
}

/** Removes a directory tree; a crash midway leaves a partial tree the next open removes again. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * Writes framed records into a fresh directory of segments (00000000, 00000001, …) through a
 * 1 MiB buffer, starting a new segment when the next record would pass `segmentBytes`. close()
 * fsyncs every segment and the directory. Used for checkpoints, which must be durable before the
 * segments they replace are deleted.
 */
export class SegmentSetWriter {
  readonly dir: string;
  readonly #segmentBytes: number;
  #index = -1;
  #fd = -1;
  #written = 0;
  #buf = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  #n = 0;
  #bytes = 0;
  #records = 0;

  /** Creates `dir` (which must not exist yet). */
  constructor(dir: string, segmentBytes: number) {
    this.dir = dir;
    this.#segmentBytes = segmentBytes;
    mkdirSync(dir);
  }

  /** Bytes written so far (frames included). */
  get bytes(): number {
    return this.#bytes;
  }

  get records(): number {
    return this.#records;
  }

  /** Appends one record (type byte first). */
  add(record: Uint8Array): void {
    const frame = FRAME_HEADER_BYTES + record.length;
    if (this.#fd < 0 || (this.#written + this.#n > 0 && this.#written + this.#n + frame > this.#segmentBytes)) this.#cut();
    if (frame > this.#buf.length - this.#n) {
      this.#flush();
      if (frame > this.#buf.length) this.#buf = Buffer.allocUnsafe(frame);
    }
    const b = this.#buf;
    b.writeUInt32LE(record.length, this.#n);
    b.writeUInt32LE(recordCrc(record), this.#n + 4);
    b.set(record, this.#n + FRAME_HEADER_BYTES);
    this.#n += frame;
    this.#bytes += frame;
    this.#records++;
  }

  #flush(): void {
    if (this.#n === 0) return;
    writeFully(this.#fd, this.#buf.subarray(0, this.#n), this.#written);
    this.#written += this.#n;
    this.#n = 0;
  }

  #cut(): void {
    if (this.#fd >= 0) {
      this.#flush();
      fsyncSync(this.#fd);
      closeSync(this.#fd);
    }
    this.#index++;
    this.#fd = openSync(join(this.dir, segmentName(this.#index)), 'wx');
    this.#written = 0;
  }

  /** Flushes, fsyncs and closes the last segment (an empty set gets one empty segment), then fsyncs the directory. */
  close(): void {
    if (this.#fd < 0) this.#cut();
    this.#flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = -1;
    fsyncDir(this.dir);
  }

  /** Closes without flushing (error paths); the caller removes the directory. */
  abort(): void {
    if (this.#fd < 0) return;
    try {
      closeSync(this.#fd);
    } catch {
      /* already failing */
    }
    this.#fd = -1;
  }
}
