/**
 * @module Postings lists of index v2 (docs/format/index.md#postings): ascending series ordinals,
 * each list in the smaller of two forms, chosen per list:
 *
 * - runs (`0x00`): `uvarint count`, then the list as elements (gap, length): `length` consecutive
 *   ordinals starting `gap` after the end of the element before (the first after -1). A token
 *   `uvarint x·4 + kind` is one element of length 1 (kind 0, gap x), one of length
 *   `2 + uvarint` (kind 1, gap x), or x + 1 more copies of the element before (kind 2). Series in
 *   label order make lists periodic (every 15th series has le="0.1"; a service's series come in
 *   runs at regular gaps), which the copies take in a few bytes.
 * - bitmap (`0x01`): `uvarint count · uvarint first`, then one bit per ordinal from `first` on
 *   (least significant bit first), up to the byte holding the last entry. Dense irregular lists
 *   cost one bit per series they span.
 */
import { Decbuf, DecodeError, Encbuf, uvarintSize } from './encoding.ts';

/** Kind byte of a run-coded list. */
export const POSTINGS_RUNS = 0x00;
/** Kind byte of a bitmap list. */
export const POSTINGS_BITMAP = 0x01;

const TOKEN_SINGLE = 0;
const TOKEN_RUN = 1;
const TOKEN_REPEAT = 2;

const scratch = new Encbuf(4096);

/**
 * A cursor over the tokens of a run-coded list: after next(), `times` copies of an element of
 * `len` ordinals that starts `gap` after the end of the one before.
 */
class RunTokens {
  gap = -1;
  len = 0;
  times = 1;
  /** Entries of the tokens read so far, and the last ordinal they reach (-1 before any). */
  entries = 0;
  last = -1;

  constructor(readonly d: Decbuf, readonly count: number, readonly numSeries: number) {}

  /** Reads one token; throws DecodeError for one that is malformed or goes past the count or the series. */
  next(): void {
    const d = this.d;
    const at = d.pos;
    const t = d.uvarint();
    const x = Math.floor(t / 4);
    this.times = 1;
    switch (t % 4) {
      case TOKEN_SINGLE:
        this.gap = x;
        this.len = 1;
        break;
      case TOKEN_RUN:
        this.gap = x;
        this.len = d.uvarint() + 2;
        break;
      case TOKEN_REPEAT:
        if (this.gap < 0) throw new DecodeError('postings list: a repeat before any element', at);
        this.times = x + 1;
        break;
      default:
        throw new DecodeError('postings list: unknown token', at);
    }
    const last = this.last + this.times * (this.gap + this.len);
    this.entries += this.times * this.len;
    if (this.entries > this.count || last >= this.numSeries) throw new DecodeError('postings list: entries beyond its count or the series', at);
    this.last = last;
  }
}

/** Appends the run coding of ords[0, count) to e. */
function encodeRuns(e: Encbuf, ords: ArrayLike<number>, count: number): void {
  e.putByte(POSTINGS_RUNS);
  e.putUvarint(count);
  let prev = -1;
  let lastGap = -1;
  let lastLen = 0;
  let repeats = 0;
  const flush = () => {
    if (repeats > 0) e.putUvarint((repeats - 1) * 4 + TOKEN_REPEAT);
    repeats = 0;
  };
  for (let i = 0; i < count; ) {
    let j = i + 1;
    while (j < count && ords[j] === ords[j - 1] + 1) j++;
    const gap = ords[i] - prev - 1;
    const len = j - i;
    if (gap === lastGap && len === lastLen) {
      repeats++;
    } else {
      flush();
      if (len === 1) {
        e.putUvarint(gap * 4 + TOKEN_SINGLE);
      } else {
        e.putUvarint(gap * 4 + TOKEN_RUN);
        e.putUvarint(len - 2);
      }
      lastGap = gap;
      lastLen = len;
    }
    prev = ords[j - 1];
    i = j;
  }
  flush();
}

/**
 * Appends the list ords[0, count) (ascending, unique, count >= 1) in its smaller form. Returns the
 * bytes written.
 */
export function encodePostings(e: Encbuf, ords: ArrayLike<number>, count: number): number {
  if (count < 1) throw new RangeError('a postings list needs at least one entry');
  const first = ords[0];
  const last = ords[count - 1];
  const bitmapBytes = 1 + uvarintSize(count) + uvarintSize(first) + (Math.floor((last - first) / 8) + 1);
  scratch.reset();
  encodeRuns(scratch, ords, count);
  if (scratch.length <= bitmapBytes) {
    e.putBytes(scratch.bytes());
    return scratch.length;
  }
  e.putByte(POSTINGS_BITMAP);
  e.putUvarint(count);
  e.putUvarint(first);
  let byte = 0;
  let at = 0; // index of the byte being filled
  for (let i = 0; i < count; i++) {
    const off = ords[i] - first;
    const b = Math.floor(off / 8);
    while (at < b) {
      e.putByte(byte);
      byte = 0;
      at++;
    }
    byte |= 1 << off % 8;
  }
  e.putByte(byte);
  return bitmapBytes;
}

/**
 * Decodes the list in buf[start, end), which it must fill exactly. Entries must be below
 * `numSeries`. Throws DecodeError for anything else.
 */
export function decodePostings(buf: Buffer, start: number, end: number, numSeries: number): Uint32Array {
  const d = new Decbuf(buf, start, end);
  const kind = d.u8();
  const count = d.uvarint();
  if (count < 1 || count > numSeries) throw new DecodeError(`postings list of ${count} entries (${numSeries} series)`, start);
  const out = new Uint32Array(count);
  if (kind === POSTINGS_RUNS) {
    const tok = new RunTokens(d, count, numSeries);
    let n = 0;
    while (n < count) {
      let prev = tok.last;
      tok.next();
      const { gap, len, times } = tok;
      for (let r = 0; r < times; r++) {
        let o = prev + 1 + gap;
        for (let k = 0; k < len; k++) out[n++] = o++;
        prev = o - 1;
      }
    }
    if (d.remaining !== 0) throw new DecodeError('postings list: trailing bytes', d.pos);
  } else if (kind === POSTINGS_BITMAP) {
    const first = d.uvarint();
    const bytes = d.remaining;
    if (bytes === 0 || buf[end - 1] === 0 || buf[d.pos] % 2 === 0) throw new DecodeError('postings bitmap: not trimmed to its first and last entry', d.pos);
    if (first + bytes * 8 > numSeries + 7) throw new DecodeError('postings bitmap: entries beyond the series', d.pos);
    let n = 0;
    for (let j = 0; j < bytes; j++) {
      let b = buf[d.pos + j];
      const base = first + j * 8;
      while (b !== 0) {
        const bit = 31 - Math.clz32(b & -b);
        if (n === count) throw new DecodeError('postings bitmap: more entries than its count', d.pos + j);
        out[n++] = base + bit;
        b &= b - 1;
      }
    }
    if (n !== count) throw new DecodeError(`postings bitmap: ${n} entries, its count is ${count}`, start);
    if (out[count - 1] >= numSeries) throw new DecodeError('postings bitmap: entries beyond the series', end - 1);
  } else {
    throw new DecodeError(`postings list of unknown kind 0x${kind.toString(16)}`, start);
  }
  return out;
}

/** Entries of a postings list read without decoding it: what the querier's planner sorts lists by. */
export function postingsCount(buf: Buffer, start: number, end: number): number {
  return new Decbuf(buf, start + 1, end).uvarint();
}

/**
 * The entries of `candidates` (ascending) that are in the list in buf[start, end) when `keep`,
 * or not in it otherwise, without decoding the list: a bitmap is probed per candidate, run tokens
 * are walked once up to the last candidate and a repeat token is answered by arithmetic. So a
 * selective matcher costs its own few series against a list of a million, as Prometheus' seeking
 * intersection does. Reads are checked as decodePostings checks them, as far as they go (opening
 * the block verified every list whole). Throws DecodeError for a malformed list.
 */
export function filterByPostings(buf: Buffer, start: number, end: number, numSeries: number, candidates: Uint32Array, keep: boolean): Uint32Array {
  const d = new Decbuf(buf, start, end);
  const kind = d.u8();
  const count = d.uvarint();
  if (count < 1 || count > numSeries) throw new DecodeError(`postings list of ${count} entries (${numSeries} series)`, start);
  const out = new Uint32Array(candidates.length);
  let n = 0;
  let c = 0;
  if (kind === POSTINGS_RUNS) {
    const tok = new RunTokens(d, count, numSeries);
    while (c < candidates.length && tok.entries < count) {
      const prev = tok.last;
      tok.next();
      const { gap, len, last } = tok;
      // The token's copies r start at base + r·(gap + len) and hold `len` ordinals each.
      const base = prev + 1 + gap;
      const period = gap + len;
      for (; c < candidates.length; c++) {
        const o = candidates[c];
        if (o > last) break;
        const member = o >= base && (o - base) % period < len;
        if (member === keep) out[n++] = o;
      }
    }
  } else if (kind === POSTINGS_BITMAP) {
    const first = d.uvarint();
    const bytes = d.remaining;
    if (bytes === 0 || buf[end - 1] === 0 || buf[d.pos] % 2 === 0) throw new DecodeError('postings bitmap: not trimmed to its first and last entry', d.pos);
    if (first + bytes * 8 > numSeries + 7) throw new DecodeError('postings bitmap: entries beyond the series', d.pos);
    const from = d.pos;
    for (; c < candidates.length; c++) {
      const o = candidates[c];
      const off = o - first;
      const member = off >= 0 && off < bytes * 8 && (buf[from + (off >>> 3)] & (1 << (off & 7))) !== 0;
      if (member === keep) out[n++] = o;
    }
  } else {
    throw new DecodeError(`postings list of unknown kind 0x${kind.toString(16)}`, start);
  }
  // Candidates past the list's last entry are not in it.
  if (!keep) for (; c < candidates.length; c++) out[n++] = candidates[c];
  return n === out.length ? out : out.slice(0, n);
}
