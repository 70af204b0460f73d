/** @module Helpers of the WAL tests: temp dirs, value bits, and a replay that flattens records into comparable events. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsKey } from '../../model/labels.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { replayWal, type ReplayResult } from './reader.ts';
import { RecordDecoder, type RecordVisitor, type SeriesDropReason } from './records.ts';
import type { WalLogger } from './segment.ts';

/** A fresh temp directory. */
export function tmpDir(prefix = 'pharos-wal-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The 16 hex digits of a float64's bits, read without going through a JS number. */
export function bitsAt(v: Float64Array, i: number): string {
  const u = new Uint32Array(v.buffer, v.byteOffset + i * 8, 2);
  return u[1].toString(16).padStart(8, '0') + u[0].toString(16).padStart(8, '0');
}

/** A Float64Array of n values whose bits are given as hex strings (hi:lo, little-endian host). */
export function fromBits(hex: readonly string[]): Float64Array {
  const out = new Float64Array(hex.length);
  const u = new Uint32Array(out.buffer);
  hex.forEach((h, i) => {
    u[2 * i + 1] = parseInt(h.slice(0, 8), 16);
    u[2 * i] = parseInt(h.slice(8), 16);
  });
  return out;
}

/** One decoded entry as plain data (values as bit strings), for deep comparison. */
export type Event =
  | { kind: 'series'; ref: number; key: string }
  | { kind: 'sample'; ref: number; t: number; v: string; st?: number; ooo?: true }
  | { kind: 'tombstone'; ref: number; mint: number; maxt: number }
  | { kind: 'metadata'; family: string; m: MetricMetadata }
  | { kind: 'dropped'; ref: number; reason: SeriesDropReason }
  | { kind: 'unknown'; type: number };

/** A visitor that appends every entry it sees to `out`. */
export function eventVisitor(out: Event[]): RecordVisitor {
  return {
    series: (ref, labels) => out.push({ kind: 'series', ref, key: labelsKey(labels) }),
    samples: (refs, t, v, n, st, outOfOrder) => {
      for (let i = 0; i < n; i++) {
        const e: Event = st ? { kind: 'sample', ref: refs[i], t: t[i], v: bitsAt(v, i), st: st[i] } : { kind: 'sample', ref: refs[i], t: t[i], v: bitsAt(v, i) };
        out.push(outOfOrder ? { ...e, ooo: true } : e);
      }
    },
    tombstones: (refs, mint, maxt, n) => {
      for (let i = 0; i < n; i++) out.push({ kind: 'tombstone', ref: refs[i], mint: mint[i], maxt: maxt[i] });
    },
    metadata: (family, m) => out.push({ kind: 'metadata', family, m }),
    seriesDropped: (refs, n, reason) => {
      for (let i = 0; i < n; i++) out.push({ kind: 'dropped', ref: refs[i], reason });
    },
    unknown: (type) => out.push({ kind: 'unknown', type }),
  };
}

/** Replays a WAL directory (checkpoint + segments, repairing) into events. */
export function replayEvents(dir: string, logger?: WalLogger): { events: Event[]; result: ReplayResult } {
  const events: Event[] = [];
  const decoder = new RecordDecoder();
  const visitor = eventVisitor(events);
  const result = replayWal(dir, (_type, record) => decoder.decode(record, visitor), { logger });
  return { events, result };
}

/** A logger that keeps its lines. */
export function memoryLogger(): WalLogger & { lines: string[] } {
  const lines: string[] = [];
  const fmt = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  return { lines, info: fmt('info'), warn: fmt('warn') };
}
