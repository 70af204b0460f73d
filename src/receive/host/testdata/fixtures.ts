/**
 * @module Test helpers: options pointing the host collectors at the fixture trees here, and a
 * way to read back what a collection wrote. Test-only; nothing outside *.test.ts imports it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_NAME, type Labels } from '../../../model/labels.ts';
import { RecordingSink } from '../../scrape/exposition/recording-sink.ts';
import { collectHostMetrics } from '../collect.ts';
import type { HostCollectResult, HostMetricsOptions } from '../types.ts';

/** This directory. */
export const TESTDATA = fileURLToPath(new URL('.', import.meta.url));

/** A fixed wall clock for the fixtures: 2023-11-14T22:13:20.123Z. */
export const FIXTURE_NOW_MS = 1_700_000_000_123;

/** Options reading the well-formed fixture tree. */
export const GOOD: HostMetricsOptions = {
  procPath: join(TESTDATA, 'proc'),
  sysPath: join(TESTDATA, 'sys'),
  rootfsPath: join(TESTDATA, 'rootfs'),
  udevDataPath: join(TESTDATA, 'udev'),
  nowMs: () => FIXTURE_NOW_MS,
};

/** Options reading the malformed fixture tree (every file in it is broken in some way). */
export const BAD: HostMetricsOptions = {
  procPath: join(TESTDATA, 'bad/proc'),
  sysPath: join(TESTDATA, 'bad/sys'),
  rootfsPath: join(TESTDATA, 'rootfs'),
  udevDataPath: join(TESTDATA, 'udev'),
  nowMs: () => FIXTURE_NOW_MS,
};

/** `{a="1",b="2"}` for the labels other than __name__, in label order ('' when there are none). */
export function labelString(labels: Labels): string {
  const parts = labels.filter((l) => l.name !== METRIC_NAME).map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A collection's samples, readable by family. */
export interface Collected {
  readonly sink: RecordingSink;
  readonly result: HostCollectResult;
  /** Values of one family by labelString. */
  series(name: string): Record<string, number>;
  /** The value of node_scrape_collector_success for a collector (undefined if it did not run). */
  success(collector: string): number | undefined;
}

/** Runs collectHostMetrics into a RecordingSink. */
export function collect(options: HostMetricsOptions): Collected {
  const sink = new RecordingSink();
  const result = collectHostMetrics(sink, options);
  const series = (name: string) => {
    const out: Record<string, number> = {};
    for (const s of sink.samples) if (s.name === name) out[labelString(s.labels)] = s.value;
    return out;
  };
  return { sink, result, series, success: (c) => series('node_scrape_collector_success')[`{collector="${c}"}`] };
}
