/**
 * @module Series entries of index v2 (docs/format/index.md#series): series are numbered by ordinal
 * in label order and stored in groups; a group starts with the chunk stream position of its first
 * chunk, and each series is coded against the one before it in the group: labels as edits of the
 * previous series' labels (name and value indices, not strings), chunk metas as deltas, chunk
 * positions implied by the lengths of the items before them in the stream.
 */
import { type Decbuf, DecodeError, type Encbuf, unzigzag, zigzag } from './encoding.ts';

const TWO_POW_32 = 4294967296;
/** Bytes before the first item of a chunk segment (chunks.ts SEGMENT_HEADER_BYTES). */
const SEGMENT_DATA_START = 8;

/** Label edit: the next label of the previous series keeps its name and takes another value. */
const OP_REPLACE = 0;
/** Label edit: the next label of the previous series is dropped. */
const OP_DELETE = 1;
/** Label edit: a new label comes before the next label of the previous series. */
const OP_INSERT = 2;
/** Label edit: as OP_REPLACE, with the value delta of the last OP_REPLACE in the group (no payload). */
const OP_REPEAT = 3;
const OP_LAST = 4;

/**
 * One chunk's entry in an index: its time range (inclusive ms) and where its bytes are. Refs are
 * `segmentIndex × 2^32 + offset` (chunks.ts chunkRef).
 */
export interface ChunkMeta {
  readonly mint: number;
  readonly maxt: number;
  /** Index v2: the chunk's value stream; v1: the chunk record. */
  readonly ref: number;
  /** Index v2: bytes of the value stream; 0 in v1, whose records carry their length. */
  readonly len: number;
  /** Index v2: the timestamp column the chunk uses; -1 in v1, whose chunks hold their timestamps. */
  readonly colRef: number;
}

/** A chunk as the index writer takes it: `newColumn` when its column is stored right before its values. */
export interface ChunkMetaIn extends ChunkMeta {
  readonly newColumn: boolean;
}

/** The writer's error for items out of stream order (built out of line, away from the hot loop). */
function outOfStream(what: string, at: number, pos: number): Error {
  return new Error(`index writer: ${what} at ${at}, the stream is at ${pos}`);
}

/** The position where the segment after the one holding `pos` starts its data. */
export function nextSegmentStart(pos: number): number {
  return (Math.floor(pos / TWO_POW_32) + 1) * TWO_POW_32 + SEGMENT_DATA_START;
}

/** Writes the series of one group. Reused: begin() starts a group. */
export class GroupEncoder {
  #prevNames: Int32Array = new Int32Array(32);
  #prevValues: Int32Array = new Int32Array(32);
  #prevN = 0;
  #first = true;
  #pos = 0;
  #colRef = 0;
  #mint0 = 0;
  #dur = 0;
  #delta = 0;
  readonly #ops: number[] = [];
  /** The previous series' chunks (column refs and time ranges), for `shared`. */
  #prevChunks: readonly ChunkMetaIn[] = [];

  /** Starts a group whose first chunk item is at stream position `base`. */
  begin(e: Encbuf, base: number): void {
    e.putUvarint(base);
    this.#pos = base;
    this.#colRef = base;
    this.#first = true;
    this.#mint0 = 0;
    this.#dur = 0;
    this.#delta = 0;
    this.#prevChunks = [];
  }

  /** The stream position after the items of the series written so far. */
  get pos(): number {
    return this.#pos;
  }

  /**
   * Appends one series: labels as (name index, value index) pairs with names ascending, and its
   * chunks in stream order. Throws Error when the chunks do not follow on in the stream.
   */
  series(e: Encbuf, n: number, names: ArrayLike<number>, values: ArrayLike<number>, chunks: readonly ChunkMetaIn[]): void {
    if (this.#first) {
      e.putUvarint(n);
      let prev = -1;
      for (let i = 0; i < n; i++) {
        e.putUvarint(names[i] - prev - 1);
        e.putUvarint(values[i]);
        prev = names[i];
      }
    } else {
      this.#diff(e, n, names, values);
    }
    if (this.#prevNames.length < n) {
      this.#prevNames = new Int32Array(n * 2);
      this.#prevValues = new Int32Array(n * 2);
    }
    for (let i = 0; i < n; i++) {
      this.#prevNames[i] = names[i];
      this.#prevValues[i] = values[i];
    }
    this.#prevN = n;

    // A series on the next segment says so once: segments are cut between series only.
    const first = chunks[0].newColumn ? chunks[0].colRef : chunks[0].ref;
    let newSegment = 0;
    if (first !== this.#pos) {
      if (first !== nextSegmentStart(this.#pos)) throw outOfStream('chunk', first, this.#pos);
      newSegment = 1;
      this.#pos = first;
    }
    const prev = this.#prevChunks;
    let shared = this.#first || chunks.length > prev.length ? 0 : 1;
    for (let k = 0; k < chunks.length && shared; k++) {
      const c = chunks[k];
      if (c.newColumn || c.colRef !== prev[k].colRef || c.mint !== prev[k].mint || c.maxt !== prev[k].maxt) shared = 0;
    }
    e.putUvarint(chunks.length * 4 + newSegment * 2 + shared);
    let prevMaxt = 0;
    for (let k = 0; k < chunks.length; k++) {
      const c = chunks[k];
      if (shared) {
        e.putUvarint(c.len);
      } else {
        e.putUvarint(c.len * 2 + (c.newColumn ? 1 : 0));
        if (c.newColumn) {
          if (c.colRef !== this.#pos) throw outOfStream('column', c.colRef, this.#pos);
          e.putUvarint(c.ref - c.colRef);
          this.#pos = c.ref;
        } else {
          e.putVarint(c.colRef - this.#colRef);
        }
        if (k === 0) e.putVarint(this.#first ? c.mint : c.mint - this.#mint0);
        else e.putUvarint(c.mint - prevMaxt - 1);
        e.putVarint(c.maxt - c.mint - this.#dur);
      }
      if (c.ref !== this.#pos) throw outOfStream('values', c.ref, this.#pos);
      this.#pos += c.len;
      this.#colRef = c.colRef;
      if (k === 0) this.#mint0 = c.mint;
      this.#dur = c.maxt - c.mint;
      prevMaxt = c.maxt;
    }
    this.#prevChunks = chunks.slice();
    this.#first = false;
  }

  /** Labels as edits of the previous series' labels: tokens `skip·8 + last·4 + op`, then the op's payload. */
  #diff(e: Encbuf, n: number, names: ArrayLike<number>, values: ArrayLike<number>): void {
    const pn = this.#prevNames;
    const pv = this.#prevValues;
    const p = this.#prevN;
    const ops = this.#ops;
    ops.length = 0;
    let i = 0;
    let j = 0;
    let skip = 0;
    while (i < p || j < n) {
      if (i < p && j < n && pn[i] === names[j]) {
        if (pv[i] === values[j]) {
          skip++;
        } else {
          const delta = values[j] - pv[i];
          ops.push(skip, delta === this.#delta ? OP_REPEAT : OP_REPLACE, zigzag(delta), 0);
          this.#delta = delta;
          skip = 0;
        }
        i++;
        j++;
      } else if (j >= n || (i < p && pn[i] < names[j])) {
        ops.push(skip, OP_DELETE, 0, 0);
        skip = 0;
        i++;
      } else {
        ops.push(skip, OP_INSERT, names[j], values[j]);
        skip = 0;
        j++;
      }
    }
    if (ops.length === 0) throw new Error('index writer: a series with the labels of the one before');
    for (let k = 0; k < ops.length; k += 4) {
      const op = ops[k + 1];
      e.putUvarint(ops[k] * 8 + (k + 4 === ops.length ? OP_LAST : 0) + op);
      // OP_REPEAT carries no payload: its delta is the previous OP_REPLACE's.
      if (op === OP_REPLACE) e.putUvarint(ops[k + 2]);
      else if (op === OP_INSERT) {
        e.putUvarint(ops[k + 2]);
        e.putUvarint(ops[k + 3]);
      }
    }
  }
}

/**
 * Decodes the series of a group one by one into reusable arrays, checking every field against the
 * label table (`valueCounts[name]` values per name) so a decoded series is always well-formed.
 * Throws DecodeError (offset in the file) at the first impossible field.
 */
export class GroupDecoder {
  /** Labels of the current series: name and value indices, names ascending. */
  n = 0;
  names: Int32Array = new Int32Array(32);
  values: Int32Array = new Int32Array(32);
  #nextNames: Int32Array = new Int32Array(32);
  #nextValues: Int32Array = new Int32Array(32);
  /** Chunks of the current series. */
  numChunks = 0;
  mint: Float64Array = new Float64Array(4);
  maxt: Float64Array = new Float64Array(4);
  ref: Float64Array = new Float64Array(4);
  len: Float64Array = new Float64Array(4);
  colRef: Float64Array = new Float64Array(4);
  /** 1 where the chunk's column starts right before its values (its first use). */
  newColumn: Uint8Array = new Uint8Array(4);
  /** Stream position after the items of the series decoded so far. */
  pos = 0;
  #colRef = 0;
  #mint0 = 0;
  #dur = 0;
  #delta = 0;
  #first = true;

  constructor(readonly valueCounts: Int32Array) {}

  /** Starts on a group body; returns the position of its first chunk item. */
  begin(d: Decbuf): number {
    const base = d.uvarint();
    if (base % TWO_POW_32 < SEGMENT_DATA_START) throw new DecodeError(`series group: chunk position ${base} inside a segment header`, d.pos);
    this.pos = base;
    this.#colRef = base;
    this.#mint0 = 0;
    this.#dur = 0;
    this.#delta = 0;
    this.#first = true;
    this.n = 0;
    this.numChunks = 0;
    return base;
  }

  /** Decodes the next series of the group. */
  next(d: Decbuf): void {
    const numNames = this.valueCounts.length;
    if (this.#first) {
      const n = d.uvarint();
      if (n > numNames) throw new DecodeError('series: more labels than the label table has names', d.pos);
      this.#room(n);
      let prev = -1;
      for (let i = 0; i < n; i++) {
        const name = prev + 1 + d.uvarint();
        const value = d.uvarint();
        if (name >= numNames || value >= this.valueCounts[name]) throw new DecodeError('series: label outside the label table', d.pos);
        this.names[i] = name;
        this.values[i] = value;
        prev = name;
      }
      this.n = n;
    } else {
      this.#applyDiff(d);
    }

    const at0 = d.pos;
    const h = d.uvarint();
    const nChunks = Math.floor(h / 4);
    const shared = h & 1;
    if (nChunks === 0) throw new DecodeError('series: no chunks', at0);
    if (shared && (this.#first || nChunks > this.numChunks)) throw new DecodeError('series: shares more chunks than the series before it has', at0);
    if (h & 2) this.pos = nextSegmentStart(this.pos);
    this.#roomChunks(nChunks);
    let prevMaxt = 0;
    for (let k = 0; k < nChunks; k++) {
      const at = d.pos;
      if (shared) {
        // Column, mint and maxt stay those of the previous series' chunk k.
        const len = d.uvarint();
        if (len === 0) throw new DecodeError('series: chunk of 0 bytes', at);
        this.newColumn[k] = 0;
        this.ref[k] = this.pos;
        this.len[k] = len;
        this.pos += len;
      } else {
        const head = d.uvarint();
        const len = Math.floor(head / 2);
        if (len === 0) throw new DecodeError('series: chunk of 0 bytes', at);
        let colRef: number;
        if (head & 1) {
          const colLen = d.uvarint();
          if (colLen === 0) throw new DecodeError('series: timestamp column of 0 bytes', at);
          colRef = this.pos;
          this.pos += colLen;
          this.newColumn[k] = 1;
        } else {
          colRef = this.#colRef + d.varint();
          if (!(colRef >= SEGMENT_DATA_START && colRef < this.pos && colRef % TWO_POW_32 >= SEGMENT_DATA_START)) throw new DecodeError('series: a timestamp column not before its chunk', at);
          this.newColumn[k] = 0;
        }
        this.ref[k] = this.pos;
        this.len[k] = len;
        this.colRef[k] = colRef;
        this.pos += len;
        const mint = k === 0 ? (this.#first ? d.varint() : this.#mint0 + d.varint()) : prevMaxt + 1 + d.uvarint();
        const dur = this.#dur + d.varint();
        if (dur < 0) throw new DecodeError('series: chunk ends before it starts', at);
        if (!Number.isSafeInteger(mint) || !Number.isSafeInteger(mint + dur)) throw new DecodeError('series: chunk time beyond 2^53', at);
        this.mint[k] = mint;
        this.maxt[k] = mint + dur;
      }
      if (k > 0 && this.mint[k] <= prevMaxt) throw new DecodeError('series: chunks overlap', at);
      this.#colRef = this.colRef[k];
      if (k === 0) this.#mint0 = this.mint[0];
      this.#dur = this.maxt[k] - this.mint[k];
      prevMaxt = this.maxt[k];
    }
    this.numChunks = nChunks;
    this.#first = false;
  }

  #applyDiff(d: Decbuf): void {
    const pn = this.names;
    const pv = this.values;
    const p = this.n;
    const numNames = this.valueCounts.length;
    let nn = this.#nextNames;
    let nv = this.#nextValues;
    let i = 0;
    let j = 0;
    for (;;) {
      const at = d.pos;
      const token = d.uvarint();
      const skip = Math.floor(token / 8);
      const op = token & 3;
      if (skip > p - i) throw new DecodeError('series: label edit skips past the labels', at);
      if (j + skip + 1 > nn.length) [nn, nv] = this.#growNext(j + skip + p + 1);
      for (let k = 0; k < skip; k++, i++, j++) {
        nn[j] = pn[i];
        nv[j] = pv[i];
      }
      if (op === OP_REPLACE || op === OP_REPEAT) {
        if (i >= p) throw new DecodeError('series: label edit past the labels', at);
        if (op === OP_REPLACE) this.#delta = unzigzag(d.uvarint());
        const value = pv[i] + this.#delta;
        if (value < 0 || value >= this.valueCounts[pn[i]]) throw new DecodeError('series: label value outside the label table', at);
        nn[j] = pn[i];
        nv[j] = value;
        i++;
        j++;
      } else if (op === OP_DELETE) {
        if (i >= p) throw new DecodeError('series: label edit past the labels', at);
        i++;
      } else if (op === OP_INSERT) {
        const name = d.uvarint();
        const value = d.uvarint();
        if (name >= numNames || value >= this.valueCounts[name]) throw new DecodeError('series: label outside the label table', at);
        nn[j] = name;
        nv[j] = value;
        j++;
      }
      if (token & OP_LAST) break;
    }
    if (j + p - i > nn.length) [nn, nv] = this.#growNext(j + p - i);
    for (; i < p; i++, j++) {
      nn[j] = pn[i];
      nv[j] = pv[i];
    }
    for (let k = 1; k < j; k++) if (nn[k] <= nn[k - 1]) throw new DecodeError('series: label names not ascending', d.pos);
    if (j > numNames) throw new DecodeError('series: more labels than names', d.pos);
    this.#nextNames = pn;
    this.#nextValues = pv;
    this.names = nn;
    this.values = nv;
    this.n = j;
    if (this.#nextNames.length < nn.length) {
      this.#nextNames = new Int32Array(nn.length);
      this.#nextValues = new Int32Array(nn.length);
    }
  }

  #growNext(need: number): [Int32Array, Int32Array] {
    const nn = new Int32Array(need * 2);
    const nv = new Int32Array(need * 2);
    nn.set(this.#nextNames);
    nv.set(this.#nextValues);
    this.#nextNames = nn;
    this.#nextValues = nv;
    return [nn, nv];
  }

  #room(n: number): void {
    if (this.names.length >= n) return;
    this.names = new Int32Array(n * 2);
    this.values = new Int32Array(n * 2);
    this.#nextNames = new Int32Array(n * 2);
    this.#nextValues = new Int32Array(n * 2);
  }

  #roomChunks(n: number): void {
    if (this.mint.length >= n) return;
    const grow = <T extends Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n * 2);
      b.set(a);
      return b;
    };
    this.mint = grow(this.mint);
    this.maxt = grow(this.maxt);
    this.ref = grow(this.ref);
    this.len = grow(this.len);
    this.colRef = grow(this.colRef);
    this.newColumn = grow(this.newColumn);
  }

  /** The current series' chunk metas as objects. */
  chunkMetas(): ChunkMeta[] {
    const out: ChunkMeta[] = new Array(this.numChunks);
    for (let k = 0; k < this.numChunks; k++) out[k] = { mint: this.mint[k], maxt: this.maxt[k], ref: this.ref[k], len: this.len[k], colRef: this.colRef[k] };
    return out;
  }

  /** Lexicographic order of the current labels against (names, values, n): the series order. */
  compareTo(names: Int32Array, values: Int32Array, n: number): number {
    const m = Math.min(n, this.n);
    for (let i = 0; i < m; i++) {
      if (this.names[i] !== names[i]) return this.names[i] - names[i];
      if (this.values[i] !== values[i]) return this.values[i] - values[i];
    }
    return this.n - n;
  }
}

