/** @module PromQL: parser, AST, engine and result types. */
export type { Expr, ExprValueType, VectorSelector, MatrixSelector, SubqueryExpr, NumberLiteral, StringLiteral, AtModifier, BinaryExpr, BinaryOp, UnaryExpr, AggregateExpr, Call, DurationExpr } from './ast.ts';
export { exprValueType } from './ast.ts';
export { parseExpr, parseMetricSelector } from './parser.ts';
export type { EngineOptions, QueryOptions } from './engine.ts';
export { Engine, DEFAULT_LOOKBACK_DELTA_MS, DEFAULT_QUERY_TIMEOUT_MS } from './engine.ts';
export type { PromqlErrorCode, PositionRange } from './errors.ts';
export { PromqlError, ParseError, QueryTimeoutError, QueryCanceledError, positionOf } from './errors.ts';
export { parsePromDuration, parseGoFloat } from './duration.ts';
export type { QueryValue, QueryResult, Vector, Matrix, RangeSeries, Scalar, StringValue } from './value.ts';
