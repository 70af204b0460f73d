/** Varint and fixed-width codecs of block files: boundary values, prefixes kept, bounds checked. */
import { describe, expect, it } from 'vitest';
import { Decbuf, DecodeError, Encbuf, uvarintSize } from './encoding.ts';
import { addInterval, coversRange, decodeTombstones, encodeTombstones, intersectsRange } from './tombstones.ts';

describe('Encbuf / Decbuf', () => {
  const unsigned = [0, 1, 127, 128, 255, 256, 2 ** 14 - 1, 2 ** 14, 2 ** 21 - 1, 2 ** 21, 2 ** 28, 2 ** 32 - 1, 2 ** 32, 2 ** 35, 2 ** 49, 2 ** 53 - 1];
  it.each(unsigned)('uvarint %d round-trips after a prefix and has the Go length', (x) => {
    const e = new Encbuf(4);
    e.putBytes(new Uint8Array([0xaa, 0xbb]));
    e.putUvarint(x);
    e.putU32(0xdeadbeef);
    const d = new Decbuf(Buffer.from(e.bytes()), 0);
    expect([d.u8(), d.u8()]).toEqual([0xaa, 0xbb]);
    expect(d.uvarint()).toBe(x);
    expect(d.u32()).toBe(0xdeadbeef);
    expect(e.length).toBe(2 + uvarintSize(x) + 4);
    expect(uvarintSize(x)).toBe(Math.max(1, Math.ceil(x.toString(2).length / 7)));
  });

  it.each([0, 1, -1, 63, -64, 64, -65, 2 ** 51, -(2 ** 51), 1_700_000_000_000, -1_700_000_000_000])('varint %d round-trips', (x) => {
    const e = new Encbuf();
    e.putVarint(x);
    expect(new Decbuf(Buffer.from(e.bytes()), 0).varint()).toBe(x);
  });

  it('writes Go binary.PutUvarint bytes and big-endian fixed widths', () => {
    const e = new Encbuf();
    e.putUvarint(300);
    e.putVarint(-3);
    e.putU64(2 ** 40 + 5);
    e.putUvarintStr('hé');
    expect(Buffer.from(e.bytes()).toString('hex')).toBe('ac02' + '05' + '0000010000000005' + '0368c3a9');
  });

  it('throws DecodeError past the end and for varints beyond 2^53', () => {
    expect(() => new Decbuf(Buffer.from([0x80, 0x80]), 0).uvarint()).toThrow(DecodeError);
    expect(() => new Decbuf(Buffer.from([1, 2, 3]), 0).u32()).toThrow(/runs past/);
    expect(() => new Decbuf(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0).uvarint()).toThrow(/2\^53/);
    expect(() => new Decbuf(Buffer.from([0, 0x20, 0, 0, 0, 0, 0, 0]), 0).u64()).toThrow(/2\^53/);
    expect(() => new Decbuf(Buffer.from([5, 0x61]), 0).uvarintStr()).toThrow(DecodeError);
  });
});

describe('tombstone intervals', () => {
  it.each<[number[], [number, number], number[]]>([
    [[], [5, 10], [5, 10]],
    [[5, 10], [20, 30], [5, 10, 20, 30]],
    [[20, 30], [5, 10], [5, 10, 20, 30]],
    [[5, 10], [8, 25], [5, 25]],
    [[5, 10], [11, 12], [5, 12]], // adjacent ms merge
    [[5, 10, 20, 30, 40, 50], [9, 41], [5, 50]],
    [[5, 10, 20, 30], [12, 15], [5, 10, 12, 15, 20, 30]],
    [[5, 10], [6, 7], [5, 10]],
  ])('%j + %j = %j', (ivs, [mint, maxt], want) => {
    expect(addInterval(ivs, mint, maxt)).toEqual(want);
  });

  it('tells covered and intersecting ranges apart', () => {
    const ivs = [10, 20, 30, 40];
    expect(coversRange(ivs, 10, 20)).toBe(true);
    expect(coversRange(ivs, 15, 35)).toBe(false);
    expect(intersectsRange(ivs, 15, 35)).toBe(true);
    expect(intersectsRange(ivs, 21, 29)).toBe(false);
    expect(coversRange(undefined, 0, 0)).toBe(false);
  });

  it('encodes the tombstones file and rejects damaged ones', () => {
    const map = new Map([
      [7, [-100, -50, 10, 20]],
      [3, [1_700_000_000_000, 1_700_000_360_000]],
    ]);
    const bytes = encodeTombstones(map);
    expect(bytes.subarray(0, 5).toString('hex')).toBe('50544d4201');
    expect([...decodeTombstones(bytes)]).toEqual([
      [3, [1_700_000_000_000, 1_700_000_360_000]],
      [7, [-100, -50, 10, 20]],
    ]);
    for (let i = 0; i < bytes.length; i++) {
      const bad = Buffer.from(bytes);
      bad[i] ^= 0x04;
      expect(() => decodeTombstones(bad), `flip at ${i}`).toThrow(DecodeError);
    }
    expect(() => decodeTombstones(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
  });
});
