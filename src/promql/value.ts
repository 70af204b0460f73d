/**
 * @module Query results, kept in columns: one Float64Array of values per series (and of
 * timestamps for a matrix), never one object per sample. Times are ms.
 */
import type { Labels } from '../model/labels.ts';

/** An instant vector: every sample is at `t`; labels[i] goes with values[i]. Sorted by labels. */
export interface Vector {
  readonly resultType: 'vector';
  readonly t: number;
  readonly labels: readonly Labels[];
  readonly values: Float64Array;
}

/** One series of a range result; timestamps ascend and have the same length as values. */
export interface RangeSeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

/** A range result: series sorted by labels, each with at least one point. */
export interface Matrix {
  readonly resultType: 'matrix';
  readonly series: readonly RangeSeries[];
}

/** A single number at time `t`. */
export interface Scalar {
  readonly resultType: 'scalar';
  readonly t: number;
  readonly v: number;
}

/** A single string at time `t`. */
export interface StringValue {
  readonly resultType: 'string';
  readonly t: number;
  readonly v: string;
}

/** Any query result. */
export type QueryValue = Vector | Matrix | Scalar | StringValue;

/** A result plus non-fatal annotations: warnings (also from storage) and infos, as Prometheus reports them. */
export interface QueryResult {
  readonly value: QueryValue;
  readonly warnings: readonly string[];
  readonly infos?: readonly string[];
}
