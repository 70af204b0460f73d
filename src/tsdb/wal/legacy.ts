/**
 * @module Conversion, once at open, of the single-file WAL the store wrote before this format
 * (`wal/00000001` of frames [type u8][length u32][crc32 u32][payload]: type 1 JSON series, type 2
 * 20-byte samples) into `checkpoint.00000001`. Written as a checkpoint (tmp, fsync, rename), a
 * crash midway leaves the old file as it was, and the conversion runs again at the next open.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Label } from '../../model/labels.ts';
import { HOST_LITTLE_ENDIAN, MAX_ZIGZAG } from './codec.ts';
import { endSegment } from './reader.ts';
import { RecordEncoder, type SeriesEntry } from './records.ts';
import { newRepairReport } from './repair.ts';
import { SegmentReader } from './segment-reader.ts';
import { checkpointName, fsyncDir, listCheckpoints, listSegments, removeDir, SegmentSetWriter, segmentName, type WalLogger } from './segment.ts';

/** The only file the old store wrote. */
const LEGACY_SEGMENT = 1;
const LEGACY_SERIES = 1;
const LEGACY_SAMPLE_BYTES = 20; // ref u32 · t f64 · v f64, little-endian

/**
 * Whether `path` starts with a valid frame of the old format and not of the new one. A CRC-32
 * matching in both framings by chance has odds of 2^-32, and then the file is left alone.
 */
export function isLegacySegment(path: string): boolean {
  const legacy = new SegmentReader(path, { framing: 'legacy', chunkBytes: 64 * 1024 });
  const current = new SegmentReader(path, { chunkBytes: 64 * 1024 });
  try {
    return legacy.next() && !current.next();
  } finally {
    legacy.close();
    current.close();
  }
}

/**
 * Converts an old single-file WAL in `dir` into checkpoint.00000001 (refs shifted by one: ref 0
 * means "unknown" in storage/interface.ts) and returns true; false when there is none. The old
 * file is removed by Wal.open as a segment the checkpoint covers.
 */
export function migrateLegacyWal(dir: string, segmentBytes: number, logger: WalLogger | undefined): boolean {
  if (listCheckpoints(dir).length > 0) return false;
  const segments = listSegments(dir);
  if (segments.length !== 1 || segments[0] !== LEGACY_SEGMENT) return false;
  const file = segmentName(LEGACY_SEGMENT);
  if (!isLegacySegment(join(dir, file))) return false;

  const name = checkpointName(LEGACY_SEGMENT);
  const tmp = join(dir, `${name}.tmp`);
  removeDir(tmp);
  const writer = new SegmentSetWriter(tmp, segmentBytes);
  const enc = new RecordEncoder();
  const reader = new SegmentReader(join(dir, file), { framing: 'legacy' });
  let refs = new Uint32Array(1024);
  let ts = new Float64Array(1024);
  let vs = new Float64Array(1024);
  let series = 0;
  let samples = 0;
  let skipped = 0;
  try {
    while (reader.next()) {
      const payload = reader.record();
      enc.reset();
      if (reader.type() === LEGACY_SERIES) {
        const entries = parseLegacySeries(payload);
        if (entries === null) {
          skipped++;
          logger?.warn('wal: unreadable series record of the old WAL skipped', { offset: reader.offset });
          continue;
        }
        series += entries.length;
        if (entries.length > 0) writer.add(enc.series(entries));
        continue;
      }
      const n = Math.floor(payload.length / LEGACY_SAMPLE_BYTES);
      if (n > refs.length) {
        refs = new Uint32Array(n);
        ts = new Float64Array(n);
        vs = new Float64Array(n);
      }
      const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      const vBytes = new Uint8Array(vs.buffer);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const p = i * LEGACY_SAMPLE_BYTES;
        const t = Math.floor(dv.getFloat64(p + 4, true));
        if (!(Math.abs(t) <= MAX_ZIGZAG)) {
          skipped++;
          continue;
        }
        refs[k] = dv.getUint32(p, true) + 1;
        ts[k] = t;
        // Copy the value's bytes, so a staleness NaN keeps its payload.
        for (let b = 0; b < 8; b++) vBytes[k * 8 + (HOST_LITTLE_ENDIAN ? b : 7 - b)] = payload[p + 12 + b];
        k++;
      }
      samples += k;
      if (k > 0) writer.add(enc.samples(refs, ts, vs, k));
    }
    reader.close();
    const report = newRepairReport();
    endSegment(dir, file, reader, { logger }, report);
    writer.close();
  } catch (cause) {
    reader.close();
    writer.abort();
    removeDir(tmp);
    throw new Error(`wal: converting the old single-file WAL ${join(dir, file)}`, { cause });
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
  logger?.info('wal: converted the old single-file WAL into a checkpoint', { checkpoint: name, series, samples, skipped, bytes: writer.bytes });
  return true;
}

function parseLegacySeries(payload: Uint8Array): SeriesEntry[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out: SeriesEntry[] = [];
  for (const e of parsed as unknown[]) {
    if (!Array.isArray(e) || !Array.isArray(e[1])) return null;
    const ref = e[0] as unknown;
    if (typeof ref !== 'number' || !Number.isInteger(ref) || ref < 0 || ref >= 0xffffffff) return null;
    const flat = e[1] as unknown[];
    const labels: Label[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) labels.push({ name: String(flat[i]), value: String(flat[i + 1]) });
    out.push({ ref: ref + 1, labels });
  }
  return out;
}
