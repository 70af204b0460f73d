/**
 * @module Parser of a mounts table (/proc/1/mounts, /proc/mounts) into the labels node_exporter's
 * filesystem collector uses. Follows filesystem_linux.go parseFilesystemLabels of 1.5: four
 * fields at least, and only the `\040` (space) and `\011` (tab) escapes of fstab(5) are undone.
 */
import { HostParseError } from './errors.ts';
import { LineCursor, splitFields } from './fields.ts';

/** One mount as listed. */
export interface MountEntry {
  readonly device: string;
  /** As listed, unescaped, with the rootfs prefix already stripped (see stripRootfs). */
  readonly mountPoint: string;
  readonly fsType: string;
  /** Comma-separated mount options, e.g. `rw,relatime`. */
  readonly options: string;
}

/** Mounts in file order. `rootfsPath` is stripped from mount points as node_exporter's rootfsStripPrefix does. */
export function parseMounts(text: string, rootfsPath: string, file = '/proc/1/mounts'): MountEntry[] {
  const out: MountEntry[] = [];
  const lines = new LineCursor(text);
  const f: string[] = [];
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    // Unlike meminfo, node_exporter does not skip blank lines here: they fail the file.
    if (splitFields(line, f) < 4) throw new HostParseError(file, lines.lineNo, `malformed mount point information: ${JSON.stringify(line)}`);
    const mountPoint = f[1].replaceAll('\\040', ' ').replaceAll('\\011', '\t');
    out.push({ device: f[0], mountPoint: stripRootfs(mountPoint, rootfsPath), fsType: f[2], options: f[3] });
  }
  return out;
}

/**
 * A mount point as seen from the host: with node_exporter in a container whose host root is at
 * `rootfsPath` (say /host), `/host/data` is reported as `/data`, and `/host` as `/`.
 */
export function stripRootfs(path: string, rootfsPath: string): string {
  if (rootfsPath === '/') return path;
  // Go's strings.TrimPrefix: only when the path starts with it.
  const stripped = path.startsWith(rootfsPath) ? path.slice(rootfsPath.length) : path;
  return stripped === '' ? '/' : stripped;
}
