/** @module The loadavg collector: node_load1/5/15 from /proc/loadavg, as node_exporter 1.5's loadavg_linux.go reads it. */
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { HostParseError } from './errors.ts';
import { gauge, type MetricEmitter } from './family.ts';
import { splitFields, toFloat } from './fields.ts';

const loads = [gauge('node_load1', '1m load average.'), gauge('node_load5', '5m load average.'), gauge('node_load15', '15m load average.')];

/** The 1, 5 and 15 minute load averages of /proc/loadavg text. Throws HostParseError. */
export function parseLoadavg(text: string, file = '/proc/loadavg'): [number, number, number] {
  const f: string[] = [];
  if (splitFields(text, f) < 3) throw new HostParseError(file, 0, 'unexpected content');
  const out: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const v = toFloat(f[i]);
    if (v === undefined) throw new HostParseError(file, 0, `could not parse load ${JSON.stringify(f[i])}`);
    out[i] = v;
  }
  return out;
}

/** Emits node_load1, node_load5 and node_load15. Stateless. */
export const loadavgCollector: Collector = {
  name: 'loadavg',
  update(env: HostEnv, out: MetricEmitter): void {
    const path = join(env.procPath, 'loadavg');
    const v = parseLoadavg(env.files.read(path), path);
    for (let i = 0; i < 3; i++) out.emit(loads[i], v[i]);
  },
};
