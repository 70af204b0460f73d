/** @module The shared vocabulary: labels, matchers, values, durations. */
export type { Label, Labels } from './labels.ts';
export { METRIC_NAME, labelsFrom, labelsKey, labelsFromKey, labelValue, compareLabels, labelsToObject } from './labels.ts';
export type { MatchType } from './matcher.ts';
export { Matcher, InvalidMatcherError, matchesAll } from './matcher.ts';
export { STALE_NAN, isStaleNaN, ValueType } from './value.ts';
export { formatDuration, parseDuration } from './duration.ts';
