import { mkdtempSync, rmSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RecordingSink } from '../scrape/exposition/recording-sink.ts';
import { HostMetricsCollector } from './collect.ts';
import { parseCpuList } from './cpu-list.ts';
import { HostParseError } from './errors.ts';
import { parseProcStat } from './proc-stat.ts';
import { BAD, GOOD, TESTDATA, collect, labelString } from './testdata/fixtures.ts';

describe('parseProcStat', () => {
  it('reads the fixture', () => {
    const s = parseProcStat(readFileSync(join(TESTDATA, 'proc/stat'), 'utf8'));
    expect(s).toMatchObject({ bootTime: 1795570921, contextSwitches: 17427114, processesCreated: 70882, procsRunning: 3, procsBlocked: 1, irqTotal: 9773567 });
    expect([...s.cpus.keys()]).toEqual([0, 1, 2]);
    expect([...s.cpus.get(0)!]).toEqual([4967.14, 0.12, 461.5, 25829.02, 10.16, 0, 24.72, 15.17, 1, 0.05]);
    // A short line leaves the missing fields 0, as procfs' Sscanf does.
    expect([...s.cpus.get(2)!]).toEqual([0.01, 0.02, 0.03, 0, 0, 0, 0, 0, 0, 0]);
  });

  it.each([
    ['cpu0 1 2 x\n', 1, 'cpu'],
    ['cpu 1\ncpuX 1 2\n', 2, 'CPU id'],
    ['btime abc\n', 1, 'btime'],
    ['ctxt -1\n', 1, 'ctxt'],
    ['intr 10 1 2 z\n', 1, 'intr'],
    ['softirq 1 2 3\n', 1, 'softirq'],
  ])('fails the file on %j', (text, line, what) => {
    let err: unknown;
    try {
      parseProcStat(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HostParseError);
    expect((err as HostParseError).line).toBe(line);
    expect((err as HostParseError).message).toContain(what);
  });

  it('ignores unknown and one-field lines', () => {
    expect(parseProcStat('page 5 1\nswap\nbtime 7\n').bootTime).toBe(7);
  });
});

describe('parseCpuList', () => {
  it.each([
    ['', []], ['\n', []], ['3', [3]], ['1,3-5\n', [1, 3, 4, 5]], ['0-0', [0]],
  ])('%j', (text, want) => {
    expect(parseCpuList(text, 'isolated')).toEqual(want);
  });
  it.each(['1-2-3', 'a', '1,,2', '-1'])('refuses %j', (text) => {
    expect(() => parseCpuList(text, 'isolated')).toThrow(HostParseError);
  });
});

describe('cpu collector', () => {
  it('emits node_exporter series for the fixture', () => {
    const c = collect({ ...GOOD, collectors: ['cpu'] });
    const secs = c.series('node_cpu_seconds_total');
    expect(Object.keys(secs)).toHaveLength(3 * 8);
    expect(secs['{cpu="0",mode="user"}']).toBe(4967.14);
    expect(secs['{cpu="1",mode="idle"}']).toBe(25556.9);
    expect(secs['{cpu="1",mode="steal"}']).toBe(14.89);
    expect(secs['{cpu="2",mode="iowait"}']).toBe(0);
    expect(c.series('node_cpu_guest_seconds_total')).toEqual({
      '{cpu="0",mode="user"}': 1, '{cpu="0",mode="nice"}': 0.05,
      '{cpu="1",mode="user"}': 0.2, '{cpu="1",mode="nice"}': 0.02,
      '{cpu="2",mode="user"}': 0, '{cpu="2",mode="nice"}': 0,
    });
    expect(c.series('node_cpu_isolated')).toEqual({ '{cpu="1"}': 1, '{cpu="3"}': 1, '{cpu="4"}': 1 });
    // cpu2 has no core_id, so it is skipped; package 0 is read once, from cpu0.
    expect(c.series('node_cpu_package_throttles_total')).toEqual({ '{package="0"}': 11 });
    expect(c.series('node_cpu_core_throttles_total')).toEqual({ '{core="0",package="0"}': 7, '{core="1",package="0"}': 3 });
    expect(c.success('cpu')).toBe(1);
  });

  it('fails on a malformed /proc/stat', () => {
    const c = collect({ ...BAD, collectors: ['cpu'] });
    expect(c.success('cpu')).toBe(0);
    expect(c.series('node_cpu_seconds_total')).toEqual({});
    expect(c.result.collectors[0].error).toBeInstanceOf(HostParseError);
  });

  it('keeps counters monotonic and resets a CPU whose idle jumps back 3 s or more', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-cpu-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'proc'));
    const stat = (user: number, idle: number) => writeFileSync(join(dir, 'proc/stat'), `cpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0\n`);
    const c = new HostMetricsCollector({ procPath: join(dir, 'proc'), sysPath: join(dir, 'sys'), collectors: ['cpu'] });
    const read = () => {
      const sink = new RecordingSink();
      c.collect(sink);
      const out: Record<string, number> = {};
      for (const s of sink.samples) if (s.name === 'node_cpu_seconds_total') out[labelString(s.labels)] = s.value;
      return [out['{cpu="0",mode="user"}'], out['{cpu="0",mode="idle"}']];
    };
    stat(500, 100000);
    expect(read()).toEqual([5, 1000]);
    stat(400, 99900); // both go back (idle by 1 s): keep the old values
    expect(read()).toEqual([5, 1000]);
    stat(600, 100100);
    expect(read()).toEqual([6, 1001]);
    stat(10, 50); // idle back by ~1000 s: a hot-plugged CPU starting over
    expect(read()).toEqual([0.1, 0.5]);
  });
});
