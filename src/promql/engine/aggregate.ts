/**
 * @module Aggregation operators over step series. Groups are fixed per series (labels do not
 * change between steps), so each series' group is computed once and every step accumulates
 * into per-group columns, as Prometheus' rangeEvalAgg does with its per-step groups.
 */
import { labelsKey, type Labels } from '../../model/labels.ts';
import type { AggregateOp } from '../ast.ts';
import { PromqlError } from '../errors.ts';
import { formatFloatPlain, kahanSumInc, KAHAN, quantile } from './float-math.ts';
import { dropMetricName, newSeries, onlyLabels, setLabel, withoutLabels, type StepSeries } from './step-series.ts';
import type { Annotations } from './annotations.ts';

export interface AggregateSpec {
  readonly op: AggregateOp;
  readonly grouping: readonly string[];
  readonly without: boolean;
  /** k, q or ratio per step (topk, bottomk, quantile, limitk, limit_ratio). */
  readonly param: Float64Array | null;
  /** The label name of count_values. */
  readonly stringParam: string | null;
}

interface Grouped {
  readonly groupOf: Int32Array;
  readonly groupLabels: Labels[];
}

// 0xff never occurs in valid UTF-8 text, so keys cannot collide (as model/labels.ts labelsKey).
const SEP = '\xff';
const META_LABELS: ReadonlySet<string> = new Set(['__name__', '__type__', '__unit__']);

/** Assigns series to aggregation groups one at a time, in order of first appearance. */
class Grouper {
  readonly #names: Set<string>;
  readonly #without: boolean;
  readonly #byKey = new Map<string, number>();
  readonly groupLabels: Labels[] = [];

  constructor(spec: AggregateSpec) {
    this.#names = new Set(spec.grouping);
    if (spec.without) this.#names.add('__name__');
    this.#without = spec.without;
  }

  /**
   * The group index of a series. The key is built straight from the series' labels (the group's
   * labels in order, as labelsKey would write them), so a series of a known group allocates
   * nothing but that string; the group's own labels are built once, for its first series.
   */
  groupOf(s: StepSeries): number {
    const labels = s.labels;
    const drop = s.dropName;
    const names = this.#names;
    const keep = !this.#without;
    let key = '';
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (names.has(l.name) !== keep || (drop && META_LABELS.has(l.name))) continue;
      key += l.name + SEP + l.value + SEP;
    }
    let g = this.#byKey.get(key);
    if (g === undefined) {
      g = this.groupLabels.length;
      this.#byKey.set(key, g);
      const base = drop ? dropMetricName(labels) : labels;
      this.groupLabels.push(this.#without ? withoutLabels(base, names) : onlyLabels(base, names));
    }
    return g;
  }
}

function groupSeries(series: readonly StepSeries[], spec: AggregateSpec): Grouped {
  const grouper = new Grouper(spec);
  const groupOf = new Int32Array(series.length);
  for (let i = 0; i < series.length; i++) groupOf[i] = grouper.groupOf(series[i]);
  return { groupOf, groupLabels: grouper.groupLabels };
}

/** The aggregations that fold each input series into their group as it comes (no parameter, one value per group). */
export const STREAMING_AGGREGATIONS: ReadonlySet<AggregateOp> = new Set<AggregateOp>(['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar']);

/** Evaluates one aggregation over all steps. */
export function aggregate(series: readonly StepSeries[], spec: AggregateSpec, steps: number, annotations: Annotations): StepSeries[] {
  switch (spec.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return selectK(series, spec, steps, annotations);
    case 'count_values':
      return countValues(series, spec, steps);
    case 'quantile':
      return quantileAgg(series, spec, steps, annotations);
    default:
      return simpleAgg(series, spec, steps);
  }
}

function simpleAgg(series: readonly StepSeries[], spec: AggregateSpec, steps: number): StepSeries[] {
  const acc = new StreamingAggregator(spec, steps);
  for (const s of series) acc.add(s);
  return acc.result();
}

/**
 * sum: each present step's value Kahan-added into its group's column from `base` (the
 * arithmetic of float-math.ts kahanSumInc, inline; the first value only sets the sum).
 */
function addSum(vals: Float64Array, pres: Uint8Array, base: number, steps: number, value: Float64Array, comp: Float64Array, count: Float64Array): void {
  for (let i = 0; i < steps; i++) {
    if (pres[i] === 0) continue;
    const f = vals[i];
    const at = base + i;
    const n = count[at];
    count[at] = n + 1;
    if (n === 0) {
      value[at] = f;
      comp[at] = 0;
      continue;
    }
    const sum = value[at];
    const t = sum + f;
    let c = comp[at];
    if (t === Infinity || t === -Infinity) c = 0;
    else if (Math.abs(sum) >= Math.abs(f)) c += sum - t + f;
    else c += f - t + sum;
    value[at] = t;
    comp[at] = c;
  }
}

/** count and group: only how many series are present at each step. */
function addCount(pres: Uint8Array, base: number, steps: number, count: Float64Array): void {
  for (let i = 0; i < steps; i++) if (pres[i] !== 0) count[base + i]++;
}

/**
 * sum, avg, count, group, min, max, stddev and stdvar folded one input series at a time, so a
 * caller can reuse one buffer for every input series (Prometheus' per-group accumulation).
 */
export class StreamingAggregator {
  readonly #grouper: Grouper;
  readonly #op: AggregateOp;
  readonly #steps: number;
  #value = new Float64Array(0);
  #comp = new Float64Array(0);
  #mean = new Float64Array(0);
  #count = new Float64Array(0);
  #incremental = new Uint8Array(0);

  constructor(spec: AggregateSpec, steps: number) {
    if (!STREAMING_AGGREGATIONS.has(spec.op)) throw new Error(`${spec.op} does not stream`);
    this.#grouper = new Grouper(spec);
    this.#op = spec.op;
    this.#steps = steps;
  }

  /** Folds one series in; the series may be reused by the caller afterwards. */
  add(s: StepSeries): void {
    const steps = this.#steps;
    const g = this.#grouper.groupOf(s);
    if ((g + 1) * steps > this.#count.length) this.#grow((g + 1) * steps);
    // One loop per operator, so the per-step work has no dispatch.
    switch (this.#op) {
      case 'sum':
        addSum(s.values, s.present, g * steps, steps, this.#value, this.#comp, this.#count);
        break;
      case 'count':
      case 'group':
        addCount(s.present, g * steps, steps, this.#count);
        break;
      default:
        this.#addOther(s, g * steps);
    }
  }

  /** avg, min, max, stddev, stdvar. */
  #addOther(s: StepSeries, base: number): void {
    const steps = this.#steps;
    const value = this.#value;
    const comp = this.#comp;
    const mean = this.#mean;
    const count = this.#count;
    const incremental = this.#incremental;
    const op = this.#op;
    const vals = s.values;
    const pres = s.present;
    for (let i = 0; i < steps; i++) {
      if (pres[i] === 0) continue;
      const f = vals[i];
      const at = base + i;
      const c = count[at];
      if (c === 0) {
        count[at] = 1;
        value[at] = op === 'stddev' || op === 'stdvar' ? 0 : f;
        mean[at] = f;
        comp[at] = 0;
        if ((op === 'stddev' || op === 'stdvar') && !Number.isFinite(f)) value[at] = NaN;
        continue;
      }
      count[at] = c + 1;
      switch (op) {
        case 'avg': {
          const gc = c + 1;
          if (incremental[at] === 0) {
            const nv = kahanSumInc(f, value[at], comp[at]);
            if (nv !== Infinity && nv !== -Infinity) {
              value[at] = nv;
              comp[at] = KAHAN.c;
              break;
            }
            incremental[at] = 1;
            mean[at] = value[at] / (gc - 1);
            comp[at] /= gc - 1;
          }
          const q = (gc - 1) / gc;
          mean[at] = kahanSumInc(f / gc, q * mean[at], q * comp[at]);
          comp[at] = KAHAN.c;
          break;
        }
        case 'max':
          if (value[at] < f || Number.isNaN(value[at])) value[at] = f;
          break;
        case 'min':
          if (value[at] > f || Number.isNaN(value[at])) value[at] = f;
          break;
        case 'stddev':
        case 'stdvar': {
          const gc = c + 1;
          if (!Number.isFinite(f)) {
            value[at] = NaN;
            break;
          }
          const delta = f - mean[at];
          mean[at] += delta / gc;
          value[at] += delta * (f - mean[at]);
          break;
        }
        default:
          break;
      }
    }
  }

  #grow(min: number): void {
    const n = Math.max(min, this.#count.length * 2);
    const grow = <T extends Float64Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.#value = grow(this.#value, new Float64Array(n));
    this.#comp = grow(this.#comp, new Float64Array(n));
    this.#mean = grow(this.#mean, new Float64Array(n));
    this.#count = grow(this.#count, new Float64Array(n));
    this.#incremental = grow(this.#incremental, new Uint8Array(n));
  }

  /** One series per group that has a value at some step, in order of first appearance. */
  result(): StepSeries[] {
    const steps = this.#steps;
    const op = this.#op;
    const { value, comp, mean, count, incremental } = { value: this.#value, comp: this.#comp, mean: this.#mean, count: this.#count, incremental: this.#incremental };
    const groupLabels = this.#grouper.groupLabels;
    const out: StepSeries[] = [];
    for (let g = 0; g < groupLabels.length; g++) {
      const r = newSeries(groupLabels[g], steps);
      let any = false;
      for (let i = 0; i < steps; i++) {
        const at = g * steps + i;
        const c = count[at];
        if (c === 0) continue;
        let v: number;
        switch (op) {
          case 'sum': {
            const sum = value[at];
            v = sum === Infinity || sum === -Infinity ? sum : sum + comp[at];
            break;
          }
          case 'avg':
            v = incremental[at] === 1 ? mean[at] + comp[at] : value[at] / c + comp[at] / c;
            break;
          case 'count': v = c; break;
          case 'group': v = 1; break;
          case 'stdvar': v = value[at] / c; break;
          case 'stddev': v = Math.sqrt(value[at] / c); break;
          default: v = value[at];
        }
        r.values[i] = v;
        r.present[i] = 1;
        any = true;
      }
      if (any) out.push(r);
    }
    return out;
  }
}

function quantileAgg(series: readonly StepSeries[], spec: AggregateSpec, steps: number, annotations: Annotations): StepSeries[] {
  const { groupOf, groupLabels } = groupSeries(series, spec);
  const q = spec.param!;
  for (let i = 0; i < steps; i++) {
    if (!(q[i] >= 0 && q[i] <= 1)) annotations.warn(`quantile value should be between 0 and 1, got ${formatQ(q[i])}`);
  }
  const out: StepSeries[] = groupLabels.map((l) => newSeries(l, steps));
  const buckets: number[][] = groupLabels.map(() => []);
  for (let i = 0; i < steps; i++) {
    for (const b of buckets) b.length = 0;
    for (let si = 0; si < series.length; si++) if (series[si].present[i] === 1) buckets[groupOf[si]].push(series[si].values[i]);
    for (let g = 0; g < buckets.length; g++) {
      if (buckets[g].length === 0) continue;
      out[g].values[i] = quantile(q[i], buckets[g]);
      out[g].present[i] = 1;
    }
  }
  return out.filter((s) => s.present.includes(1));
}

function formatQ(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

function countValues(series: readonly StepSeries[], spec: AggregateSpec, steps: number): StepSeries[] {
  const label = spec.stringParam!;
  const { groupOf, groupLabels } = groupSeries(series, spec);
  const bySeriesKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (let i = 0; i < steps; i++) {
    const counts = new Map<string, { labels: Labels; n: number }>();
    for (let si = 0; si < series.length; si++) {
      if (series[si].present[i] === 0) continue;
      const labels = setLabel(groupLabels[groupOf[si]], label, formatFloatPlain(series[si].values[i]));
      const key = labelsKey(labels);
      const e = counts.get(key);
      if (e) e.n++;
      else counts.set(key, { labels, n: 1 });
    }
    for (const [key, { labels, n }] of counts) {
      let s = bySeriesKey.get(key);
      if (!s) {
        s = newSeries(labels, steps);
        bySeriesKey.set(key, s);
        out.push(s);
      }
      s.values[i] = n;
      s.present[i] = 1;
    }
  }
  return out;
}

/**
 * topk/bottomk exactly as Prometheus picks them, ties included: a heap of k (Go's
 * container/heap) holding the worst kept sample at its root, replaced only by a strictly
 * better one. Returns the kept members, best first.
 */
function heapSelect(top: boolean, k: number, members: readonly number[], value: (si: number) => number): number[] {
  const h: number[] = [];
  // Less as in vectorByValueHeap (topk) / vectorByReverseValueHeap (bottomk): NaN sorts first.
  const less = (i: number, j: number): boolean => {
    const a = value(h[i]);
    if (Number.isNaN(a)) return true;
    return top ? a < value(h[j]) : a > value(h[j]);
  };
  const swap = (i: number, j: number): void => {
    const t = h[i];
    h[i] = h[j];
    h[j] = t;
  };
  const up = (j: number): void => {
    for (;;) {
      const i = Math.floor((j - 1) / 2);
      if (j <= 0 || i === j || !less(j, i)) break;
      swap(i, j);
      j = i;
    }
  };
  const down = (i0: number, n: number): boolean => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && less(j2, j1)) j = j2;
      if (!less(j, i)) break;
      swap(i, j);
      i = j;
    }
    return i > i0;
  };
  for (const si of members) {
    const v = value(si);
    if (h.length < k) {
      h.push(si);
      up(h.length - 1);
      continue;
    }
    const root = value(h[0]);
    const better = top ? root < v || (Number.isNaN(root) && !Number.isNaN(v)) : root > v || (Number.isNaN(root) && !Number.isNaN(v));
    if (better) {
      h[0] = si;
      if (k > 1 && !down(0, h.length)) up(0);
    }
  }
  // Best first; NaN last.
  return h.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return top ? y - x : x - y;
  });
}

function selectK(series: readonly StepSeries[], spec: AggregateSpec, steps: number, annotations: Annotations): StepSeries[] {
  const { groupOf, groupLabels } = groupSeries(series, spec);
  const param = spec.param!;
  const results = series.map((s) => newSeries(s.labels, steps, s.dropName));
  // For instant queries, the output order is meaningful: groups in order, best first.
  const order: number[] = [];
  const members: number[][] = groupLabels.map(() => []);
  for (let i = 0; i < steps; i++) {
    const p = param[i];
    let k: number;
    if (spec.op === 'limit_ratio') {
      if (Number.isNaN(p)) throw new PromqlError('execution', 'Ratio value is NaN');
      k = p;
      if (p > 1) {
        annotations.warn(`ratio value should be between -1 and 1, got ${p}, capping to 1`);
        k = 1;
      } else if (p < -1) {
        annotations.warn(`ratio value should be between -1 and 1, got ${p}, capping to -1`);
        k = -1;
      }
    } else {
      if (Number.isNaN(p)) throw new PromqlError('execution', 'Parameter value is NaN');
      if (p >= 9.223372036854776e18) k = Number.MAX_SAFE_INTEGER;
      else if (p <= -9.223372036854776e18) k = 0;
      else k = Math.trunc(p);
      if (k < 1) continue;
    }
    for (const m of members) m.length = 0;
    for (let si = 0; si < series.length; si++) if (series[si].present[i] === 1) members[groupOf[si]].push(si);
    for (let g = 0; g < members.length; g++) {
      let chosen: number[];
      const m = members[g];
      if (m.length === 0) continue;
      if (spec.op === 'limitk') chosen = m.slice(0, k);
      else if (spec.op === 'limit_ratio') chosen = m.filter((si) => ratioSelected(series[si].labels, k));
      else chosen = heapSelect(spec.op === 'topk', k, m, (si) => series[si].values[i]);
      for (const si of chosen) {
        results[si].values[i] = series[si].values[i];
        results[si].present[i] = 1;
        if (steps === 1) order.push(si);
      }
    }
  }
  if (steps === 1) return order.map((si) => results[si]);
  return results.filter((s) => s.present.includes(1));
}

/** limit_ratio keeps a series when its label hash falls within the ratio (negative: the complement). */
function ratioSelected(labels: Labels, ratio: number): boolean {
  const key = labelsKey(labels);
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const offset = h / 2 ** 32;
  return ratio >= 0 ? offset < ratio : offset >= 1 + ratio;
}
