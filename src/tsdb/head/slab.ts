/**
 * @module A slab allocator for open head chunks: fixed size classes carved out of 1 MiB
 * ArrayBuffer pages (off the V8 heap), so a million growing chunks cost no JS object each. A chunk
 * that fills its slot moves to the next class (grow); freed slots are reused, and pages whose
 * slots are all free are released by compact().
 *
 * A slot is named by a u32 handle: page index << 16 | (byte offset in the page >>> 4). Every class
 * size is a multiple of 16 bytes, so offsets fit 16 bits in a 1 MiB page.
 */

/** Slot sizes in bytes, growing ~1.5× so a chunk wastes at most about a third of its slot. */
export const SLAB_CLASS_BYTES: readonly number[] = [32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 16384, 32768, 65536];
/** Bytes per page: one ArrayBuffer of this size holds slots of one class. */
export const SLAB_PAGE_BYTES = 1 << 20;
/** Freed slots accumulate until this many frees, then compact() checks whether pages can go. */
const COMPACT_EVERY_FREES = 1 << 14;
/**
 * Released page buffers kept for reuse by any class. glibc rarely returns a freed 1 MiB block to
 * the OS (its mmap threshold rises after the first free), so dropping a page seldom lowers RSS
 * while allocating a new one raises it: recycling keeps RSS at the peak of pages in use.
 */
const SPARE_PAGES_MAX = 256;

/** The largest slot, in bytes. */
export const SLAB_MAX_SLOT_BYTES = SLAB_CLASS_BYTES[SLAB_CLASS_BYTES.length - 1];

/** The smallest class index whose slots hold `bytes` bytes, or -1 when none does. */
export function slabClassFor(bytes: number): number {
  for (let c = 0; c < SLAB_CLASS_BYTES.length; c++) if (SLAB_CLASS_BYTES[c] >= bytes) return c;
  return -1;
}

/** Size-class allocator; see the module comment for handles. Not thread-safe. */
export class Slab {
  /** Pages by index; null once released. Read pages[h >>> 16] for a handle h. */
  readonly pages: Array<Uint8Array | null> = [];
  #pageClass = new Uint8Array(64);
  #pageUsed = new Uint32Array(64);
  readonly #freePages: number[] = [];
  readonly #spare: Uint8Array[] = [];
  #emptyPages = 0;
  /** Per class: a stack of free handles. */
  readonly #free: Uint32Array[] = SLAB_CLASS_BYTES.map(() => new Uint32Array(64));
  readonly #freeLen = new Uint32Array(SLAB_CLASS_BYTES.length);
  /** Per class: the page being carved (or -1) and the next free byte in it. */
  readonly #bumpPage = new Int32Array(SLAB_CLASS_BYTES.length).fill(-1);
  readonly #bumpOff = new Uint32Array(SLAB_CLASS_BYTES.length);
  #usedBytes = 0;
  #pageCount = 0;
  #freesSinceCompact = 0;

  /** Bytes in slots handed out. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Bytes of pages in use by some class (spare pages kept for reuse not included). */
  get allocatedBytes(): number {
    return this.#pageCount * SLAB_PAGE_BYTES;
  }

  /** Bytes of released pages kept for reuse. */
  get spareBytes(): number {
    return this.#spare.length * SLAB_PAGE_BYTES;
  }

  /** A zeroed slot of class cls. */
  alloc(cls: number): number {
    const size = SLAB_CLASS_BYTES[cls];
    this.#usedBytes += size;
    const fl = this.#freeLen[cls];
    if (fl > 0) {
      const h = this.#free[cls][fl - 1];
      this.#freeLen[cls] = fl - 1;
      const page = h >>> 16;
      if (this.#pageUsed[page]++ === 0) this.#emptyPages--;
      const off = (h & 0xffff) << 4;
      this.pages[page]!.fill(0, off, off + size);
      return h;
    }
    let page = this.#bumpPage[cls];
    if (page < 0 || this.#bumpOff[cls] + size > SLAB_PAGE_BYTES) {
      page = this.#newPage(cls);
      this.#bumpPage[cls] = page;
      this.#bumpOff[cls] = 0;
    }
    const off = this.#bumpOff[cls];
    this.#bumpOff[cls] = off + size;
    if (this.#pageUsed[page]++ === 0) this.#emptyPages--;
    return ((page << 16) | (off >>> 4)) >>> 0;
  }

  /** Returns a slot of class cls. */
  free(h: number, cls: number): void {
    this.#usedBytes -= SLAB_CLASS_BYTES[cls];
    if (--this.#pageUsed[h >>> 16] === 0) this.#emptyPages++;
    let stack = this.#free[cls];
    const fl = this.#freeLen[cls];
    if (fl === stack.length) {
      const next = new Uint32Array(stack.length * 2);
      next.set(stack);
      this.#free[cls] = stack = next;
    }
    stack[fl] = h;
    this.#freeLen[cls] = fl + 1;
    if (++this.#freesSinceCompact >= COMPACT_EVERY_FREES) this.compact();
  }

  /** Moves the first `bytes` bytes of slot h (class cls) into a fresh slot of class `to` (default cls + 1); returns the new handle. */
  grow(h: number, cls: number, bytes: number, to: number = cls + 1): number {
    const next = this.alloc(to);
    const src = this.pages[h >>> 16]!;
    const off = (h & 0xffff) << 4;
    this.pages[next >>> 16]!.set(src.subarray(off, off + bytes), (next & 0xffff) << 4);
    this.free(h, cls);
    return next;
  }

  /** Releases pages whose slots are all free (their buffers are recycled for any class). */
  compact(): void {
    this.#freesSinceCompact = 0;
    if (this.#emptyPages === 0) return;
    const release = new Uint8Array(this.pages.length);
    let any = false;
    for (let p = 0; p < this.pages.length; p++) {
      const cls = this.#pageClass[p];
      if (this.pages[p] !== null && this.#pageUsed[p] === 0 && this.#bumpPage[cls] !== p) {
        release[p] = 1;
        any = true;
      }
    }
    if (!any) return;
    for (let c = 0; c < SLAB_CLASS_BYTES.length; c++) {
      const stack = this.#free[c];
      let n = 0;
      for (let i = 0; i < this.#freeLen[c]; i++) if (release[stack[i] >>> 16] === 0) stack[n++] = stack[i];
      this.#freeLen[c] = n;
      if (stack.length > 64 && n * 4 < stack.length) this.#free[c] = stack.slice(0, Math.max(64, n * 2));
    }
    for (let p = 0; p < this.pages.length; p++) {
      if (release[p] === 0) continue;
      if (this.#spare.length < SPARE_PAGES_MAX) this.#spare.push(this.pages[p]!);
      this.#emptyPages--;
      this.pages[p] = null;
      this.#freePages.push(p);
      this.#pageCount--;
    }
  }

  #newPage(cls: number): number {
    const p = this.#freePages.length > 0 ? this.#freePages.pop()! : this.pages.length;
    if (p >= 0x10000) throw new RangeError('slab: out of page handles (64 GiB of open chunks)');
    if (p === this.pages.length) this.pages.push(null);
    if (p >= this.#pageClass.length) {
      const pc = new Uint8Array(this.#pageClass.length * 2);
      pc.set(this.#pageClass);
      this.#pageClass = pc;
      const pu = new Uint32Array(this.#pageUsed.length * 2);
      pu.set(this.#pageUsed);
      this.#pageUsed = pu;
    }
    const spare = this.#spare.pop();
    if (spare !== undefined) spare.fill(0);
    this.pages[p] = spare ?? new Uint8Array(SLAB_PAGE_BYTES);
    this.#pageClass[p] = cls;
    this.#pageUsed[p] = 0;
    this.#emptyPages++;
    this.#pageCount++;
    return p;
  }
}
