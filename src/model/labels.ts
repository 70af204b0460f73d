/** @module Label sets: the identity of a series, kept sorted and canonical. */

/** One label pair. A label with an empty value does not exist in Prometheus, so it never appears here. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A label set sorted by name with unique names and no empty values. Treat as immutable. */
export type Labels = readonly Label[];

/** The metric name label. */
export const METRIC_NAME = '__name__';

// 0xff never occurs in valid UTF-8 text, so it cannot collide with label content.
const SEP = '\xff';

/**
 * Builds a canonical Labels from unsorted pairs: sorts by name, drops empty values;
 * on duplicate names the last pair wins.
 */
export function labelsFrom(pairs: Iterable<readonly [string, string]> | Record<string, string>): Labels {
  const map = new Map<string, string>(Symbol.iterator in pairs ? (pairs as Iterable<[string, string]>) : Object.entries(pairs));
  const out: Label[] = [];
  for (const [name, value] of map) if (value !== '') out.push({ name, value });
  out.sort(compareLabel);
  return out;
}

function compareLabel(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The canonical string of a label set: equal sets give equal keys. Use it as a Map key. */
export function labelsKey(labels: Labels): string {
  let s = '';
  for (let i = 0; i < labels.length; i++) s += labels[i].name + SEP + labels[i].value + SEP;
  return s;
}

/** Parses a key made by labelsKey back into Labels. */
export function labelsFromKey(key: string): Labels {
  const parts = key.split(SEP);
  const out: Label[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push({ name: parts[i], value: parts[i + 1] });
  return out;
}

/** The value of a label, or '' when absent. */
export function labelValue(labels: Labels, name: string): string {
  for (let i = 0; i < labels.length; i++) if (labels[i].name === name) return labels[i].value;
  return '';
}

/** Orders label sets the way Prometheus does (labels.Compare): pairwise by name, then value, then length. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value !== b[i].value) return a[i].value < b[i].value ? -1 : 1;
  }
  return a.length - b.length;
}

/** The label set as a plain object, as the HTTP API prints it. */
export function labelsToObject(labels: Labels): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of labels) o[l.name] = l.value;
  return o;
}
