/** @module The storage seam and helpers shared by every store. */
export type { SeriesRef, MetricType, MetricMetadata, Appendable, Appender, Deletable, Queryable, Querier, SelectHints, SeriesSet, Series, SampleIterator, StorageErrorCode } from './interface.ts';
export { StorageError } from './interface.ts';
