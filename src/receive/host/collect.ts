/**
 * @module The entry point of host metrics: runs node_exporter's Linux collectors implemented here
 * into an ExpositionSink and adds node_scrape_collector_{success,duration_seconds}, so a failing
 * collector (a file that does not parse, a path that is missing) shows as success 0 instead of
 * failing the whole collection, as in node_exporter.
 */
import { silentLogger } from '../../log.ts';
import type { ExpositionSink } from '../scrape/exposition/types.ts';
import type { Collector, HostEnv } from './collector.ts';
import { CpuCollector } from './cpu.ts';
import { DEFAULT_DISKSTATS_EXCLUDE, diskstatsCollector } from './diskstats.ts';
import { MetricEmitter, SinkError, gauge } from './family.ts';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, filesystemCollector } from './filesystem.ts';
import { loadavgCollector } from './loadavg.ts';
import { MeminfoCollector } from './meminfo.ts';
import { DEFAULT_NETDEV_EXCLUDE, netdevCollector } from './netdev.ts';
import { FileReader } from './read-file.ts';
import { statCollector } from './stat.ts';
import { timeCollector } from './time.ts';
import { HOST_COLLECTORS, type CollectorOutcome, type HostCollectResult, type HostCollectorName, type HostMetricsOptions } from './types.ts';
import { unameCollector } from './uname.ts';

const scrapeDuration = gauge('node_scrape_collector_duration_seconds', 'node_exporter: Duration of a collector scrape.', ['collector']);
const scrapeSuccess = gauge('node_scrape_collector_success', 'node_exporter: Whether a collector succeeded.', ['collector']);

// One buffer for every collection in the process: collection is synchronous, so no two overlap.
const sharedReader = new FileReader();

/** State that lives across collections: the collectors (cpu keeps its counters) and which ones are failing. */
interface CollectionState {
  readonly collectors: readonly Collector[];
  /** Collector → message of the failure last logged. */
  readonly failing: Map<HostCollectorName, string>;
}

function newState(names: readonly HostCollectorName[] | undefined): CollectionState {
  const wanted = new Set(names ?? HOST_COLLECTORS);
  const all: Record<HostCollectorName, () => Collector> = {
    cpu: () => new CpuCollector(),
    diskstats: () => diskstatsCollector,
    filesystem: () => filesystemCollector,
    loadavg: () => loadavgCollector,
    meminfo: () => new MeminfoCollector(),
    netdev: () => netdevCollector,
    stat: () => statCollector,
    time: () => timeCollector,
    uname: () => unameCollector,
  };
  for (const n of wanted) if (!(n in all)) throw new Error(`unknown host collector ${JSON.stringify(n)}`);
  return { collectors: HOST_COLLECTORS.filter((n) => wanted.has(n)).map((n) => all[n]()), failing: new Map() };
}

function resolveEnv(o: HostMetricsOptions): HostEnv {
  return {
    procPath: o.procPath ?? '/proc',
    sysPath: o.sysPath ?? '/sys',
    rootfsPath: o.rootfsPath ?? '/',
    udevDataPath: o.udevDataPath ?? '/run/udev/data',
    filesystemMountPointsExclude: o.filesystemMountPointsExclude ?? DEFAULT_MOUNT_POINTS_EXCLUDE,
    filesystemFsTypesExclude: o.filesystemFsTypesExclude ?? DEFAULT_FS_TYPES_EXCLUDE,
    netdevDeviceExclude: o.netdevDeviceExclude ?? DEFAULT_NETDEV_EXCLUDE,
    diskstatsDeviceExclude: o.diskstatsDeviceExclude ?? DEFAULT_DISKSTATS_EXCLUDE,
    files: sharedReader,
    logger: o.logger ?? silentLogger,
    nowMs: o.nowMs ?? Date.now,
  };
}

function run(state: CollectionState, env: HostEnv, sink: ExpositionSink): HostCollectResult {
  const out = new MetricEmitter(sink);
  const outcomes: CollectorOutcome[] = [];
  try {
    for (const c of state.collectors) {
      const start = performance.now();
      let error: Error | undefined;
      try {
        c.update(env, out);
      } catch (err) {
        if (err instanceof SinkError) throw err;
        error = err instanceof Error ? err : new Error(String(err));
      }
      outcomes.push({ collector: c.name, success: error === undefined, durationSeconds: (performance.now() - start) / 1000, error });
      logChange(state, env, c.name, error);
    }
    for (const o of outcomes) out.emit(scrapeDuration, o.durationSeconds, o.collector);
    for (const o of outcomes) out.emit(scrapeSuccess, o.success ? 1 : 0, o.collector);
  } catch (err) {
    if (err instanceof SinkError) throw err.cause;
    throw err;
  }
  return { samples: out.samples, collectors: outcomes };
}

// A broken file stays broken for every scrape: log when a collector starts failing (or fails
// differently) and when it recovers, not every 15 seconds.
function logChange(state: CollectionState, env: HostEnv, name: HostCollectorName, error: Error | undefined): void {
  const before = state.failing.get(name);
  if (error === undefined) {
    if (before !== undefined) {
      state.failing.delete(name);
      env.logger.info('collector recovered', { collector: name });
    }
    return;
  }
  if (before === error.message) return;
  state.failing.set(name, error.message);
  env.logger.warn('collector failed', { collector: name, err: error.message });
}

/**
 * Collects host metrics again and again with the same options. Keeps what node_exporter keeps
 * between scrapes: the last CPU counters (so they never go backwards) and which collectors are
 * failing (so a failure is logged once). Not for concurrent use; `collect` has no `await`.
 */
export class HostMetricsCollector {
  readonly #state: CollectionState;
  readonly #env: HostEnv;

  /** Throws on an unknown collector name. */
  constructor(options: HostMetricsOptions = {}) {
    this.#state = newState(options.collectors);
    this.#env = resolveEnv(options);
  }

  /**
   * Writes one collection into `sink`, synchronously, family by family, metadata before each
   * family's first sample, timestamps undefined (the caller stamps the collection). A collector
   * that fails writes nothing and reports node_scrape_collector_success 0. Throws only what
   * `sink` throws, unchanged, which ends the collection there.
   */
  collect(sink: ExpositionSink): HostCollectResult {
    return run(this.#state, this.#env, sink);
  }
}

// collectHostMetrics keeps a HostMetricsCollector-like state per set of options that matter for
// it (paths, collectors, filters), so repeated calls get the same monotonic CPU counters.
const MAX_CACHED_STATES = 16;
const states = new Map<string, CollectionState>();

function stateKey(o: HostMetricsOptions): string {
  const re = (r: RegExp | undefined) => (r === undefined ? '' : `${r.source}/${r.flags}`);
  return JSON.stringify([o.procPath, o.sysPath, o.rootfsPath, o.udevDataPath, o.collectors ?? null,
    re(o.filesystemMountPointsExclude), re(o.filesystemFsTypesExclude), re(o.netdevDeviceExclude), re(o.diskstatsDeviceExclude)]);
}

/**
 * Collects host metrics once into `sink`: node_exporter 1.5's cpu, diskstats, filesystem,
 * loadavg, meminfo, netdev, stat, time and uname collectors under its metric names, labels,
 * HELP and TYPE, then node_scrape_collector_{duration_seconds,success}{collector}. Same contract
 * as HostMetricsCollector.collect; state between calls is kept per distinct paths, collectors and
 * filters (at most 16 such sets).
 */
export function collectHostMetrics(sink: ExpositionSink, options: HostMetricsOptions = {}): HostCollectResult {
  const key = stateKey(options);
  let state = states.get(key);
  if (state === undefined) {
    state = newState(options.collectors);
    if (states.size >= MAX_CACHED_STATES) states.delete(states.keys().next().value!);
    states.set(key, state);
  }
  return run(state, resolveEnv(options), sink);
}
