/**
 * @module Binary operators over step series: scalar/vector arithmetic and comparisons, vector
 * matching (on/ignoring, group_left/right, fill) and the set operators, as Prometheus'
 * VectorBinop / VectorAnd / VectorOr / VectorUnless do, one step at a time.
 */
import { labelsKey, labelValue, type Labels } from '../../model/labels.ts';
import type { BinaryOp, VectorMatching } from '../ast.ts';
import { PromqlError } from '../errors.ts';
import { goPow } from './float-math.ts';
import { dropMetricName, newSeries, onlyLabels, setLabel, signature, withoutLabels, type StepSeries } from './step-series.ts';

const ARITHMETIC = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);
const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISON.has(op);
}

/** lhs op rhs on floats. For comparisons: the result is whether it holds (1/0). */
export function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return l % r;
    case '^': return goPow(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    default: throw new PromqlError('bad_data', `operator ${op} not allowed between scalars`);
  }
}

/** scalar op scalar at every step. */
export function scalarBinop(op: BinaryOp, lhs: Float64Array, rhs: Float64Array): Float64Array {
  const out = new Float64Array(lhs.length);
  for (let i = 0; i < lhs.length; i++) out[i] = arith(op, lhs[i], rhs[i]);
  return out;
}

/** vector op scalar (or scalar op vector when `scalarLeft`). */
export function vectorScalarBinop(op: BinaryOp, vec: readonly StepSeries[], scalar: Float64Array, scalarLeft: boolean, returnBool: boolean): StepSeries[] {
  const out: StepSeries[] = [];
  const cmp = COMPARISON.has(op);
  for (const s of vec) {
    const r = newSeries(s.labels, scalar.length, s.dropName || ARITHMETIC.has(op) || returnBool);
    let any = false;
    for (let i = 0; i < scalar.length; i++) {
      if (s.present[i] === 0) continue;
      const lv = scalarLeft ? scalar[i] : s.values[i];
      const rv = scalarLeft ? s.values[i] : scalar[i];
      const v = arith(op, lv, rv);
      if (cmp) {
        if (returnBool) r.values[i] = v;
        else if (v === 1) r.values[i] = s.values[i];
        else continue;
      } else {
        r.values[i] = v;
      }
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return out;
}

function sigFn(m: VectorMatching): (l: Labels) => string {
  const names = new Set(m.labels);
  if (!m.on) names.add('__name__');
  return (l) => signature(l, names, m.on);
}

/** Collects output points into series keyed by their labels, across steps. */
class OutputSet {
  readonly series: StepSeries[] = [];
  readonly #byKey = new Map<string, StepSeries>();
  constructor(readonly steps: number) {}

  put(labels: Labels, key: string, dropName: boolean, step: number, v: number): void {
    let s = this.#byKey.get(key);
    if (!s) {
      s = newSeries(labels, this.steps, dropName);
      this.#byKey.set(key, s);
      this.series.push(s);
    } else if (s.present[step] === 1) {
      throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
    }
    s.values[step] = v;
    s.present[step] = 1;
  }
}

/** The labels of a result sample (Prometheus resultMetric); `one` may be null when filled. */
function resultLabels(many: Labels, one: Labels | null, m: VectorMatching): Labels {
  let out = many;
  if (m.card === 'one-to-one') {
    out = m.on ? onlyLabels(out, new Set(m.labels)) : withoutLabels(out, new Set(m.labels));
  }
  for (const name of m.include) {
    const v = one ? labelValue(one, name) : '';
    out = setLabel(out, name, v);
  }
  return out;
}

/** Vector-to-vector arithmetic and comparison with one-to-one, many-to-one or one-to-many matching. */
export function vectorBinop(op: BinaryOp, lhsIn: readonly StepSeries[], rhsIn: readonly StepSeries[], m: VectorMatching, returnBool: boolean, steps: number): StepSeries[] {
  const swap = m.card === 'one-to-many';
  const lhs = swap ? rhsIn : lhsIn;
  const rhs = swap ? lhsIn : rhsIn;
  // After the swap for group_right, fill_left still names the (swapped) left side, as in Prometheus.
  const fillMany = m.fillLeft; // value for a missing "many" side
  const fillOne = m.fillRight; // value for a missing "one" side
  const sig = sigFn(m);
  const lsig = lhs.map((s) => sig(s.labels));
  const rsig = rhs.map((s) => sig(s.labels));
  const cmp = COMPARISON.has(op);
  const dropsName = ARITHMETIC.has(op) || returnBool;
  const out = new OutputSet(steps);
  const labelCache = new Map<number, { labels: Labels; key: string }>();
  const matchGroup = (l: Labels): Labels => (m.on ? onlyLabels(l, new Set(m.labels)) : dropMetricName(withoutLabels(l, new Set(m.labels))));
  const pairLabels = (li: number, ri: number, manyLabels: Labels, oneLabels: Labels | null): { labels: Labels; key: string } => {
    const k = li * (rhs.length + 1) + ri + 1;
    let e = labelCache.get(k);
    if (!e) {
      // A "many" side that was filled in has no labels of its own: the match group names the result.
      let labels = li < 0 ? matchGroup(oneLabels!) : resultLabels(manyLabels, oneLabels, m);
      if (dropsName) labels = dropMetricName(labels);
      e = { labels, key: labelsKey(labels) };
      labelCache.set(k, e);
    }
    return e;
  };
  const rightBySig = new Map<string, number>();
  const matched = new Map<string, Set<string> | null>();
  for (let step = 0; step < steps; step++) {
    rightBySig.clear();
    matched.clear();
    for (let ri = 0; ri < rhs.length; ri++) {
      if (rhs[ri].present[step] === 0) continue;
      const dup = rightBySig.get(rsig[ri]);
      if (dup !== undefined) {
        const side = swap ? 'left' : 'right';
        throw new PromqlError('execution', `found duplicate series for the match group ${matchLabelsString(rhs[ri].labels, m)} on the ${side} hand-side of the operation: [${labelsString(rhs[ri].labels)}, ${labelsString(rhs[dup].labels)}];many-to-many matching not allowed: matching labels must be unique on one side`);
      }
      rightBySig.set(rsig[ri], ri);
    }
    const usedRight = fillMany !== null ? new Set<number>() : null;
    for (let li = 0; li < lhs.length; li++) {
      const ls = lhs[li];
      if (ls.present[step] === 0) continue;
      const ri = rightBySig.get(lsig[li]);
      let fr: number;
      if (ri === undefined) {
        if (fillOne === null) continue;
        fr = fillOne;
      } else {
        fr = rhs[ri].values[step];
        usedRight?.add(ri);
      }
      let fl = ls.values[step];
      if (swap) [fl, fr] = [fr, fl];
      let v = arith(op, fl, fr);
      if (cmp) {
        if (returnBool) {
          // v is already 1/0
        } else if (v === 1) v = fl;
        else continue;
      }
      const rl = pairLabels(li, ri ?? -1, ls.labels, ri === undefined ? null : rhs[ri].labels);
      const s = lsig[li];
      if (m.card === 'one-to-one') {
        if (matched.has(s)) throw new PromqlError('execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        matched.set(s, null);
      } else {
        let set = matched.get(s);
        if (!set) {
          set = new Set();
          matched.set(s, set);
        } else if (set.has(rl.key)) {
          throw new PromqlError('execution', 'multiple matches for labels: grouping labels must ensure unique matches');
        }
        set.add(rl.key);
      }
      out.put(rl.labels, rl.key, ls.dropName || dropsName, step, v);
    }
    if (fillMany !== null) {
      // "one"-side samples without any partner get the fill value on the other side.
      for (const [s, ri] of rightBySig) {
        if (usedRight!.has(ri) || matched.has(s)) continue;
        let fl = fillMany;
        let fr = rhs[ri].values[step];
        if (swap) [fl, fr] = [fr, fl];
        let v = arith(op, fl, fr);
        if (cmp) {
          if (returnBool) {
            // 1/0
          } else if (v === 1) v = fl;
          else continue;
        }
        const rl = pairLabels(-1 - ri, -1, rhs[ri].labels, rhs[ri].labels);
        out.put(rl.labels, rl.key, dropsName, step, v);
      }
    }
  }
  return out.series;
}

/** `lhs and rhs`, `lhs unless rhs`: lhs samples whose signature is (not) present on the right. */
export function vectorAndUnless(and: boolean, lhs: readonly StepSeries[], rhs: readonly StepSeries[], m: VectorMatching, steps: number): StepSeries[] {
  const sig = sigFn(m);
  const lsig = lhs.map((s) => sig(s.labels));
  const rsig = rhs.map((s) => sig(s.labels));
  const out: StepSeries[] = [];
  const rightSigs = new Set<string>();
  const results = lhs.map((s) => newSeries(s.labels, steps, s.dropName));
  for (let step = 0; step < steps; step++) {
    rightSigs.clear();
    for (let ri = 0; ri < rhs.length; ri++) if (rhs[ri].present[step] === 1) rightSigs.add(rsig[ri]);
    for (let li = 0; li < lhs.length; li++) {
      if (lhs[li].present[step] === 0) continue;
      if (rightSigs.has(lsig[li]) === and) {
        results[li].values[step] = lhs[li].values[step];
        results[li].present[step] = 1;
      }
    }
  }
  for (const r of results) if (r.present.includes(1)) out.push(r);
  return out;
}

/** `lhs or rhs`: every lhs sample, plus rhs samples whose signature has no lhs sample at that step. */
export function vectorOr(lhs: readonly StepSeries[], rhs: readonly StepSeries[], m: VectorMatching, steps: number): StepSeries[] {
  const sig = sigFn(m);
  const lsig = lhs.map((s) => sig(s.labels));
  const rsig = rhs.map((s) => sig(s.labels));
  const out = new OutputSet(steps);
  const leftSigs = new Set<string>();
  const lkeys = lhs.map((s) => labelsKey(s.labels));
  const rkeys = rhs.map((s) => labelsKey(s.labels));
  for (let step = 0; step < steps; step++) {
    leftSigs.clear();
    for (let li = 0; li < lhs.length; li++) {
      if (lhs[li].present[step] === 0) continue;
      leftSigs.add(lsig[li]);
      out.put(lhs[li].labels, lkeys[li], lhs[li].dropName, step, lhs[li].values[step]);
    }
    for (let ri = 0; ri < rhs.length; ri++) {
      if (rhs[ri].present[step] === 0 || leftSigs.has(rsig[ri])) continue;
      out.put(rhs[ri].labels, rkeys[ri], rhs[ri].dropName, step, rhs[ri].values[step]);
    }
  }
  return out.series;
}

function labelsString(l: Labels): string {
  return `{${l.map((x) => `${x.name}=${JSON.stringify(x.value)}`).join(', ')}}`;
}

function matchLabelsString(l: Labels, m: VectorMatching): string {
  const names = new Set(m.labels);
  return labelsString(m.on ? onlyLabels(l, names) : withoutLabels(l, new Set([...names, '__name__'])));
}
