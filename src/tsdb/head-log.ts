/**
 * @module The head's write-ahead logging (Prometheus tsdb/head_wal.go): every commit goes to the
 * WAL as Series, Samples and Metadata records with one write before its samples become visible,
 * and start-up replays the checkpoint and segments back into the head.
 */
import type { MetricMetadata } from '../storage/interface.ts';
import type { CommitBatch, Head } from './head/index.ts';
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
    if (batch.metadata.size > 0) records.push(enc.metadata(batch.metadata));
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
    samples(refs, t, v, n) {
      samples += head.replaySamples(refs, t, v, n);
      seen += n;
    },
    metadata(family, m) {
      metadata.set(family, m);
    },
  });
  head.applyMetadata(metadata);
  return { series, samples, skippedSamples: seen - samples, wal: result };
}
