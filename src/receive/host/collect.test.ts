import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../log.ts';
import { METRIC_NAME } from '../../model/labels.ts';
import { RecordingSink } from '../scrape/exposition/recording-sink.ts';
import { HostMetricsCollector, collectHostMetrics } from './collect.ts';
import { BAD, GOOD, collect } from './testdata/fixtures.ts';
import { HOST_COLLECTORS } from './types.ts';

describe('collectHostMetrics', () => {
  it('runs every collector on a well-formed tree', () => {
    const c = collect(GOOD);
    expect(c.result.collectors.map((o) => [o.collector, o.success])).toEqual(HOST_COLLECTORS.map((n) => [n, true]));
    for (const n of HOST_COLLECTORS) {
      expect(c.success(n)).toBe(1);
      expect(c.series('node_scrape_collector_duration_seconds')[`{collector="${n}"}`]).toBeGreaterThanOrEqual(0);
    }
    expect(c.result.samples).toBe(c.sink.samples.length);
  });

  it('hands the sink canonical labels and each family\'s metadata before its first sample', () => {
    const c = collect(GOOD);
    const announced = new Set<string>();
    let m = 0;
    for (const s of c.sink.samples) {
      // Metadata calls precede samples in order, so replay them up to this sample's family.
      while (!announced.has(s.name) && m < c.sink.metadataCalls.length) announced.add(c.sink.metadataCalls[m++].family);
      expect(announced.has(s.name), s.name).toBe(true);
      expect(s.labels[0]).toEqual({ name: METRIC_NAME, value: s.name });
      for (let i = 1; i < s.labels.length; i++) {
        expect(s.labels[i - 1].name < s.labels[i].name).toBe(true);
        expect(s.labels[i].value).not.toBe('');
      }
      expect(s.timestampMs).toBeUndefined();
    }
    expect(new Set(c.sink.metadataCalls.map((x) => x.family)).size).toBe(c.sink.metadataCalls.length);
  });

  it('never throws on malformed files: each broken collector reports success 0', () => {
    let c: ReturnType<typeof collect> | undefined;
    expect(() => (c = collect(BAD))).not.toThrow();
    // Every collector's input is broken in the bad tree.
    expect(c!.result.collectors.map((o) => [o.collector, o.success])).toEqual(HOST_COLLECTORS.map((n) => [n, false]));
    for (const n of HOST_COLLECTORS) expect(c!.success(n)).toBe(0);
    // Only the scrape self-metrics are left.
    expect(new Set(c!.sink.samples.map((s) => s.name))).toEqual(new Set(['node_scrape_collector_duration_seconds', 'node_scrape_collector_success']));
  });

  it('logs a failure once, not every collection, and logs the recovery', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (l) => lines.push(l));
    const proc = mkdtempSync(join(tmpdir(), 'pharos-loadavg-'));
    onTestFinished(() => rmSync(proc, { recursive: true, force: true }));
    const c = new HostMetricsCollector({ procPath: proc, collectors: ['loadavg'], logger });
    writeFileSync(join(proc, 'loadavg'), '0.5\n');
    c.collect(new RecordingSink());
    c.collect(new RecordingSink());
    const failed = lines.filter((l) => l.includes('collector failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/level=warn .*collector=loadavg .*unexpected content/);
    writeFileSync(join(proc, 'loadavg'), '0.5 0.4 0.3 1/100 42\n');
    c.collect(new RecordingSink());
    c.collect(new RecordingSink());
    expect(lines.filter((l) => l.includes('collector recovered'))).toHaveLength(1);
    expect(lines).toHaveLength(2);
  });

  it('passes on what the sink throws, unchanged', () => {
    const boom = new Error('sample limit exceeded');
    const sink = { sample() { throw boom; } };
    expect(() => collectHostMetrics(sink, { ...GOOD, collectors: ['loadavg'] })).toThrow(boom);
  });

  it('refuses an unknown collector name', () => {
    expect(() => new HostMetricsCollector({ collectors: ['nope' as never] })).toThrow('unknown host collector "nope"');
  });

  it('runs only the chosen collectors', () => {
    const c = collect({ ...GOOD, collectors: ['uname', 'loadavg'] });
    expect(c.result.collectors.map((o) => o.collector)).toEqual(['loadavg', 'uname']);
    expect(Object.keys(c.series('node_scrape_collector_success'))).toEqual(['{collector="loadavg"}', '{collector="uname"}']);
  });
});
