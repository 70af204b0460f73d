/**
 * @module The head's write-ahead logging (Prometheus tsdb/head_wal.go): every commit goes to the
 * WAL as Series, Samples (in order, then out of order) and Metadata records with one write before
 * its samples become visible, a delete as Tombstones and SeriesDropped records, and start-up
 * replays the checkpoint and segments back into the head.
 */
import type { MetricMetadata } from '../storage/interface.ts';
import type { CommitBatch, DeletePlan, Head } from './head/index.ts';
import { RecordEncoder, type ReplayResult, type Wal } from './wal/index.ts';

/** Writes commit batches to a WAL; the head's onCommit. */
export class CommitLog {
  readonly #wal: Wal;
  readonly #encoder = new RecordEncoder();
  readonly #records: Uint8Array[] = [];

  constructor(wal: Wal) {
    this.#wal = wal;
  }

  /** Logs one batch with one write(2); throws when the WAL cannot take it (the commit then fails). */
  log(batch: CommitBatch): void {
    const enc = this.#encoder;
    const records = this.#records;
    enc.reset();
    records.length = 0;
    if (batch.series.length > 0) records.push(enc.series(batch.series));
    if (batch.n > 0) records.push(enc.samples(batch.refs, batch.t, batch.v, batch.n));
    if (batch.oooN > 0) records.push(enc.samples(batch.oooRefs, batch.oooT, batch.oooV, batch.oooN, null, true));
    if (batch.metadata.size > 0) records.push(enc.metadata(batch.metadata));
    if (records.length > 0) this.#wal.log(...records);
  }

  /** Logs a delete with one write(2): tombstones of the series that keep samples, then the series dropped. */
  logDelete(plan: DeletePlan): void {
    const enc = this.#encoder;
    const records = this.#records;
    enc.reset();
    records.length = 0;
    if (plan.refs.length > 0) records.push(enc.tombstones(plan.refs, plan.mint, plan.maxt, plan.refs.length));
    if (plan.drop.length > 0) records.push(enc.seriesDropped(plan.drop, plan.drop.length, 'deleted'));
    if (records.length > 0) this.#wal.log(...records);
  }
}

/** What replayIntoHead applied. */
export interface HeadReplay {
  readonly series: number;
  readonly samples: number;
  /** Samples in the WAL that were not applied: before the head's minValidT (already in a block), of unknown series, or out of order. */
  readonly skippedSamples: number;
  readonly wal: ReplayResult;
}

/**
 * Replays the WAL (checkpoint, then segments; repaired on the way) into `head`. Samples below
 * head.minValidT are skipped: a block already holds them, so set minValidT first.
 */
export function replayIntoHead(wal: Wal, head: Head): HeadReplay {
  let series = 0;
  let samples = 0;
  let seen = 0;
  const metadata = new Map<string, MetricMetadata>();
  const result = wal.replay({
    series(ref, labels) {
      head.replaySeries(ref, labels);
      series++;
    },
    samples(refs, t, v, n, _st, outOfOrder) {
      samples += outOfOrder ? head.replayOutOfOrder(refs, t, v, n) : head.replaySamples(refs, t, v, n);
      seen += n;
    },
    tombstones(refs, mint, maxt, n) {
      head.replayTombstones(refs, mint, maxt, n);
    },
    seriesDropped(refs, n) {
      head.replaySeriesDropped(refs, n);
    },
    metadata(family, m) {
      metadata.set(family, m);
    },
  });
  head.applyMetadata(metadata);
  return { series, samples, skippedSamples: seen - samples, wal: result };
}
