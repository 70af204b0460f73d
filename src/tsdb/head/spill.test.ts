/** The chunks_head spill files: record layout, reads across segments, CRC checks, deletion. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptChunkError } from '../chunkenc/bstream.ts';
import { ChunkSpill, HEAD_CHUNKS_MAGIC, spillRecordBytes } from './spill.ts';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'pharos-spill-')), 'chunks_head');
const data = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('ChunkSpill', () => {
  it('writes the documented record layout', () => {
    const dir = tmp();
    const s = new ChunkSpill(dir);
    const pos = s.write(0x0102, 1_700_000_000_000, 1_700_000_015_000, 1, Uint8Array.of(0, 1, 0xaa));
    expect(pos).toBe(2 ** 32 + 8);
    s.flush();
    const f = readFileSync(join(dir, '000001'));
    expect(f.readUInt32BE(0)).toBe(HEAD_CHUNKS_MAGIC);
    expect([...f.subarray(4, 8)]).toEqual([1, 0, 0, 0]);
    expect(f.readBigUInt64BE(8)).toBe(0x0102n);
    expect(f.readBigInt64BE(16)).toBe(1_700_000_000_000n);
    expect(f.readBigInt64BE(24)).toBe(1_700_000_015_000n);
    expect(f[32]).toBe(1);
    expect(f[33]).toBe(3); // uvarint len
    expect([...f.subarray(34, 37)]).toEqual([0, 1, 0xaa]);
    expect(f.length).toBe(8 + spillRecordBytes(3));
    s.close();
  });

  it('reads back buffered and flushed chunks across segments, and deletes emptied segments unless pinned', () => {
    const dir = tmp();
    const s = new ChunkSpill(dir, { segmentBytes: 4096, writeBufferBytes: 4096, cacheBytes: 0 });
    const pos: number[] = [];
    for (let i = 0; i < 100; i++) pos.push(s.write(i, i * 1000, i * 1000 + 999, 1, data(50 + i, i)));
    expect(s.segments().length).toBeGreaterThan(3);
    for (let i = 0; i < 100; i++) expect(s.read(pos[i], 50 + i)).toEqual(data(50 + i, i));
    const first = s.segments()[0];
    const inFirst = pos.filter((p) => Math.floor(p / 2 ** 32) === first);
    s.pin();
    for (const p of inFirst) s.release(p);
    expect(existsSync(join(dir, '000001'))).toBe(true);
    expect(s.read(inFirst[0], 50)).toEqual(data(50, 0));
    s.unpin();
    expect(existsSync(join(dir, '000001'))).toBe(false);
    expect(s.segments()[0]).toBe(first + 1);
    expect(() => s.read(inFirst[0], 50)).toThrow(CorruptChunkError);
    s.close();
  });

  it('keeps recently read chunks up to its cap, least recently used out first, and reads a block cut past it', () => {
    const s = new ChunkSpill(tmp(), { cacheBytes: 500 });
    const pos = Array.from({ length: 20 }, (_, i) => s.write(i, i, i, 1, data(100, i)));
    s.flush();
    const first = s.read(pos[0], 100);
    expect(s.read(pos[0], 100)).toBe(first); // a hit hands out the cached array
    const one = s.read(pos[1], 100);
    for (let i = 2; i < 5; i++) s.read(pos[i], 100);
    expect(s.read(pos[0], 100)).toBe(first); // 500 bytes held; 0 is now the most recent
    s.read(pos[5], 100); // pushes out 1, the least recently used
    expect(s.read(pos[0], 100)).toBe(first);
    const again = s.read(pos[1], 100);
    expect(again).not.toBe(one);
    expect(again).toEqual(data(100, 1));
    const uncached = s.read(pos[10], 100, false);
    expect(s.read(pos[10], 100, false)).not.toBe(uncached);
    expect(s.read(pos[1], 100)).toBe(again); // reads past the cache pushed nothing out
    // Many evictions in a row stay correct (the evictor walks on from where it stopped).
    for (let k = 0; k < 5000; k++) expect(s.read(pos[k % 20], 100)[0]).toBe(data(1, k % 20)[0]);
    s.close();
  });

  it('reads many records at once, in any order, across segments and the write buffer, each CRC-checked', () => {
    const s = new ChunkSpill(tmp(), { segmentBytes: 4096, writeBufferBytes: 4096, cacheBytes: 0 });
    const pos: number[] = [];
    for (let i = 0; i < 200; i++) pos.push(s.write(i, i, i, 1, data(10 + (i % 90), i)));
    expect(s.segments().length).toBeGreaterThan(3);
    const pick = [150, 3, 199, 0, 77, 78, 12, 198]; // the last ones are still in the write buffer
    const { bytes, offsets } = s.readMany(pick.map((i) => pos[i]), pick.map((i) => 10 + (i % 90)));
    pick.forEach((i, k) => expect(bytes.subarray(offsets[k], offsets[k] + 10 + (i % 90))).toEqual(data(10 + (i % 90), i)));
    expect(s.readMany([], []).bytes.length).toBe(0);
    const seg = Math.floor(pos[77] / 2 ** 32);
    const file = join(s.dir, String(seg).padStart(6, '0'));
    const b = readFileSync(file);
    b[(pos[77] % 2 ** 32) + 30] ^= 0x01;
    writeFileSync(file, b);
    expect(() => s.readMany([pos[76], pos[77]], [10 + 76, 10 + 77])).toThrow(/CRC mismatch in the record at offset/);
    s.close();
  });

  it('detects a flipped bit with segment and offset, and starts over on open', () => {
    const dir = tmp();
    const s = new ChunkSpill(dir, { cacheBytes: 0 });
    const p = s.write(1, 0, 10, 1, data(40, 3));
    s.close();
    const file = join(dir, '000001');
    const bytes = readFileSync(file);
    bytes[40] ^= 0x04;
    writeFileSync(file, bytes);
    const again = new ChunkSpill(dir, { cacheBytes: 0 });
    again.flush();
    expect(readFileSync(file).length).toBe(8); // old segments are dropped on open
    again.close();
    // Read through a spill whose file was corrupted under it.
    const s2 = new ChunkSpill(tmp(), { cacheBytes: 0 });
    const p2 = s2.write(1, 0, 10, 1, data(40, 3));
    s2.flush();
    const f2 = join(s2.dir, '000001');
    const b2 = readFileSync(f2);
    b2[40] ^= 0x04;
    writeFileSync(f2, b2);
    expect(() => s2.read(p2, 40)).toThrow(/000001: CRC mismatch in the record at offset 8/);
    expect(p).toBe(p2);
    s2.close();
  });
});
