/**
 * @module The cpu collector: node_cpu_seconds_total and node_cpu_guest_seconds_total from
 * /proc/stat, node_cpu_isolated from /sys/devices/system/cpu/isolated and the thermal throttle
 * counters from sysfs, as node_exporter 1.5's cpu_linux.go exposes them. Like node_exporter it
 * keeps the last values per CPU so the counters never go backwards when the kernel's do (idle can
 * jump back a little on some kernels, and a hot-plugged CPU restarts from 0).
 * Provenance: github.com/prometheus/node_exporter collector/cpu_linux.go (Apache-2.0).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import type { Collector, HostEnv } from './collector.ts';
import { parseCpuList } from './cpu-list.ts';
import { counter, gauge, type MetricEmitter } from './family.ts';
import { isUint } from './fields.ts';
import { CPU_FIELDS, parseProcStat } from './proc-stat.ts';

const cpuSeconds = counter('node_cpu_seconds_total', 'Seconds the CPUs spent in each mode.', ['cpu', 'mode']);
const guestSeconds = counter('node_cpu_guest_seconds_total', 'Seconds the CPUs spent in guests (VMs) for each mode.', ['cpu', 'mode']);
const isolatedCpu = gauge('node_cpu_isolated', 'Whether each core is isolated, information from /sys/devices/system/cpu/isolated.', ['cpu']);
const coreThrottles = counter('node_cpu_core_throttles_total', 'Number of times this CPU core has been throttled.', ['package', 'core']);
const packageThrottles = counter('node_cpu_package_throttles_total', 'Number of times this CPU package has been throttled.', ['package']);

/** The modes of node_cpu_seconds_total: CPU_FIELDS[0..7], in node_exporter's order. */
const MODES = CPU_FIELDS.slice(0, 8);
const IDLE = 3, GUEST = 8, GUEST_NICE = 9;

/** If idle drops by this many seconds, node_exporter assumes a CPU hot-plug and starts that CPU afresh. */
const JUMP_BACK_SECONDS = 3;

/** Reads CPU times and keeps them monotonic across calls. One instance per collection loop. */
export class CpuCollector implements Collector {
  readonly name = 'cpu' as const;
  /** Last emitted times per CPU id (CPU_FIELDS order, seconds). */
  readonly #last = new Map<number, Float64Array>();

  update(env: HostEnv, out: MetricEmitter): void {
    const stat = parseProcStat(env.files.read(join(env.procPath, 'stat')), join(env.procPath, 'stat'));
    const isolatedPath = join(env.sysPath, 'devices/system/cpu/isolated');
    const isolatedText = env.files.readIfExists(isolatedPath);
    const isolated = isolatedText === undefined ? [] : parseCpuList(isolatedText, isolatedPath);
    const throttles = readThrottles(env);
    const ids = [...stat.cpus.keys()].sort((a, b) => a - b);
    this.#advance(stat.cpus, env.logger);

    for (const id of ids) {
      const t = this.#last.get(id)!;
      const cpu = String(id);
      for (let m = 0; m < MODES.length; m++) out.emit(cpuSeconds, t[m], cpu, MODES[m]);
    }
    // Guest time is also counted in user and nice; node_exporter shows it separately.
    for (const id of ids) {
      const t = this.#last.get(id)!;
      const cpu = String(id);
      out.emit(guestSeconds, t[GUEST], cpu, 'user');
      out.emit(guestSeconds, t[GUEST_NICE], cpu, 'nice');
    }
    for (const id of isolated) out.emit(isolatedCpu, 1, String(id));
    for (const [pkg, count] of throttles.packages) out.emit(packageThrottles, count, pkg);
    for (const [pkg, cores] of throttles.cores) {
      for (const [core, count] of cores) out.emit(coreThrottles, count, pkg, core);
    }
  }

  // node_exporter updateCPUStats: each field only moves forward; a big idle drop resets the CPU;
  // a changed set of CPUs resets everything.
  #advance(cpus: ReadonlyMap<number, Float64Array>, logger: Logger): void {
    const last = this.#last;
    if (last.size !== cpus.size || [...cpus.keys()].some((id) => !last.has(id))) {
      last.clear();
      for (const id of cpus.keys()) last.set(id, new Float64Array(CPU_FIELDS.length));
    }
    for (const [id, now] of cpus) {
      const prev = last.get(id)!;
      if (prev[IDLE] - now[IDLE] >= JUMP_BACK_SECONDS) {
        logger.debug('CPU idle counter jumped backwards, possible hotplug event, resetting CPU stats', { cpu: id, old_value: prev[IDLE], new_value: now[IDLE] });
        prev.fill(0);
      }
      for (let f = 0; f < CPU_FIELDS.length; f++) {
        if (now[f] >= prev[f]) prev[f] = now[f];
        else logger.debug('CPU counter jumped backwards', { cpu: id, mode: CPU_FIELDS[f], old_value: prev[f], new_value: now[f] });
      }
    }
  }
}

interface Throttles {
  /** package id → package_throttle_count. */
  readonly packages: Map<string, number>;
  /** package id → core id → core_throttle_count. */
  readonly cores: Map<string, Map<string, number>>;
}

// node_exporter updateThermalThrottle: walk cpu[0-9]*; a CPU without topology ids is skipped, and
// each core and package is read once. Missing counters (VMs, non-Intel) are not an error.
function readThrottles(env: HostEnv): Throttles {
  const packages = new Map<string, number>();
  const cores = new Map<string, Map<string, number>>();
  const base = join(env.sysPath, 'devices/system/cpu');
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => /^cpu[0-9]/.test(n)).sort();
  } catch {
    return { packages, cores }; // Go's filepath.Glob also ignores I/O errors
  }
  for (const name of names) {
    const dir = join(base, name);
    const pkg = readUint(env, join(dir, 'topology/physical_package_id'));
    if (pkg === undefined) continue;
    const core = readUint(env, join(dir, 'topology/core_id'));
    if (core === undefined) continue;
    let pkgCores = cores.get(pkg);
    if (pkgCores === undefined) cores.set(pkg, (pkgCores = new Map()));
    if (!pkgCores.has(core)) {
      const n = readUint(env, join(dir, 'thermal_throttle/core_throttle_count'));
      if (n !== undefined) pkgCores.set(core, Number(n));
    }
    if (!packages.has(pkg)) {
      const n = readUint(env, join(dir, 'thermal_throttle/package_throttle_count'));
      if (n !== undefined) packages.set(pkg, Number(n));
    }
  }
  return { packages, cores };
}

/** A sysfs attribute holding one unsigned integer, as its decimal text; undefined if unreadable or not a number. */
function readUint(env: HostEnv, path: string): string | undefined {
  try {
    const s = env.files.read(path).trim();
    // Go prints the id back with FormatUint, which drops leading zeros.
    return isUint(s) ? String(Number(s)) : undefined;
  } catch {
    return undefined;
  }
}
