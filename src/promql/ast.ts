/**
 * @module The PromQL syntax tree: a discriminated union on `type`. This version holds vector
 * selectors, literals and scalar-only unary/binary arithmetic; later versions add Call,
 * Aggregate, MatrixSelector and Subquery members and vector operands without changing these.
 */
import type { Matcher } from '../model/matcher.ts';
import type { PositionRange } from './errors.ts';

/** The `@` modifier: a fixed time in ms, or the query's start()/end(). */
export type AtModifier = { readonly kind: 'time'; readonly t: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

/** An instant vector selector, e.g. `http_requests_total{job="api"} offset 5m @ 1700000000`. */
export interface VectorSelector {
  readonly type: 'VectorSelector';
  /** The metric name as written before the braces or as a quoted name inside them, or ''. */
  readonly name: string;
  /** All matchers, including a `__name__` equality matcher for `name`. */
  readonly matchers: readonly Matcher[];
  /** Offset in ms (positive looks back in time). */
  readonly offsetMs: number;
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

/** Binary operators as written in PromQL. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';

/**
 * `lhs op rhs`. This version only builds it when both sides are scalars (so `1+1`, Grafana's
 * health check, works); vector operands are reported as unsupported by the parser.
 */
export interface BinaryExpr {
  readonly type: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** The `bool` modifier: comparisons yield 0/1 instead of filtering. */
  readonly returnBool: boolean;
  readonly pos: PositionRange;
}

/** `-expr` or `+expr`; this version only builds it over scalars. */
export interface UnaryExpr {
  readonly type: 'UnaryExpr';
  readonly op: '-' | '+';
  readonly expr: Expr;
  readonly pos: PositionRange;
}

/** Any expression this version understands. */
export type Expr = VectorSelector | NumberLiteral | StringLiteral | BinaryExpr | UnaryExpr;

/** What an expression evaluates to (Prometheus parser.ValueType). */
export type ExprValueType = 'vector' | 'scalar' | 'string' | 'matrix';

/** The static type of an expression. */
export function exprValueType(e: Expr): ExprValueType {
  switch (e.type) {
    case 'VectorSelector': return 'vector';
    case 'NumberLiteral': return 'scalar';
    case 'StringLiteral': return 'string';
    case 'BinaryExpr': return exprValueType(e.lhs) === 'vector' || exprValueType(e.rhs) === 'vector' ? 'vector' : 'scalar';
    case 'UnaryExpr': return exprValueType(e.expr);
  }
}
