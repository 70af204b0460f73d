/** @module One OpenMetrics metric family block as the parser tracks it, and the per-type series suffixes. */
import type { MetricType } from '../../../storage/interface.ts';

/** A family block: started by its first metadata line, or by a sample that fits no open block. */
export interface OmFamily {
  readonly name: string;
  /** Whether HELP/TYPE/UNIT lines introduced it (else it is an implicit `unknown` family). */
  readonly explicit: boolean;
  type: MetricType;
  typeSet: boolean;
  help: string | undefined;
  unit: string | undefined;
  hasSamples: boolean;
  /** Metadata handed to the sink (or nothing to hand over). */
  emitted: boolean;
}

/**
 * The series names a family of each type may hold, as suffixes of the family name (OpenMetrics 1.0,
 * as the reference parser lists them).
 */
export const TYPE_SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  summary: ['', '_count', '_sum', '_created'],
  histogram: ['_count', '_sum', '_bucket', '_created'],
  gaugehistogram: ['_gcount', '_gsum', '_bucket'],
  info: ['_info'],
  gauge: [''],
  stateset: [''],
  unknown: [''],
};
