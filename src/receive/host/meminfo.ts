/**
 * @module The meminfo collector: one gauge per /proc/meminfo field, named as node_exporter 1.5's
 * meminfo_linux.go names them (`Active(anon)` → node_memory_Active_anon_bytes; kB values become
 * bytes and gain `_bytes`; unitless counts such as HugePages_Total keep their name).
 * Provenance: github.com/prometheus/node_exporter collector/meminfo_linux.go (Apache-2.0).
 */
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { HostParseError } from './errors.ts';
import { FamilyDesc, type MetricEmitter } from './family.ts';
import { LineCursor, splitFields, toFloat } from './fields.ts';

// Go's regexp `\((.*)\)` replaced with `_${1}`: greedy, so one match per field name.
const PARENS = /\((.*)\)/g;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * The fields of /proc/meminfo as node_exporter keys them, in file order (a repeated key keeps
 * its last value, as Go's map does). Throws HostParseError on a line that is not `Key: value [kB]`.
 */
export function parseMeminfo(text: string, file = '/proc/meminfo'): Map<string, number> {
  const out = new Map<string, number>();
  const lines = new LineCursor(text);
  const f: string[] = [];
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    const n = splitFields(line, f);
    if (n === 0) continue; // blank lines occur on some CentOS 6 kernels; node_exporter skips them too
    if (n > 3 || n < 2) throw new HostParseError(file, lines.lineNo, `invalid line in meminfo: ${JSON.stringify(line)}`);
    let value = toFloat(f[1]);
    if (value === undefined) throw new HostParseError(file, lines.lineNo, `invalid value in meminfo: ${JSON.stringify(f[1])}`);
    // node_exporter drops the last character (the colon) without checking it.
    let key = f[0].slice(0, -1).replace(PARENS, '_$1');
    if (n === 3) {
      value *= 1024; // the unit is always kB
      key += '_bytes';
    }
    if (!METRIC_NAME_RE.test('node_memory_' + key)) throw new HostParseError(file, lines.lineNo, `field ${JSON.stringify(f[0])} makes no valid metric name`);
    out.set(key, value);
  }
  return out;
}

/** Emits node_memory_* from /proc/meminfo. Keeps its family descriptions across calls. */
export class MeminfoCollector implements Collector {
  readonly name = 'meminfo' as const;
  readonly #families = new Map<string, FamilyDesc>();

  update(env: HostEnv, out: MetricEmitter): void {
    const path = join(env.procPath, 'meminfo');
    const fields = parseMeminfo(env.files.read(path), path);
    for (const [key, value] of fields) {
      let desc = this.#families.get(key);
      if (desc === undefined) {
        // node_exporter types a `_total` field as a counter; no current kernel prints one.
        desc = new FamilyDesc(`node_memory_${key}`, key.endsWith('_total') ? 'counter' : 'gauge', `Memory information field ${key}.`);
        this.#families.set(key, desc);
      }
      out.emit(desc, value);
    }
  }
}
