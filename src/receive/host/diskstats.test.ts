import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DISKSTATS_EXCLUDE, parseDiskstats } from './diskstats.ts';
import { HostParseError } from './errors.ts';
import { BAD, GOOD, TESTDATA, collect } from './testdata/fixtures.ts';
import { parseUdevProperties } from './udev.ts';

describe('parseDiskstats', () => {
  it('keeps lines with 11 or more counters and how many they had', () => {
    const d = parseDiskstats(readFileSync(join(TESTDATA, 'proc/diskstats'), 'utf8'));
    expect(d.map((x) => [x.name, x.major, x.minor, x.values.length])).toEqual([
      ['loop0', 7, 0, 17], ['sda', 8, 0, 17], ['sda1', 8, 1, 17], ['dm-0', 253, 0, 15], ['nvme0n1', 259, 0, 11],
    ]); // md0 has 3 counters: skipped, as procfs does
  });
  it('ignores fields past the 17th counter', () => {
    expect(parseDiskstats('8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 junk\n')[0].values.length).toBe(17);
  });
  it.each(['8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n', 'x 0 sda\n', '8 0 sda 1 2 3 -4\n'])('fails the file on %j', (text) => {
    expect(() => parseDiskstats(text)).toThrow(HostParseError);
  });
  it.each([
    ['sda', false], ['sda1', true], ['vdb2', true], ['xvda1', true], ['nvme0n1', false], ['nvme0n1p1', true], ['loop0', true], ['ram0', true], ['fd0', true], ['dm-0', false], ['md127', false],
  ])('default exclude %j: %s', (dev, excluded) => {
    expect(DEFAULT_DISKSTATS_EXCLUDE.test(dev)).toBe(excluded);
  });
});

describe('parseUdevProperties', () => {
  it('takes E: lines only', () => {
    expect(Object.fromEntries(parseUdevProperties('S:disk/by-id/x\nE:ID_MODEL=Disk=1\nE:BROKEN\nW:1\nE:ID_PATH=pci-0\n'))).toEqual({ ID_MODEL: 'Disk=1', ID_PATH: 'pci-0' });
  });
});

describe('diskstats collector', () => {
  it('emits node_exporter families with node_exporter units', () => {
    const c = collect({ ...GOOD, collectors: ['diskstats'] });
    expect(Object.keys(c.series('node_disk_reads_completed_total'))).toEqual(['{device="sda"}', '{device="dm-0"}', '{device="nvme0n1"}']);
    const sda = (n: string) => c.series(n)['{device="sda"}'];
    expect(sda('node_disk_read_bytes_total')).toBe(24229794 * 512);
    expect(sda('node_disk_written_bytes_total')).toBe(90483136 * 512);
    expect(sda('node_disk_read_time_seconds_total')).toBe(202.223);
    expect(sda('node_disk_io_now')).toBe(2);
    expect(sda('node_disk_io_time_seconds_total')).toBe(100.956);
    expect(sda('node_disk_io_time_weighted_seconds_total')).toBe(527.639);
    expect(sda('node_disk_discarded_sectors_total')).toBe(245634152);
    expect(sda('node_disk_flush_requests_total')).toBe(11879);
    expect(sda('node_disk_flush_requests_time_seconds_total')).toBe(8.071);
    // Older kernels: 15 columns have discards but no flushes, 11 neither.
    expect(Object.keys(c.series('node_disk_discards_completed_total'))).toEqual(['{device="sda"}', '{device="dm-0"}']);
    expect(Object.keys(c.series('node_disk_flush_requests_total'))).toEqual(['{device="sda"}']);
    expect(c.sink.metadataCalls.find((m) => m.family === 'node_disk_io_now')?.metadata.type).toBe('gauge');
  });

  it('labels node_disk_info from udev and adds device-mapper and ATA series', () => {
    const c = collect({ ...GOOD, collectors: ['diskstats'] });
    expect(c.series('node_disk_info')).toEqual({
      '{device="sda",major="8",minor="0",model="Samsung_SSD_860_EVO_1TB",path="pci-0000:00:1f.2-ata-1",revision="RVT04B6Q",serial="S3Z9NB0K123456A",wwn="0x5002538e40a1b2c3"}': 1,
      '{device="dm-0",major="253",minor="0"}': 1, // empty labels are left out of canonical Labels
      '{device="nvme0n1",major="259",minor="0"}': 1,
    });
    expect(c.series('node_disk_device_mapper_info')).toEqual({ '{device="dm-0",lv_name="root",name="vg0-root",uuid="LVM-abcdef",vg_name="vg0"}': 1 });
    expect(c.series('node_disk_ata_rotation_rate_rpm')).toEqual({ '{device="sda"}': 0 });
    expect(c.series('node_disk_ata_write_cache')).toEqual({ '{device="sda"}': 1 });
    expect(c.series('node_disk_ata_write_cache_enabled')).toEqual({ '{device="sda"}': 1 });
  });

  it('fails on a non-numeric field', () => {
    const c = collect({ ...BAD, collectors: ['diskstats'] });
    expect(c.success('diskstats')).toBe(0);
    expect(c.sink.samples.filter((s) => s.name.startsWith('node_disk_'))).toEqual([]);
  });
});
