import { describe, expect, it } from 'vitest';
import { BAD, GOOD, collect } from './testdata/fixtures.ts';

describe('stat collector', () => {
  it('emits the kernel-wide counters of /proc/stat', () => {
    const c = collect({ ...GOOD, collectors: ['stat'] });
    const one = (n: string) => c.series(n)[''];
    expect({
      intr: one('node_intr_total'), ctxt: one('node_context_switches_total'), forks: one('node_forks_total'),
      btime: one('node_boot_time_seconds'), running: one('node_procs_running'), blocked: one('node_procs_blocked'),
    }).toEqual({ intr: 9773567, ctxt: 17427114, forks: 70882, btime: 1795570921, running: 3, blocked: 1 });
    expect(c.sink.metadataCalls.map((m) => [m.family, m.metadata.type])).toEqual([
      ['node_intr_total', 'counter'], ['node_context_switches_total', 'counter'], ['node_forks_total', 'counter'],
      ['node_boot_time_seconds', 'gauge'], ['node_procs_running', 'gauge'], ['node_procs_blocked', 'gauge'],
      ['node_scrape_collector_duration_seconds', 'gauge'], ['node_scrape_collector_success', 'gauge'],
    ]);
  });

  it('fails when a cpu line is malformed, as procfs fails the whole file', () => {
    const c = collect({ ...BAD, collectors: ['stat'] });
    expect(c.success('stat')).toBe(0);
    expect(c.series('node_boot_time_seconds')).toEqual({});
  });
});
