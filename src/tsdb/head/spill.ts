/**
 * @module The head's spill files (`chunks_head/`): completed chunks leave the JS heap by being
 * appended to numbered segment files, then read back by position at query time. Modelled on
 * Prometheus' head chunk files (tsdb/chunks/head_chunks.go), with zlib's CRC-32 (IEEE).
 *
 * Segment `NNNNNN` (6 digits, from 000001):
 *
 * ```
 * header   magic u32 BE 0x0130BC91 · version u8 (1) · 3 zero bytes
 * record   series ref u64 BE · mint i64 BE · maxt i64 BE · encoding u8 · len uvarint ·
 *          data (len bytes: the chunk, header included) · crc32 u32 BE of everything before it
 * ```
 *
 * The files are a cache, not the source of truth: the WAL owner replays the head from the WAL, so
 * open() deletes old segments. A segment is deleted once truncation dropped every chunk in it and
 * no querier that might read it is open.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptChunkError } from '../chunkenc/bstream.ts';

/** First word of every segment: Prometheus' head chunk file magic. */
export const HEAD_CHUNKS_MAGIC = 0x0130bc91;
/** Format version of the segments this code writes. */
export const HEAD_CHUNKS_VERSION = 1;
/** Bytes of a segment header. */
export const SEGMENT_HEADER_BYTES = 8;
/** Fixed bytes of a record before the length: ref, mint, maxt, encoding. */
const RECORD_FIXED_BYTES = 25;
const CRC_BYTES = 4;
/** Largest read of readMany(). */
const READ_MANY_WINDOW_BYTES = 4 * 1024 * 1024;
const TWO_POW_32 = 4294967296;

/** Options of ChunkSpill. */
export interface ChunkSpillOptions {
  /** Start a new segment past this size (default 128 MiB, at most 4 GiB). */
  readonly segmentBytes?: number;
  /** Records are gathered in a buffer of this size before one write (default 1 MiB). */
  readonly writeBufferBytes?: number;
  /** Bytes of recently read chunks kept in memory (default 8 MiB; 0 disables). */
  readonly cacheBytes?: number;
}

/** Bytes of the uvarint of x. */
function uvarintBytes(x: number): number {
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

/** Total record bytes for a chunk of len data bytes. */
export function spillRecordBytes(len: number): number {
  return RECORD_FIXED_BYTES + uvarintBytes(len) + len + CRC_BYTES;
}

function writeI64(buf: Uint8Array, off: number, x: number): void {
  const hi = Math.floor(x / TWO_POW_32);
  const lo = x - hi * TWO_POW_32;
  const dv = new DataView(buf.buffer, buf.byteOffset + off, 8);
  dv.setInt32(0, hi);
  dv.setUint32(4, lo);
}

/**
 * Writer and reader of one `chunks_head/` directory. Positions returned by write() are
 * segment × 2^32 + byte offset of the record.
 */
export class ChunkSpill {
  readonly dir: string;
  readonly #segmentBytes: number;
  readonly #buf: Uint8Array;
  #bufLen = 0;
  readonly #cacheBytes: number;
  readonly #cache = new Map<number, Uint8Array>();
  #cachedBytes = 0;
  /**
   * Evicts from where the last eviction stopped. A fresh iterator per eviction would walk again
   * over the holes earlier deletions left at the front of V8's hash table: quadratic, 100 s of a
   * block cut of 1M series. A live iterator passes each hole once and sees entries set after it.
   */
  #evictOrder: Iterator<[number, Uint8Array]> | null = null;
  /** Segment number → fd (the active one is read-write). */
  readonly #fds = new Map<number, number>();
  /** Segment number → chunks still referenced in it. */
  readonly #live = new Map<number, number>();
  readonly #segmentSize = new Map<number, number>();
  #active = 0;
  /** Bytes of the active segment already written to the file. */
  #flushed = 0;
  #readBuf = new Uint8Array(4096);
  #pins = 0;
  readonly #pendingDelete: number[] = [];
  #closed = false;

  /** Opens `dir` (created if missing), deleting segments left by an earlier process. */
  constructor(dir: string, options: ChunkSpillOptions = {}) {
    this.dir = dir;
    this.#segmentBytes = Math.min(options.segmentBytes ?? 128 * 1024 * 1024, TWO_POW_32 - 1);
    this.#buf = new Uint8Array(Math.max(4096, options.writeBufferBytes ?? 1024 * 1024));
    this.#cacheBytes = options.cacheBytes ?? 8 * 1024 * 1024;
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (/^\d{6,}$/.test(name)) rmSync(join(dir, name), { force: true });
    this.#openSegment(1);
  }

  /** Bytes in segment files that still exist (written or buffered). */
  get bytes(): number {
    let b = 0;
    for (const s of this.#segmentSize.values()) b += s;
    return b;
  }

  /** Segment numbers present, ascending. */
  segments(): number[] {
    return [...this.#segmentSize.keys()].sort((a, b) => a - b);
  }

  #path(seg: number): string {
    return join(this.dir, String(seg).padStart(6, '0'));
  }

  #openSegment(seg: number): void {
    const fd = openSync(this.#path(seg), 'w+');
    this.#fds.set(seg, fd);
    this.#live.set(seg, 0);
    this.#active = seg;
    this.#flushed = 0;
    const h = this.#buf;
    h[0] = HEAD_CHUNKS_MAGIC >>> 24;
    h[1] = (HEAD_CHUNKS_MAGIC >>> 16) & 0xff;
    h[2] = (HEAD_CHUNKS_MAGIC >>> 8) & 0xff;
    h[3] = HEAD_CHUNKS_MAGIC & 0xff;
    h[4] = HEAD_CHUNKS_VERSION;
    h[5] = h[6] = h[7] = 0;
    this.#bufLen = SEGMENT_HEADER_BYTES;
    this.#segmentSize.set(seg, SEGMENT_HEADER_BYTES);
  }

  /** Appends one chunk record and returns its position. `data` is copied. */
  write(ref: number, mint: number, maxt: number, encoding: number, data: Uint8Array): number {
    if (this.#closed) throw new Error('chunk spill is closed');
    const len = data.length;
    const size = spillRecordBytes(len);
    let segSize = this.#segmentSize.get(this.#active)!;
    if (segSize > SEGMENT_HEADER_BYTES && segSize + size > this.#segmentBytes) {
      this.flush();
      this.#openSegment(this.#active + 1);
      segSize = SEGMENT_HEADER_BYTES;
    }
    if (this.#bufLen + size > this.#buf.length) this.flush();
    const direct = size > this.#buf.length;
    const out = direct ? new Uint8Array(size) : this.#buf;
    const start = direct ? 0 : this.#bufLen;
    let p = start;
    writeI64(out, p, ref);
    writeI64(out, p + 8, mint);
    writeI64(out, p + 16, maxt);
    out[p + 24] = encoding;
    p += RECORD_FIXED_BYTES;
    let x = len;
    while (x >= 0x80) {
      out[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    out[p++] = x;
    out.set(data, p);
    p += len;
    const crc = crc32(out.subarray(start, p));
    out[p] = crc >>> 24;
    out[p + 1] = (crc >>> 16) & 0xff;
    out[p + 2] = (crc >>> 8) & 0xff;
    out[p + 3] = crc & 0xff;
    const pos = this.#active * TWO_POW_32 + segSize;
    if (direct) {
      this.flush();
      writeSync(this.#fds.get(this.#active)!, out, 0, size, segSize);
      this.#flushed += size;
    } else {
      this.#bufLen += size;
    }
    this.#segmentSize.set(this.#active, segSize + size);
    this.#live.set(this.#active, this.#live.get(this.#active)! + 1);
    return pos;
  }

  /** Writes buffered records to the active segment. */
  flush(): void {
    if (this.#bufLen === 0) return;
    writeSync(this.#fds.get(this.#active)!, this.#buf, 0, this.#bufLen, this.#flushed);
    this.#flushed += this.#bufLen;
    this.#bufLen = 0;
  }

  /**
   * The data bytes of the record at pos holding len data bytes, CRC-checked. The array may be
   * owned by the spill's cache: treat it as read-only; it stays valid (it is never reused).
   * `keep` false reads past the cache (a block cut reads each chunk once; caching them would only
   * push out what queries read).
   */
  read(pos: number, len: number, keep = true): Uint8Array {
    const cached = this.#cache.get(pos);
    if (cached !== undefined) {
      this.#cache.delete(pos);
      this.#cache.set(pos, cached);
      return cached;
    }
    const seg = Math.floor(pos / TWO_POW_32);
    const off = pos - seg * TWO_POW_32;
    const size = spillRecordBytes(len);
    let src: Uint8Array;
    let at: number;
    if (seg === this.#active && off >= this.#flushed) {
      src = this.#buf;
      at = off - this.#flushed;
    } else {
      const fd = this.#fds.get(seg);
      if (fd === undefined) throw new CorruptChunkError(`head chunk segment ${this.#path(seg)} is gone (offset ${off})`);
      if (this.#readBuf.length < size) this.#readBuf = new Uint8Array(Math.max(size, this.#readBuf.length * 2));
      const got = readSync(fd, this.#readBuf, 0, size, off);
      if (got < size) throw new CorruptChunkError(`head chunk segment ${this.#path(seg)}: short read of ${got}/${size} bytes at offset ${off}`);
      src = this.#readBuf;
      at = 0;
    }
    const end = at + size - CRC_BYTES;
    const want = ((src[end] << 24) | (src[end + 1] << 16) | (src[end + 2] << 8) | src[end + 3]) >>> 0;
    if (crc32(src.subarray(at, end)) !== want) throw new CorruptChunkError(`head chunk segment ${this.#path(seg)}: CRC mismatch in the record at offset ${off}`);
    const data = src.slice(end - len, end);
    if (keep && this.#cacheBytes > 0) {
      this.#cache.set(pos, data);
      this.#cachedBytes += len;
      while (this.#cachedBytes > this.#cacheBytes) this.#evictOldest();
    }
    return data;
  }

  /**
   * The data bytes of many records at once, CRC-checked, for a block cut (which reads every chunk
   * of its range once): records are read in file order through windows of up to 4 MiB rather than
   * with one read each, past the cache. Record k (position pos[k], lens[k] data bytes) is at
   * bytes[offsets[k], offsets[k] + lens[k]).
   */
  readMany(pos: ArrayLike<number>, lens: ArrayLike<number>): { bytes: Uint8Array; offsets: Float64Array } {
    const n = pos.length;
    const offsets = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) {
      offsets[k] = total;
      total += lens[k];
    }
    const bytes = new Uint8Array(total);
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    order.sort((a, b) => pos[a] - pos[b]);
    this.flush();
    let win = this.#readBuf;
    let winSeg = -1;
    let winStart = 0;
    let winEnd = 0;
    for (let j = 0; j < n; j++) {
      const k = order[j];
      const seg = Math.floor(pos[k] / TWO_POW_32);
      const off = pos[k] - seg * TWO_POW_32;
      const size = spillRecordBytes(lens[k]);
      if (seg !== winSeg || off < winStart || off + size > winEnd) {
        const fd = this.#fds.get(seg);
        if (fd === undefined) throw new CorruptChunkError(`head chunk segment ${this.#path(seg)} is gone (offset ${off})`);
        const want = Math.max(size, Math.min(READ_MANY_WINDOW_BYTES, (this.#segmentSize.get(seg) ?? 0) - off));
        if (win.length < want) win = this.#readBuf = new Uint8Array(Math.max(want, READ_MANY_WINDOW_BYTES));
        let got = 0;
        for (let r = 1; got < want && r > 0; got += r) r = readSync(fd, win, got, want - got, off + got);
        if (got < size) throw new CorruptChunkError(`head chunk segment ${this.#path(seg)}: short read of ${got}/${size} bytes at offset ${off}`);
        winSeg = seg;
        winStart = off;
        winEnd = off + got;
      }
      const at = off - winStart;
      const end = at + size - CRC_BYTES;
      const want = ((win[end] << 24) | (win[end + 1] << 16) | (win[end + 2] << 8) | win[end + 3]) >>> 0;
      if (crc32(win.subarray(at, end)) !== want) throw new CorruptChunkError(`head chunk segment ${this.#path(seg)}: CRC mismatch in the record at offset ${off}`);
      bytes.set(win.subarray(end - lens[k], end), offsets[k]);
    }
    // The window is for block cuts only: do not keep 4 MiB for the small reads of queries.
    if (this.#readBuf.length > 4096) this.#readBuf = new Uint8Array(4096);
    return { bytes, offsets };
  }

  /** Drops the least recently used cached chunk (the cache is not empty). */
  #evictOldest(): void {
    let r = this.#evictOrder?.next();
    if (r === undefined || r.done) {
      this.#evictOrder = this.#cache.entries();
      r = this.#evictOrder.next();
    }
    const [k, v] = r.value as [number, Uint8Array];
    this.#cache.delete(k);
    this.#cachedBytes -= v.length;
  }

  /** Drops one chunk reference at pos; a segment with none left (and not active) is deleted. */
  release(pos: number): void {
    const seg = Math.floor(pos / TWO_POW_32);
    const left = (this.#live.get(seg) ?? 1) - 1;
    this.#live.set(seg, left);
    const cached = this.#cache.get(pos);
    if (cached !== undefined) {
      this.#cache.delete(pos);
      this.#cachedBytes -= cached.length;
    }
    if (left === 0 && seg !== this.#active) {
      if (this.#pins > 0) this.#pendingDelete.push(seg);
      else this.#delete(seg);
    }
  }

  /** Keeps segments from being deleted until unpin() (a querier that may still read them is open). */
  pin(): void {
    this.#pins++;
  }

  unpin(): void {
    if (--this.#pins > 0) return;
    for (const seg of this.#pendingDelete.splice(0)) this.#delete(seg);
  }

  #delete(seg: number): void {
    const fd = this.#fds.get(seg);
    if (fd === undefined) return;
    closeSync(fd);
    this.#fds.delete(seg);
    this.#live.delete(seg);
    this.#segmentSize.delete(seg);
    rmSync(this.#path(seg), { force: true });
  }

  /** Flushes and closes every segment (files stay). */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
    this.#cache.clear();
    this.#evictOrder = null;
  }
}
