/** @module OTLP → Prometheus translation: names, labels, data points, delta totals, staleness. */
export type { OtlpTranslation, OtlpTranslatorApi } from './translation.ts';
export type { OtlpMetricsVisitor, Attributes, MetricDescriptor, HistogramPoint, ExponentialHistogramPoint, ExponentialBuckets, SummaryPoint } from './visitor.ts';
export { MetricKind, Temporality, FLAG_NO_RECORDED_VALUE, OtlpDecodeError } from './visitor.ts';
export type { OtlpTranslatorOptions } from './translator.ts';
export { OtlpTranslator, DEFAULT_OTLP_TRANSLATOR_OPTIONS } from './translator.ts';
export type { TranslationStrategy, NameKind } from './metric-name.ts';
export { prometheusMetricName, metadataUnit, InvalidMetricNameError } from './metric-name.ts';
export type { LabelNameOptions } from './label-name.ts';
export { prometheusLabelName, InvalidLabelNameError } from './label-name.ts';
export { formatFloat } from './format-float.ts';
export { DeltaState } from './delta-state.ts';
