/**
 * @module Evaluates a PromQL AST over a grid of steps (Prometheus' evaluator). Every node yields
 * all its steps at once: selectors walk each series' samples once, range functions slide a
 * window over sample columns, and aggregations and operators work step by step over columns.
 */
import { labelsKey, labelValue, METRIC_NAME, type Labels } from '../../model/labels.ts';
import { isStaleNaN, ValueType } from '../../model/value.ts';
import { goQuote } from '../unquote.ts';
import type { Queryable } from '../../storage/interface.ts';
import type { AggregateExpr, BinaryExpr, Call, DurationExpr, Expr, MatrixSelector, SubqueryExpr, VectorSelector, AtModifier } from '../ast.ts';
import { exprValueType, unwrapParens } from '../ast.ts';
import { PromqlError, QueryCanceledError, QueryTimeoutError } from '../errors.ts';
import { aggregate, STREAMING_AGGREGATIONS, StreamingAggregator } from './aggregate.ts';
import { Annotations } from './annotations.ts';
import { scalarBinop, vectorAndUnless, vectorBinop, vectorOr, vectorScalarBinop } from './binary.ts';
import { INSTANT_FUNCTIONS, labelJoin, labelReplace, sortByLabel, sortByValue, dateFunction, DATE_FUNCTIONS } from './instant-functions.ts';
import { bucketFraction, BUCKET_QUANTILE, sortedBucketQuantile, type Bucket } from './classic-histogram.ts';
import { ANCHORED_FUNCTIONS, SMOOTHED_FUNCTIONS } from '../functions-catalog.ts';
import { COUNTER_FUNCTIONS, NAME_PRESERVING_RANGE_FUNCTIONS, RANGE_FUNCTIONS, type RangeWindow } from './range-functions.ts';
import { extendedWindow } from './extended-range.ts';
import { SLIDING_RATE_FUNCTIONS, slidingExtrapolatedRate } from './range-steps.ts';
import { enrichWithInfo, infoSelector } from './info.ts';
import { dropMetricName, makeGrid, newSeries, setLabel, type StepGrid, type StepSeries } from './step-series.ts';

/** Raw samples of one series, stale markers kept or dropped as the caller asked. */
export interface RawSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** Start timestamps (0: unknown) when the store keeps any for this series. */
  readonly st?: Float64Array;
}

/** What an expression evaluates to. */
export type EvalValue =
  | { readonly kind: 'vector'; readonly series: StepSeries[] }
  | { readonly kind: 'scalar'; readonly values: Float64Array }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'matrix'; readonly series: RawSeries[] };

/** How a range-vector argument's windows are placed: range, offset, @ and selector mode. */
interface MatrixWindow {
  readonly rangeMs: number;
  readonly offsetMs: number;
  readonly at: AtModifier | null;
  /** The matrix selector's vector selector; null for a subquery. */
  readonly selector: VectorSelector | null;
  readonly mode: string;
}

/** A range-vector argument: its series (unless streamed) and windows. */
interface MatrixArg extends MatrixWindow {
  readonly series: RawSeries[];
}

/** Limits and settings of one query. */
export interface EvalOptions {
  readonly lookbackMs: number;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly maxSamples: number;
  /** Subquery step when the query does not give one (Prometheus: the global evaluation interval). */
  readonly defaultSubqueryStepMs: number;
  /** The query's own start, end and step, for @ start()/end(), start(), end(), range() and step(). */
  readonly queryStart: number;
  readonly queryEnd: number;
  readonly queryStepMs: number;
}

const CHECK_EVERY = 256;

export class Evaluator {
  readonly annotations: Annotations;
  #samples = 0;
  #checks = 0;

  constructor(
    readonly queryable: Queryable,
    readonly grid: StepGrid,
    readonly opts: EvalOptions,
    annotations?: Annotations,
  ) {
    this.annotations = annotations ?? new Annotations();
  }

  stepTime(i: number): number {
    return this.grid.start + i * this.grid.interval;
  }

  check(): void {
    const s = this.opts.signal;
    if (s?.aborted) {
      const reason = s.reason as { name?: string } | undefined;
      throw reason?.name === 'TimeoutError' ? new QueryTimeoutError() : new QueryCanceledError();
    }
    if (Date.now() > this.opts.deadline) throw new QueryTimeoutError();
  }

  #maybeCheck(): void {
    if (++this.#checks % CHECK_EVERY === 0) this.check();
  }

  #countSamples(n: number): void {
    this.#samples += n;
    if (this.#samples > this.opts.maxSamples) {
      throw new PromqlError('execution', 'query processing would load too many samples into memory in query execution');
    }
  }

  /** A duration expression in ms, as Go converts float seconds to a time.Duration. */
  durationMs(d: DurationExpr): number {
    if (d.kind === 'literal' && d.ms !== undefined) return d.ms;
    const seconds = this.#durationSeconds(d);
    // Go converts float seconds to integer nanoseconds; rounding to ns hides float noise such as 1.001 * 1e9.
    return Math.trunc(Math.round(seconds * 1e9) / 1e6);
  }

  #durationSeconds(d: DurationExpr): number {
    switch (d.kind) {
      case 'literal': return d.seconds;
      case 'step': return this.opts.queryStepMs / 1000;
      case 'range': return (this.opts.queryEnd - this.opts.queryStart) / 1000;
      case 'unary': return d.op === '-' ? -this.#durationSeconds(d.expr) : this.#durationSeconds(d.expr);
      case 'min': return Math.min(this.#durationSeconds(d.lhs), this.#durationSeconds(d.rhs));
      case 'max': return Math.max(this.#durationSeconds(d.lhs), this.#durationSeconds(d.rhs));
      case 'binary': {
        const l = this.#durationSeconds(d.lhs);
        const r = this.#durationSeconds(d.rhs);
        switch (d.op) {
          case '+': return l + r;
          case '-': return l - r;
          case '*': return l * r;
          case '/':
            if (r === 0) throw new PromqlError('bad_data', 'division by zero in duration expression');
            return l / r;
          case '%':
            if (r === 0) throw new PromqlError('bad_data', 'modulo by zero in duration expression');
            return l % r;
          case '^': return Math.pow(l, r);
        }
      }
    }
  }

  /** The time a selector reads at for step time ts: @ pins it, offset shifts it. */
  #atTime(at: AtModifier | null, ts: number): number {
    if (at === null) return ts;
    if (at.kind === 'time') return at.t;
    return at.kind === 'start' ? this.opts.queryStart : this.opts.queryEnd;
  }

  async eval(expr: Expr): Promise<EvalValue> {
    this.check();
    switch (expr.type) {
      case 'NumberLiteral':
        return { kind: 'scalar', values: new Float64Array(this.grid.steps).fill(expr.value) };
      case 'StringLiteral':
        return { kind: 'string', value: expr.value };
      case 'ParenExpr':
      case 'StepInvariantExpr':
        return this.eval(expr.expr);
      case 'VectorSelector':
        return { kind: 'vector', series: await this.#vectorSelector(expr, false) };
      case 'MatrixSelector':
      case 'SubqueryExpr':
        return { kind: 'matrix', series: await this.#matrixAtInstant(expr) };
      case 'UnaryExpr': {
        const v = await this.eval(expr.expr);
        if (expr.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
        if (v.kind !== 'vector') throw new PromqlError('bad_data', 'unary minus on a non-numeric value');
        for (const s of v.series) {
          for (let i = 0; i < s.values.length; i++) s.values[i] = -s.values[i];
          s.dropName = true;
        }
        return v;
      }
      case 'BinaryExpr':
        return this.#binary(expr);
      case 'AggregateExpr':
        return { kind: 'vector', series: await this.#aggregate(expr) };
      case 'Call':
        return this.#call(expr);
    }
  }

  async evalVector(expr: Expr): Promise<StepSeries[]> {
    const v = await this.eval(expr);
    if (v.kind !== 'vector') throw new PromqlError('bad_data', `expected instant vector, got ${v.kind}`);
    return v.series;
  }

  async evalScalar(expr: Expr): Promise<Float64Array> {
    const v = await this.eval(expr);
    if (v.kind !== 'scalar') throw new PromqlError('bad_data', `expected scalar, got ${v.kind}`);
    return v.values;
  }

  async #evalString(expr: Expr): Promise<string> {
    const v = await this.eval(expr);
    if (v.kind !== 'string') throw new PromqlError('bad_data', `expected string, got ${v.kind}`);
    return v.value;
  }

  /** Reads all samples of matching series in [mint, maxt]. */
  async #select(sel: VectorSelector, mint: number, maxt: number, dropStale: boolean, countLoaded = true): Promise<RawSeries[]> {
    const out: RawSeries[] = [];
    await this.#selectEach(sel, mint, maxt, dropStale, countLoaded, (s) => out.push(s));
    return out;
  }

  /**
   * Hands each matching series with samples in [mint, maxt] to `each` as it is read, in label
   * order, so a caller that folds series one by one never holds all their samples at once.
   */
  async #selectEach(sel: VectorSelector, mint: number, maxt: number, dropStale: boolean, countLoaded: boolean, each: (s: RawSeries) => void): Promise<void> {
    // Yield once per selector so an abort from a departed client can arrive.
    await new Promise<void>((r) => setImmediate(r));
    this.check();
    const querier = await this.queryable.querier(mint, maxt);
    try {
      const set = await querier.select({ start: mint, end: maxt, step: this.grid.steps > 1 ? this.grid.interval : undefined }, ...sel.matchers);
      this.check();
      let t: Float64Array = new Float64Array(64);
      let v: Float64Array = new Float64Array(64);
      let st: Float64Array = new Float64Array(64);
      let seriesCount = 0;
      while (set.next()) {
        if (++seriesCount % 4096 === 0) {
          await new Promise<void>((r) => setImmediate(r));
          this.check();
        }
        const s = set.at();
        if (s.columns) {
          // Zero-copy: read the store's own columns, copying only to drop stale markers.
          const cols = s.columns(mint, maxt);
          const n = cols.t.length;
          if (n === 0) continue;
          let keep = n;
          if (dropStale) for (let i = 0; i < n; i++) if (isStaleNaN(cols.v[i])) keep--;
          if (countLoaded) this.#countSamples(keep);
          if (keep === n) {
            const anyST = cols.st !== undefined && cols.st.some((x) => x !== 0);
            each({ labels: s.labels, t: cols.t, v: cols.v, ...(anyST ? { st: cols.st } : {}) });
            continue;
          }
          if (keep === 0) continue;
          const ft = new Float64Array(keep);
          const fv = new Float64Array(keep);
          const fst = cols.st ? new Float64Array(keep) : undefined;
          let k = 0;
          for (let i = 0; i < n; i++) {
            if (isStaleNaN(cols.v[i])) continue;
            ft[k] = cols.t[i];
            fv[k] = cols.v[i];
            if (fst) fst[k] = cols.st![i];
            k++;
          }
          each({ labels: s.labels, t: ft, v: fv, ...(fst && fst.some((x) => x !== 0) ? { st: fst } : {}) });
          continue;
        }
        const it = s.iterator();
        const hasST = typeof it.atST === 'function';
        let anyST = false;
        let n = 0;
        if (it.seek(mint) !== ValueType.None) {
          do {
            const ts = it.atT();
            if (ts > maxt) break;
            const val = it.atV();
            if (dropStale && isStaleNaN(val)) continue;
            if (n === t.length) {
              const grow = (a: Float64Array): Float64Array => {
                const b = new Float64Array(a.length * 2);
                b.set(a);
                return b;
              };
              t = grow(t);
              v = grow(v);
              st = grow(st);
            }
            t[n] = ts;
            v[n] = val;
            if (hasST) {
              const sv = it.atST!();
              st[n] = sv;
              if (sv !== 0) anyST = true;
            }
            n++;
          } while (it.next() !== ValueType.None);
        }
        if (n === 0) continue;
        if (countLoaded) this.#countSamples(n);
        each({ labels: s.labels, t: t.slice(0, n), v: v.slice(0, n), ...(anyST ? { st: st.slice(0, n) } : {}) });
      }
      for (const w of set.warnings()) this.annotations.warnings.add(w);
    } finally {
      querier.close();
    }
  }

  /** Instant vector selector: latest sample in (ref − lookback, ref] at each step, not stale. */
  async #vectorSelector(sel: VectorSelector, sampleTimes: boolean): Promise<StepSeries[]> {
    const offset = sel.offset ? this.durationMs(sel.offset) : 0;
    const steps = this.grid.steps;
    const refs = new Float64Array(steps);
    let minRef = Infinity;
    let maxRef = -Infinity;
    for (let i = 0; i < steps; i++) {
      refs[i] = this.#atTime(sel.at, this.stepTime(i)) - offset;
      if (refs[i] < minRef) minRef = refs[i];
      if (refs[i] > maxRef) maxRef = refs[i];
    }
    const lookback = this.opts.lookbackMs;
    // Like Prometheus, an instant selector counts the points it yields, not the samples it read.
    const raws = await this.#select(sel, minRef - lookback + 1, sel.mode === 'smoothed' ? maxRef + lookback : maxRef, false, false);
    const out: StepSeries[] = [];
    let points = 0;
    for (const raw of raws) {
      const s = newSeries(raw.labels, steps);
      let any = false;
      let j = 0; // first sample with t > ref
      const n = raw.t.length;
      for (let i = 0; i < steps; i++) {
        const ref = refs[i];
        if (i > 0 && ref < refs[i - 1]) j = 0;
        while (j < n && raw.t[j] <= ref) j++;
        if (j === 0) continue;
        const k = j - 1;
        if (raw.t[k] <= ref - lookback) continue;
        const val = raw.v[k];
        if (isStaleNaN(val)) continue;
        if (sel.mode === 'smoothed') {
          // Interpolate between the sample at or before ref and the one after it.
          if (raw.t[k] !== ref && j < n && !isStaleNaN(raw.v[j]) && raw.t[j] - ref < lookback) {
            const t0 = raw.t[k];
            const t1 = raw.t[j];
            s.values[i] = val + ((raw.v[j] - val) * (ref - t0)) / (t1 - t0);
          } else s.values[i] = val;
        } else {
          s.values[i] = sampleTimes ? raw.t[k] / 1000 : val;
        }
        s.present[i] = 1;
        any = true;
        points++;
      }
      if (any) out.push(s);
    }
    this.#countSamples(points);
    return out;
  }

  /** `x[5m]` or `expr[5m:1m]` evaluated at an instant: its samples or points, as a matrix result. */
  async #matrixAtInstant(ms: MatrixSelector | SubqueryExpr): Promise<RawSeries[]> {
    const { series, rangeMs, offsetMs, at } = await this.#loadMatrixArg(ms);
    const ref = this.#atTime(at, this.grid.start) - offsetMs;
    const out: RawSeries[] = [];
    for (const s of series) {
      let lo = 0;
      while (lo < s.t.length && s.t[lo] <= ref - rangeMs) lo++;
      let hi = lo;
      while (hi < s.t.length && s.t[hi] <= ref) hi++;
      if (hi > lo) out.push({ labels: s.labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) });
    }
    return out;
  }

  /**
   * The samples a range-vector argument needs for all steps: a matrix selector's samples
   * (stale markers dropped) or a subquery's points, plus its range, offset and @. With `each`,
   * every series goes to it as soon as it is read and `series` comes back empty.
   */
  async #loadMatrixArg(arg: Expr, each?: (s: RawSeries, w: MatrixWindow) => void): Promise<MatrixArg> {
    const e = unwrapParens(arg);
    if (e.type === 'MatrixSelector') {
      const sel = e.selector;
      const rangeMs = this.durationMs(e.range);
      if (rangeMs <= 0) throw new PromqlError('bad_data', `range must be greater than 0`);
      const offsetMs = sel.offset ? this.durationMs(sel.offset) : 0;
      let minRef = Infinity;
      let maxRef = -Infinity;
      for (let i = 0; i < this.grid.steps; i++) {
        const r = this.#atTime(sel.at, this.stepTime(i)) - offsetMs;
        minRef = Math.min(minRef, r);
        maxRef = Math.max(maxRef, r);
      }
      // anchored/smoothed also look at the samples just outside the window (up to the lookback).
      const extra = e.mode === 'plain' ? 0 : this.opts.lookbackMs;
      const mint = minRef - rangeMs + 1 - extra;
      const maxt = maxRef + (e.mode === 'smoothed' ? extra : 0);
      if (each) {
        const win: MatrixWindow = { rangeMs, offsetMs, at: sel.at, selector: sel, mode: e.mode };
        await this.#selectEach(sel, mint, maxt, true, true, (s) => each(s, win));
        return { series: [], ...win };
      }
      const series = await this.#select(sel, mint, maxt, true);
      return { series, rangeMs, offsetMs, at: sel.at, selector: sel, mode: e.mode };
    }
    if (e.type === 'SubqueryExpr') {
      const rangeMs = this.durationMs(e.range);
      const offsetMs = e.offset ? this.durationMs(e.offset) : 0;
      const stepMs = e.step ? this.durationMs(e.step) : this.opts.defaultSubqueryStepMs;
      if (stepMs <= 0) throw new PromqlError('bad_data', 'subquery step must be greater than 0');
      let minRef = Infinity;
      let maxRef = -Infinity;
      for (let i = 0; i < this.grid.steps; i++) {
        const r = this.#atTime(e.at, this.stepTime(i)) - offsetMs;
        minRef = Math.min(minRef, r);
        maxRef = Math.max(maxRef, r);
      }
      const from = minRef - rangeMs;
      let start = stepMs * Math.trunc(from / stepMs);
      if (start <= from) start += stepMs;
      if (start > maxRef) return { series: [], rangeMs, offsetMs, at: e.at, selector: null, mode: 'plain' };
      const sub = new Evaluator(this.queryable, makeGrid(start, maxRef, stepMs), this.opts, this.annotations);
      const inner = await sub.evalVector(e.expr);
      const series: RawSeries[] = [];
      for (const s of inner) {
        let n = 0;
        for (let i = 0; i < s.present.length; i++) n += s.present[i];
        const t = new Float64Array(n);
        const v = new Float64Array(n);
        let k = 0;
        for (let i = 0; i < s.present.length; i++) {
          if (s.present[i] === 0) continue;
          t[k] = start + i * stepMs;
          v[k] = s.values[i];
          k++;
        }
        this.#countSamples(n);
        series.push({ labels: s.dropName ? dropMetricName(s.labels) : s.labels, t, v });
      }
      if (each) {
        const win: MatrixWindow = { rangeMs, offsetMs, at: e.at, selector: null, mode: 'plain' };
        for (const r of series) each(r, win);
        return { series: [], ...win };
      }
      return { series, rangeMs, offsetMs, at: e.at, selector: null, mode: 'plain' };
    }
    throw new PromqlError('bad_data', `expected range vector, got ${exprValueType(e)}`);
  }

  async #binary(e: BinaryExpr): Promise<EvalValue> {
    const lt = exprValueType(e.lhs);
    const rt = exprValueType(e.rhs);
    const steps = this.grid.steps;
    if (lt === 'scalar' && rt === 'scalar') {
      const [l, r] = [await this.evalScalar(e.lhs), await this.evalScalar(e.rhs)];
      return { kind: 'scalar', values: scalarBinop(e.op, l, r) };
    }
    if (lt === 'vector' && rt === 'scalar') {
      const l = await this.evalVector(e.lhs);
      const r = await this.evalScalar(e.rhs);
      return { kind: 'vector', series: vectorScalarBinop(e.op, l, r, false, e.returnBool) };
    }
    if (lt === 'scalar' && rt === 'vector') {
      const l = await this.evalScalar(e.lhs);
      const r = await this.evalVector(e.rhs);
      return { kind: 'vector', series: vectorScalarBinop(e.op, r, l, true, e.returnBool) };
    }
    const l = await this.evalVector(e.lhs);
    const r = await this.evalVector(e.rhs);
    const m = e.matching!;
    switch (e.op) {
      case 'and': return { kind: 'vector', series: vectorAndUnless(true, l, r, m, steps) };
      case 'unless': return { kind: 'vector', series: vectorAndUnless(false, l, r, m, steps) };
      case 'or': return { kind: 'vector', series: vectorOr(l, r, m, steps) };
      default: return { kind: 'vector', series: vectorBinop(e.op, l, r, m, e.returnBool, steps) };
    }
  }

  async #aggregate(e: AggregateExpr): Promise<StepSeries[]> {
    let param: Float64Array | null = null;
    let stringParam: string | null = null;
    if (e.param) {
      if (e.op === 'count_values') {
        stringParam = await this.#evalString(e.param);
        if (!isValidLabelName(stringParam)) throw new PromqlError('execution', `invalid label name ${goQuote(stringParam)}`);
      } else param = await this.evalScalar(e.param);
    }
    const inner = unwrapParens(e.expr);
    if (STREAMING_AGGREGATIONS.has(e.op) && inner.type === 'Call' && inner.func in RANGE_FUNCTIONS) {
      // sum(rate(x[5m])) and the like: fold each series into its group as it is computed, so
      // the per-series results never exist all at once.
      const acc = new StreamingAggregator({ op: e.op, grouping: e.grouping, without: e.without, param, stringParam }, this.grid.steps);
      await this.#rangeFunction(inner, (s) => acc.add(s));
      return acc.result();
    }
    const input = await this.evalVector(e.expr);
    return aggregate(input, { op: e.op, grouping: e.grouping, without: e.without, param, stringParam }, this.grid.steps, this.annotations);
  }

  async #call(e: Call): Promise<EvalValue> {
    const steps = this.grid.steps;
    const name = e.func;
    switch (name) {
      case 'time':
        return { kind: 'scalar', values: Float64Array.from({ length: steps }, (_, i) => this.stepTime(i) / 1000) };
      case 'pi':
        return { kind: 'scalar', values: new Float64Array(steps).fill(Math.PI) };
      case 'start':
        return { kind: 'scalar', values: new Float64Array(steps).fill(this.opts.queryStart / 1000) };
      case 'end':
        return { kind: 'scalar', values: new Float64Array(steps).fill(this.opts.queryEnd / 1000) };
      case 'range':
        return { kind: 'scalar', values: new Float64Array(steps).fill((this.opts.queryEnd - this.opts.queryStart) / 1000) };
      case 'step':
        return { kind: 'scalar', values: new Float64Array(steps).fill(this.opts.queryStepMs / 1000) };
      case 'min_of':
      case 'max_of': {
        const a = await this.evalScalar(e.args[0]);
        const b = await this.evalScalar(e.args[1]);
        return { kind: 'scalar', values: a.map((x, i) => (name === 'min_of' ? Math.min(x, b[i]) : Math.max(x, b[i]))) };
      }
      case 'scalar': {
        const v = await this.evalVector(e.args[0]);
        const out = new Float64Array(steps).fill(NaN);
        for (let i = 0; i < steps; i++) {
          let n = 0;
          let val = NaN;
          for (const s of v) {
            if (s.present[i] === 1) {
              n++;
              val = s.values[i];
            }
          }
          if (n === 1) out[i] = val;
        }
        return { kind: 'scalar', values: out };
      }
      case 'vector': {
        const v = await this.evalScalar(e.args[0]);
        const s = newSeries([], steps);
        s.values.set(v);
        s.present.fill(1);
        return { kind: 'vector', series: [s] };
      }
      case 'absent':
        return { kind: 'vector', series: await this.#absent(e) };
      case 'absent_over_time':
        return { kind: 'vector', series: await this.#absentOverTime(e) };
      case 'timestamp': {
        const arg = unwrapParens(e.args[0]);
        const input = arg.type === 'VectorSelector' ? await this.#vectorSelector(arg, true) : await this.evalVector(arg);
        if (arg.type !== 'VectorSelector') {
          for (const s of input) for (let i = 0; i < steps; i++) s.values[i] = this.stepTime(i) / 1000;
        }
        for (const s of input) s.dropName = true;
        return { kind: 'vector', series: input };
      }
      case 'label_replace': {
        const input = await this.evalVector(e.args[0]);
        const [dst, repl, src, regex] = await Promise.all(e.args.slice(1).map((a) => this.#evalString(a)));
        return { kind: 'vector', series: mergeByLabels(labelReplace(input, dst, repl, src, regex), steps) };
      }
      case 'label_join': {
        const input = await this.evalVector(e.args[0]);
        const strs: string[] = [];
        for (const a of e.args.slice(1)) strs.push(await this.#evalString(a));
        return { kind: 'vector', series: mergeByLabels(labelJoin(input, strs[0], strs[1], strs.slice(2)), steps) };
      }
      case 'sort':
      case 'sort_desc': {
        const input = await this.evalVector(e.args[0]);
        if (steps > 1) this.annotations.warn('sort is ineffective for range queries since results are always ordered by labels');
        return { kind: 'vector', series: sortByValue(input, name === 'sort_desc') };
      }
      case 'sort_by_label':
      case 'sort_by_label_desc': {
        const input = await this.evalVector(e.args[0]);
        const labels: string[] = [];
        for (const a of e.args.slice(1)) labels.push(await this.#evalString(a));
        if (steps > 1) this.annotations.warn('sort is ineffective for range queries since results are always ordered by labels');
        return { kind: 'vector', series: sortByLabel(input, labels, name === 'sort_by_label_desc') };
      }
      case 'histogram_quantile':
        return { kind: 'vector', series: await this.#histogramQuantile(e) };
      case 'histogram_quantiles': {
        const label = await this.#evalString(e.args[1]);
        const qs: Float64Array[] = [];
        for (const a of e.args.slice(2)) qs.push(await this.evalScalar(a));
        const out: StepSeries[] = [];
        for (const q of qs) {
          const per = await this.#histogramQuantile(e, q);
          for (const s of per) {
            s.labels = setLabel(s.labels, label, formatQuantileLabel(q[0]));
            out.push(s);
          }
        }
        return { kind: 'vector', series: finishLabelsUnique(out) };
      }
      case 'histogram_fraction':
        return { kind: 'vector', series: await this.#histogramFraction(e) };
      case 'histogram_count':
      case 'histogram_sum':
      case 'histogram_avg':
      case 'histogram_stddev':
      case 'histogram_stdvar':
        // Native histograms are not stored; float samples are ignored by these functions.
        await this.evalVector(e.args[0]);
        return { kind: 'vector', series: [] };
      case 'info':
        return { kind: 'vector', series: await this.#info(e) };
      default:
        break;
    }
    if (name in RANGE_FUNCTIONS) return { kind: 'vector', series: await this.#rangeFunction(e) };
    if (DATE_FUNCTIONS.has(name)) {
      const input = e.args.length > 0 ? await this.evalVector(e.args[0]) : [this.#timeVector()];
      return { kind: 'vector', series: dateFunction(name, input) };
    }
    const fn = INSTANT_FUNCTIONS[name];
    if (fn) {
      const input = await this.evalVector(e.args[0]);
      const scalars: Float64Array[] = [];
      for (const a of e.args.slice(1)) scalars.push(await this.evalScalar(a));
      return { kind: 'vector', series: fn(input, scalars, steps) };
    }
    throw new PromqlError('bad_data', `function ${JSON.stringify(name)} is not supported by Pharos`);
  }

  #timeVector(): StepSeries {
    const s = newSeries([], this.grid.steps);
    for (let i = 0; i < this.grid.steps; i++) s.values[i] = this.stepTime(i) / 1000;
    s.present.fill(1);
    return s;
  }

  /**
   * A range function over every series of its matrix argument. With `sink`, each result series is
   * handed over as soon as it is computed, in one buffer reused for the next, and none is returned.
   */
  async #rangeFunction(e: Call, sink?: (s: StepSeries) => void): Promise<StepSeries[]> {
    const name = e.func;
    const fn = RANGE_FUNCTIONS[name];
    const matrixIndex = e.args.findIndex((a) => exprValueType(a) === 'matrix');
    const matrixArg = unwrapParens(e.args[matrixIndex]);
    if (matrixArg.type === 'MatrixSelector' && matrixArg.mode !== 'plain') {
      const allowed = matrixArg.mode === 'anchored' ? ANCHORED_FUNCTIONS : SMOOTHED_FUNCTIONS;
      if (!allowed.includes(name)) throw new PromqlError('bad_data', `${matrixArg.mode} modifier can only be used with: ${allowed.join(', ')} - not with ${name}`);
    }
    const scalarArgs: Float64Array[] = [];
    for (let i = 0; i < e.args.length; i++) if (i !== matrixIndex) scalarArgs.push(await this.evalScalar(e.args[i]));
    if (name === 'quantile_over_time') {
      for (const q of new Set(scalarArgs[0])) if (!(q >= 0 && q <= 1)) this.annotations.warn(`quantile value should be between 0 and 1, got ${Number.isNaN(q) ? 'NaN' : q}`);
    }
    if (name === 'double_exponential_smoothing') {
      for (const sf of scalarArgs[0]) if (!(sf > 0 && sf < 1)) throw new PromqlError('execution', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoF(sf)}`);
      for (const tf of scalarArgs[1]) if (!(tf > 0 && tf < 1)) throw new PromqlError('execution', `invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoF(tf)}`);
    }
    const steps = this.grid.steps;
    const keepName = NAME_PRESERVING_RANGE_FUNCTIONS.has(name);
    const sliding = scalarArgs.length === 0 ? SLIDING_RATE_FUNCTIONS.get(name) : undefined;
    const out: StepSeries[] = [];
    const argsAt: number[] = new Array(scalarArgs.length).fill(0);
    const w: RangeWindow = { t: new Float64Array(0), v: new Float64Array(0), st: null, lo: 0, hi: 0, rangeStart: 0, rangeEnd: 0, rangeMs: 0, evalT: 0, overlap: false };
    const nonCounterNames = new Set<string>();
    const overlapNames = new Set<string>();
    let checkCounterName = COUNTER_FUNCTIONS.has(name) && name !== 'irate';
    let lastMetric: string | null = null;
    let seen = 0;
    const reused = sink ? newSeries([], steps, !keepName) : null;
    const { start, interval } = this.grid;
    // Each series is folded as soon as it is read: its samples are garbage right after.
    const each = (s: RawSeries, arg: MatrixWindow): void => {
      if (seen++ === 0 && checkCounterName) {
        // A selector naming its metric selects that metric only: one test, not one per series.
        const nameMatcher = arg.selector?.matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
        if (nameMatcher) {
          if (!/(_total|_sum|_count|_bucket)$/.test(nameMatcher.value)) nonCounterNames.add(nameMatcher.value);
          checkCounterName = false;
        }
      }
      this.#maybeCheck();
      let r: StepSeries;
      if (reused) {
        reused.labels = s.labels;
        reused.values.fill(0);
        reused.present.fill(0);
        r = reused;
      } else r = newSeries(s.labels, steps, !keepName);
      let any = false;
      if (sliding !== undefined && arg.mode === 'plain' && arg.at === null && s.st === undefined) {
        any = slidingExtrapolatedRate(s.t, s.v, start, interval, arg.offsetMs, steps, arg.rangeMs, sliding.isCounter, sliding.isRate, r.values, r.present);
      } else {
        w.t = s.t;
        w.v = s.v;
        w.st = s.st ?? null;
        w.rangeMs = arg.rangeMs;
        w.overlap = false;
        let lo = 0;
        let hi = 0;
        let prevRef = -Infinity;
        const n = s.t.length;
        for (let i = 0; i < steps; i++) {
          const ts = this.stepTime(i);
          const ref = this.#atTime(arg.at, ts) - arg.offsetMs;
          if (ref < prevRef) {
            lo = 0;
            hi = 0;
          }
          prevRef = ref;
          const from = ref - arg.rangeMs;
          while (lo < n && s.t[lo] <= from) lo++;
          if (hi < lo) hi = lo;
          while (hi < n && s.t[hi] <= ref) hi++;
          if (hi === lo && arg.mode === 'plain') continue;
          w.lo = lo;
          w.hi = hi;
          w.rangeStart = from;
          w.rangeEnd = ref;
          w.evalT = ts;
          for (let a = 0; a < scalarArgs.length; a++) argsAt[a] = scalarArgs[a][i];
          const v = arg.mode === 'plain' ? fn(w, argsAt) : extendedWindow(arg.mode, name, w, this.opts.lookbackMs);
          if (v === undefined) continue;
          r.values[i] = v;
          r.present[i] = 1;
          any = true;
        }
        if (w.overlap) overlapNames.add(labelValue(s.labels, METRIC_NAME));
      }
      if (!any) return;
      if (sink) sink(r);
      else out.push(r);
      if (checkCounterName) {
        const metric = labelValue(s.labels, METRIC_NAME);
        // Series of one metric come together; test each name once.
        if (metric !== lastMetric) {
          lastMetric = metric;
          if (metric !== '' && !/(_total|_sum|_count|_bucket)$/.test(metric)) nonCounterNames.add(metric);
        }
      }
    };
    await this.#loadMatrixArg(e.args[matrixIndex], each);
    for (const m of overlapNames) this.annotations.warn(`sample has start time that overlaps with previous sample timestamp for metric ${JSON.stringify(m)}`);
    for (const m of nonCounterNames) this.annotations.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(m)}`);
    return out;
  }

  /** info(v, selector): see engine/info.ts. */
  async #info(e: Call): Promise<StepSeries[]> {
    const base = await this.evalVector(e.args[0]);
    const arg = e.args.length > 1 ? unwrapParens(e.args[1]) : null;
    const sel = infoSelector(arg && arg.type === 'VectorSelector' ? arg.matchers : [], e.pos);
    const infos = await this.#vectorSelector(sel.selector, true);
    return enrichWithInfo(base, infos, sel, this.grid.steps);
  }

  async #absent(e: Call): Promise<StepSeries[]> {
    const input = await this.evalVector(e.args[0]);
    const steps = this.grid.steps;
    const r = newSeries(absentLabels(e.args[0]), steps);
    let any = false;
    for (let i = 0; i < steps; i++) {
      if (input.some((s) => s.present[i] === 1)) continue;
      r.values[i] = 1;
      r.present[i] = 1;
      any = true;
    }
    return any ? [r] : [];
  }

  async #absentOverTime(e: Call): Promise<StepSeries[]> {
    const arg = await this.#loadMatrixArg(e.args[0]);
    const steps = this.grid.steps;
    const r = newSeries(absentLabels(e.args[0]), steps);
    let any = false;
    for (let i = 0; i < steps; i++) {
      const ref = this.#atTime(arg.at, this.stepTime(i)) - arg.offsetMs;
      const from = ref - arg.rangeMs;
      const seen = arg.series.some((s) => {
        for (let k = 0; k < s.t.length; k++) if (s.t[k] > from && s.t[k] <= ref) return true;
        return false;
      });
      if (seen) continue;
      r.values[i] = 1;
      r.present[i] = 1;
      any = true;
    }
    return any ? [r] : [];
  }

  async #histogramQuantile(e: Call, fixedQ?: Float64Array): Promise<StepSeries[]> {
    const q = fixedQ ?? (await this.evalScalar(e.args[0]));
    const input = await this.evalVector(e.args[fixedQ ? 0 : 1]);
    const steps = this.grid.steps;
    for (const qv of new Set(q)) if (!(qv >= 0 && qv <= 1)) this.annotations.warn(`quantile value should be between 0 and 1, got ${Number.isNaN(qv) ? 'NaN' : qv}`);
    const groups = this.#bucketGroups(input);
    const out: StepSeries[] = [];
    const forced = new Set<string>();
    let bounds = new Float64Array(0);
    let counts = new Float64Array(0);
    for (const g of groups) {
      const r = newSeries(g.labels, steps, true);
      let any = false;
      // Bounds are fixed per member: sort the members once (stable, so equal bounds add up in
      // the order bucketQuantile's sortAndCoalesce would add them) and fill columns per step.
      const members = g.members.slice().sort((a, b) => (a.upperBound < b.upperBound ? -1 : a.upperBound > b.upperBound ? 1 : 0));
      if (members.length > bounds.length) {
        bounds = new Float64Array(members.length);
        counts = new Float64Array(members.length);
      }
      for (let i = 0; i < steps; i++) {
        let n = 0;
        for (let k = 0; k < members.length; k++) {
          const m = members[k];
          if (m.series.present[i] === 0) continue;
          if (n > 0 && bounds[n - 1] === m.upperBound) counts[n - 1] += m.series.values[i];
          else {
            bounds[n] = m.upperBound;
            counts[n] = m.series.values[i];
            n++;
          }
        }
        if (n === 0) continue;
        r.values[i] = sortedBucketQuantile(q[i], bounds, counts, n);
        if (BUCKET_QUANTILE.forced) forced.add(labelValue(g.labels, METRIC_NAME));
        r.present[i] = 1;
        any = true;
      }
      if (any) out.push(r);
    }
    for (const name of forced) {
      this.annotations.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${JSON.stringify(name)}`);
    }
    return out;
  }

  async #histogramFraction(e: Call): Promise<StepSeries[]> {
    const lower = await this.evalScalar(e.args[0]);
    const upper = await this.evalScalar(e.args[1]);
    const input = await this.evalVector(e.args[2]);
    const steps = this.grid.steps;
    const out: StepSeries[] = [];
    for (const g of this.#bucketGroups(input)) {
      const r = newSeries(g.labels, steps, true);
      let any = false;
      for (let i = 0; i < steps; i++) {
        const buckets: Bucket[] = [];
        for (const m of g.members) if (m.series.present[i] === 1) buckets.push({ upperBound: m.upperBound, count: m.series.values[i] });
        if (buckets.length === 0) continue;
        r.values[i] = bucketFraction(lower[i], upper[i], buckets).value;
        r.present[i] = 1;
        any = true;
      }
      if (any) out.push(r);
    }
    return out;
  }

  /** Classic histogram buckets grouped by their labels without `le`; bad `le` values are reported and skipped. */
  #bucketGroups(input: readonly StepSeries[]): Array<{ labels: Labels; members: Array<{ upperBound: number; series: StepSeries }> }> {
    const byKey = new Map<string, { labels: Labels; members: Array<{ upperBound: number; series: StepSeries }> }>();
    for (const s of input) {
      const base = s.dropName ? dropMetricName(s.labels) : s.labels;
      const le = labelValue(base, 'le');
      const upperBound = parseLe(le);
      if (upperBound === null) {
        this.annotations.warn(`bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)} for metric name ${JSON.stringify(labelValue(base, METRIC_NAME))}`);
        continue;
      }
      const labels = base.filter((l) => l.name !== 'le');
      const key = labelsKey(labels);
      let g = byKey.get(key);
      if (!g) {
        g = { labels, members: [] };
        byKey.set(key, g);
      }
      g.members.push({ upperBound, series: s });
    }
    return [...byKey.values()];
  }
}

function parseLe(le: string): number | null {
  if (le === '') return null;
  const t = le.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t[0] === '-' ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return null;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^0x[0-9a-f]+$/i.test(t)) return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

/** A quantile as a label value, in OpenMetrics' canonical form (1 → "1.0"). */
function formatQuantileLabel(q: number): string {
  if (Number.isNaN(q)) return 'NaN';
  if (!Number.isFinite(q)) return q > 0 ? '+Inf' : '-Inf';
  return Number.isInteger(q) ? q.toFixed(1) : String(q);
}

/** Series whose label sets (after name removal) collide are an error. */
function finishLabelsUnique(series: StepSeries[]): StepSeries[] {
  const seen = new Set<string>();
  for (const s of series) {
    const key = labelsKey(s.dropName ? dropMetricName(s.labels) : s.labels);
    if (seen.has(key)) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return series;
}

/** Go's %f: six decimals. */
function formatGoF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toFixed(6);
}

function isValidLabelName(name: string): boolean {
  if (name === '') return false;
  // Prometheus 3 accepts any valid UTF-8 label name.
  return !/[\ud800-\udfff]/.test(name) || /^(?:[\ud800-\udbff][\udc00-\udfff]|[^\ud800-\udfff])*$/.test(name);
}

/** absent(): the labels of the argument's equality matchers (a label set twice is left out). */
function absentLabels(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const sel = e.type === 'VectorSelector' ? e : e.type === 'MatrixSelector' ? e.selector : null;
  if (!sel) return [];
  // A label with any second matcher (or a non-equality one) is left out, as Prometheus does.
  const seen = new Map<string, string | null>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) seen.set(m.name, m.value);
    else seen.set(m.name, null);
  }
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of seen) if (v !== null && v !== '') pairs.push([k, v]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return pairs.map(([name, value]) => ({ name, value }));
}

/** Series that ended up with equal labels are merged; two values at one step are an error. */
export function mergeByLabels(series: StepSeries[], steps: number): StepSeries[] {
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of series) {
    const key = labelsKey(s.labels) + (s.dropName ? '\x00d' : '');
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, s);
      out.push(s);
      continue;
    }
    for (let i = 0; i < steps; i++) {
      if (s.present[i] === 0) continue;
      if (prev.present[i] === 1) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
      prev.values[i] = s.values[i];
      prev.present[i] = 1;
    }
  }
  return out;
}

/** Removes delayed metric names at the end of evaluation and rejects resulting duplicates. */
export function finishSeries(series: StepSeries[]): StepSeries[] {
  const seen = new Set<string>();
  for (const s of series) {
    if (s.dropName) {
      s.labels = dropMetricName(s.labels);
      s.dropName = false;
    }
    const key = labelsKey(s.labels);
    if (seen.has(key)) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return series;
}

