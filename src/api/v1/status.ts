/**
 * @module GET /api/v1/status/{config,flags,runtimeinfo,tsdb,walreplay} in Prometheus' shapes.
 * Pharos has no Prometheus YAML config: `config` shows the effective Pharos settings as YAML,
 * `flags` the same settings under their command-line flag names.
 */
import { stringify } from 'yaml';
import { labelsKey } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import type { Queryable } from '../../storage/interface.ts';
import type { Endpoint } from './endpoint.ts';
import { ApiError } from './respond.ts';

/** What the status endpoints read. */
export interface StatusSource {
  /** Effective settings, by setting key ("query.lookback_delta"). */
  readonly settings: ReadonlyMap<string, string>;
  /** Setting key → flag name ("query-lookback-delta"). */
  readonly flagNames: ReadonlyMap<string, string>;
  readonly startTime: Date;
  readonly retention?: string;
  /** Head figures the store knows best; series are counted from the Queryable when absent. */
  readonly headStats?: () => { series: number; samples: number; minTime: number; maxTime: number; walBytes?: number };
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

/** Cardinality figures computed from the series the store holds (Prometheus computes them from the head index). */
export function tsdbStatusEndpoint(queryable: Queryable, src: StatusSource): Endpoint {
  return async (form) => {
    const limitText = form.get('limit');
    const limit = limitText === '' ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit <= 0) throw new ApiError('bad_data', 'limit must be a positive number');
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
        if (!src.headStats) {
          const it = s.iterator();
          if (it.next()) minTime = Math.min(minTime, it.atT());
        }
      }
    } finally {
      querier.close();
    }
    const head = src.headStats?.();
    const labelValueCounts = new Map([...valuesByLabel].map(([k, v]) => [k, v.size]));
    return json({
      headStats: {
        numSeries: head?.series ?? series,
        numLabelPairs: pairs.size,
        chunkCount: 0,
        minTime: head ? head.minTime : Number.isFinite(minTime) ? minTime : 0,
        maxTime: head ? head.maxTime : Number.isFinite(maxTime) ? maxTime : 0,
      },
      seriesCountByMetricName: top(byMetric, limit),
      labelValueCountByLabelName: top(labelValueCounts, limit),
      memoryInBytesByLabelName: top(bytesByLabel, limit),
      seriesCountByLabelValuePair: top(byPair, limit),
    });
  };
}

/** Pharos replays its WAL before it reports ready; progress is not tracked in segments. */
export function walReplayEndpoint(ready: () => boolean): Endpoint {
  return async () => json({ min: 0, max: 0, current: ready() ? 0 : -1 });
}
