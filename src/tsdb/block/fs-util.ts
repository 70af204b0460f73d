/**
 * @module File helpers for block directories: a buffered synchronous file writer, fsync of
 * directories, atomic replace (write, fsync, rename, fsync the directory) and crash-safe removal.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Bytes a FileWriter buffers before one write(2). */
const WRITE_BUFFER_BYTES = 1 << 20; // 1 MiB

/** Suffix of a block directory being written; never loaded, removed at open. */
export const TMP_FOR_CREATION = '.tmp-for-creation';
/** Suffix a block directory gets just before its removal; removed at open. */
export const TMP_FOR_DELETION = '.tmp-for-deletion';

/**
 * Appends to a new file through a 1 MiB buffer with synchronous writes. `offset` counts buffered
 * bytes too, so callers can take positions (chunk refs, section offsets) before a flush.
 */
export class FileWriter {
  readonly path: string;
  #fd: number;
  readonly #buf = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  #n = 0;
  #written = 0;

  /** Creates (or truncates) `path`. */
  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'w');
  }

  /** The file position of the next byte written. */
  get offset(): number {
    return this.#written + this.#n;
  }

  write(bytes: Uint8Array): void {
    if (bytes.length > this.#buf.length - this.#n) {
      this.flush();
      if (bytes.length >= this.#buf.length) {
        this.#writeAll(bytes);
        return;
      }
    }
    this.#buf.set(bytes, this.#n);
    this.#n += bytes.length;
  }

  /** Writes n zero bytes (padding). */
  writeZeros(n: number): void {
    if (n <= 0) return;
    if (n > this.#buf.length - this.#n) this.flush();
    this.#buf.fill(0, this.#n, this.#n + n);
    this.#n += n;
  }

  flush(): void {
    if (this.#n === 0) return;
    this.#writeAll(this.#buf.subarray(0, this.#n));
    this.#n = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off, bytes.length - off, this.#written + off);
    this.#written += bytes.length;
  }

  /** Flushes, fsyncs (when asked) and closes the file. */
  close(fsync: boolean): void {
    if (this.#fd < 0) return;
    this.flush();
    if (fsync) fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = -1;
  }

  /** Closes without flushing (error paths). */
  abort(): void {
    if (this.#fd < 0) return;
    try { closeSync(this.#fd); } catch { /* already failing */ }
    this.#fd = -1;
  }
}

/** fsyncs a directory, so renames and new entries in it survive power loss. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` atomically: writes `<path>.tmp`, fsyncs it, renames it over `path`
 * and fsyncs the directory. A crash leaves either the old or the new file, never a mix.
 */
export function writeFileAtomic(path: string, data: Uint8Array, fsync = true): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (fsync) fsyncDir(dirname(path));
}

/**
 * Removes a block directory so that a crash midway never leaves a half-deleted block that looks
 * loadable: it is first renamed to `<dir>.tmp-for-deletion` (atomic), then removed recursively.
 * Open file descriptors into it stay readable until closed (POSIX).
 */
export function removeBlockDir(dir: string, fsync = true): void {
  const doomed = join(dirname(dir), basename(dir) + TMP_FOR_DELETION);
  if (existsSync(dir)) {
    if (existsSync(doomed)) rmSync(doomed, { recursive: true, force: true });
    renameSync(dir, doomed);
    if (fsync) fsyncDir(dirname(dir));
  }
  rmSync(doomed, { recursive: true, force: true });
}
