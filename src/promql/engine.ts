/**
 * @module The PromQL engine: parses a query, evaluates it over a Queryable on a grid of steps
 * (engine/evaluator.ts) and returns Prometheus-shaped results in columns.
 */
import { compareLabels, type Labels } from '../model/labels.ts';
import type { Queryable } from '../storage/interface.ts';
import type { Expr } from './ast.ts';
import { exprValueType } from './ast.ts';
import { parseExpr } from './parser.ts';
import { PromqlError } from './errors.ts';
import { Evaluator, finishSeries, type EvalOptions, type RawSeries } from './engine/evaluator.ts';
import { makeGrid } from './engine/step-series.ts';
import type { QueryResult, RangeSeries } from './value.ts';

/** Prometheus' default lookback delta: how far back an instant looks for the latest sample. */
export const DEFAULT_LOOKBACK_DELTA_MS = 5 * 60_000;
/** Prometheus' default query timeout (--query.timeout). */
export const DEFAULT_QUERY_TIMEOUT_MS = 2 * 60_000;
/** Prometheus' default --query.max-samples. */
export const DEFAULT_MAX_SAMPLES = 50_000_000;
/** Subquery step when none is given: Prometheus uses the global evaluation interval (1m by default). */
export const DEFAULT_SUBQUERY_STEP_MS = 60_000;

/** Engine settings; all optional. */
export interface EngineOptions {
  readonly lookbackDeltaMs?: number;
  readonly timeoutMs?: number;
  readonly maxSamples?: number;
  readonly defaultSubqueryStepMs?: number;
}

/** Per-query options. */
export interface QueryOptions {
  /** Aborting it cancels the query (QueryCanceledError), or times it out if its reason is a TimeoutError. */
  readonly signal?: AbortSignal;
  /** Overrides the engine's lookback delta for this query (the API's lookback_delta). */
  readonly lookbackDeltaMs?: number;
}

/** A PromQL engine bound to one Queryable. Stateless between queries; safe to share. */
export class Engine {
  readonly #queryable: Queryable;
  readonly #opts: Required<EngineOptions>;

  constructor(queryable: Queryable, opts: EngineOptions = {}) {
    this.#queryable = queryable;
    this.#opts = {
      lookbackDeltaMs: opts.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS,
      timeoutMs: opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      maxSamples: opts.maxSamples ?? DEFAULT_MAX_SAMPLES,
      defaultSubqueryStepMs: opts.defaultSubqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS,
    };
  }

  #evalOptions(start: number, end: number, step: number, q: QueryOptions): EvalOptions {
    return {
      lookbackMs: q.lookbackDeltaMs ?? this.#opts.lookbackDeltaMs,
      deadline: Date.now() + this.#opts.timeoutMs,
      signal: q.signal,
      maxSamples: this.#opts.maxSamples,
      defaultSubqueryStepMs: this.#opts.defaultSubqueryStepMs,
      queryStart: start,
      queryEnd: end,
      queryStepMs: step,
    };
  }

  /** Evaluates `query` (text or parsed) at time `t` (ms). Result: vector, matrix, scalar or string. */
  async evalInstant(query: string | Expr, t: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const ev = new Evaluator(this.#queryable, makeGrid(t, t, 1), this.#evalOptions(t, t, 0, opts));
    const v = await ev.eval(expr);
    const notes = { warnings: [...ev.annotations.warnings], infos: [...ev.annotations.infos] };
    switch (v.kind) {
      case 'scalar': return { value: { resultType: 'scalar', t, v: v.values[0] }, ...notes };
      case 'string': return { value: { resultType: 'string', t, v: v.value }, ...notes };
      case 'matrix': return { value: { resultType: 'matrix', series: rawToRange(v.series) }, ...notes };
      case 'vector': {
        const series = finishSeries(v.series.filter((s) => s.present[0] === 1));
        const labels: Labels[] = series.map((s) => s.labels);
        const values = Float64Array.from(series, (s) => s.values[0]);
        return { value: { resultType: 'vector', t, labels, values }, ...notes };
      }
    }
  }

  /**
   * Evaluates `query` at start, start+step, … ≤ end (all ms; step > 0). Result: a matrix sorted
   * by labels. A scalar expression becomes one series without labels, as in Prometheus.
   */
  async evalRange(query: string | Expr, start: number, end: number, stepMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const type = exprValueType(expr);
    if (type !== 'vector' && type !== 'scalar') {
      throw new PromqlError('bad_data', `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`);
    }
    const grid = makeGrid(start, end, stepMs);
    const ev = new Evaluator(this.#queryable, grid, this.#evalOptions(start, end, stepMs, opts));
    const v = await ev.eval(expr);
    const notes = { warnings: [...ev.annotations.warnings], infos: [...ev.annotations.infos] };
    if (v.kind === 'scalar') {
      const timestamps = Float64Array.from({ length: grid.steps }, (_, i) => start + i * stepMs);
      return { value: { resultType: 'matrix', series: [{ labels: [], timestamps, values: v.values }] }, ...notes };
    }
    if (v.kind !== 'vector') throw new PromqlError('bad_data', 'range query must return a vector or scalar');
    const series = finishSeries(v.series);
    const out: RangeSeries[] = [];
    for (const s of series) {
      let n = 0;
      for (let i = 0; i < grid.steps; i++) n += s.present[i];
      if (n === 0) continue;
      const timestamps = new Float64Array(n);
      const values = new Float64Array(n);
      let k = 0;
      for (let i = 0; i < grid.steps; i++) {
        if (s.present[i] === 0) continue;
        timestamps[k] = start + i * stepMs;
        values[k] = s.values[i];
        k++;
      }
      out.push({ labels: s.labels, timestamps, values });
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return { value: { resultType: 'matrix', series: out }, ...notes };
  }
}

function rawToRange(series: RawSeries[]): RangeSeries[] {
  return series.map((s) => ({ labels: s.labels, timestamps: s.t, values: s.v })).sort((a, b) => compareLabels(a.labels, b.labels));
}
