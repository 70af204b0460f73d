/**
 * @module Parser of the kernel's CPU list format ("0-3,8,10-11"), as in
 * /sys/devices/system/cpu/isolated. Follows procfs sysfs/system_cpu.go parseIsolatedCPUs.
 */
import { HostParseError } from './errors.ts';
import { isUint } from './fields.ts';

/** Largest list accepted: procfs stores CPU ids as uint16. */
const MAX_CPU_ID = 0xffff;

/** The CPU ids of a list, in list order; an empty (or all-blank) text is an empty list. */
export function parseCpuList(text: string, file: string): number[] {
  const list = text.replace(/\n+$/, '');
  const out: number[] = [];
  if (list === '') return out;
  for (const range of list.split(',')) {
    const ends = range.split('-');
    if (ends.length > 2 || !ends.every(isUint)) throw new HostParseError(file, 0, `invalid CPU range ${JSON.stringify(range)}`);
    const first = Number(ends[0]);
    const last = ends.length === 2 ? Number(ends[1]) : first;
    if (last > MAX_CPU_ID) throw new HostParseError(file, 0, `CPU id out of range in ${JSON.stringify(range)}`);
    for (let id = first; id <= last; id++) out.push(id);
  }
  return out;
}
