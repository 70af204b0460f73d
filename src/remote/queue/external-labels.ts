/**
 * @module `global.external_labels` on the way out: every series sent by remote write carries
 * them, unless it has a label of that name itself (Prometheus storage/remote
 * processExternalLabels). They are added before write_relabel_configs run, as in Prometheus.
 */
import type { Label, Labels } from '../../model/labels.ts';

/**
 * `labels` with each of `external` it lacks; both sorted by name (canonical), and so is the
 * result. Returns `labels` itself when there is nothing to add.
 */
export function withExternalLabels(labels: Labels, external: Labels): Labels {
  if (external.length === 0) return labels;
  const out: Label[] = [];
  let i = 0;
  let j = 0;
  while (i < labels.length && j < external.length) {
    const a = labels[i];
    const b = external[j];
    if (a.name < b.name) { out.push(a); i++; }
    else if (a.name > b.name) { out.push(b); j++; }
    else { out.push(a); i++; j++; } // the series' own value wins
  }
  while (i < labels.length) out.push(labels[i++]);
  while (j < external.length) out.push(external[j++]);
  return out.length === labels.length ? labels : out;
}
