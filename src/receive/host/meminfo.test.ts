import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostParseError } from './errors.ts';
import { parseMeminfo } from './meminfo.ts';
import { BAD, GOOD, TESTDATA, collect } from './testdata/fixtures.ts';

describe('parseMeminfo', () => {
  it('names fields as node_exporter does', () => {
    const m = parseMeminfo(readFileSync(join(TESTDATA, 'proc/meminfo'), 'utf8'));
    expect(Object.fromEntries(m)).toEqual({
      MemTotal_bytes: 24683656 * 1024,
      MemFree_bytes: 17810500 * 1024,
      MemAvailable_bytes: 20179416 * 1024,
      Buffers_bytes: 9652 * 1024,
      Cached_bytes: 2455732 * 1024,
      SwapCached_bytes: 0,
      Active_anon_bytes: 1234567 * 1024,
      Inactive_file_bytes: 765432 * 1024,
      SwapTotal_bytes: 2097148 * 1024,
      SwapFree_bytes: 2097148 * 1024,
      HugePages_Total: 0,
      HugePages_Free: 0,
      Hugepagesize_bytes: 2048 * 1024,
      DirectMap4k_bytes: 262144 * 1024,
    });
  });

  it.each([
    ['MemTotal:\n', 'invalid line'],
    ['MemTotal: 1 kB extra\n', 'invalid line'],
    ['MemTotal: lots kB\n', 'invalid value'],
    ['Mem-Total: 1 kB\n', 'no valid metric name'],
  ])('refuses %j', (text, what) => {
    expect(() => parseMeminfo(text)).toThrow(HostParseError);
    expect(() => parseMeminfo(text)).toThrow(what);
  });
});

describe('meminfo collector', () => {
  it('emits one gauge family per field', () => {
    const c = collect({ ...GOOD, collectors: ['meminfo'] });
    expect(c.series('node_memory_MemTotal_bytes')).toEqual({ '': 25276063744 });
    expect(c.series('node_memory_HugePages_Total')).toEqual({ '': 0 });
    expect(c.sink.metadataCalls.find((m) => m.family === 'node_memory_Active_anon_bytes')?.metadata)
      .toEqual({ type: 'gauge', unit: '', help: 'Memory information field Active_anon_bytes.' });
    expect(c.sink.metadataCalls.filter((m) => m.family.startsWith('node_memory_'))).toHaveLength(14);
  });

  it('reports failure and writes nothing for a malformed file', () => {
    const c = collect({ ...BAD, collectors: ['meminfo'] });
    expect(c.success('meminfo')).toBe(0);
    expect(c.sink.samples.filter((s) => s.name.startsWith('node_memory_'))).toEqual([]);
  });
});
