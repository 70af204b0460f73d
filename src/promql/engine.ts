/**
 * @module Evaluates parsed PromQL over a Queryable. This version evaluates vector selectors
 * (with offset and @) and literals; the evaluator keeps Prometheus' shape (one querier per query,
 * step-wise instant evaluation with a lookback window) so later versions add node types here.
 */
import { isStaleNaN, ValueType } from '../model/value.ts';
import type { Labels } from '../model/labels.ts';
import type { Queryable, Querier, SampleIterator } from '../storage/interface.ts';
import type { Expr, VectorSelector } from './ast.ts';
import { exprValueType } from './ast.ts';
import { parseExpr } from './parser.ts';
import { evalScalar } from './scalar.ts';
import { PromqlError, QueryCanceledError, QueryTimeoutError } from './errors.ts';
import type { QueryResult, RangeSeries } from './value.ts';

/** Prometheus' default lookback delta: how far back an instant looks for the latest sample. */
export const DEFAULT_LOOKBACK_DELTA_MS = 5 * 60_000;
/** Prometheus' default query timeout (--query.timeout). */
export const DEFAULT_QUERY_TIMEOUT_MS = 2 * 60_000;

// Check the deadline every this many series, and yield to the event loop (so an abort from the
// client can arrive) every YIELD_EVERY series.
const CHECK_EVERY = 64;
const YIELD_EVERY = 1024;

/** Engine settings; all optional. */
export interface EngineOptions {
  /** Samples older than t - lookbackDeltaMs are not seen at t. Default 5m. */
  readonly lookbackDeltaMs?: number;
  /** Upper bound on each query's run time. Default 2m. */
  readonly timeoutMs?: number;
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
  readonly #lookbackMs: number;
  readonly #timeoutMs: number;

  constructor(queryable: Queryable, opts: EngineOptions = {}) {
    this.#queryable = queryable;
    this.#lookbackMs = opts.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  /**
   * Evaluates `query` at time `t` (ms). Result: vector, scalar or string. Throws ParseError /
   * UnsupportedExpressionError (bad_data) before touching storage, then QueryTimeoutError,
   * QueryCanceledError, or storage errors.
   */
  async evalInstant(query: string, t: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const expr = parseExpr(query);
    const ctx = new EvalContext(t, t, 1, opts.lookbackDeltaMs ?? this.#lookbackMs, this.#deadline(), opts.signal);
    switch (expr.type) {
      case 'NumberLiteral':
      case 'BinaryExpr':
      case 'UnaryExpr':
        return { value: { resultType: 'scalar', t, v: evalScalar(expr) }, warnings: [] };
      case 'StringLiteral': return { value: { resultType: 'string', t, v: expr.value }, warnings: [] };
      case 'VectorSelector': {
        const { series, warnings } = await evalSelector(this.#queryable, expr, ctx);
        const labels: Labels[] = [];
        const values = new Float64Array(series.length);
        for (const s of series) {
          values[labels.length] = s.values[0];
          labels.push(s.labels);
        }
        return { value: { resultType: 'vector', t, labels, values }, warnings };
      }
    }
  }

  /**
   * Evaluates `query` at start, start+step, … ≤ end (all ms; step > 0). Result: a matrix. A
   * scalar expression becomes one series without labels, as in Prometheus.
   */
  async evalRange(query: string, start: number, end: number, stepMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const expr = parseExpr(query);
    const type = exprValueType(expr);
    if (type !== 'vector' && type !== 'scalar') {
      throw new PromqlError('bad_data', `invalid expression type ${JSON.stringify(type)} for range query, must be Scalar or instant Vector`);
    }
    const ctx = new EvalContext(start, end, stepMs, opts.lookbackDeltaMs ?? this.#lookbackMs, this.#deadline(), opts.signal);
    return evalRangeExpr(this.#queryable, expr, ctx);
  }

  #deadline(): number {
    return Date.now() + this.#timeoutMs;
  }
}

/** The time grid and limits of one evaluation. */
class EvalContext {
  readonly steps: number;
  constructor(
    readonly start: number,
    readonly end: number,
    readonly step: number,
    readonly lookbackMs: number,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.steps = Math.floor((end - start) / step) + 1;
  }

  /** Throws when the query timed out or was canceled. */
  check(): void {
    const s = this.signal;
    if (s?.aborted) {
      const reason = s.reason as { name?: string } | undefined;
      throw reason?.name === 'TimeoutError' ? new QueryTimeoutError() : new QueryCanceledError();
    }
    if (Date.now() > this.deadline) throw new QueryTimeoutError();
  }
}

async function evalRangeExpr(queryable: Queryable, expr: Expr, ctx: EvalContext): Promise<QueryResult> {
  switch (expr.type) {
    case 'VectorSelector': {
      const { series, warnings } = await evalSelector(queryable, expr, ctx);
      return { value: { resultType: 'matrix', series }, warnings };
    }
    case 'NumberLiteral':
    case 'BinaryExpr':
    case 'UnaryExpr': {
      const timestamps = new Float64Array(ctx.steps);
      const values = new Float64Array(ctx.steps).fill(evalScalar(expr));
      for (let i = 0; i < ctx.steps; i++) timestamps[i] = ctx.start + i * ctx.step;
      return { value: { resultType: 'matrix', series: [{ labels: [], timestamps, values }] }, warnings: [] };
    }
    case 'StringLiteral':
      throw new PromqlError('bad_data', 'invalid expression type "string" for range query, must be Scalar or instant Vector');
  }
}

/** The reference (storage) time of step time `ts` for a selector: @ pins it, offset shifts it. */
function refTime(sel: VectorSelector, ctx: EvalContext, ts: number): number {
  const at = sel.at;
  const base = at === null ? ts : at.kind === 'time' ? at.t : at.kind === 'start' ? ctx.start : ctx.end;
  return base - sel.offsetMs;
}

/**
 * Evaluates a vector selector at every step: the value at step time ts is the latest sample in
 * (ref − lookback, ref], where ref = (@ or ts) − offset; a stale marker there means no value.
 * Series without any value are dropped. Output points carry the step time, not the sample time.
 */
async function evalSelector(queryable: Queryable, sel: VectorSelector, ctx: EvalContext): Promise<{ series: RangeSeries[]; warnings: readonly string[] }> {
  ctx.check();
  const firstRef = refTime(sel, ctx, ctx.start);
  const lastRef = refTime(sel, ctx, ctx.start + (ctx.steps - 1) * ctx.step);
  const mint = firstRef - ctx.lookbackMs + 1;
  const maxt = lastRef;
  const querier: Querier = await queryable.querier(mint, maxt);
  try {
    const set = await querier.select({ start: mint, end: maxt, step: ctx.steps > 1 ? ctx.step : undefined }, ...sel.matchers);
    ctx.check();
    const out: RangeSeries[] = [];
    // Scratch columns shared by all series of this selector (sampleSteps is synchronous); each
    // series keeps an exact-size copy, so memory follows the points, not steps × series.
    const scratch = { timestamps: new Float64Array(ctx.steps), values: new Float64Array(ctx.steps) };
    let n = 0;
    while (set.next()) {
      if (++n % CHECK_EVERY === 0) {
        if (n % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
        ctx.check();
      }
      const s = set.at();
      const count = sampleSteps(s.iterator(), sel, ctx, scratch.timestamps, scratch.values);
      if (count > 0) out.push({ labels: s.labels, timestamps: scratch.timestamps.slice(0, count), values: scratch.values.slice(0, count) });
    }
    return { series: out, warnings: set.warnings() };
  } finally {
    querier.close();
  }
}

/**
 * Walks one series' samples once across all steps, writing the points into `timestamps` and
 * `values` (length ≥ ctx.steps). Returns how many points it wrote.
 */
function sampleSteps(it: SampleIterator, sel: VectorSelector, ctx: EvalContext, timestamps: Float64Array, values: Float64Array): number {
  let count = 0;
  // The pending sample (the next one not yet known to be ≤ ref) and the latest one ≤ ref.
  let pending = it.next() !== ValueType.None;
  let pT = pending ? it.atT() : 0;
  let pV = pending ? it.atV() : 0;
  let have = false;
  let lastT = 0;
  let lastV = 0;
  for (let i = 0; i < ctx.steps; i++) {
    const ts = ctx.start + i * ctx.step;
    const ref = refTime(sel, ctx, ts);
    while (pending && pT <= ref) {
      have = true;
      lastT = pT;
      lastV = pV;
      pending = it.next() !== ValueType.None;
      if (pending) {
        pT = it.atT();
        pV = it.atV();
      }
    }
    if (!have || lastT <= ref - ctx.lookbackMs || isStaleNaN(lastV)) continue;
    timestamps[count] = ts;
    values[count] = lastV;
    count++;
  }
  return count;
}
