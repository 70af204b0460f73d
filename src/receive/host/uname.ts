/**
 * @module The uname collector: node_uname_info, labelled with what uname(2) returns. Node has no
 * uname call with the domain name, so the fields come from /proc/sys/kernel, which the kernel
 * fills from the same utsname record of the reader's UTS namespace (and which fixture trees can
 * provide). `arch` (Linux 6.1+) gives the machine; older kernels fall back to os.machine().
 */
import { machine } from 'node:os';
import { join } from 'node:path';
import type { Collector, HostEnv } from './collector.ts';
import { gauge, type MetricEmitter } from './family.ts';

const unameInfo = gauge('node_uname_info', 'Labeled system information as provided by the uname system call.', ['sysname', 'release', 'version', 'machine', 'nodename', 'domainname']);

/** The utsname fields, by node_exporter's label names. */
export interface Utsname {
  readonly sysname: string;
  readonly release: string;
  readonly version: string;
  readonly machine: string;
  readonly nodename: string;
  readonly domainname: string;
}

/** Reads utsname from `<procPath>/sys/kernel`. Throws the fs error if a field file is missing. */
export function readUtsname(env: HostEnv): Utsname {
  const dir = join(env.procPath, 'sys/kernel');
  // Each file holds one line; the version contains blanks, so only the newline goes.
  const field = (name: string) => env.files.read(join(dir, name)).replace(/\n$/, '');
  const arch = env.files.readIfExists(join(dir, 'arch'));
  return {
    sysname: field('ostype'),
    release: field('osrelease'),
    version: field('version'),
    machine: arch === undefined ? machine() : arch.replace(/\n$/, ''),
    nodename: field('hostname'),
    domainname: field('domainname'),
  };
}

/** Emits node_uname_info. Stateless. */
export const unameCollector: Collector = {
  name: 'uname',
  update(env: HostEnv, out: MetricEmitter): void {
    const u = readUtsname(env);
    out.emit(unameInfo, 1, u.sysname, u.release, u.version, u.machine, u.nodename, u.domainname);
  },
};
