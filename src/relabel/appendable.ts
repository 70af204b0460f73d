/**
 * @module Relabelling in front of a store: an Appendable that applies `metric_relabel_configs`
 * to every series on its way in, as Alloy's prometheus.relabel does between a receiver and a
 * remote_write. Series a rule drops are left out silently (not an error, as in Prometheus).
 */
import type { Labels } from '../model/labels.ts';
import type { Appendable, Appender, MetricMetadata, SeriesRef } from '../storage/interface.ts';
import type { RelabelConfig } from './config.ts';
import { relabel } from './relabel.ts';

/** `inner` behind `configs`; `inner` itself when there are no rules. */
export function relabelAppendable(inner: Appendable, configs: readonly RelabelConfig[]): Appendable {
  if (configs.length === 0) return inner;
  // Writers hand the same label array for a series again and again (translator caches), so the
  // outcome is kept per array; an entry goes when the writer lets go of its array.
  const outcomes = new WeakMap<Labels, Labels | null>();
  const relabelled = (labels: Labels): Labels | null => {
    let out = outcomes.get(labels);
    if (out === undefined) {
      out = relabel(labels, configs);
      // A rule that removes __name__ leaves a series no query can name; Prometheus drops it too.
      if (out !== null && (out.length === 0 || !out.some((l) => l.name === '__name__'))) out = null;
      outcomes.set(labels, out);
    }
    return out;
  };
  return { appender: () => new RelabellingAppender(inner.appender(), relabelled) };
}

class RelabellingAppender implements Appender {
  constructor(
    readonly inner: Appender,
    readonly relabelled: (labels: Labels) => Labels | null,
  ) {}

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    const out = this.relabelled(labels);
    // 0 tells the writer not to cache a ref for a dropped series; it asks again, from the WeakMap.
    if (out === null) return 0;
    return this.inner.append(ref, out, t, v);
  }

  updateMetadata(metricFamily: string, metadata: MetricMetadata): void {
    this.inner.updateMetadata(metricFamily, metadata);
  }

  commit(): Promise<void> {
    return this.inner.commit();
  }

  rollback(): void {
    this.inner.rollback();
  }
}
