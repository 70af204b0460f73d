import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter, CorruptChunkError, bitLength, fromHiLo, hi32, lo32, unzigzag, zigzag } from './bstream.ts';
import { prng } from './test-util.ts';

describe('BitWriter/BitReader', () => {
  it('round-trips random fields of 0..32 bits across buffer growth', () => {
    const rnd = prng(1);
    const w = new BitWriter(8);
    const fields: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(rnd() * 33);
      const v = n === 0 ? 0 : Math.floor(rnd() * 2 ** n);
      fields.push([v, n]);
      w.writeBits(v, n);
    }
    w.writeBit(1);
    const r = new BitReader(w.bytes());
    for (const [v, n] of fields) expect(r.readBits(n)).toBe(v);
    expect(r.readBit()).toBe(1);
    expect(r.bitsLeft).toBeLessThan(8);
  });

  it('writes MSB first, like Prometheus bstream', () => {
    const w = new BitWriter();
    w.writeBit(1);
    w.writeBits(0b01, 2);
    w.writeBits(0xabc, 12);
    expect(Buffer.from(w.bytes()).toString('hex')).toBe('b578'); // 1 01 1010 1011 1100 (pad 0)
  });

  it('keeps the prefix written before a reallocation, and old views unchanged', () => {
    const w = new BitWriter(8);
    w.writeBits(0xdeadbeef, 32);
    const before = w.bytes();
    for (let i = 0; i < 100; i++) w.writeBits(0xffffffff, 32);
    expect(Buffer.from(w.bytes().subarray(0, 4)).toString('hex')).toBe('deadbeef');
    expect(Buffer.from(before).toString('hex')).toBe('deadbeef');
  });

  it.each([0, 1, 127, 128, 2 ** 14 - 1, 2 ** 14, 2 ** 21, 2 ** 28, 2 ** 35, 2 ** 49, 2 ** 53 - 1])('uvarint %d round-trips with Go encoding length', (x) => {
    const w = new BitWriter();
    w.writeBits(0b101, 3); // unaligned prefix
    w.writeUvarint(x);
    const r = new BitReader(w.bytes());
    expect(r.readBits(3)).toBe(0b101);
    expect(r.readUvarint()).toBe(x);
    expect(w.bitLength - 3).toBe(8 * Math.max(1, Math.ceil(bitLength(x) / 7)));
  });

  it.each([0, -1, 1, -64, 64, -(2 ** 51), 2 ** 51])('varint %d round-trips', (x) => {
    const w = new BitWriter();
    w.writeVarint(x);
    expect(new BitReader(w.bytes()).readVarint()).toBe(x);
  });

  it('encodes uvarint 300 as Go does (ac 02)', () => {
    const w = new BitWriter();
    w.writeUvarint(300);
    expect(Buffer.from(w.bytes()).toString('hex')).toBe('ac02');
  });

  it('throws CorruptChunkError past the end', () => {
    const r = new BitReader(new Uint8Array([0xff]));
    expect(r.readBits(5)).toBe(31);
    expect(() => r.readBits(4)).toThrow(CorruptChunkError);
  });

  it('zigzag, bit length and 64-bit halves agree with two’s complement', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    for (const x of [0, -1, 5, -(2 ** 40) - 3, 2 ** 52]) {
      expect(unzigzag(zigzag(x))).toBe(x);
      expect(fromHiLo(hi32(x), lo32(x))).toBe(x);
    }
    expect([hi32(-1), lo32(-1)]).toEqual([0xffffffff, 0xffffffff]);
    expect([bitLength(0), bitLength(1), bitLength(2 ** 32), bitLength(2 ** 53 - 1)]).toEqual([0, 1, 33, 53]);
  });
});

describe('BitWriter.writeBytesOf', () => {
  it('appends what writeBytes(other.bytes()) appends, for short and long sources and unaligned targets', () => {
    for (const len of [0, 1, 5, 64, 65, 300]) {
      for (const lead of [0, 3, 8]) {
        const src = new BitWriter(8);
        for (let i = 0; i < len; i++) src.writeBits((i * 37 + 11) & 0xff, 8);
        const a = new BitWriter(4);
        const b = new BitWriter(4);
        a.writeBits(5, lead);
        b.writeBits(5, lead);
        a.writeBytesOf(src);
        b.writeBytes(src.bytes());
        expect(a.bitLength).toBe(b.bitLength);
        expect([...a.bytes()]).toEqual([...b.bytes()]);
      }
    }
  });
});
