/**
 * @module The stat collector: boot time, context switches, forks, interrupts and runnable/blocked
 * process counts from /proc/stat, as node_exporter 1.5's stat_linux.go exposes them (its optional
 * softirq breakdown, off by default there, is not implemented).
 */
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { counter, gauge, type MetricEmitter } from './family.ts';
import { parseProcStat } from './proc-stat.ts';

const intr = counter('node_intr_total', 'Total number of interrupts serviced.');
const ctxt = counter('node_context_switches_total', 'Total number of context switches.');
const forks = counter('node_forks_total', 'Total number of forks.');
const btime = gauge('node_boot_time_seconds', 'Node boot time, in unixtime.');
const procsRunning = gauge('node_procs_running', 'Number of processes in runnable state.');
const procsBlocked = gauge('node_procs_blocked', 'Number of processes blocked waiting for I/O to complete.');

/** Kernel-wide counters of /proc/stat. Stateless. */
export const statCollector: Collector = {
  name: 'stat',
  update(env: HostEnv, out: MetricEmitter): void {
    const path = join(env.procPath, 'stat');
    const s = parseProcStat(env.files.read(path), path);
    out.emit(intr, s.irqTotal);
    out.emit(ctxt, s.contextSwitches);
    out.emit(forks, s.processesCreated);
    out.emit(btime, s.bootTime);
    out.emit(procsRunning, s.procsRunning);
    out.emit(procsBlocked, s.procsBlocked);
  },
};
