/** @module Test helpers for blocks: series from sample columns, reading selects back, temp dirs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFrom, labelsToObject, type Labels } from '../../model/labels.ts';
import { ValueType } from '../../model/value.ts';
import type { SeriesSet } from '../../storage/interface.ts';
import { ChunkEncoding, newChunk } from '../chunkenc/index.ts';
import { packChunks, type PackedSeries } from './packed-series.ts';
import type { BlockChunk, BlockSeries } from './writer.ts';

/** A new temporary directory. */
export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'pharos-block-'));
}

/** Samples of one series in columns (Float64Array keeps NaN payloads). */
export interface TestSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
}

/** A series with `n` samples every `stepMs` from `t0`, values from `value(i)`. */
export function testSeries(labels: Record<string, string>, t0: number, n: number, stepMs: number, value: (i: number) => number): TestSeries {
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = t0 + i * stepMs;
    v[i] = value(i);
  }
  return { labels: labelsFrom(labels), t, v };
}

/** Encodes a series' samples into chunks of `perChunk` samples. */
export function toBlockSeries(s: TestSeries, perChunk = 120, encoding: ChunkEncoding = ChunkEncoding.XOR): BlockSeries {
  const chunks: BlockChunk[] = [];
  for (let i = 0; i < s.t.length; i += perChunk) {
    const c = newChunk(encoding);
    const app = c.appender();
    const end = Math.min(s.t.length, i + perChunk);
    for (let j = i; j < end; j++) app.append(s.t[j], s.v[j]);
    chunks.push({ mint: s.t[i], maxt: s.t[end - 1], encoding, bytes: c.bytes().slice() });
  }
  return { labels: s.labels, chunks };
}

/** One read-back series: labels as an object, samples as [t, value bits as hex]. */
export interface ReadSeries {
  labels: Record<string, string>;
  samples: Array<[number, string]>;
}

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);
/** The bits of a float as 16 hex digits (little-endian byte order), to compare NaN payloads. */
export function bits(v: number): string {
  f64[0] = v;
  return Buffer.from(u8).toString('hex');
}

/** Drains a SeriesSet into plain objects, values as their bit patterns. */
export function readSet(set: SeriesSet): ReadSeries[] {
  const out: ReadSeries[] = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const samples: Array<[number, string]> = [];
    while (it.next() !== ValueType.None) samples.push([it.atT(), bits(it.atV())]);
    out.push({ labels: labelsToObject(s.labels), samples });
  }
  return out;
}

/** What readSet should return for `series` within [mint, maxt]. */
export function expected(series: readonly TestSeries[], mint = -Infinity, maxt = Infinity): ReadSeries[] {
  const out: ReadSeries[] = [];
  for (const s of series) {
    const samples: Array<[number, string]> = [];
    for (let i = 0; i < s.t.length; i++) if (s.t[i] >= mint && s.t[i] <= maxt) samples.push([s.t[i], bits(s.v[i])]);
    if (samples.length > 0) out.push({ labels: labelsToObject(s.labels), samples });
  }
  return out;
}

/** Packs series as the head does (block/packed-series.ts): shared pair ids, the given order, `spareIds` unused ids first. */
export function packBlockSeries(series: Iterable<BlockSeries>, spareIds = 0): PackedSeries {
  const ids = new Map<string, number>();
  const pairNames: string[] = new Array(spareIds).fill('');
  const pairValues: string[] = new Array(spareIds).fill('');
  const pairIds: number[] = [];
  const pairStart = [0];
  const chunkStart = [0];
  const chunks: BlockChunk[] = [];
  for (const s of series) {
    for (const l of s.labels) {
      const key = `${l.name}\xff${l.value}`;
      if (!ids.has(key)) {
        ids.set(key, pairNames.length);
        pairNames.push(l.name);
        pairValues.push(l.value);
      }
      pairIds.push(ids.get(key)!);
    }
    pairStart.push(pairIds.length);
    chunks.push(...s.chunks);
    chunkStart.push(chunks.length);
  }
  return { pairNames, pairValues, pairIds: Uint32Array.from(pairIds), pairStart: Uint32Array.from(pairStart), chunkStart: Uint32Array.from(chunkStart), ...packChunks(chunks) };
}
