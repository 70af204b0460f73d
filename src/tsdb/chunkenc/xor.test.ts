import { describe, expect, it } from 'vitest';
import { STALE_NAN, ValueType } from '../../model/value.ts';
import { CorruptChunkError } from './bstream.ts';
import { XorChunk, XorIterator, decodeXorSamples } from './xor.ts';
import { f64FromHex, hex, hexOfF64, packBits, prng } from './test-util.ts';

function encode(samples: Array<[number, number]>): XorChunk {
  const c = new XorChunk();
  const app = c.appender();
  for (const [t, v] of samples) app.append(t, v);
  return c;
}

describe('XorChunk is bit-compatible with Prometheus chunkenc/xor.go', () => {
  it('encodes (1000,1) (2000,2) (3000,3) as derived by hand', () => {
    // Derivation, following xorAppender.Append / writeVDelta:
    //   00 03                    uint16 BE sample count = 3
    //   d0 0f                    t0 = 1000: PutVarint zigzag → 2000 = 0b1111_1010000 → d0 0f
    //   3f f0 00 00 00 00 00 00  v0 = 1.0 as 64 raw bits
    //   e8 07                    t1: PutUvarint(2000 - 1000) → 1000 = 0b111_1101000 → e8 07
    //   v1 = 2.0: 0x4000… ^ 0x3ff0… = 0x7ff0000000000000, leading 1, trailing 52, no window yet:
    //     '1' '1' leading=00001 sigbits=001011 (11) then 0x7ff in 11 bits = 11111111111
    //     → 1100 0010 | 0101 1111 | 1111 1111 = c2 5f ff
    //   t2: dod = 1000 - 1000 = 0 → '0'
    //   v2 = 3.0: 0x4008… ^ 0x4000… = 0x0008000000000000, leading 12, trailing 51 < 52, so a new
    //     window: '1' '1' 01100 000001 '1'
    //   → 0 11 01100 | 000001 1 + pad 0 = 0110 1100 | 0000 0110 = 6c 06
    const c = encode([[1000, 1], [2000, 2], [3000, 3]]);
    expect(hex(c.bytes())).toBe('0003d00f3ff0000000000000e807c25fff6c06');
    expect(c.numSamples()).toBe(3);
  });

  it('uses the 1/14/17/20/64-bit dod buckets with Prometheus’ asymmetric ranges', () => {
    // bitRange(x, n) is -(2^(n-1)-1) <= x <= 2^(n-1): 8192 fits 14 bits, -65536 needs 20.
    const ts = [0, 10, 30, 50, 8262, 8283, 78304, 82789, 1073829098, 2147509872];
    const c = encode(ts.map((t) => [t, 0]));
    const expected = packBits([
      '00000000 00001010', // count 10
      '00000000', '0'.repeat(64), // t0 varint 0, v0 = 0.0
      '00001010', '0', // t1 uvarint 10; v unchanged
      '10 00000000001010', '0', // dod 10
      '0', '0', // dod 0
      '10 10000000000000', '0', // dod 8192: 14-bit bucket, 0x2000 read back as +8192
      '10 10000000000001', '0', // dod -8191: 0x4000 - 8191 = 8193
      '1110 00010001000101110000', '0', // dod 70000 > 65536: 20-bit bucket, 0x11170
      '1110 11110000000000000000', '0', // dod -65536 < -65535: 20-bit bucket, 0xf0000
      '1111', '0'.repeat(32), '01000000000000000000000000000000', '0', // dod 2^30: 64 bits
      '110 10000000000000001', '0', // dod -65535: 17-bit bucket, 0x20000 - 65535 = 65537
    ]);
    expect(hex(c.bytes())).toBe(expected);
    const it = c.iterator();
    for (const t of ts) {
      expect(it.next()).toBe(ValueType.Float);
      expect(it.atT()).toBe(t);
    }
  });

  it('writes 64 significant bits as 0 and clamps leading zeros to 31', () => {
    const vs = ['0000000000000000', '8000000000000001', '8000000000000003', '8000000000000103'].map(f64FromHex);
    const c = encode(vs.map((v, i) => [i + 1, v]));
    const expected = packBits([
      '00000000 00000100', // count 4
      '00000010', '0'.repeat(64), // t0 = 1 → zigzag 2; v0 = +0
      '00000001', // t1: delta 1
      '1 1 00000 000000', '1' + '0'.repeat(62) + '1', // xor 0x8000000000000001: leading 0, 64 sigbits written as 000000
      '0', // t2: dod 0
      '1 0', '0'.repeat(62) + '10', // xor 0x2: fits the 0/0 window → '10' + 64 bits
      '0', // t3: dod 0
      '1 0', '0'.repeat(55) + '100000000', // xor 0x100 (leading 55 ≥ 0, trailing 8 ≥ 0): reuse window again
    ]);
    expect(hex(c.bytes())).toBe(expected);

    // A fresh window after a narrow one: leading 55 is clamped to 31 in the 5-bit field.
    const d = encode([[1, 0], [2, f64FromHex('0000000000000100')], [3, f64FromHex('0000000000000101')]]);
    expect(hex(d.bytes())).toBe(
      packBits([
        '00000000 00000011',
        '00000010', '0'.repeat(64),
        '00000001', '1 1 11111 011001', '0'.repeat(24) + '1', // 0x100: leading 55→31, trailing 8, 25 sigbits
        '0', '1 1 11111 100001', '0'.repeat(32) + '1', // 0x1: trailing 0 < 8 → new window, 33 sigbits
      ]),
    );
    const it = d.iterator();
    const got: string[] = [];
    while (it.next() !== ValueType.None) got.push(hexOfF64(it.atV()));
    expect(got).toEqual(['0000000000000000', '0000000000000100', '0000000000000101']);
  });

  it('decodes a negative first timestamp (zigzag varint) and a zero-delta second sample', () => {
    const c = encode([[-3, 1], [-3, 1], [7, 1]]);
    // -3 → zigzag 5; delta 0; value unchanged '0'; dod 10 → '10' + 14 bits; '0'
    expect(hex(c.bytes())).toBe(packBits(['00000000 00000011', '00000101', '0011111111110000' + '0'.repeat(48), '00000000', '0', '10 00000000001010', '0']));
  });
});

describe('decodeXorSamples, the bulk decoder', () => {
  const rnd = prng(21);
  /** The samples XorIterator yields within [mint, maxt], or 'corrupt'. */
  function iterated(bytes: Uint8Array, mint: number, maxt: number): Array<[number, string]> | 'corrupt' {
    const out: Array<[number, string]> = [];
    try {
      const it = new XorIterator(bytes);
      while (it.next() !== ValueType.None) {
        if (it.atT() > maxt) break;
        if (it.atT() >= mint) out.push([it.atT(), hexOfF64(it.atV())]);
      }
    } catch (err) {
      if (err instanceof CorruptChunkError) return 'corrupt';
      throw err;
    }
    return out;
  }
  function bulk(bytes: Uint8Array, mint: number, maxt: number): Array<[number, string]> | 'corrupt' {
    const cap = 3 + ((bytes[0] << 8) | bytes[1]);
    const t = new Float64Array(cap).fill(-1);
    const v = new Float64Array(cap).fill(-1);
    let n: number;
    try {
      n = decodeXorSamples(bytes, mint, maxt, t, v, 2);
    } catch (err) {
      if (err instanceof CorruptChunkError) return 'corrupt';
      throw err;
    }
    expect([t[0], t[1], v[0], v[1]]).toEqual([-1, -1, -1, -1]);
    return Array.from({ length: n }, (_, i) => [t[2 + i], hexOfF64(v[2 + i])]);
  }
  const series: Array<[string, (i: number, prevT: number) => [number, number]]> = [
    ['regular counter', (i) => [1_700_000_000_000 + i * 15_000, i * 3]],
    ['jitter and raw doubles', (i) => [1_700_000_000_000 + i * 15_000 + Math.round(rnd() * 20 - 10), rnd() * 1e6]],
    ['every dod bucket', (i, p) => [i === 0 ? -5000 : p + [0, 10, 9000, 70_000, 600_000, 2 ** 40][i % 6] + 1, i % 3 ? NaN : -0]],
    ['stale markers and NaN payloads', (i) => [i * 1000, i % 4 === 1 ? STALE_NAN : i % 4 === 2 ? f64FromHex('7ff8000000000bad') : i]],
    ['values of every magnitude', (i) => [i * 60_000, (rnd() - 0.5) * 2 ** ((i % 300) - 150)]],
  ];
  it.each(series)('agrees with XorIterator on %s, within any window', (_name, gen) => {
    for (const n of [1, 2, 3, 120, 500]) {
      const samples: Array<[number, number]> = [];
      let t = 0;
      for (let i = 0; i < n; i++) {
        const s = gen(i, t);
        samples.push(s);
        t = s[0];
      }
      const bytes = encode(samples).bytes();
      const lo = samples[0][0];
      const hi = samples[n - 1][0];
      const windows: Array<[number, number]> = [[-Infinity, Infinity], [lo, hi], [lo + 1, hi - 1], [hi + 1, Infinity], [-Infinity, lo - 1]];
      for (let w = 0; w < 10; w++) {
        const a = samples[Math.floor(rnd() * n)][0];
        const b = samples[Math.floor(rnd() * n)][0];
        windows.push([Math.min(a, b), Math.max(a, b)]);
      }
      for (const [mint, maxt] of windows) expect(bulk(bytes, mint, maxt)).toEqual(iterated(bytes, mint, maxt));
    }
  });

  it('agrees with XorIterator on damaged chunks: the same samples, or both CorruptChunkError', () => {
    let corrupt = 0;
    for (const [, gen] of series) {
      for (let round = 0; round < 60; round++) {
        const n = 2 + Math.floor(rnd() * 150);
        const samples: Array<[number, number]> = [];
        let t = 0;
        for (let i = 0; i < n; i++) samples.push(gen(i, t)), (t = samples[i][0]);
        const good = encode(samples).bytes();
        const bad = good.slice(0, rnd() < 0.3 ? Math.max(2, Math.floor(rnd() * good.length)) : good.length);
        for (let f = 0; f < 3; f++) bad[2 + Math.floor(rnd() * (bad.length - 2))] ^= 1 << Math.floor(rnd() * 8);
        const want = iterated(bad, -Infinity, Infinity);
        expect(bulk(bad, -Infinity, Infinity)).toEqual(want);
        if (want === 'corrupt') corrupt++;
      }
    }
    expect(corrupt).toBeGreaterThan(20);
  });
});
