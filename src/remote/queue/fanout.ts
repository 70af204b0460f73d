/**
 * @module An Appendable that writes to the local store and, once that commit succeeded, hands the
 * same batch to each remote-write queue, so a sample acknowledged to a sender is in the local
 * store and in every queue's disk buffer before commit() resolves.
 */
import type { Logger } from '../../log.ts';
import type { Labels } from '../../model/labels.ts';
import type { Appendable, Appender, MetricMetadata, SeriesRef } from '../../storage/interface.ts';
import type { RemoteWriteQueue, SampleBatch } from './queue.ts';

/**
 * Wraps `primary` so every committed batch is also appended to each queue (which applies its own
 * write_relabel_configs). append() and commit() keep the primary's StorageError semantics: a
 * sample the primary refuses is not queued, and a failed primary commit queues nothing. Problems
 * of a queue never fail the commit (the local store already has the data); each queue counts and
 * logs them itself. With no queues this returns `primary` unchanged.
 */
export function fanoutAppendable(primary: Appendable, queues: readonly RemoteWriteQueue[], logger?: Logger): Appendable {
  if (queues.length === 0) return primary;
  const list = [...queues];
  return { appender: () => new FanoutAppender(primary.appender(), list, logger) };
}

const INITIAL_SAMPLES = 256;

/** Buffers the batch in columns (one Labels reference, t and v per sample; no object per sample). */
class FanoutAppender implements Appender {
  readonly #primary: Appender;
  readonly #queues: readonly RemoteWriteQueue[];
  readonly #logger: Logger | undefined;
  #labels: Labels[] = [];
  #t = new Float64Array(INITIAL_SAMPLES);
  #v = new Float64Array(INITIAL_SAMPLES);
  #n = 0;
  #metadata: Map<string, MetricMetadata> | null = null;

  constructor(primary: Appender, queues: readonly RemoteWriteQueue[], logger: Logger | undefined) {
    this.#primary = primary;
    this.#queues = queues;
    this.#logger = logger;
  }

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    const out = this.#primary.append(ref, labels, t, v); // a StorageError leaves the sample out of the queues too
    const n = this.#n;
    if (n === this.#t.length) {
      const nt = new Float64Array(n * 2);
      nt.set(this.#t);
      this.#t = nt;
      const nv = new Float64Array(n * 2);
      nv.set(this.#v);
      this.#v = nv;
    }
    this.#labels[n] = labels;
    this.#t[n] = t;
    this.#v[n] = v;
    this.#n = n + 1;
    return out;
  }

  updateMetadata(metricFamily: string, metadata: MetricMetadata): void {
    this.#primary.updateMetadata(metricFamily, metadata);
    (this.#metadata ??= new Map()).set(metricFamily, metadata);
  }

  async commit(): Promise<void> {
    try {
      await this.#primary.commit();
      if (this.#n === 0 && this.#metadata === null) return;
      const batch: SampleBatch = { n: this.#n, labels: this.#labels, t: this.#t, v: this.#v, metadata: this.#metadata };
      for (const q of this.#queues) {
        try {
          q.appendBatch(batch);
        } catch (err) {
          this.#logger?.error('remote write: queue append failed', { remote_name: q.name, samples: this.#n, err: err as Error });
        }
      }
    } finally {
      this.#release();
    }
  }

  rollback(): void {
    this.#release();
    this.#primary.rollback();
  }

  #release(): void {
    this.#labels = [];
    this.#n = 0;
    this.#metadata = null;
  }
}
