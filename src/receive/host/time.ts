/**
 * @module The time collector: the wall clock, the local zone's offset and the kernel's
 * clocksources, as node_exporter 1.5's time.go and time_linux.go expose them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { gauge, type MetricEmitter } from './family.ts';
import { splitFields } from './fields.ts';
import { localZone } from './timezone.ts';

const nowSeconds = gauge('node_time_seconds', 'System time in seconds since epoch (1970).');
const zoneOffset = gauge('node_time_zone_offset_seconds', 'System time zone offset in seconds.', ['time_zone']);
const available = gauge('node_time_clocksource_available_info', "Available clocksources read from '/sys/devices/system/clocksource'.", ['device', 'clocksource']);
const current = gauge('node_time_clocksource_current_info', "Current clocksource read from '/sys/devices/system/clocksource'.", ['device', 'clocksource']);

/** One clocksource device: the sources it offers and the one in use. */
export interface Clocksource {
  readonly available: readonly string[];
  readonly current: string;
}

/**
 * The devices under devices/system/clocksource (clocksource[0-9]*), in name order as Go's glob
 * returns them; none when the directory is missing. Throws if a device's files cannot be read.
 */
export function readClocksources(env: HostEnv): Clocksource[] {
  const dir = join(env.sysPath, 'devices/system/clocksource');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^clocksource[0-9]/.test(n)).sort();
  } catch {
    return [];
  }
  const fields: string[] = [];
  return names.map((n) => {
    splitFields(env.files.read(join(dir, n, 'available_clocksource')), fields);
    return { available: [...fields], current: env.files.read(join(dir, n, 'current_clocksource')).trim() };
  });
}

/** Emits node_time_*. Stateless. */
export const timeCollector: Collector = {
  name: 'time',
  update(env: HostEnv, out: MetricEmitter): void {
    const sources = readClocksources(env);
    const nowMs = env.nowMs();
    const zone = localZone(nowMs);
    out.emit(nowSeconds, nowMs / 1000);
    out.emit(zoneOffset, zone.offsetSeconds, zone.name);
    // node_exporter labels each device with its position in the glob, not the number in its name.
    sources.forEach((s, i) => {
      for (const a of s.available) out.emit(available, 1, String(i), a);
    });
    sources.forEach((s, i) => out.emit(current, 1, String(i), s.current));
  },
};
