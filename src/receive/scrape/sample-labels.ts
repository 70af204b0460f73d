/**
 * @module The labels a scraped series is stored under: exposed labels merged with the target's
 * (honor_labels), metric_relabel_configs, and the label limits (Prometheus scrape.go
 * mutateSampleLabels, mutateReportSampleLabels, verifyLabelLimits).
 *
 * Provenance: ported from prometheus/prometheus scrape/scrape.go (Apache-2.0).
 */
import { labelsFrom, labelValue, METRIC_NAME, type Labels } from '../../model/labels.ts';
import { relabel, type RelabelConfig } from '../../relabel/index.ts';

const EXPORTED_PREFIX = 'exported_';

/**
 * The stored labels of an exposed series, or null when metric relabelling drops it. With
 * `honorLabels` exposed labels win over target labels; without, target labels win and each
 * conflicting exposed label is kept as `exported_<name>` (prefixed again while that name is
 * taken, shortest names first, as Prometheus resolves them).
 */
export function mutateSampleLabels(exposed: Labels, target: Labels, honorLabels: boolean, metricRelabel: readonly RelabelConfig[]): Labels | null {
  const m = new Map<string, string>();
  for (const l of exposed) m.set(l.name, l.value);
  if (honorLabels) {
    for (const t of target) if (!m.has(t.name)) m.set(t.name, t.value);
  } else {
    const conflicts: Array<{ name: string; value: string }> = [];
    for (const t of target) {
      const was = m.get(t.name);
      if (was !== undefined) conflicts.push({ name: t.name, value: was });
      m.set(t.name, t.value);
    }
    conflicts.sort((a, b) => a.name.length - b.name.length); // stable, like slices.SortStableFunc
    for (const c of conflicts) {
      let name = c.name;
      for (;;) {
        name = EXPORTED_PREFIX + name;
        if (!m.get(name)) {
          m.set(name, c.value);
          break;
        }
      }
    }
  }
  const merged = labelsFrom(m);
  const out = metricRelabel.length > 0 ? relabel(merged, metricRelabel) : merged;
  return out === null || out.length === 0 ? null : out;
}

/** The labels of a report series (`up`, `scrape_*`): the target's labels plus the name. */
export function reportSampleLabels(name: string, target: Labels): Labels {
  return labelsFrom([...target.map((l): [string, string] => [l.name, l.value]), [METRIC_NAME, name]]);
}

/** Limits on the labels of one series; 0 = no limit. */
export interface LabelLimits {
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
}

/** Why `labels` break `limits` (Prometheus' message), or null. Lengths are in UTF-8 bytes, as in Go. */
export function checkLabelLimits(labels: Labels, limits: LabelLimits): string | null {
  const metric = labelValue(labels, METRIC_NAME).slice(0, 50);
  if (limits.labelLimit > 0 && labels.length > limits.labelLimit) {
    return `label_limit exceeded (metric: ${metric}, number of labels: ${labels.length}, limit: ${limits.labelLimit})`;
  }
  if (limits.labelNameLengthLimit === 0 && limits.labelValueLengthLimit === 0) return null;
  for (const l of labels) {
    const nameLen = Buffer.byteLength(l.name);
    if (limits.labelNameLengthLimit > 0 && nameLen > limits.labelNameLengthLimit) {
      return `label_name_length_limit exceeded (metric: ${metric}, label name: ${l.name.slice(0, 50)}, length: ${nameLen}, limit: ${limits.labelNameLengthLimit})`;
    }
    const valueLen = Buffer.byteLength(l.value);
    if (limits.labelValueLengthLimit > 0 && valueLen > limits.labelValueLengthLimit) {
      return `label_value_length_limit exceeded (metric: ${metric}, label name: ${l.name.slice(0, 50)}, value: ${JSON.stringify(l.value.slice(0, 50))}, length: ${valueLen}, limit: ${limits.labelValueLengthLimit})`;
    }
  }
  return null;
}
