/**
 * @module info(v, selector) (Prometheus 3, experimental): adds to each series of v the data
 * labels of the info series (target_info by default) that share its identifying labels
 * (instance, job) at each step.
 */
import { labelsKey, labelValue, METRIC_NAME, type Labels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import type { VectorSelector } from '../ast.ts';
import type { PositionRange } from '../errors.ts';
import { PromqlError } from '../errors.ts';
import { newSeries, setLabel, type StepSeries } from './step-series.ts';

const ID_LABELS = ['instance', 'job'];

export interface InfoSelector {
  /** Selects the info series (name and data matchers). */
  readonly selector: VectorSelector;
  readonly nameMatchers: readonly Matcher[];
  readonly dataMatchers: readonly Matcher[];
}

/**
 * The info series to look at. No __name__ matcher means target_info; only negative ones are
 * limited to names ending in _info, so ordinary metrics never count as info series.
 */
export function infoSelector(given: readonly Matcher[], pos: PositionRange): InfoSelector {
  let nameMatchers = given.filter((m) => m.name === METRIC_NAME);
  const dataMatchers = given.filter((m) => m.name !== METRIC_NAME);
  if (nameMatchers.length === 0) nameMatchers = [new Matcher('=', METRIC_NAME, 'target_info')];
  else if (!nameMatchers.some((m) => m.type === '=' || m.type === '=~')) nameMatchers = [...nameMatchers, new Matcher('=~', METRIC_NAME, '.+_info')];
  const selector: VectorSelector = { type: 'VectorSelector', name: '', matchers: [...nameMatchers, ...dataMatchers], offset: null, at: null, mode: 'plain', pos };
  return { selector, nameMatchers, dataMatchers };
}

/**
 * `infoTimes` holds the info series evaluated at every step with each sample's time as value,
 * so the latest one per info metric wins when several match.
 */
export function enrichWithInfo(base: readonly StepSeries[], infoTimes: readonly StepSeries[], sel: InfoSelector, steps: number): StepSeries[] {
  const { nameMatchers, dataMatchers } = sel;
  const infos = infoTimes;
  const dataNames = new Set(dataMatchers.map((m) => m.name));
  const emptyOk = dataMatchers.every((m) => m.matches(''));
  const infoIds = infos.map((s) => ID_LABELS.map((n) => labelValue(s.labels, n)));
  const out = new Map<string, StepSeries>();
  const put = (labels: Labels, dropName: boolean, i: number, v: number): void => {
    const key = labelsKey(labels);
    let s = out.get(key);
    if (!s) out.set(key, (s = newSeries(labels, steps, dropName)));
    else if (s.present[i] === 1) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
    s.values[i] = v;
    s.present[i] = 1;
  };
  for (const b of base) {
    const name = labelValue(b.labels, METRIC_NAME);
    const isInfo = nameMatchers.every((m) => m.matches(name));
    const ids = ID_LABELS.map((n) => labelValue(b.labels, n));
    const hasId = ids.some((v) => v !== '');
    for (let i = 0; i < steps; i++) {
      if (b.present[i] === 0) continue;
      if (isInfo || !hasId) {
        if (isInfo || emptyOk) put(b.labels, b.dropName, i, b.values[i]);
        continue;
      }
      // The latest info series per metric name that shares the identifying labels.
      const chosen = new Map<string, { idx: number; t: number }>();
      for (let k = 0; k < infos.length; k++) {
        if (infos[k].present[i] === 0) continue;
        if (!ids.every((v, j) => v === '' || infoIds[k][j] === v)) continue;
        const infoName = labelValue(infos[k].labels, METRIC_NAME);
        const prev = chosen.get(infoName);
        if (!prev || infos[k].values[i] > prev.t) chosen.set(infoName, { idx: k, t: infos[k].values[i] });
      }
      if (chosen.size === 0) {
        if (emptyOk) put(b.labels, b.dropName, i, b.values[i]);
        continue;
      }
      let labels = b.labels;
      const added = new Map<string, string>();
      for (const { idx } of chosen.values()) {
        for (const l of infos[idx].labels) {
          if (l.name === METRIC_NAME || ID_LABELS.includes(l.name)) continue;
          if (dataNames.size > 0 && !dataNames.has(l.name)) continue;
          if (labelValue(b.labels, l.name) !== '') continue;
          const prev = added.get(l.name);
          if (prev !== undefined && prev !== l.value) throw new PromqlError('execution', `conflicting label: ${l.name} has values ${JSON.stringify(prev)} and ${JSON.stringify(l.value)} in different info series`);
          added.set(l.name, l.value);
        }
      }
      for (const [n, v] of added) labels = setLabel(labels, n, v);
      put(labels, b.dropName, i, b.values[i]);
    }
  }
  return [...out.values()];
}
