/**
 * @module Metric families as node_exporter declares them (prometheus.NewDesc: name, help, type,
 * label names) and the emitter that turns a value plus label values into the canonical Labels an
 * ExpositionSink takes. The sort order of the labels is worked out once per family, not per sample.
 */
import { METRIC_NAME, type Label, type Labels } from '../../model/labels.ts';
import type { MetricType } from '../../storage/interface.ts';
import type { ExpositionSink } from '../scrape/exposition/types.ts';

/** One metric family: its name, HELP, TYPE and label names (in the order values are given). */
export class FamilyDesc {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Label names including __name__, sorted; `source[i]` is the index of its value, -1 for __name__. */
  readonly sortedNames: readonly string[];
  readonly source: readonly number[];

  constructor(name: string, type: MetricType, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    this.type = type;
    this.help = help;
    this.labelNames = labelNames;
    const order = [METRIC_NAME, ...labelNames].map((n, i) => ({ n, i: i - 1 }));
    order.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
    this.sortedNames = order.map((o) => o.n);
    this.source = order.map((o) => o.i);
  }
}

/** Shorthand for a gauge family. */
export function gauge(name: string, help: string, labelNames: readonly string[] = []): FamilyDesc {
  return new FamilyDesc(name, 'gauge', help, labelNames);
}

/** Shorthand for a counter family. */
export function counter(name: string, help: string, labelNames: readonly string[] = []): FamilyDesc {
  return new FamilyDesc(name, 'counter', help, labelNames);
}

/** Wraps an error thrown by the sink so collectors pass it up instead of counting it as their own failure. */
export class SinkError extends Error {
  constructor(cause: unknown) {
    super('exposition sink failed', { cause });
    this.name = 'SinkError';
  }
}

/**
 * Writes samples of host metric families into an ExpositionSink. A family's metadata goes to the
 * sink right before its first sample of a collection; families without samples get none, as in
 * node_exporter's output. Every sample gets a fresh Labels array (the sink may keep it); label
 * values that are empty are left out, since an empty label does not exist in Prometheus.
 */
export class MetricEmitter {
  readonly #sink: ExpositionSink;
  readonly #announced = new Set<FamilyDesc>();
  /** Samples written since construction. */
  samples = 0;

  constructor(sink: ExpositionSink) {
    this.#sink = sink;
  }

  /** Writes one sample; `values` are the label values in the order of `desc.labelNames`. */
  emit(desc: FamilyDesc, value: number, ...values: string[]): void {
    if (values.length !== desc.labelNames.length) {
      throw new Error(`${desc.name}: ${values.length} label values for ${desc.labelNames.length} label names`);
    }
    const labels: Label[] = [];
    const names = desc.sortedNames;
    const source = desc.source;
    for (let i = 0; i < names.length; i++) {
      const v = source[i] < 0 ? desc.name : values[source[i]];
      if (v !== '') labels.push({ name: names[i], value: v });
    }
    this.#write(desc, labels, value);
  }

  #write(desc: FamilyDesc, labels: Labels, value: number): void {
    const sink = this.#sink;
    try {
      if (!this.#announced.has(desc)) {
        this.#announced.add(desc);
        sink.metadata?.(desc.name, { type: desc.type, unit: '', help: desc.help });
      }
      sink.sample(desc.name, labels, value, undefined);
    } catch (err) {
      throw new SinkError(err);
    }
    this.samples++;
  }
}
