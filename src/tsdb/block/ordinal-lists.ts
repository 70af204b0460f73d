/**
 * @module The series ordinals of every label pair while a block is written, before they become
 * postings. Ordinals only grow, so each list is kept as varint deltas in a chain of 32-byte blocks
 * of one shared arena (pages of 1 MiB), with its head, tail and last ordinal in typed arrays:
 * about a byte an entry for neighbouring series and no object a list, where a number[] a list
 * cost 8–12 bytes an entry plus the array.
 */

const BLOCK_BYTES = 32;
/** The last 4 bytes of a block hold the index of the next block of its list. */
const PAYLOAD_BYTES = BLOCK_BYTES - 4;
const PAGE_SHIFT = 15;
const BLOCKS_PER_PAGE = 1 << PAGE_SHIFT;
const PAGE_MASK = BLOCKS_PER_PAGE - 1;

export class OrdinalLists {
  readonly #pages: Uint8Array[] = [];
  /** Blocks handed out; block 0 is never used, so 0 means "no next block". */
  #blocks = 1;
  #head = new Uint32Array(1024);
  #tail = new Uint32Array(1024);
  /** Bytes used of each list's tail block. */
  #tailUsed = new Uint8Array(1024);
  #last = new Uint32Array(1024);
  #count = new Uint32Array(1024);
  /** Lists made so far; ids are 0…size-1. */
  size = 0;

  /** A new, empty list; returns its id. */
  add(): number {
    const id = this.size++;
    if (id === this.#head.length) this.#grow();
    const block = this.#newBlock();
    this.#head[id] = block;
    this.#tail[id] = block;
    this.#tailUsed[id] = 0;
    this.#last[id] = 0;
    this.#count[id] = 0;
    return id;
  }

  /** Appends an ordinal to a list: not below the list's last one. */
  push(id: number, ordinal: number): void {
    let delta = ordinal - this.#last[id];
    if (delta < 0 || (this.#count[id] > 0 && delta === 0)) throw new RangeError(`ordinal ${ordinal} is not after ${this.#last[id]}`);
    this.#last[id] = ordinal;
    this.#count[id]++;
    while (delta >= 0x80) {
      this.#putByte(id, (delta & 0x7f) | 0x80);
      delta = Math.floor(delta / 128);
    }
    this.#putByte(id, delta);
  }

  /** Entries in a list. */
  count(id: number): number {
    return this.#count[id];
  }

  /** The ordinals of a list, into `out` (which must hold count(id)); returns count(id). */
  read(id: number, out: Uint32Array): number {
    const n = this.#count[id];
    if (out.length < n) throw new RangeError(`ordinal list ${id} holds ${n} entries, out only ${out.length}`);
    let block = this.#head[id];
    let page = this.#pages[block >>> PAGE_SHIFT];
    let at = (block & PAGE_MASK) * BLOCK_BYTES;
    let used = 0;
    let value = 0;
    for (let k = 0; k < n; k++) {
      let delta = 0;
      let scale = 1;
      for (;;) {
        if (used === PAYLOAD_BYTES) {
          block = readU32(page, at + PAYLOAD_BYTES);
          page = this.#pages[block >>> PAGE_SHIFT];
          at = (block & PAGE_MASK) * BLOCK_BYTES;
          used = 0;
        }
        const b = page[at + used++];
        delta += (b & 0x7f) * scale;
        if (b < 0x80) break;
        scale *= 128;
      }
      value += delta;
      out[k] = value;
    }
    return n;
  }

  #putByte(id: number, b: number): void {
    let block = this.#tail[id];
    let used = this.#tailUsed[id];
    if (used === PAYLOAD_BYTES) {
      const next = this.#newBlock();
      writeU32(this.#pages[block >>> PAGE_SHIFT], (block & PAGE_MASK) * BLOCK_BYTES + PAYLOAD_BYTES, next);
      this.#tail[id] = block = next;
      used = 0;
    }
    this.#pages[block >>> PAGE_SHIFT][(block & PAGE_MASK) * BLOCK_BYTES + used] = b;
    this.#tailUsed[id] = used + 1;
  }

  #newBlock(): number {
    const block = this.#blocks++;
    if (block >>> PAGE_SHIFT === this.#pages.length) this.#pages.push(new Uint8Array(BLOCKS_PER_PAGE * BLOCK_BYTES));
    return block;
  }

  #grow(): void {
    const n = this.#head.length * 2;
    this.#head = grown(this.#head, new Uint32Array(n));
    this.#tail = grown(this.#tail, new Uint32Array(n));
    this.#tailUsed = grown(this.#tailUsed, new Uint8Array(n));
    this.#last = grown(this.#last, new Uint32Array(n));
    this.#count = grown(this.#count, new Uint32Array(n));
  }
}

function grown<T extends Uint8Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function readU32(page: Uint8Array, at: number): number {
  return (page[at] | (page[at + 1] << 8) | (page[at + 2] << 16) | (page[at + 3] << 24)) >>> 0;
}

function writeU32(page: Uint8Array, at: number, v: number): void {
  page[at] = v & 0xff;
  page[at + 1] = (v >>> 8) & 0xff;
  page[at + 2] = (v >>> 16) & 0xff;
  page[at + 3] = v >>> 24;
}
