/**
 * @module The signature of every PromQL function (Prometheus promql/parser/functions.go): the
 * parser checks calls against it; the engine looks implementations up by the same names.
 */
import type { ExprValueType } from './ast.ts';

/** A function's argument types; `variadic` > 0 allows that many optional trailing args, -1 any number. */
export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ExprValueType[];
  readonly variadic: number;
  readonly returnType: ExprValueType;
  readonly experimental?: boolean;
}

const V: ExprValueType = 'vector';
const M: ExprValueType = 'matrix';
const S: ExprValueType = 'scalar';
const STR: ExprValueType = 'string';

function fn(name: string, argTypes: ExprValueType[], returnType: ExprValueType, variadic = 0, experimental = false): FunctionSignature {
  return { name, argTypes, variadic, returnType, experimental };
}

const SIGNATURES: FunctionSignature[] = [
  fn('abs', [V], V),
  fn('absent', [V], V),
  fn('absent_over_time', [M], V),
  fn('acos', [V], V),
  fn('acosh', [V], V),
  fn('asin', [V], V),
  fn('asinh', [V], V),
  fn('atan', [V], V),
  fn('atanh', [V], V),
  fn('avg_over_time', [M], V),
  fn('ceil', [V], V),
  fn('changes', [M], V),
  fn('clamp', [V, S, S], V),
  fn('clamp_max', [V, S], V),
  fn('clamp_min', [V, S], V),
  fn('cos', [V], V),
  fn('cosh', [V], V),
  fn('count_over_time', [M], V),
  fn('days_in_month', [V], V, 1),
  fn('day_of_month', [V], V, 1),
  fn('day_of_week', [V], V, 1),
  fn('day_of_year', [V], V, 1),
  fn('deg', [V], V),
  fn('delta', [M], V),
  fn('deriv', [M], V),
  fn('double_exponential_smoothing', [M, S, S], V, 0, true),
  fn('end', [], S, 0, true),
  fn('exp', [V], V),
  fn('first_over_time', [M], V, 0, true),
  fn('floor', [V], V),
  fn('histogram_avg', [V], V),
  fn('histogram_count', [V], V),
  fn('histogram_fraction', [S, S, V], V),
  fn('histogram_quantile', [S, V], V),
  fn('histogram_quantiles', [V, STR, S], V, -1, true),
  fn('histogram_stddev', [V], V),
  fn('histogram_stdvar', [V], V),
  fn('histogram_sum', [V], V),
  fn('hour', [V], V, 1),
  fn('idelta', [M], V),
  fn('increase', [M], V),
  fn('info', [V, V], V, 1, true),
  fn('irate', [M], V),
  fn('label_join', [V, STR, STR, STR], V, -1),
  fn('label_replace', [V, STR, STR, STR, STR], V),
  fn('last_over_time', [M], V),
  fn('ln', [V], V),
  fn('log10', [V], V),
  fn('log2', [V], V),
  fn('mad_over_time', [M], V, 0, true),
  fn('max_over_time', [M], V),
  fn('min_over_time', [M], V),
  fn('min_of', [S, S], S, 0, true),
  fn('max_of', [S, S], S, 0, true),
  fn('minute', [V], V, 1),
  fn('month', [V], V, 1),
  fn('pi', [], S),
  fn('predict_linear', [M, S], V),
  fn('present_over_time', [M], V),
  fn('quantile_over_time', [S, M], V),
  fn('rad', [V], V),
  fn('range', [], S, 0, true),
  fn('rate', [M], V),
  fn('resets', [M], V),
  fn('round', [V, S], V, 1),
  fn('scalar', [V], S),
  fn('sgn', [V], V),
  fn('sin', [V], V),
  fn('sinh', [V], V),
  fn('sort', [V], V),
  fn('sort_by_label', [V, STR], V, -1, true),
  fn('sort_by_label_desc', [V, STR], V, -1, true),
  fn('sort_desc', [V], V),
  fn('sqrt', [V], V),
  fn('start', [], S, 0, true),
  fn('start_timestamp', [V], V, 0, true),
  fn('stddev_over_time', [M], V),
  fn('stdvar_over_time', [M], V),
  fn('step', [], S, 0, true),
  fn('sum_over_time', [M], V),
  fn('tan', [V], V),
  fn('tanh', [V], V),
  fn('time', [], S),
  fn('timestamp', [V], V),
  fn('ts_of_first_over_time', [M], V, 0, true),
  fn('ts_of_last_over_time', [M], V, 0, true),
  fn('ts_of_max_over_time', [M], V, 0, true),
  fn('ts_of_min_over_time', [M], V, 0, true),
  fn('vector', [S], V),
  fn('year', [V], V, 1),
];

/** Every function by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map(SIGNATURES.map((s) => [s.name, s]));

/** Range functions that accept the `anchored` modifier on their argument. */
export const ANCHORED_FUNCTIONS = ['changes', 'delta', 'increase', 'rate', 'resets'];
/** Range functions that accept the `smoothed` modifier on their argument. */
export const SMOOTHED_FUNCTIONS = ['delta', 'increase', 'rate'];
