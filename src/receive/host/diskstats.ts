/**
 * @module The diskstats collector: per block device I/O counters from /proc/diskstats, plus
 * node_disk_info (with udev's labels), node_disk_device_mapper_info and the ATA gauges, as
 * node_exporter 1.5's diskstats_linux.go exposes them, with its default exclusion of partitions,
 * RAM disks, loop and floppy devices.
 *
 * Sectors in /proc/diskstats are always 512 bytes whatever the device's sector size (kernel
 * Documentation/admin-guide/iostats.rst), which is the unixSectorSize node_exporter multiplies by.
 * Provenance: github.com/prometheus/node_exporter collector/diskstats_linux.go (Apache-2.0),
 * github.com/prometheus/procfs blockdevice/stats.go.
 */
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { HostParseError } from './errors.ts';
import { counter, gauge, type FamilyDesc, type MetricEmitter } from './family.ts';
import { LineCursor, isUint, splitFields, toFloat } from './fields.ts';
import { UDEV, parseUdevProperties } from './udev.ts';

/** node_exporter 1.5 --collector.diskstats.device-exclude default. */
export const DEFAULT_DISKSTATS_EXCLUDE = /^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;

const UNIX_SECTOR_BYTES = 512;
const SECONDS_PER_TICK = 1 / 1000; // the time columns count milliseconds

const D = ['device'];
/**
 * The families of the 17 counter columns after major, minor and name, in column order, with the
 * factor each raw value is multiplied by. Kernels before 4.18 print 11 columns, before 5.5 15.
 */
const COLUMNS: readonly (readonly [FamilyDesc, number])[] = [
  [counter('node_disk_reads_completed_total', 'The total number of reads completed successfully.', D), 1],
  [counter('node_disk_reads_merged_total', 'The total number of reads merged.', D), 1],
  [counter('node_disk_read_bytes_total', 'The total number of bytes read successfully.', D), UNIX_SECTOR_BYTES],
  [counter('node_disk_read_time_seconds_total', 'The total number of seconds spent by all reads.', D), SECONDS_PER_TICK],
  [counter('node_disk_writes_completed_total', 'The total number of writes completed successfully.', D), 1],
  [counter('node_disk_writes_merged_total', 'The number of writes merged.', D), 1],
  [counter('node_disk_written_bytes_total', 'The total number of bytes written successfully.', D), UNIX_SECTOR_BYTES],
  [counter('node_disk_write_time_seconds_total', 'This is the total number of seconds spent by all writes.', D), SECONDS_PER_TICK],
  [gauge('node_disk_io_now', 'The number of I/Os currently in progress.', D), 1],
  [counter('node_disk_io_time_seconds_total', 'Total seconds spent doing I/Os.', D), SECONDS_PER_TICK],
  [counter('node_disk_io_time_weighted_seconds_total', 'The weighted # of seconds spent doing I/Os.', D), SECONDS_PER_TICK],
  [counter('node_disk_discards_completed_total', 'The total number of discards completed successfully.', D), 1],
  [counter('node_disk_discards_merged_total', 'The total number of discards merged.', D), 1],
  [counter('node_disk_discarded_sectors_total', 'The total number of sectors discarded successfully.', D), 1],
  [counter('node_disk_discard_time_seconds_total', 'This is the total number of seconds spent by all discards.', D), SECONDS_PER_TICK],
  [counter('node_disk_flush_requests_total', 'The total number of flush requests completed successfully', D), 1],
  [counter('node_disk_flush_requests_time_seconds_total', 'This is the total number of seconds spent by all flush requests.', D), SECONDS_PER_TICK],
];

const info = gauge('node_disk_info', 'Info of /sys/block/<block_device>.', ['device', 'major', 'minor', 'path', 'wwn', 'model', 'serial', 'revision']);
const dmInfo = gauge('node_disk_device_mapper_info', 'Info about disk device mapper.', ['device', 'name', 'uuid', 'vg_name', 'lv_name', 'lv_layer']);
const ATA: readonly (readonly [string, FamilyDesc])[] = [
  [UDEV.idAtaWriteCache, gauge('node_disk_ata_write_cache', 'ATA disk has a write cache.', D)],
  [UDEV.idAtaWriteCacheEnabled, gauge('node_disk_ata_write_cache_enabled', 'ATA disk has its write cache enabled.', D)],
  [UDEV.idAtaRotationRateRpm, gauge('node_disk_ata_rotation_rate_rpm', 'ATA disk rotation rate in RPMs (0 for SSDs).', D)],
];

/** One /proc/diskstats line. */
export interface DiskstatsLine {
  readonly major: number;
  readonly minor: number;
  readonly name: string;
  /** The counter columns present (11, 15 or 17), raw. */
  readonly values: Float64Array;
}

/** Fewest counter columns procfs accepts; shorter lines are skipped, not errors. */
const MIN_COLUMNS = 11;

/**
 * Parses /proc/diskstats like procfs' Sscanf("%d %d %s %d ..."): a line with fewer than 14 fields
 * is skipped, a field that is not a number fails the file, fields past the 20th are ignored.
 */
export function parseDiskstats(text: string, file = '/proc/diskstats'): DiskstatsLine[] {
  const out: DiskstatsLine[] = [];
  const lines = new LineCursor(text);
  const f: string[] = [];
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    const n = splitFields(line, f);
    // Sscanf stops at the first missing field (io.EOF, ignored) and fails on the first bad one.
    let count = 0;
    for (; count < Math.min(n, 3 + COLUMNS.length); count++) {
      if (count === 2) continue; // the device name
      if (!isUint(f[count])) throw new HostParseError(file, lines.lineNo, `invalid field ${count + 1}: ${JSON.stringify(f[count])}`);
    }
    if (count - 3 < MIN_COLUMNS) continue;
    const values = new Float64Array(count - 3);
    for (let i = 0; i < values.length; i++) values[i] = Number(f[i + 3]);
    out.push({ major: Number(f[0]), minor: Number(f[1]), name: f[2], values });
  }
  return out;
}

/** Emits node_disk_*. Stateless. */
export const diskstatsCollector: Collector = {
  name: 'diskstats',
  update(env: HostEnv, out: MetricEmitter): void {
    const path = join(env.procPath, 'diskstats');
    const disks = parseDiskstats(env.files.read(path), path).filter((d) => !env.diskstatsDeviceExclude.test(d.name));
    const udev = disks.map((d) => readUdev(env, d));

    for (let i = 0; i < disks.length; i++) {
      const d = disks[i], u = udev[i];
      const p = (k: string) => u.get(k) ?? '';
      out.emit(info, 1, d.name, String(d.major), String(d.minor), p(UDEV.idPath), p(UDEV.idWwn), p(UDEV.idModel), p(UDEV.idSerialShort), p(UDEV.idRevision));
    }
    for (let c = 0; c < COLUMNS.length; c++) {
      const [desc, factor] = COLUMNS[c];
      for (const d of disks) if (c < d.values.length) out.emit(desc, d.values[c] * factor, d.name);
    }
    for (let i = 0; i < disks.length; i++) {
      const u = udev[i];
      const dm = u.get(UDEV.dmName) ?? '';
      if (dm === '') continue;
      const p = (k: string) => u.get(k) ?? '';
      out.emit(dmInfo, 1, disks[i].name, dm, p(UDEV.dmUuid), p(UDEV.dmVgName), p(UDEV.dmLvName), p(UDEV.dmLvLayer));
    }
    for (const [key, desc] of ATA) {
      for (let i = 0; i < disks.length; i++) {
        const u = udev[i];
        if ((u.get(UDEV.idAta) ?? '') === '') continue;
        const raw = u.get(key);
        if (raw === undefined) continue;
        const v = toFloat(raw);
        if (v === undefined) {
          env.logger.debug('Failed to parse ATA value', { device: disks[i].name, attribute: key, value: raw });
          continue;
        }
        out.emit(desc, v, disks[i].name);
      }
    }
  },
};

// A device udev does not know (or no udev at all, as in most containers) gets empty labels.
function readUdev(env: HostEnv, d: DiskstatsLine): Map<string, string> {
  try {
    const text = env.files.readIfExists(join(env.udevDataPath, `b${d.major}:${d.minor}`));
    return text === undefined ? new Map() : parseUdevProperties(text);
  } catch (err) {
    env.logger.debug('Failed to parse udev info', { device: d.name, err: err as Error });
    return new Map();
  }
}
