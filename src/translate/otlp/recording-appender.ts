/** @module A fake Appender for tests: records committed samples as plain objects; can refuse chosen timestamps. */
import { labelsToObject, type Labels } from '../../model/labels.ts';
import { isStaleNaN } from '../../model/value.ts';
import type { Appendable, Appender, MetricMetadata, SeriesRef } from '../../storage/interface.ts';
import { StorageError } from '../../storage/interface.ts';

/** One recorded sample; `stale` tells the staleness marker from an ordinary NaN. */
export interface RecordedSample {
  labels: Record<string, string>;
  t: number;
  v: number;
  stale: boolean;
}

/** Records what is committed through its appenders. */
export class RecordingStore implements Appendable {
  readonly samples: RecordedSample[] = [];
  readonly metadata = new Map<string, MetricMetadata>();
  /** Timestamps at which append throws StorageError('out_of_order'). */
  readonly refuse = new Set<number>();

  appender(): Appender {
    const pending: RecordedSample[] = [];
    const meta = new Map<string, MetricMetadata>();
    return {
      append: (_ref: SeriesRef, labels: Labels, t: number, v: number) => {
        if (this.refuse.has(t)) throw new StorageError('out_of_order', `out of order sample at ${t}`);
        pending.push({ labels: labelsToObject(labels), t, v, stale: isStaleNaN(v) });
        return 1;
      },
      updateMetadata: (family, m) => void meta.set(family, m),
      commit: async () => {
        this.samples.push(...pending);
        for (const [k, m] of meta) this.metadata.set(k, m);
      },
      rollback: () => {},
    };
  }

  /** Samples whose __name__ is `name`. */
  named(name: string): RecordedSample[] {
    return this.samples.filter((s) => s.labels.__name__ === name);
  }
}
