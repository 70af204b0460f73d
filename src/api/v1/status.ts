/**
 * @module GET /api/v1/status/{config,flags,runtimeinfo,tsdb,walreplay} in Prometheus' shapes.
 * Pharos has no Prometheus YAML config: `config` shows the effective Pharos settings as YAML,
 * `flags` the same settings under their command-line flag names.
 */
import { stringify } from 'yaml';
import { labelsKey } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import type { Queryable } from '../../storage/interface.ts';
import type { Endpoint } from './endpoint.ts';
import { ApiError } from './respond.ts';

/** The store's head figures, as /api/v1/status/tsdb shows them (Prometheus' TSDBStatus). */
export interface TsdbStatusFigures {
  readonly numSeries: number;
  readonly numLabelPairs: number;
  readonly chunkCount: number;
  /** Oldest and newest sample time in the head (ms); non-finite when it is empty. */
  readonly minTime: number;
  readonly maxTime: number;
  /** Pharos' additions to headStats. */
  readonly numSamples?: number;
  readonly walBytes?: number;
  /** The `limit` largest of each, by value descending. */
  readonly seriesCountByMetricName: ReadonlyArray<{ name: string; value: number }>;
  readonly labelValueCountByLabelName: ReadonlyArray<{ name: string; value: number }>;
  readonly memoryInBytesByLabelName: ReadonlyArray<{ name: string; value: number }>;
  readonly seriesCountByLabelValuePair: ReadonlyArray<{ name: string; value: number }>;
}

/** What the status endpoints read. */
export interface StatusSource {
  /** Effective settings, by setting key ("query.lookback_delta"). */
  readonly settings: ReadonlyMap<string, string>;
  /** Setting key → flag name ("query-lookback-delta"). */
  readonly flagNames: ReadonlyMap<string, string>;
  readonly startTime: Date;
  readonly retention?: string;
  /**
   * The head's figures and cardinality, the `limit` largest of each list (the embedded store
   * knows them from its index); when absent they are counted from the series the Queryable holds.
   */
  readonly tsdb?: (limit: number) => TsdbStatusFigures;
}

const json = (data: unknown) => ({ dataJson: JSON.stringify(data), warnings: [] as string[] });

export function configEndpoint(src: StatusSource): Endpoint {
  return async () => json({ yaml: stringify(Object.fromEntries(src.settings)) });
}

export function flagsEndpoint(src: StatusSource): Endpoint {
  return async () => {
    const flags: Record<string, string> = {};
    for (const [key, value] of src.settings) flags[src.flagNames.get(key) ?? key] = value;
    return json(flags);
  };
}

export function runtimeInfoEndpoint(src: StatusSource): Endpoint {
  return async () => {
    const mem = process.memoryUsage();
    return json({
      startTime: src.startTime.toISOString(),
      CWD: process.cwd(),
      reloadConfigSuccess: true,
      lastConfigTime: src.startTime.toISOString(),
      corruptionCount: 0,
      goroutineCount: 0,
      GOMAXPROCS: 1,
      GOMEMLIMIT: 0,
      GOGC: '',
      GODEBUG: '',
      storageRetention: src.retention ?? 'unlimited',
      // Node.js figures in the same object, named for what they are.
      nodeVersion: process.version,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      arrayBuffersBytes: mem.arrayBuffers,
      externalBytes: mem.external,
    });
  };
}

interface Count {
  name: string;
  value: number;
}

function top(map: Map<string, number>, limit: number): Count[] {
  return [...map].map(([name, value]) => ({ name, value })).sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1)).slice(0, limit);
}

/**
 * GET /api/v1/status/tsdb in Prometheus' shape: headStats {numSeries, numLabelPairs, chunkCount,
 * minTime, maxTime} (plus Pharos' numSamples and walBytes), then the top `limit` (default 10) of
 * seriesCountByMetricName, labelValueCountByLabelName, memoryInBytesByLabelName (UTF-8 bytes of
 * each name's distinct values) and seriesCountByLabelValuePair. An empty head reports minTime and
 * maxTime 0 (Prometheus prints int64's max and min there).
 */
export function tsdbStatusEndpoint(queryable: Queryable, src: StatusSource): Endpoint {
  return async (form) => {
    const limitText = form.get('limit');
    const limit = limitText === '' ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit <= 0) throw new ApiError('bad_data', 'limit must be a positive number');
    const f = src.tsdb ? src.tsdb(limit) : await countFromQueryable(queryable, limit);
    return json({
      headStats: {
        numSeries: f.numSeries,
        numLabelPairs: f.numLabelPairs,
        chunkCount: f.chunkCount,
        minTime: Number.isFinite(f.minTime) ? f.minTime : 0,
        maxTime: Number.isFinite(f.maxTime) ? f.maxTime : 0,
        ...(f.numSamples !== undefined ? { numSamples: f.numSamples } : {}),
        ...(f.walBytes !== undefined ? { walBytes: f.walBytes } : {}),
      },
      seriesCountByMetricName: f.seriesCountByMetricName,
      labelValueCountByLabelName: f.labelValueCountByLabelName,
      memoryInBytesByLabelName: f.memoryInBytesByLabelName,
      seriesCountByLabelValuePair: f.seriesCountByLabelValuePair,
    });
  };
}

/** The figures of a store that has no index to ask: every series selected once. */
async function countFromQueryable(queryable: Queryable, limit: number): Promise<TsdbStatusFigures> {
  const querier = await queryable.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const byMetric = new Map<string, number>();
  const valuesByLabel = new Map<string, Set<string>>();
  const bytesByLabel = new Map<string, number>();
  const byPair = new Map<string, number>();
  const pairs = new Set<string>();
  let series = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  try {
    const set = await querier.select({ start: Number.MIN_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }, new Matcher('=~', '__name__', '.+'));
    while (set.next()) {
      const s = set.at();
      series++;
      for (const l of s.labels) {
        if (l.name === '__name__') byMetric.set(l.value, (byMetric.get(l.value) ?? 0) + 1);
        let vals = valuesByLabel.get(l.name);
        if (!vals) valuesByLabel.set(l.name, (vals = new Set()));
        if (!vals.has(l.value)) bytesByLabel.set(l.name, (bytesByLabel.get(l.name) ?? 0) + Buffer.byteLength(l.value));
        vals.add(l.value);
        const pair = `${l.name}=${l.value}`;
        byPair.set(pair, (byPair.get(pair) ?? 0) + 1);
        pairs.add(labelsKey([l]));
      }
      const it = s.iterator();
      while (it.next() !== ValueType.None) {
        minTime = Math.min(minTime, it.atT());
        maxTime = Math.max(maxTime, it.atT());
      }
    }
  } finally {
    querier.close();
  }
  return {
    numSeries: series,
    numLabelPairs: pairs.size,
    chunkCount: 0,
    minTime,
    maxTime,
    seriesCountByMetricName: top(byMetric, limit),
    labelValueCountByLabelName: top(new Map([...valuesByLabel].map(([k, v]) => [k, v.size])), limit),
    memoryInBytesByLabelName: top(bytesByLabel, limit),
    seriesCountByLabelValuePair: top(byPair, limit),
  };
}

/** Pharos replays its WAL before it reports ready; progress is not tracked in segments. */
export function walReplayEndpoint(ready: () => boolean): Endpoint {
  return async () => json({ min: 0, max: 0, current: ready() ? 0 : -1 });
}
