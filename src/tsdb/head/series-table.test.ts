/** Symbols, label pairs and the labels-hash → ref table, with forced hash collisions. */
import { describe, expect, it } from 'vitest';
import { prng } from '../chunkenc/test-util.ts';
import { LabelPairs } from './label-pairs.ts';
import { SeriesTable, hashPairs } from './series-table.ts';
import { SymbolTable } from './symbols.ts';

describe('SymbolTable', () => {
  it('interns strings to dense ids and back', () => {
    const s = new SymbolTable();
    expect(s.intern('a')).toBe(0);
    expect(s.intern('b')).toBe(1);
    expect(s.intern('a')).toBe(0);
    expect(s.id('b')).toBe(1);
    expect(s.id('zz')).toBe(-1);
    expect(s.string(1)).toBe('b');
    expect(s.size).toBe(2);
    expect(() => s.string(7)).toThrow(RangeError);
  });
});

describe('LabelPairs', () => {
  it('shares one Label object per pair, lists values sorted, and reuses removed ids', () => {
    const p = new LabelPairs();
    const a = p.intern('job', 'b');
    const b = p.intern('job', 'a');
    const c = p.intern('le', '0.5');
    expect(p.intern('job', 'b')).toBe(a);
    expect(p.label(a)).toBe(p.label(p.lookup('job', 'b')));
    expect(p.label(a)).toEqual({ name: 'job', value: 'b' });
    expect([...p.pairsOf('job')].map((id) => p.label(id).value)).toEqual(['a', 'b']);
    expect(p.names()).toEqual(['job', 'le']);
    expect(p.symbols.string(p.nameSymbol(c))).toBe('le');
    expect(p.symbols.string(p.valueSymbol(c))).toBe('0.5');
    p.remove(b);
    expect(p.lookup('job', 'a')).toBe(-1);
    expect(p.has(b)).toBe(false);
    expect(p.intern('x', 'y')).toBe(b);
    p.remove(c);
    expect(p.names()).toEqual(['job', 'x']);
    expect(p.size).toBe(2);
  });
});

describe('SeriesTable', () => {
  const cases: Array<[string, ConstructorParameters<typeof SeriesTable>[0]]> = [
    ['murmur hash', undefined],
    ['every set collides', () => 7],
    ['two buckets', (ids, start) => ids[start] & 1],
  ];
  it.each(cases)('finds, inserts and removes like a Map (%s)', (_, hash) => {
    const t = new SeriesTable(hash);
    const rnd = prng(42);
    const model = new Map<string, number>();
    const sets: Uint32Array[] = [];
    let nextRef = 1;
    for (let step = 0; step < 3000; step++) {
      const n = 1 + Math.floor(rnd() * 4);
      const ids = new Uint32Array(n);
      for (let i = 0; i < n; i++) ids[i] = Math.floor(rnd() * 6);
      const key = ids.join(',');
      const h = t.hash(ids, 0, n);
      const found = t.find(ids, 0, n, h);
      expect(found).toBe(model.get(key) ?? 0);
      if (found === 0 && rnd() < 0.7) {
        t.insert(nextRef, ids, 0, n, h);
        model.set(key, nextRef);
        sets[nextRef] = ids;
        nextRef++;
      } else if (found !== 0 && rnd() < 0.5) {
        t.remove(found);
        model.delete(key);
        expect(t.count(found)).toBe(0);
      }
      expect(t.size).toBe(model.size);
    }
    for (const [key, ref] of model) {
      const ids = sets[ref];
      expect(ids.join(',')).toBe(key);
      expect(t.find(ids, 0, ids.length, t.hash(ids, 0, ids.length))).toBe(ref);
      const pool = t.pool();
      expect([...pool.subarray(t.offset(ref), t.offset(ref) + t.count(ref))].join(',')).toBe(key);
    }
    t.compactPool();
    for (const [key, ref] of model) expect([...t.pool().subarray(t.offset(ref), t.offset(ref) + t.count(ref))].join(',')).toBe(key);
  });

  it('compares ids on equal hashes, so a collision never merges two series', () => {
    const t = new SeriesTable(() => 1);
    const a = Uint32Array.of(1, 2);
    const b = Uint32Array.of(2, 1);
    t.insert(1, a, 0, 2, 1);
    expect(t.find(b, 0, 2, 1)).toBe(0);
    t.insert(2, b, 0, 2, 1);
    expect(t.find(a, 0, 2, 1)).toBe(1);
    expect(t.find(b, 0, 2, 1)).toBe(2);
    expect(t.find(Uint32Array.of(1), 0, 1, 1)).toBe(0);
  });

  it('hashes order-sensitively and spreads dense ids', () => {
    expect(hashPairs(Uint32Array.of(1, 2), 0, 2)).not.toBe(hashPairs(Uint32Array.of(2, 1), 0, 2));
    const buckets = new Set<number>();
    for (let i = 0; i < 1024; i++) buckets.add(hashPairs(Uint32Array.of(0, i), 0, 2) & 1023);
    expect(buckets.size).toBeGreaterThan(550); // ~632 expected for a random function
  });

  it('rejects label sets outside 1..255', () => {
    const t = new SeriesTable();
    expect(() => t.insert(1, new Uint32Array(0), 0, 0, 0)).toThrow(RangeError);
    expect(() => t.insert(1, new Uint32Array(256), 0, 256, 0)).toThrow(RangeError);
  });
});
