/**
 * @module The PromQL syntax tree: a discriminated union on `type`, close to Prometheus'
 * promql/parser/ast.go so its evaluation rules carry over one to one.
 */
import type { Matcher } from '../model/matcher.ts';
import type { PositionRange } from './errors.ts';

/** The `@` modifier: a fixed time in ms, or the query's start()/end(). */
export type AtModifier = { readonly kind: 'time'; readonly t: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

/**
 * A duration written in a range, offset or subquery step: a literal, or arithmetic over
 * literals, `step()`, `range()`, `min_of()` and `max_of()`. Values are seconds until resolved.
 */
export type DurationExpr =
  | { readonly kind: 'literal'; readonly seconds: number; /** Exact ms for duration literals such as 1001ms. */ readonly ms?: number }
  | { readonly kind: 'step' }
  | { readonly kind: 'range' }
  | { readonly kind: 'unary'; readonly op: '-' | '+'; readonly expr: DurationExpr }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/' | '%' | '^'; readonly lhs: DurationExpr; readonly rhs: DurationExpr }
  | { readonly kind: 'min' | 'max'; readonly lhs: DurationExpr; readonly rhs: DurationExpr };

/** How a range selector picks samples at its window's edges (Prometheus 3 extended range selectors). */
export type RangeMode = 'plain' | 'anchored' | 'smoothed';

/** An instant vector selector, e.g. `http_requests_total{job="api"} offset 5m @ 1700000000`. */
export interface VectorSelector {
  readonly type: 'VectorSelector';
  /** The metric name as written before the braces or as a quoted name inside them, or ''. */
  readonly name: string;
  /** All matchers, including a `__name__` equality matcher for `name`. */
  readonly matchers: readonly Matcher[];
  /** Offset (positive looks back in time); null when absent. */
  readonly offset: DurationExpr | null;
  readonly at: AtModifier | null;
  /** `smoothed` on an instant selector interpolates between the samples around each step. */
  readonly mode: RangeMode;
  readonly pos: PositionRange;
}

/** `selector[range]`: the samples in (t − range, t] of each series. */
export interface MatrixSelector {
  readonly type: 'MatrixSelector';
  readonly selector: VectorSelector;
  readonly range: DurationExpr;
  readonly mode: RangeMode;
  readonly pos: PositionRange;
}

/** `expr[range:step]`: expr evaluated at every step-aligned time in (t − range, t]. */
export interface SubqueryExpr {
  readonly type: 'SubqueryExpr';
  readonly expr: Expr;
  readonly range: DurationExpr;
  /** null: the engine's default step. */
  readonly step: DurationExpr | null;
  readonly offset: DurationExpr | null;
  readonly at: AtModifier | null;
  readonly pos: PositionRange;
}

/** A float literal such as `1`, `0x1f`, `1e3`, `Inf`, or a duration used as a number (`5m` = 300). */
export interface NumberLiteral {
  readonly type: 'NumberLiteral';
  readonly value: number;
  readonly pos: PositionRange;
}

/** A string literal with escapes resolved. */
export interface StringLiteral {
  readonly type: 'StringLiteral';
  readonly value: string;
  readonly pos: PositionRange;
}

/** `( expr )`; kept so printing and position reporting match the input. */
export interface ParenExpr {
  readonly type: 'ParenExpr';
  readonly expr: Expr;
  readonly pos: PositionRange;
}

/** Binary operators as written in PromQL. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';

/** on/ignoring, group_left/right and fill() of a vector-vector operation. */
export interface VectorMatching {
  /** 'one-to-one', 'many-to-one' (group_left), 'one-to-many' (group_right), 'many-to-many' (set ops). */
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `on(labels)` when true, `ignoring(labels)` (or nothing) when false. */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** Labels copied from the "one" side (group_left(labels)). */
  readonly include: readonly string[];
  /** fill(v) / fill_left(v) / fill_right(v): values for a side that has no match; null = no fill. */
  readonly fillLeft: number | null;
  readonly fillRight: number | null;
}

/** `lhs op rhs`. */
export interface BinaryExpr {
  readonly type: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** The `bool` modifier: comparisons yield 0/1 instead of filtering. */
  readonly returnBool: boolean;
  /** Only for vector-vector operations. */
  readonly matching: VectorMatching | null;
  readonly pos: PositionRange;
}

/** `-expr` or `+expr`. */
export interface UnaryExpr {
  readonly type: 'UnaryExpr';
  readonly op: '-' | '+';
  readonly expr: Expr;
  readonly pos: PositionRange;
}

/** Aggregation operators. */
export type AggregateOp = 'sum' | 'min' | 'max' | 'avg' | 'group' | 'stddev' | 'stdvar' | 'count' | 'count_values' | 'topk' | 'bottomk' | 'quantile' | 'limitk' | 'limit_ratio';

/** `op by|without (labels) ([param,] expr)`. */
export interface AggregateExpr {
  readonly type: 'AggregateExpr';
  readonly op: AggregateOp;
  readonly expr: Expr;
  readonly param: Expr | null;
  /** Grouping labels; with `without` they are the labels removed. */
  readonly grouping: readonly string[];
  readonly without: boolean;
  readonly pos: PositionRange;
}

/** A function call such as `rate(x[5m])`. */
export interface Call {
  readonly type: 'Call';
  readonly func: string;
  readonly args: readonly Expr[];
  readonly pos: PositionRange;
}

/** `expr @ t` / `expr offset d` around something that is not a selector or subquery is invalid; this wraps expressions whose value is fixed by `@`. */
export interface StepInvariantExpr {
  readonly type: 'StepInvariantExpr';
  readonly expr: Expr;
  readonly pos: PositionRange;
}

/** Any PromQL expression. */
export type Expr =
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | NumberLiteral
  | StringLiteral
  | ParenExpr
  | BinaryExpr
  | UnaryExpr
  | AggregateExpr
  | Call
  | StepInvariantExpr;

/** What an expression evaluates to (Prometheus parser.ValueType). */
export type ExprValueType = 'vector' | 'scalar' | 'string' | 'matrix';

/** The static type of an expression. */
export function exprValueType(e: Expr): ExprValueType {
  switch (e.type) {
    case 'VectorSelector': return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr': return 'matrix';
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'ParenExpr':
    case 'StepInvariantExpr': return exprValueType(e.expr);
    case 'BinaryExpr': return exprValueType(e.lhs) === 'vector' || exprValueType(e.rhs) === 'vector' ? 'vector' : 'scalar';
    case 'UnaryExpr': return exprValueType(e.expr);
    case 'AggregateExpr': return 'vector';
    case 'Call': return functionReturnType(e.func);
  }
}

function functionReturnType(name: string): ExprValueType {
  switch (name) {
    case 'time':
    case 'scalar':
    case 'pi':
    case 'start':
    case 'end':
    case 'range':
    case 'step':
    case 'min_of':
    case 'max_of':
      return 'scalar';
    default:
      return 'vector';
  }
}

/** Removes any number of enclosing parentheses. */
export function unwrapParens(e: Expr): Expr {
  while (e.type === 'ParenExpr' || e.type === 'StepInvariantExpr') e = e.expr;
  return e;
}
