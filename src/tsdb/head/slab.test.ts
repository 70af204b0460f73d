/** The slab allocator: zeroed slots, growth into the next class, reuse, page release. */
import { describe, expect, it } from 'vitest';
import { SLAB_CLASS_BYTES, SLAB_PAGE_BYTES, Slab, slabClassFor } from './slab.ts';

const bytesOf = (s: Slab, h: number, n: number): Uint8Array => {
  const off = (h & 0xffff) << 4;
  return s.pages[h >>> 16]!.subarray(off, off + n);
};

describe('Slab', () => {
  it('maps sizes to classes', () => {
    expect(slabClassFor(1)).toBe(0);
    expect(slabClassFor(32)).toBe(0);
    expect(slabClassFor(33)).toBe(1);
    expect(slabClassFor(65536)).toBe(SLAB_CLASS_BYTES.length - 1);
    expect(slabClassFor(65537)).toBe(-1);
    for (const size of SLAB_CLASS_BYTES) expect(size % 16).toBe(0);
  });

  it('grows a slot through every class keeping its bytes, and hands out zeroed reused slots', () => {
    const s = new Slab();
    let h = s.alloc(0);
    bytesOf(s, h, 32).fill(0xab);
    let used = 32;
    for (let cls = 0; cls < SLAB_CLASS_BYTES.length - 1; cls++) {
      h = s.grow(h, cls, used);
      const b = bytesOf(s, h, SLAB_CLASS_BYTES[cls + 1]);
      expect(b.subarray(0, used).every((x) => x === 0xab)).toBe(true);
      expect(b.subarray(used).every((x) => x === 0)).toBe(true);
      b.fill(0xab);
      used = SLAB_CLASS_BYTES[cls + 1];
      expect(s.usedBytes).toBe(used);
    }
    // Reuse: a freed 32-byte slot (dirty) comes back zeroed.
    const a = s.alloc(0);
    bytesOf(s, a, 32).fill(0xff);
    s.free(a, 0);
    const b = s.alloc(0);
    expect(b).toBe(a);
    expect(bytesOf(s, b, 32).every((x) => x === 0)).toBe(true);
  });

  it('packs many slots per page without overlap and releases empty pages on compact', () => {
    const s = new Slab();
    const handles: number[] = [];
    const perPage = SLAB_PAGE_BYTES / 32;
    for (let i = 0; i < perPage * 3; i++) {
      const h = s.alloc(0);
      bytesOf(s, h, 32).fill(i & 0xff);
      handles.push(h);
    }
    expect(new Set(handles).size).toBe(handles.length);
    expect(s.allocatedBytes).toBe(3 * SLAB_PAGE_BYTES);
    handles.forEach((h, i) => expect(bytesOf(s, h, 32)[31]).toBe(i & 0xff));
    // Free the first two pages' slots: they go on compact (the third page is still being carved).
    for (let i = 0; i < perPage * 2; i++) s.free(handles[i], 0);
    s.compact();
    expect(s.allocatedBytes).toBe(SLAB_PAGE_BYTES);
    expect(s.pages.filter((p) => p !== null)).toHaveLength(1);
    // New allocations reuse released page indexes.
    for (let i = 0; i < perPage; i++) s.alloc(0);
    expect(s.allocatedBytes).toBe(2 * SLAB_PAGE_BYTES);
    expect(s.pages.length).toBe(3);
  });
});
