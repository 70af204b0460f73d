/**
 * @module Parser of /proc/stat, shared by the cpu and stat collectors. It follows
 * prometheus/procfs (Stat, parseCPUStat) as vendored by node_exporter 1.5: a malformed known line
 * fails the whole file, unknown lines are ignored, and CPU times are divided by USER_HZ.
 * Provenance: github.com/prometheus/procfs stat.go (Apache-2.0).
 */
import { HostParseError } from './errors.ts';
import { LineCursor, isUint, splitFields, toFloat } from './fields.ts';

/** Clock ticks per second of /proc/stat CPU times. procfs hard-codes 100, as the kernel's USER_HZ is on every architecture it supports. */
export const USER_HZ = 100;

/** CPU time fields of a `cpu` line, in file order. */
export const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'] as const;

/** What /proc/stat says. Counters absent from the file are 0, as procfs leaves them. */
export interface ProcStat {
  readonly bootTime: number;
  readonly contextSwitches: number;
  readonly processesCreated: number;
  readonly procsRunning: number;
  readonly procsBlocked: number;
  readonly irqTotal: number;
  /** Per CPU id (the `cpuN` lines, in file order): CPU_FIELDS in seconds. The aggregate `cpu` line is left out. */
  readonly cpus: ReadonlyMap<number, Float64Array>;
}

/** Parses /proc/stat text; `file` names it in errors. Throws HostParseError. */
export function parseProcStat(text: string, file = '/proc/stat'): ProcStat {
  let bootTime = 0, contextSwitches = 0, processesCreated = 0, procsRunning = 0, procsBlocked = 0, irqTotal = 0;
  const cpus = new Map<number, Float64Array>();
  const lines = new LineCursor(text);
  const f: string[] = [];
  const uint = (key: string): number => {
    if (!isUint(f[1])) throw new HostParseError(file, lines.lineNo, `couldn't parse ${JSON.stringify(f[1])} (${key})`);
    return Number(f[1]);
  };
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    if (splitFields(line, f) < 2) continue;
    const key = f[0];
    switch (key) {
      case 'btime': bootTime = uint(key); break;
      case 'ctxt': contextSwitches = uint(key); break;
      case 'processes': processesCreated = uint(key); break;
      case 'procs_running': procsRunning = uint(key); break;
      case 'procs_blocked': procsBlocked = uint(key); break;
      case 'intr':
        irqTotal = uint(key);
        // procfs parses every numbered IRQ too, so a bad one fails the file.
        for (let i = 2; i < f.length; i++) {
          if (!isUint(f[i])) throw new HostParseError(file, lines.lineNo, `couldn't parse ${JSON.stringify(f[i])} (intr)`);
        }
        break;
      case 'softirq':
        // procfs scans exactly 11 numbers ("%s %d %d ..."); fewer is an error there too.
        if (f.length < 12) throw new HostParseError(file, lines.lineNo, `couldn't parse softirq line: ${f.length - 1} of 11 values`);
        for (let i = 1; i < 12; i++) {
          if (!isUint(f[i])) throw new HostParseError(file, lines.lineNo, `couldn't parse ${JSON.stringify(f[i])} (softirq)`);
        }
        break;
      default:
        if (key.startsWith('cpu')) parseCpuLine(f, file, lines.lineNo, cpus);
    }
  }
  return { bootTime, contextSwitches, processesCreated, procsRunning, procsBlocked, irqTotal, cpus };
}

// procfs reads up to 10 values with Sscanf("%s %f ..."): missing trailing values stay 0 (the
// io.EOF it gets is ignored); a value that is not a number fails the file.
function parseCpuLine(f: readonly string[], file: string, lineNo: number, cpus: Map<number, Float64Array>): void {
  const times = new Float64Array(CPU_FIELDS.length);
  const n = Math.min(f.length - 1, CPU_FIELDS.length);
  for (let i = 0; i < n; i++) {
    const v = toFloat(f[i + 1]);
    if (v === undefined) throw new HostParseError(file, lineNo, `couldn't parse ${JSON.stringify(f[i + 1])} (cpu)`);
    times[i] = v / USER_HZ;
  }
  const name = f[0];
  if (name === 'cpu') return;
  const id = name.slice(3);
  if (!isUint(id)) throw new HostParseError(file, lineNo, `couldn't parse CPU id of ${JSON.stringify(name)}`);
  cpus.set(Number(id), times);
}
