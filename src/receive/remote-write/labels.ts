/** @module Turns the wire labels of a remote-write series into canonical Labels, or says why not. */
import { METRIC_NAME, type Label, type Labels } from '../../model/labels.ts';
import type { WireLabels } from '../../remote/write-request.ts';

/**
 * Canonical Labels from wire labels, as Prometheus' write handler and head do it: empty values
 * are dropped (a label with an empty value does not exist), then pairs are sorted by name.
 * Returns a reason string instead when the set is unusable: an empty name, a name given twice,
 * or no `__name__` (the remote write 1.0 spec requires one; Prometheus 3 drops such series too).
 */
export function canonicalLabels(wire: WireLabels): Labels | string {
  const { names, values, count } = wire;
  const out: Label[] = [];
  // Senders (Prometheus included) send labels sorted, so the sort is usually skipped.
  let sorted = true;
  for (let i = 0; i < count; i++) {
    if (values[i] === '') continue;
    if (sorted && out.length > 0 && names[i] < out[out.length - 1].name) sorted = false;
    out.push({ name: names[i], value: values[i] });
  }
  if (!sorted) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let hasName = false;
  for (let i = 0; i < out.length; i++) {
    const name = out[i].name;
    if (name === '') return `empty label name in ${describe(out)}`;
    if (i > 0 && name === out[i - 1].name) return `duplicate label name ${JSON.stringify(name)} in ${describe(out)}`;
    if (name === METRIC_NAME) hasName = true;
  }
  if (!hasName) return `series has no metric name (__name__): ${describe(out)}`;
  return out;
}

/** The label set in PromQL notation, for error messages. */
export function describe(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}
