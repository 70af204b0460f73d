/**
 * Checkpoints: what they keep, replay order across checkpoint + segments, and every state a crash
 * in the middle of one can leave (tmp dir, renamed but not cleaned up, truncated checkpoint).
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.ts';
import { STALE_NAN } from '../../model/value.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { checkpoint, type CheckpointOptions } from './checkpoint.ts';
import { readWal } from './reader.ts';
import { RecordDecoder, RecordEncoder } from './records.ts';
import { eventVisitor, memoryLogger, replayEvents, tmpDir, type Event } from './test-util.ts';
import { Wal } from './wal.ts';

const T = 1_700_000_000_000;
const MIN_TIME = T + 40_000;
const keepSeries = (ref: number) => ref % 3 !== 0;

/**
 * Logs `commits` batches like a head would: 3 new series every 10 commits, one sample per live
 * series per commit (some stale, start times on odd commits), now and then tombstones, metadata
 * and a SeriesDropped. Leaves the Wal open (its head segment is the one being written).
 */
function buildWal(dir: string, commits: number, from = 0, segmentSize = 2048): Wal {
  const wal = Wal.open(dir, { segmentSize });
  const enc = new RecordEncoder();
  const alive: number[] = [];
  let nextRef = 1;
  for (let i = 0; i < from + commits; i++) {
    enc.reset();
    const recs: Uint8Array[] = [];
    if (i % 10 === 0) {
      const entries = [0, 1, 2].map(() => ({ ref: nextRef, labels: labelsFrom({ __name__: 'm', id: String(nextRef++) }) }));
      for (const e of entries) alive.push(e.ref);
      if (i >= from) recs.push(enc.series(entries));
    }
    if (i % 29 === 28) {
      const r = alive.shift()!;
      if (i >= from) recs.push(enc.seriesDropped([r], 1, 'series_limit'));
    }
    if (i < from) continue;
    const n = alive.length;
    const t = new Float64Array(n).fill(T + i * 1000);
    const v = new Float64Array(n);
    for (let k = 0; k < n; k++) v[k] = (i + k) % 7 === 0 ? STALE_NAN : i + k / 10;
    const st = i % 2 ? new Float64Array(n).fill(T) : null;
    recs.push(enc.samples(alive, t, v, n, st));
    // Out-of-order samples of the oldest series, some below the checkpoint's minTime: the flag survives re-encoding.
    if (i % 7 === 3) recs.push(enc.samples([alive[0], alive[1]], new Float64Array([T + i * 1000 - 5000, T + i * 1000 - 60_000]), new Float64Array([i, -i]), 2, null, true));
    if (i % 17 === 5) recs.push(enc.tombstones([alive[0], alive[1]], [T, -Infinity], [T + i * 1000 - 500, T + 1000], 2));
    if (i % 13 === 0) recs.push(enc.metadata(new Map<string, MetricMetadata>([['m', { type: 'gauge', unit: '', help: `v${i}` }], [`f${i % 3}`, { type: 'counter', unit: 's', help: `c${i}` }]])));
    wal.log(...recs);
  }
  return wal;
}

/** What replay reconstructs: entries in order, metadata as its final map (a checkpoint moves it to its end). */
function state(events: Event[]): { entries: Event[]; metadata: Map<string, MetricMetadata> } {
  const metadata = new Map<string, MetricMetadata>();
  const entries: Event[] = [];
  for (const e of events) {
    if (e.kind === 'metadata') metadata.set(e.family, e.m);
    else entries.push(e);
  }
  return { entries, metadata: new Map([...metadata].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** What a checkpoint keeps of entries. */
function kept(e: Event): boolean {
  switch (e.kind) {
    case 'series':
    case 'dropped':
      return keepSeries(e.ref);
    case 'sample':
      return keepSeries(e.ref) && e.t >= MIN_TIME;
    case 'tombstone':
      return keepSeries(e.ref) && e.maxt >= MIN_TIME;
    default:
      return false;
  }
}

function eventsOfSegments(dir: string, from: number, to: number): Event[] {
  const events: Event[] = [];
  const dec = new RecordDecoder();
  const v = eventVisitor(events);
  readWal(dir, from, (_t, r) => dec.decode(r, v), { toSegment: to });
  return events;
}

/** The replay state expected after checkpointing `before` (a dir) through segment n. */
function expectedAfter(beforeEvents: Event[], throughEvents: Event[]): ReturnType<typeof state> {
  const later = beforeEvents.slice(throughEvents.length);
  return state([...throughEvents.filter((e) => e.kind === 'metadata' || kept(e)), ...later]);
}

const segmentNames = (dir: string) => readdirSync(dir).filter((n) => /^\d{8}$/.test(n)).sort();

function options(throughSegment: number, more: Partial<CheckpointOptions> = {}): CheckpointOptions {
  return { throughSegment, keepSeries, minTime: MIN_TIME, ...more };
}

describe('checkpoint', () => {
  it('keeps series, samples ≥ minTime, tombstones and drops of kept series and the latest metadata; deletes what it replaces', async () => {
    const dir = tmpDir();
    const wal = buildWal(dir, 120);
    const { first, last } = wal.segments();
    const through = first + Math.floor(((last - first) * 2) / 3);
    const before = replayEvents(dir).events;
    const throughEvents = eventsOfSegments(dir, first, through);
    const result = await checkpoint(wal, options(through));
    expect(result.checkpoint).toBe(through);
    expect(result.segmentsDeleted).toBe(through - first + 1);
    expect(result.samples.kept).toBeGreaterThan(0);
    expect(result.samples.dropped).toBeGreaterThan(0);
    expect(result.series.dropped).toBeGreaterThan(0);
    expect(result.report.repairs).toEqual([]);
    expect(existsSync(join(dir, `checkpoint.${String(through).padStart(8, '0')}`))).toBe(true);
    expect(segmentNames(dir)[0]).toBe(String(through + 1).padStart(8, '0'));
    expect(wal.segments()).toEqual({ first: through + 1, last });
    expect(wal.checkpointIndex()).toBe(through);

    const after = replayEvents(dir);
    expect(after.result.checkpoint).toBe(through);
    expect(after.result.firstSegment).toBe(through + 1);
    expect(state(after.events)).toEqual(expectedAfter(before, throughEvents));
    // Staleness markers went through the filter bit for bit.
    expect(after.events.some((e) => e.kind === 'sample' && e.v === '7ff0000000000002')).toBe(true);
    // Out-of-order samples kept their flag, also those of re-encoded records.
    expect(after.events.filter((e) => e.kind === 'sample' && e.ooo).length).toBeGreaterThan(0);
    // Every series' in-order samples are still in time order.
    const lastT = new Map<number, number>();
    for (const e of after.events) if (e.kind === 'sample' && !e.ooo) {
      expect(e.t).toBeGreaterThan(lastT.get(e.ref) ?? -Infinity);
      lastT.set(e.ref, e.t);
    }
    wal.close();
    let onDisk = 0;
    for (const n of segmentNames(dir)) onDisk += statSync(join(dir, n)).size;
    for (const n of readdirSync(join(dir, `checkpoint.${String(through).padStart(8, '0')}`))) onDisk += statSync(join(dir, `checkpoint.${String(through).padStart(8, '0')}`, n)).size;
    expect(wal.size()).toBe(onDisk);
  });

  it('folds the previous checkpoint into the next, and replays checkpoint then segments in order after reopening', async () => {
    const dir = tmpDir();
    let wal = buildWal(dir, 60);
    const before = replayEvents(dir).events;
    const first = await checkpoint(wal, options(wal.segments().last - 2));
    expect(first.checkpoint).not.toBeNull();
    const enc = new RecordEncoder();
    for (let i = 0; i < 40; i++) {
      enc.reset();
      wal.log(enc.samples([1, 2], new Float64Array(2).fill(T + (100 + i) * 1000), new Float64Array(2).fill(i), 2));
    }
    const through2 = wal.segments().last - 1;
    const mid = replayEvents(dir).events;
    const midThrough = mid.slice(0, mid.length - eventsOfSegments(dir, through2 + 1, Infinity).length);
    const second = await checkpoint(wal, options(through2));
    expect(second.checkpoint).toBe(through2);
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint.'))).toEqual([`checkpoint.${String(through2).padStart(8, '0')}`]);
    wal.close();
    wal = Wal.open(dir);
    const events: Event[] = [];
    wal.replay(eventVisitor(events));
    wal.close();
    expect(state(events)).toEqual(expectedAfter(mid, midThrough));
    expect(state(events).entries.length).toBeLessThan(state(before).entries.length + 80);
  });

  it('does nothing when no segment is left to fold, refuses the segment being written and a second concurrent run', async () => {
    const dir = tmpDir();
    const wal = buildWal(dir, 30);
    const { last } = wal.segments();
    await expect(checkpoint(wal, options(last))).rejects.toThrow(RangeError);
    await expect(checkpoint(wal, options(-1))).rejects.toThrow(RangeError);
    const running = checkpoint(wal, options(last - 1));
    await expect(checkpoint(wal, options(last - 1))).rejects.toThrow(/another checkpoint/);
    expect((await running).checkpoint).toBe(last - 1);
    expect((await checkpoint(wal, options(last - 1))).checkpoint).toBeNull();
    wal.close();
  });

  it('lets log() go on while it runs', async () => {
    const dir = tmpDir();
    const wal = buildWal(dir, 60);
    const through = wal.segments().last - 1;
    const running = checkpoint(wal, options(through));
    const enc = new RecordEncoder();
    for (let i = 0; i < 50; i++) {
      enc.reset();
      wal.log(enc.samples([1], new Float64Array([T + (200 + i) * 1000]), new Float64Array(1), 1));
      await new Promise((r) => setImmediate(r));
    }
    await running;
    wal.close();
    const times = replayEvents(dir).events.flatMap((e) => (e.kind === 'sample' && e.ref === 1 && e.t >= T + 200_000 ? [e.t] : []));
    expect(times).toEqual(Array.from({ length: 50 }, (_, i) => T + (200 + i) * 1000));
  });

  it('stops on an aborted signal, removing its tmp dir and deleting nothing', async () => {
    const dir = tmpDir();
    const wal = buildWal(dir, 60);
    const segmentsBefore = segmentNames(dir);
    const ac = new AbortController();
    ac.abort(new Error('shutting down'));
    await expect(checkpoint(wal, options(wal.segments().last - 1, { signal: ac.signal }))).rejects.toThrow(/shutting down/);
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint'))).toEqual([]);
    expect(segmentNames(dir)).toEqual(segmentsBefore);
    wal.close();
  });

  it('carries a corrupt source segment over up to the bad record and reports it', async () => {
    const dir = tmpDir();
    const wal = buildWal(dir, 60);
    const seg = join(dir, '00000001');
    const bytes = readFileSync(seg);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(seg, bytes);
    const result = await checkpoint(wal, options(wal.segments().last - 1));
    expect(result.report.repairs).toMatchObject([{ file: '00000001', reason: 'crc_mismatch' }]);
    expect(existsSync(join(dir, result.report.repairs[0].quarantine!))).toBe(true);
    wal.close();
  });
});

describe('a crash in the middle of a checkpoint leaves a replayable WAL', () => {
  /** A WAL dir before a checkpoint and a copy of it after one, plus what each replays. */
  async function beforeAndAfter(): Promise<{ before: string; after: string; through: number; name: string }> {
    const before = tmpDir();
    buildWal(before, 120).close();
    const after = tmpDir();
    cpSync(before, after, { recursive: true });
    // The copy's open starts a new head segment, which `before` lacks: give it the same one.
    const wal = Wal.open(after, { segmentSize: 2048 });
    const { first, last } = wal.segments();
    writeFileSync(join(before, String(last).padStart(8, '0')), '');
    const through = first + Math.floor(((last - first) * 2) / 3);
    await checkpoint(wal, options(through));
    wal.close();
    return { before, after, through, name: `checkpoint.${String(through).padStart(8, '0')}` };
  }

  const replayState = (dir: string) => {
    const logger = memoryLogger();
    const wal = Wal.open(dir, { logger });
    const events: Event[] = [];
    const result = wal.replay(eventVisitor(events));
    wal.close();
    return { state: state(events), events, result, logger };
  };

  it('crash while writing checkpoint.N.tmp: the tmp dir is removed and the old state replays', async () => {
    const { before, after, name } = await beforeAndAfter();
    const want = replayState(before).state;
    const crashed = tmpDir();
    cpSync(before, crashed, { recursive: true });
    mkdirSync(join(crashed, `${name}.tmp`));
    const full = readFileSync(join(after, name, '00000000'));
    writeFileSync(join(crashed, `${name}.tmp`, '00000000'), full.subarray(0, Math.floor(full.length / 2)));
    const got = replayState(crashed);
    expect(got.state).toEqual(want);
    expect(got.result.checkpoint).toBeNull();
    expect(got.result.report.repairs).toEqual([]);
    expect(existsSync(join(crashed, `${name}.tmp`))).toBe(false);
  });

  it('crash after the rename, before any segment was deleted: the checkpoint wins, and open deletes the covered segments', async () => {
    const { before, after, through, name } = await beforeAndAfter();
    const want = replayState(after).state;
    const crashed = tmpDir();
    cpSync(before, crashed, { recursive: true });
    cpSync(join(after, name), join(crashed, name), { recursive: true });
    const got = replayState(crashed);
    expect(got.state).toEqual(want);
    expect(got.result.checkpoint).toBe(through);
    expect(Number(segmentNames(crashed)[0])).toBe(through + 1);
    expect(got.logger.lines.some((l) => l.includes('removing a segment covered by the checkpoint'))).toBe(true);
  });

  it('crash halfway through deleting segments and before deleting the older checkpoint', async () => {
    const { after, through, name } = await beforeAndAfter();
    const want = replayState(after).state;
    // A second checkpoint, interrupted after its rename: older checkpoint and some segments remain.
    const wal = buildWal(after, 40, 120);
    const { last } = wal.segments();
    wal.close();
    const later = tmpDir();
    cpSync(after, later, { recursive: true });
    const w2 = Wal.open(later, { segmentSize: 2048 });
    const through2 = w2.segments().last - 2;
    await checkpoint(w2, options(through2));
    w2.close();
    const crashed = tmpDir();
    cpSync(after, crashed, { recursive: true });
    const name2 = `checkpoint.${String(through2).padStart(8, '0')}`;
    cpSync(join(later, name2), join(crashed, name2), { recursive: true });
    rmSync(join(crashed, String(through + 1).padStart(8, '0'))); // the first segment was deleted already
    expect(existsSync(join(crashed, name))).toBe(true);
    const got = replayState(crashed);
    expect(got.state).toEqual(replayState(later).state);
    expect(got.result.checkpoint).toBe(through2);
    expect(existsSync(join(crashed, name))).toBe(false);
    expect(want.entries.length).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(through2);
  });

  it('a truncated checkpoint segment replays up to its last whole record, then the rest of the checkpoint and the segments after it', async () => {
    const { after, through, name } = await beforeAndAfter();
    const seg = join(after, name, '00000000');
    const size = statSync(seg).size;
    const dec = new RecordDecoder();
    // Cut 5 bytes into a frame in the middle of the checkpoint.
    const b = readFileSync(seg);
    const offsets: number[] = [];
    for (let p = 0; p < b.length; p += 8 + b.readUInt32LE(p)) offsets.push(p);
    const cutFrame = offsets[Math.floor(offsets.length / 2)];
    truncateSync(seg, cutFrame + 5);
    const wantPrefix: Event[] = [];
    const pv = eventVisitor(wantPrefix);
    for (let p = 0; p < cutFrame; p += 8 + b.readUInt32LE(p)) dec.decode(b.subarray(p + 8, p + 8 + b.readUInt32LE(p)), pv);
    // The checkpoint's own later segments are intact (it rolls at segmentSize too), then the WAL's.
    const restOfCheckpoint = eventsOfSegments(join(after, name), 1, Infinity);
    expect(readdirSync(join(after, name)).length).toBeGreaterThan(1);
    const later = eventsOfSegments(after, through + 1, Infinity);
    const got = replayState(after);
    expect(got.events).toEqual([...wantPrefix, ...restOfCheckpoint, ...later]);
    expect(got.result.report.repairs).toEqual([
      { file: `${name}/00000000`, offset: cutFrame, lostBytes: 5, reason: 'torn', quarantine: `${name}.00000000.corrupt-${cutFrame}`, truncated: true },
    ]);
    expect(existsSync(join(after, `${name}.00000000.corrupt-${cutFrame}`))).toBe(true);
    expect(size).toBeGreaterThan(cutFrame);
  });
});
