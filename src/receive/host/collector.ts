/** @module The contract between the collection driver and each host collector module. */
import type { Logger } from '../../log.ts';
import type { MetricEmitter } from './family.ts';
import type { FileReader } from './read-file.ts';
import type { HostCollectorName } from './types.ts';

/** Resolved paths, filters and services a collector reads through. Shared by all collectors. */
export interface HostEnv {
  readonly procPath: string;
  readonly sysPath: string;
  readonly rootfsPath: string;
  readonly udevDataPath: string;
  readonly filesystemMountPointsExclude: RegExp;
  readonly filesystemFsTypesExclude: RegExp;
  readonly netdevDeviceExclude: RegExp;
  readonly diskstatsDeviceExclude: RegExp;
  readonly files: FileReader;
  readonly logger: Logger;
  readonly nowMs: () => number;
}

/**
 * One node_exporter collector. `update` reads and parses everything first and only then emits, so
 * a collector that throws (the collection marks it failed) has written nothing. It runs
 * synchronously; a collector may keep state between calls (the cpu counters do).
 */
export interface Collector {
  readonly name: HostCollectorName;
  update(env: HostEnv, out: MetricEmitter): void;
}
