/**
 * @module The filesystem collector: size, free and available bytes, inode counts, read-only and
 * device-error flags per mounted filesystem, from the mounts table plus statfs(2), under node_exporter
 * 1.5's names and labels (device, fstype, mountpoint) and with its default exclusions of pseudo
 * filesystems and system mount points.
 *
 * Difference: node_exporter runs statfs in a goroutine with a 5 s watchdog and stops statting a
 * mount that hangs (a dead NFS server). Node's statfs here is synchronous, so such a mount blocks
 * the collection, and with it the event loop, until the kernel gives up.
 * Provenance: github.com/prometheus/node_exporter collector/filesystem_{linux,common}.go (Apache-2.0).
 */
import { statfsSync, type StatsFs } from 'node:fs';
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { gauge, type FamilyDesc, type MetricEmitter } from './family.ts';
import { isNotFound } from './read-file.ts';
import { parseMounts, type MountEntry } from './mounts.ts';

/** node_exporter 1.5 --collector.filesystem.mount-points-exclude default. */
export const DEFAULT_MOUNT_POINTS_EXCLUDE = /^\/(dev|proc|run|sys|mnt|media|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;
/** node_exporter 1.5 --collector.filesystem.fs-types-exclude default. */
export const DEFAULT_FS_TYPES_EXCLUDE = /^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$/;

const LABELS = ['device', 'mountpoint', 'fstype'];
const size = gauge('node_filesystem_size_bytes', 'Filesystem size in bytes.', LABELS);
const free = gauge('node_filesystem_free_bytes', 'Filesystem free space in bytes.', LABELS);
const avail = gauge('node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.', LABELS);
const files = gauge('node_filesystem_files', 'Filesystem total file nodes.', LABELS);
const filesFree = gauge('node_filesystem_files_free', 'Filesystem total free file nodes.', LABELS);
const readonly = gauge('node_filesystem_readonly', 'Filesystem read-only status.', LABELS);
const deviceError = gauge('node_filesystem_device_error', 'Whether an error occurred while getting statistics for the given device.', LABELS);

/** One filesystem's figures; all 0 with `error` 1 when statfs failed. */
export interface FilesystemStats {
  readonly mount: MountEntry;
  readonly size: number;
  readonly free: number;
  readonly avail: number;
  readonly files: number;
  readonly filesFree: number;
  readonly readonly: number;
  readonly error: number;
}

/**
 * Stats of the mounts that pass the filters, one per (device, mountpoint, fstype) in mount order:
 * a filesystem mounted twice at the same place (bind mounts, over-mounts) is reported once, as
 * node_exporter's `seen` map does.
 */
export function filesystemStats(env: HostEnv, mounts: readonly MountEntry[]): FilesystemStats[] {
  const out: FilesystemStats[] = [];
  const seen = new Set<string>();
  for (const m of mounts) {
    if (env.filesystemMountPointsExclude.test(m.mountPoint) || env.filesystemFsTypesExclude.test(m.fsType)) continue;
    const key = `${m.device}\xff${m.mountPoint}\xff${m.fsType}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let st: StatsFs;
    try {
      st = statfsSync(join(env.rootfsPath, m.mountPoint));
    } catch (err) {
      env.logger.debug('Error on statfs() system call', { rootfs: join(env.rootfsPath, m.mountPoint), err: err as Error });
      out.push({ mount: m, size: 0, free: 0, avail: 0, files: 0, filesFree: 0, readonly: 0, error: 1 });
      continue;
    }
    // node_exporter 1.5 takes read-only from the mount options, not from statfs flags.
    const ro = m.options.split(',').includes('ro') ? 1 : 0;
    out.push({
      mount: m,
      size: st.blocks * st.bsize,
      free: st.bfree * st.bsize,
      avail: st.bavail * st.bsize,
      files: st.files,
      filesFree: st.ffree,
      readonly: ro,
      error: 0,
    });
  }
  return out;
}

/** Emits node_filesystem_*. Stateless. */
export const filesystemCollector: Collector = {
  name: 'filesystem',
  update(env: HostEnv, out: MetricEmitter): void {
    // PID 1's view: from inside a container with the host PID namespace, the host's mounts.
    let path = join(env.procPath, '1/mounts');
    let text: string | undefined;
    try {
      text = env.files.read(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      path = join(env.procPath, 'mounts'); // /proc/1 hidden by hidepid
      text = env.files.read(path);
    }
    const stats = filesystemStats(env, parseMounts(text, env.rootfsPath, path));
    const emit = (desc: FamilyDesc, pick: (s: FilesystemStats) => number, all: boolean) => {
      for (const s of stats) if (all || s.error === 0) out.emit(desc, pick(s), s.mount.device, s.mount.mountPoint, s.mount.fsType);
    };
    emit(size, (s) => s.size, false);
    emit(free, (s) => s.free, false);
    emit(avail, (s) => s.avail, false);
    emit(files, (s) => s.files, false);
    emit(filesFree, (s) => s.filesFree, false);
    emit(readonly, (s) => s.readonly, false);
    emit(deviceError, (s) => s.error, true);
  },
};
