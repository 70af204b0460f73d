/**
 * @module The netdev collector: per-interface traffic and error counters under node_exporter 1.5's
 * node_network_*_total names, with the `lo` interface left out by default as Debian's build does.
 *
 * node_exporter 1.5 reads these over rtnetlink and folds the detailed error counters back into the
 * columns of /proc/net/dev (its `legacy` mapping mirrors net/core/net-procfs.c), so reading
 * /proc/net/dev gives the same values without a netlink socket. The one counter /proc/net/dev
 * lacks, rx_nohandler, comes from /sys/class/net/<dev>/statistics.
 * Provenance: github.com/prometheus/node_exporter collector/netdev_linux.go (Apache-2.0),
 * github.com/prometheus/procfs net_dev.go.
 */
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { HostParseError } from './errors.ts';
import { counter, type FamilyDesc, type MetricEmitter } from './family.ts';
import { LineCursor, isUint, splitFields } from './fields.ts';

/** Debian's node_exporter 1.5 --collector.netdev.device-exclude default. */
export const DEFAULT_NETDEV_EXCLUDE = /^lo$/;

/** The 16 counters of a /proc/net/dev line, in column order: 8 receive, then 8 transmit. */
export const NET_DEV_COLUMNS = [
  'receive_bytes', 'receive_packets', 'receive_errs', 'receive_drop', 'receive_fifo', 'receive_frame', 'receive_compressed', 'receive_multicast',
  'transmit_bytes', 'transmit_packets', 'transmit_errs', 'transmit_drop', 'transmit_fifo', 'transmit_colls', 'transmit_carrier', 'transmit_compressed',
] as const;

const familyOf = (key: string): FamilyDesc => counter(`node_network_${key}_total`, `Network device statistic ${key}.`, ['device']);
const columnFamilies = NET_DEV_COLUMNS.map(familyOf);
const nohandler = familyOf('receive_nohandler');

/** One interface of /proc/net/dev. */
export interface NetDevLine {
  readonly name: string;
  /** NET_DEV_COLUMNS values. */
  readonly values: Float64Array;
}

/**
 * Parses /proc/net/dev text (two header lines, then `name: 16 counters`), in file order; a name
 * listed twice keeps its last line, as procfs' map does. Throws HostParseError.
 */
export function parseNetDev(text: string, file = '/proc/net/dev'): NetDevLine[] {
  const out = new Map<string, NetDevLine>();
  const lines = new LineCursor(text);
  const f: string[] = [];
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    if (lines.lineNo <= 2) continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new HostParseError(file, lines.lineNo, 'invalid net/dev line, missing colon');
    const name = line.slice(0, colon).trim();
    if (name === '') throw new HostParseError(file, lines.lineNo, 'invalid net/dev line, empty interface name');
    if (splitFields(line.slice(colon + 1), f) < NET_DEV_COLUMNS.length) {
      throw new HostParseError(file, lines.lineNo, `invalid net/dev line, ${f.length} of ${NET_DEV_COLUMNS.length} counters`);
    }
    const values = new Float64Array(NET_DEV_COLUMNS.length);
    for (let i = 0; i < values.length; i++) {
      if (!isUint(f[i])) throw new HostParseError(file, lines.lineNo, `invalid ${NET_DEV_COLUMNS[i]} value ${JSON.stringify(f[i])}`);
      values[i] = Number(f[i]);
    }
    out.set(name, { name, values });
  }
  return [...out.values()];
}

/** Emits node_network_{receive,transmit}_*_total. Stateless. */
export const netdevCollector: Collector = {
  name: 'netdev',
  update(env: HostEnv, out: MetricEmitter): void {
    const path = join(env.procPath, 'net/dev');
    const devs = parseNetDev(env.files.read(path), path).filter((d) => !env.netdevDeviceExclude.test(d.name));
    const noHandler = devs.map((d) => readNoHandler(env, d.name));
    for (let c = 0; c < columnFamilies.length; c++) {
      for (const d of devs) out.emit(columnFamilies[c], d.values[c], d.name);
    }
    for (let i = 0; i < devs.length; i++) {
      const n = noHandler[i];
      if (n !== undefined) out.emit(nohandler, n, devs[i].name);
    }
  },
};

// Present since Linux 4.6; an interface without it (or an unreadable value) just lacks the series.
function readNoHandler(env: HostEnv, dev: string): number | undefined {
  try {
    const s = env.files.read(join(env.sysPath, 'class/net', dev, 'statistics/rx_nohandler')).trim();
    return isUint(s) ? Number(s) : undefined;
  } catch {
    return undefined;
  }
}
