/**
 * @module WAL checkpoints (Prometheus tsdb/checkpoint.go): folds the previous checkpoint and the
 * segments up to N into `checkpoint.N`, keeping only what replay still needs, then deletes what
 * it replaces. Written as `checkpoint.N.tmp`, fsynced, renamed: a crash at any step leaves either
 * the old state or the new one, both replayable (docs/format/wal.md).
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../model/labels.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { RecordDecodeError } from './codec.ts';
import { endSegment, skipUndecodable } from './reader.ts';
import { RecordDecoder, RecordEncoder, type RecordVisitor, type SeriesDropReason, type SeriesEntry } from './records.ts';
import { newRepairReport, type RepairReport } from './repair.ts';
import { SegmentReader } from './segment-reader.ts';
import { checkpointName, fsyncDir, listSegments, removeDir, SegmentSetWriter, segmentName } from './segment.ts';
import type { Wal } from './wal.ts';

/** Bytes read between two yields to the event loop. */
const YIELD_EVERY_BYTES = 4 << 20; // 4 MiB

/** Options of checkpoint(). */
export interface CheckpointOptions {
  /** Last segment folded in, inclusive; must be below the segment being written. */
  readonly throughSegment: number;
  /** Whether a series is still in the head: every entry about a series is kept iff this is true. */
  readonly keepSeries: (ref: number) => boolean;
  /** Samples before this (ms) are dropped, and tombstones whose interval ends before it. */
  readonly minTime: number;
  readonly signal?: AbortSignal;
}

/** What a checkpoint kept and dropped. */
export interface CheckpointResult {
  /** Index of the checkpoint written, or null when there was nothing to fold in. */
  readonly checkpoint: number | null;
  readonly series: { kept: number; dropped: number };
  readonly samples: { kept: number; dropped: number };
  readonly tombstones: { kept: number; dropped: number };
  /** Metric families (latest metadata of each). */
  readonly metadata: number;
  /** Records of unknown type or that did not decode, not carried over. */
  readonly recordsDropped: number;
  /** Bytes of the new checkpoint. */
  readonly bytes: number;
  /** WAL segments deleted after the checkpoint was in place. */
  readonly segmentsDeleted: number;
  /** Repairs made while reading the sources. */
  readonly report: RepairReport;
}

/**
 * Writes `checkpoint.<throughSegment>` from the latest checkpoint and the segments up to
 * throughSegment, keeping Series, Samples (t >= minTime), Tombstones (maxt >= minTime) and
 * SeriesDropped entries of series keepSeries() accepts, and the latest metadata per family; then
 * deletes those segments and older checkpoints. Yields to the event loop as it reads, while
 * log() goes on writing newer segments. One checkpoint at a time per Wal.
 */
export async function checkpoint(wal: Wal, options: CheckpointOptions): Promise<CheckpointResult> {
  const through = options.throughSegment;
  const head = wal.segments().last;
  if (!(Number.isSafeInteger(through) && through >= 0)) throw new RangeError(`checkpoint: throughSegment ${through} is not a segment index`);
  if (through >= head) throw new RangeError(`checkpoint: segment ${segmentName(through)} is not closed (the WAL writes ${segmentName(head)}); cutSegment() first`);
  if (!wal.beginCheckpoint()) throw new Error('checkpoint: another checkpoint of this WAL is running');
  try {
    return await run(wal, options);
  } finally {
    wal.endCheckpoint();
  }
}

async function run(wal: Wal, options: CheckpointOptions): Promise<CheckpointResult> {
  const through = options.throughSegment;
  const report = newRepairReport();
  const previous = wal.checkpointIndex();
  const segments = wal.segmentsThrough(through);
  const filter = new CheckpointFilter(options);
  if ((previous !== null && previous >= through) || segments.length === 0) return filter.result(null, 0, 0, report);

  const sources: string[] = [];
  if (previous !== null) for (const i of listSegments(join(wal.dir, checkpointName(previous)))) sources.push(`${checkpointName(previous)}/${segmentName(i)}`);
  for (const i of segments) sources.push(segmentName(i));

  const name = checkpointName(through);
  const tmp = join(wal.dir, `${name}.tmp`);
  removeDir(tmp);
  const writer = new SegmentSetWriter(tmp, wal.segmentSize);
  filter.out = writer;
  const decoder = new RecordDecoder();
  const logger = wal.logger;
  const started = Date.now();
  try {
    let sinceYield = 0;
    for (const file of sources) {
      const reader = new SegmentReader(join(wal.dir, file));
      try {
        while (reader.next()) {
          const record = reader.record();
          try {
            filter.begin(record);
            decoder.decode(record, filter);
            filter.end();
          } catch (err) {
            if (!(err instanceof RecordDecodeError)) throw err;
            filter.recordsDropped++;
            skipUndecodable(file, reader.offset, record, err, logger, report);
          }
          sinceYield += record.length;
          if (sinceYield >= YIELD_EVERY_BYTES) {
            sinceYield = 0;
            await new Promise((resolve) => setImmediate(resolve));
            checkAlive(wal, options.signal);
          }
        }
      } finally {
        reader.close();
      }
      endSegment(wal.dir, file, reader, { logger }, report);
    }
    filter.flushMetadata();
    writer.close();
    checkAlive(wal, options.signal);
  } catch (cause) {
    writer.abort();
    removeDir(tmp);
    throw new Error(`checkpoint through segment ${segmentName(through)}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  // The checkpoint is complete and durable: from the rename on, replay starts from it.
  renameSync(tmp, join(wal.dir, name));
  fsyncDir(wal.dir);
  const deleted = wal.applyCheckpoint(through, writer.bytes);
  fsyncDir(wal.dir);
  const result = filter.result(through, writer.bytes, deleted, report);
  logger?.info('wal: checkpoint written', {
    checkpoint: name,
    series: result.series.kept,
    series_dropped: result.series.dropped,
    samples: result.samples.kept,
    samples_dropped: result.samples.dropped,
    bytes: writer.bytes,
    segments_deleted: deleted,
    duration_ms: Date.now() - started,
  });
  return result;
}

function checkAlive(wal: Wal, signal: AbortSignal | undefined): void {
  if (wal.closed) throw new Error('the WAL was closed');
  signal?.throwIfAborted();
}

/** Decodes source records and writes what survives; an untouched record is copied as it is. */
class CheckpointFilter implements RecordVisitor {
  out: SegmentSetWriter | null = null;
  readonly #keep: (ref: number) => boolean;
  readonly #minTime: number;
  readonly #enc = new RecordEncoder();
  readonly #metadata = new Map<string, MetricMetadata>();
  #record: Uint8Array = new Uint8Array(0);
  #seen = 0;
  readonly #series: SeriesEntry[] = [];
  #refs = new Uint32Array(1024);
  #t = new Float64Array(1024);
  #v = new Float64Array(1024);
  #st = new Float64Array(1024);
  seriesKept = 0;
  droppedSeries = 0;
  samplesKept = 0;
  samplesDropped = 0;
  tombstonesKept = 0;
  tombstonesDropped = 0;
  recordsDropped = 0;

  constructor(options: CheckpointOptions) {
    this.#keep = options.keepSeries;
    this.#minTime = options.minTime;
  }

  begin(record: Uint8Array): void {
    this.#record = record;
    this.#seen = 0;
    this.#series.length = 0;
    this.#enc.reset();
  }

  /** Writes the kept series of a Series record (they arrive one by one). */
  end(): void {
    const kept = this.#series.length;
    if (kept === 0) return;
    this.out!.add(kept === this.#seen ? this.#record : this.#enc.series(this.#series));
  }

  #grow(n: number): void {
    if (n <= this.#refs.length) return;
    let cap = this.#refs.length;
    while (cap < n) cap *= 2;
    this.#refs = new Uint32Array(cap);
    this.#t = new Float64Array(cap);
    this.#v = new Float64Array(cap);
    this.#st = new Float64Array(cap);
  }

  series(ref: number, labels: Labels): void {
    this.#seen++;
    if (this.#keep(ref)) {
      this.#series.push({ ref, labels });
      this.seriesKept++;
    } else {
      this.droppedSeries++;
    }
  }

  samples(refs: Uint32Array, t: Float64Array, v: Float64Array, n: number, st: Float64Array | null, outOfOrder: boolean): void {
    this.#grow(n);
    const keep = this.#keep;
    const minTime = this.#minTime;
    const outRefs = this.#refs;
    const outT = this.#t;
    const outSt = this.#st;
    // Values move as uint32 pairs: bit-exact, whatever the engine does with NaN payloads.
    const inV = new Uint32Array(v.buffer, v.byteOffset, n * 2);
    const outV = new Uint32Array(this.#v.buffer, 0, n * 2);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (t[i] < minTime || !keep(refs[i])) continue;
      outRefs[k] = refs[i];
      outT[k] = t[i];
      outV[2 * k] = inV[2 * i];
      outV[2 * k + 1] = inV[2 * i + 1];
      if (st) outSt[k] = st[i];
      k++;
    }
    this.samplesKept += k;
    this.samplesDropped += n - k;
    if (k === 0) return;
    this.out!.add(k === n ? this.#record : this.#enc.samples(outRefs, outT, this.#v, k, st ? outSt : null, outOfOrder));
  }

  tombstones(refs: Uint32Array, mint: Float64Array, maxt: Float64Array, n: number): void {
    this.#grow(n);
    const outRefs = this.#refs;
    const outMint = this.#t;
    const outMaxt = this.#v;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (maxt[i] < this.#minTime || !this.#keep(refs[i])) continue;
      outRefs[k] = refs[i];
      outMint[k] = mint[i];
      outMaxt[k] = maxt[i];
      k++;
    }
    this.tombstonesKept += k;
    this.tombstonesDropped += n - k;
    if (k === 0) return;
    this.out!.add(k === n ? this.#record : this.#enc.tombstones(outRefs, outMint, outMaxt, k));
  }

  metadata(family: string, metadata: MetricMetadata): void {
    this.#metadata.delete(family); // keep the map in order of last write
    this.#metadata.set(family, metadata);
  }

  /** Writes the latest metadata of every family seen, as one record. */
  flushMetadata(): void {
    if (this.#metadata.size === 0) return;
    this.#enc.reset();
    this.out!.add(this.#enc.metadata(this.#metadata));
  }

  seriesDropped(refs: Uint32Array, n: number, reason: SeriesDropReason): void {
    // Kept only for series the caller still keeps, so replay gives what the original segments gave.
    this.#grow(n);
    const out = this.#refs;
    let k = 0;
    for (let i = 0; i < n; i++) if (this.#keep(refs[i])) out[k++] = refs[i];
    if (k === 0) return;
    this.out!.add(k === n ? this.#record : this.#enc.seriesDropped(out, k, reason));
  }

  unknown(): void {
    this.recordsDropped++;
  }

  result(checkpoint: number | null, bytes: number, segmentsDeleted: number, report: RepairReport): CheckpointResult {
    return {
      checkpoint,
      series: { kept: this.seriesKept, dropped: this.droppedSeries },
      samples: { kept: this.samplesKept, dropped: this.samplesDropped },
      tombstones: { kept: this.tombstonesKept, dropped: this.tombstonesDropped },
      metadata: this.#metadata.size,
      recordsDropped: this.recordsDropped,
      bytes,
      segmentsDeleted,
      report,
    };
  }
}
