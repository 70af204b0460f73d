/** @module An ExpositionSink that records every call, for tests and debugging. */
import type { Labels } from '../../../model/labels.ts';
import type { MetricMetadata } from '../../../storage/interface.ts';
import type { Exemplar, ExpositionSink } from './types.ts';

/** One recorded sample. */
export interface RecordedSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
  readonly timestampMs: number | undefined;
}

/** Records calls in order; each list is in input order. */
export class RecordingSink implements ExpositionSink {
  readonly samples: RecordedSample[] = [];
  readonly metadataCalls: { family: string; metadata: MetricMetadata }[] = [];
  readonly createdCalls: { family: string; labels: Labels; createdMs: number }[] = [];
  readonly exemplars: { seriesLabels: Labels; exemplar: Exemplar }[] = [];

  sample(name: string, labels: Labels, value: number, timestampMs: number | undefined): void {
    this.samples.push({ name, labels, value, timestampMs });
  }
  metadata(family: string, metadata: MetricMetadata): void {
    this.metadataCalls.push({ family, metadata });
  }
  created(family: string, labels: Labels, createdMs: number): void {
    this.createdCalls.push({ family, labels, createdMs });
  }
  exemplar(seriesLabels: Labels, exemplar: Exemplar): void {
    this.exemplars.push({ seriesLabels, exemplar });
  }
}
