/**
 * @module Reads small kernel files (/proc, /sys) whole, through one reused buffer. /proc files
 * report size 0, so they are read until EOF rather than by their stat size; keeping one buffer
 * means a collection allocates only the decoded strings.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const INITIAL_BYTES = 64 * 1024; // 64 KiB: /proc/stat of a 64-CPU host with its long intr line fits

/**
 * Reads whole files as UTF-8 text into a buffer it keeps and grows. Not safe to share between
 * concurrent callers, but there is no `await` inside, so one instance serves a whole process.
 */
export class FileReader {
  #buf: Buffer;

  constructor(initialBytes: number = INITIAL_BYTES) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  /** The whole file as text. Throws the fs error (ENOENT, EACCES...) unchanged. */
  read(path: string): string {
    const fd = openSync(path, 'r');
    try {
      let n = 0;
      for (;;) {
        if (n === this.#buf.length) {
          const bigger = Buffer.allocUnsafe(this.#buf.length * 2);
          this.#buf.copy(bigger, 0, 0, n);
          this.#buf = bigger;
        }
        const got = readSync(fd, this.#buf, n, this.#buf.length - n, null);
        if (got === 0) break;
        n += got;
      }
      return this.#buf.toString('utf8', 0, n);
    } finally {
      closeSync(fd);
    }
  }

  /** Like read, but undefined when the file does not exist (ENOENT or ENOTDIR). */
  readIfExists(path: string): string | undefined {
    try {
      return this.read(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** Whether an fs error means "no such file". */
export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
