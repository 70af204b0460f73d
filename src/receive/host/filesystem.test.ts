import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HostParseError } from './errors.ts';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE } from './filesystem.ts';
import { parseMounts, stripRootfs } from './mounts.ts';
import { BAD, GOOD, TESTDATA, collect } from './testdata/fixtures.ts';

describe('parseMounts', () => {
  it('reads device, unescaped mount point, type and options', () => {
    expect(parseMounts('/dev/sdc1 /with\\040space\\011tab ext4 rw,noatime 0 0\n', '/')).toEqual([
      { device: '/dev/sdc1', mountPoint: '/with space\ttab', fsType: 'ext4', options: 'rw,noatime' },
    ]);
  });
  it.each(['/dev/sda1 / ext4\n', '\n'])('fails the file on %j', (text) => {
    expect(() => parseMounts(text, '/')).toThrow(HostParseError);
  });
  it.each([
    ['/srv', '/', '/srv'],
    ['/host/srv', '/host', '/srv'],
    ['/host', '/host', '/'],
    ['/other', '/host', '/other'],
  ])('stripRootfs(%j, %j) = %j', (path, rootfs, want) => {
    expect(stripRootfs(path, rootfs)).toBe(want);
  });
});

describe('default exclusions (node_exporter 1.5 flags)', () => {
  it.each([
    ['/', false], ['/home', false], ['/dev', true], ['/dev/shm', true], ['/run/user/1000', true], ['/sys/fs/cgroup', true],
    ['/mnt/usb', true], ['/media/cd', true], ['/var/lib/docker', false], ['/var/lib/docker/overlay2/x', true], ['/devices', false],
  ])('mount point %j excluded: %s', (mp, excluded) => {
    expect(DEFAULT_MOUNT_POINTS_EXCLUDE.test(mp)).toBe(excluded);
  });
  it.each([
    ['ext4', false], ['tmpfs', false], ['cgroup', true], ['cgroup2', true], ['overlay', true], ['squashfs', true], ['nsfs', true], ['procfs', true], ['fuse.sshfs', false],
  ])('fs type %j excluded: %s', (t, excluded) => {
    expect(DEFAULT_FS_TYPES_EXCLUDE.test(t)).toBe(excluded);
  });
});

describe('filesystem collector', () => {
  const labels = (device: string, mountpoint: string, fstype: string) =>
    `{device=${JSON.stringify(device)},fstype=${JSON.stringify(fstype)},mountpoint=${JSON.stringify(mountpoint)}}`;

  it('reports each kept mount once, with statfs figures', () => {
    const c = collect({ ...GOOD, collectors: ['filesystem'] });
    const root = labels('/dev/sda1', '/', 'ext4');
    const srv = labels('/dev/sdb1', '/srv', 'xfs');
    const spaced = labels('/dev/sdc1', '/with space', 'ext4');
    const gone = labels('/dev/sdd1', '/gone', 'ext4');
    // /proc, /run, /sys/fs/cgroup, the docker overlay and /mnt/usb are excluded; /srv is listed twice.
    expect(Object.keys(c.series('node_filesystem_device_error')).sort()).toEqual([root, gone, srv, spaced].sort());
    expect(c.series('node_filesystem_device_error')).toMatchObject({ [root]: 0, [srv]: 0, [spaced]: 0, [gone]: 1 });
    // A mount whose statfs fails has only device_error, as in node_exporter.
    expect(Object.keys(c.series('node_filesystem_size_bytes')).sort()).toEqual([root, srv, spaced].sort());
    expect(c.series('node_filesystem_readonly')).toEqual({ [root]: 0, [srv]: 1, [spaced]: 0 });

    const st = statfsSync(join(TESTDATA, 'rootfs/srv'));
    expect(c.series('node_filesystem_size_bytes')[srv]).toBe(st.blocks * st.bsize);
    expect(c.series('node_filesystem_files')[srv]).toBe(st.files);
    for (const name of ['node_filesystem_free_bytes', 'node_filesystem_avail_bytes', 'node_filesystem_files_free']) {
      expect(c.series(name)[srv]).toBeGreaterThanOrEqual(0);
    }
    expect(c.series('node_filesystem_avail_bytes')[srv]).toBeLessThanOrEqual(c.series('node_filesystem_free_bytes')[srv]);
    expect(c.success('filesystem')).toBe(1);
  });

  it('honours the exclusion options, which replace the defaults', () => {
    const c = collect({ ...GOOD, collectors: ['filesystem'], filesystemMountPointsExclude: /^\/(srv|gone)$/, filesystemFsTypesExclude: /^vfat$/ });
    expect(Object.keys(c.series('node_filesystem_device_error')).sort()).toEqual([
      labels('/dev/sda1', '/', 'ext4'),
      labels('proc', '/proc', 'proc'),
      labels('tmpfs', '/run', 'tmpfs'),
      labels('cgroup2', '/sys/fs/cgroup', 'cgroup2'),
      labels('overlay', '/var/lib/docker/overlay2/abc/merged', 'overlay'),
      labels('/dev/sdc1', '/with space', 'ext4'),
    ].sort());
  });

  it('falls back to /proc/mounts when /proc/1/mounts is missing (hidepid)', () => {
    const proc = mkdtempSync(join(tmpdir(), 'pharos-mounts-'));
    onTestFinished(() => rmSync(proc, { recursive: true, force: true }));
    writeFileSync(join(proc, 'mounts'), '/dev/sdb1 /srv xfs rw 0 0\n');
    const c = collect({ ...GOOD, procPath: proc, collectors: ['filesystem'] });
    expect(c.series('node_filesystem_readonly')).toEqual({ [labels('/dev/sdb1', '/srv', 'xfs')]: 0 });
  });

  it('fails on a malformed mounts file', () => {
    const c = collect({ ...BAD, collectors: ['filesystem'] });
    expect(c.success('filesystem')).toBe(0);
    expect(c.sink.samples.filter((s) => s.name.startsWith('node_filesystem_'))).toEqual([]);
  });
});
