/**
 * @module The engine's working representation: an instant vector evaluated at every step of a
 * query, kept as one column of values per series plus a presence mask (NaN is a legitimate
 * value, so absence needs its own bit). Instant queries are the one-step case.
 */
import { METRIC_NAME, type Label, type Labels } from '../../model/labels.ts';

/** One series over the query's steps. `values[i]` is meaningful only where `present[i]` is 1. */
export interface StepSeries {
  labels: Labels;
  readonly values: Float64Array;
  readonly present: Uint8Array;
  /** Delayed name removal: the metric name (and __type__/__unit__) go at the end of evaluation. */
  dropName: boolean;
}

/** The time grid of one evaluation: `steps` points from `start` every `interval` ms. */
export interface StepGrid {
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  readonly steps: number;
}

export function makeGrid(start: number, end: number, interval: number): StepGrid {
  return { start, end, interval, steps: Math.floor((end - start) / interval) + 1 };
}

export function newSeries(labels: Labels, steps: number, dropName = false): StepSeries {
  return { labels, values: new Float64Array(steps), present: new Uint8Array(steps), dropName };
}

/** A series present at every step with the same value (vector(), literals as vectors). */
export function constantSeries(labels: Labels, steps: number, v: number): StepSeries {
  const s = newSeries(labels, steps);
  s.values.fill(v);
  s.present.fill(1);
  return s;
}

/** Whether the series has a value at any step. */
export function anyPresent(s: StepSeries): boolean {
  const p = s.present;
  for (let i = 0; i < p.length; i++) if (p[i] === 1) return true;
  return false;
}

const TYPE_LABEL = '__type__';
const UNIT_LABEL = '__unit__';

/** The labels without the metric name and the metadata labels that go with it. */
export function dropMetricName(labels: Labels): Labels {
  let has = false;
  for (const l of labels) if (l.name === METRIC_NAME || l.name === TYPE_LABEL || l.name === UNIT_LABEL) has = true;
  if (!has) return labels;
  return labels.filter((l) => l.name !== METRIC_NAME && l.name !== TYPE_LABEL && l.name !== UNIT_LABEL);
}

/** Labels minus the given names. */
export function withoutLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  let drop = false;
  for (const l of labels) if (names.has(l.name)) drop = true;
  return drop ? labels.filter((l) => !names.has(l.name)) : labels;
}

/** Only the given names. */
export function onlyLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => names.has(l.name));
}

/** Labels with `name` set to `value` (removed when value is ''), kept sorted. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (!done && l.name >= name) {
      if (value !== '') out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== '') out.push({ name, value });
  return out;
}

// 0xff never occurs in valid UTF-8 text, so keys cannot collide.
const SEP = '\xff';

/** A matching signature over the given label names (`on`) or over all but them (`ignoring`). */
export function signature(labels: Labels, names: ReadonlySet<string>, on: boolean): string {
  let s = '';
  for (const l of labels) {
    if (names.has(l.name) === on) s += l.name + SEP + l.value + SEP;
  }
  return s;
}
