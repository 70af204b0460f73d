/** @module Options and results of the built-in host metrics collection (node_exporter's Linux collectors). */
import type { Logger } from '../../log.ts';

/** The collectors implemented here, under node_exporter's names (the `collector` label). */
export type HostCollectorName = 'cpu' | 'diskstats' | 'filesystem' | 'loadavg' | 'meminfo' | 'netdev' | 'stat' | 'time' | 'uname';

/** Every collector, in the order they run (node_exporter's is unordered and concurrent). */
export const HOST_COLLECTORS: readonly HostCollectorName[] = ['cpu', 'diskstats', 'filesystem', 'loadavg', 'meminfo', 'netdev', 'stat', 'time', 'uname'];

/**
 * Where to read and what to leave out. Paths default to the live system; tests point them at
 * fixture trees. The exclude patterns default to node_exporter 1.5's flag defaults.
 */
export interface HostMetricsOptions {
  /** procfs mount point (node_exporter --path.procfs). Default `/proc`. */
  readonly procPath?: string;
  /** sysfs mount point (--path.sysfs). Default `/sys`. */
  readonly sysPath?: string;
  /** The host's root as seen from here (--path.rootfs), for filesystem statfs calls. Default `/`. */
  readonly rootfsPath?: string;
  /** udev's device database (--path.udev.data), for node_disk_info labels. Default `/run/udev/data`. */
  readonly udevDataPath?: string;
  /** Collectors to run; default all of HOST_COLLECTORS. */
  readonly collectors?: readonly HostCollectorName[];
  /** --collector.filesystem.mount-points-exclude. */
  readonly filesystemMountPointsExclude?: RegExp;
  /** --collector.filesystem.fs-types-exclude. */
  readonly filesystemFsTypesExclude?: RegExp;
  /** --collector.netdev.device-exclude (Debian's 1.5 build defaults to `^lo$`). */
  readonly netdevDeviceExclude?: RegExp;
  /** --collector.diskstats.device-exclude. */
  readonly diskstatsDeviceExclude?: RegExp;
  /** Where collector failures and recoveries are logged (once per change, not every scrape). Silent by default. */
  readonly logger?: Logger;
  /** The wall clock in ms since the epoch, for node_time_seconds. Default Date.now. */
  readonly nowMs?: () => number;
}

/** How one collector fared in one collection. */
export interface CollectorOutcome {
  readonly collector: HostCollectorName;
  readonly success: boolean;
  /** Wall time the collector took, in seconds (node_scrape_collector_duration_seconds). */
  readonly durationSeconds: number;
  /** Why it failed; undefined on success. */
  readonly error: Error | undefined;
}

/** What one collection wrote. */
export interface HostCollectResult {
  /** Samples passed to the sink, node_scrape_collector_* included. */
  readonly samples: number;
  /** One entry per collector that ran, in run order. */
  readonly collectors: readonly CollectorOutcome[];
}
