/**
 * Compares our collectors with the real node_exporter 1.5 (Debian's prometheus-node-exporter) on
 * this machine: same families, HELP and TYPE, same series identities, and the same values where
 * they are stable. node_exporter is scraped first and ours runs right after, so our counters may
 * only be at or above its.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeExporter, type NodeExporterPeer } from '../../../test/peers/node-exporter.ts';
import { labelValue } from '../../model/labels.ts';
import { parseExposition } from '../scrape/exposition/index.ts';
import { RecordingSink } from '../scrape/exposition/recording-sink.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { collectHostMetrics } from './collect.ts';
import { renderHostMetricsText } from './render.ts';
import { labelString } from './testdata/fixtures.ts';
import { HOST_COLLECTORS } from './types.ts';

/** The node_exporter families our collectors own (other collectors never emit these names). */
const OWNED = [
  /^node_cpu_(seconds|guest_seconds)_total$/, /^node_cpu_isolated$/, /^node_cpu_(core|package)_throttles_total$/,
  /^node_memory_/, /^node_load(1|5|15)$/, /^node_filesystem_/, /^node_network_(receive|transmit)_[a-z]+_total$/, /^node_disk_/,
  /^node_(boot_time_seconds|context_switches_total|forks_total|intr_total|procs_running|procs_blocked)$/,
  /^node_uname_info$/, /^node_time_(seconds|zone_offset_seconds|clocksource_available_info|clocksource_current_info)$/,
  /^node_scrape_collector_(success|duration_seconds)$/,
];
const SCRAPE = /^node_scrape_collector_/;

interface Scrape {
  /** family → metadata */
  readonly metadata: Map<string, MetricMetadata>;
  /** family → labelString → value */
  readonly series: Map<string, Map<string, number>>;
}

function index(sink: RecordingSink, keep: (family: string) => boolean): Scrape {
  const metadata = new Map<string, MetricMetadata>();
  for (const m of sink.metadataCalls) if (keep(m.family)) metadata.set(m.family, m.metadata);
  const series = new Map<string, Map<string, number>>();
  for (const s of sink.samples) {
    if (!keep(s.name)) continue;
    let f = series.get(s.name);
    if (f === undefined) series.set(s.name, (f = new Map()));
    f.set(labelString(s.labels), s.value);
  }
  return { metadata, series };
}

interface Setup {
  readonly theirsText: string;
  readonly theirsSink: RecordingSink;
  readonly theirs: Scrape;
  readonly ours: Scrape;
  readonly ourText: string;
  /** Seconds between the start of node_exporter's scrape and the end of ours. */
  readonly elapsedSeconds: number;
}

let exporter: NodeExporterPeer | undefined;

async function start(): Promise<Setup> {
  exporter = await startNodeExporter();
  const url = `http://${exporter.address}/metrics`;
  const startMs = performance.now();
  const res = await fetch(url);
  const theirsText = await res.text();
  const theirsSink = new RecordingSink();
  parseExposition(theirsText, res.headers.get('content-type') ?? undefined, theirsSink);
  const ourSink = new RecordingSink();
  collectHostMetrics(ourSink);
  const elapsedSeconds = (performance.now() - startMs) / 1000;
  return {
    theirsText,
    theirsSink,
    theirs: index(theirsSink, (f) => OWNED.some((re) => re.test(f))),
    ours: index(ourSink, () => true),
    ourText: renderHostMetricsText(),
    elapsedSeconds,
  };
}

// Every test awaits this, so a missing binary fails each of them (rather than skipping them).
let setup: Promise<Setup>;

beforeAll(() => {
  setup = start();
  setup.catch(() => {}); // reported by each test
});

afterAll(async () => {
  await exporter?.stop();
});

describe('host collectors against the real node_exporter', () => {
  it('is node_exporter 1.5', async () => {
    const { theirsSink } = await setup;
    const build = theirsSink.samples.find((s) => s.name === 'node_exporter_build_info');
    expect(build, 'node_exporter_build_info').toBeDefined();
    expect(labelValue(build!.labels, 'version')).toMatch(/^1\.5\./);
  });

  it('has the same families, with the same HELP and TYPE', async () => {
    const { ours, theirs, ourText, theirsText } = await setup;
    expect([...ours.series.keys()].sort()).toEqual([...theirs.series.keys()].sort());
    const md = (s: Scrape) => Object.fromEntries([...s.metadata].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(md(ours)).toEqual(md(theirs));
    // And byte-identical HELP/TYPE lines in the text we render.
    const meta = (text: string) => text.split('\n').filter((l) => l.startsWith('# ') && ours.series.has(l.split(' ')[2]));
    expect(meta(ourText)).toEqual(meta(theirsText));
  });

  it('has the same series identities in every family', async () => {
    const { ours, theirs } = await setup;
    const ids = (s: Scrape, family: string) => [...(s.series.get(family)?.keys() ?? [])].sort();
    const mine: Record<string, string[]> = {};
    const theirsIds: Record<string, string[]> = {};
    for (const family of theirs.series.keys()) {
      if (SCRAPE.test(family)) continue;
      mine[family] = ids(ours, family);
      theirsIds[family] = ids(theirs, family);
    }
    expect(mine).toEqual(theirsIds);
    // Legitimate difference: node_exporter runs some 45 collectors and reports success and duration
    // for each; we run 9, so our node_scrape_collector_* series are exactly its series for those 9.
    for (const family of ['node_scrape_collector_success', 'node_scrape_collector_duration_seconds']) {
      const wanted = HOST_COLLECTORS.map((c) => `{collector="${c}"}`).sort();
      expect(ids(ours, family)).toEqual(wanted);
      expect(ids(theirs, family).filter((id) => wanted.includes(id))).toEqual(wanted);
    }
  });

  it('reports every collector as succeeding, as node_exporter does here', async () => {
    const { ours, theirs } = await setup;
    const their = theirs.series.get('node_scrape_collector_success')!;
    for (const c of HOST_COLLECTORS) {
      const id = `{collector="${c}"}`;
      expect(ours.series.get('node_scrape_collector_success')!.get(id), c).toBe(their.get(id));
    }
  });

  it('agrees on stable values exactly', async () => {
    const { ours, theirs, elapsedSeconds } = await setup;
    const pick = (s: Scrape, re: RegExp) => Object.fromEntries([...s.series]
      .filter(([f]) => re.test(f))
      .flatMap(([f, m]) => [...m].map(([id, v]) => [f + id, v])));
    const stable = /^node_(memory_(MemTotal_bytes|SwapTotal_bytes|Hugepagesize_bytes|HugePages_Total|VmallocTotal_bytes)|filesystem_(size_bytes|files|readonly|device_error)|uname_info|time_zone_offset_seconds|time_clocksource_.*|disk_info)$/;
    expect(pick(ours, stable)).toEqual(pick(theirs, stable));
    expect(Object.keys(pick(ours, /^node_memory_MemTotal_bytes$/))).toHaveLength(1);
    // Same CPUs.
    const cpus = (s: Scrape) => new Set([...s.series.get('node_cpu_seconds_total')!.keys()].map((id) => /cpu="(\d+)"/.exec(id)![1]));
    expect(cpus(ours)).toEqual(cpus(theirs));
    expect(cpus(ours).size).toBeGreaterThan(0);
    const one = (s: Scrape, f: string) => s.series.get(f)!.get('')!;
    expect(Math.abs(one(ours, 'node_boot_time_seconds') - one(theirs, 'node_boot_time_seconds'))).toBeLessThanOrEqual(1);
    const dt = one(ours, 'node_time_seconds') - one(theirs, 'node_time_seconds');
    expect(dt).toBeGreaterThanOrEqual(-1);
    expect(dt).toBeLessThanOrEqual(elapsedSeconds + 1);
  });

  it('has counters at or above node_exporter\'s, read just before', async () => {
    const { ours, theirs, elapsedSeconds } = await setup;
    const problems: string[] = [];
    for (const [family, md] of theirs.metadata) {
      if (md.type !== 'counter') continue;
      for (const [id, their] of theirs.series.get(family) ?? []) {
        const mine = ours.series.get(family)?.get(id);
        if (mine === undefined) continue; // identity test reports it
        if (family === 'node_cpu_seconds_total') {
          // The kernel's idle and iowait times can step back slightly between two reads (NO_HZ
          // accounting; node_exporter #2067), and our one-off collection has no earlier value to hold.
          // Upper bound: one CPU spends at most the elapsed wall time in a mode (+ 10 ms ticks).
          if (mine < their - 1 || mine > their + elapsedSeconds + 0.02) problems.push(`${family}${id}: ours ${mine}, theirs ${their}, ${elapsedSeconds.toFixed(3)} s apart`);
          continue;
        }
        // Units: a wrong factor (sectors vs bytes, ms vs s, ticks vs s) would break either bound.
        if (mine < their || mine > their * 1.5 + 1e6 * (elapsedSeconds + 1)) problems.push(`${family}${id}: ours ${mine}, theirs ${their}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('renders the same text lines for stable series', async () => {
    const { ourText, theirsText } = await setup;
    const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => !l.startsWith('#') && re.test(l.split(/[{ ]/)[0])).sort();
    const stable = /^node_(memory_MemTotal_bytes|memory_SwapTotal_bytes|boot_time_seconds|uname_info|filesystem_size_bytes|filesystem_files|filesystem_readonly|time_clocksource_current_info|time_zone_offset_seconds)$/;
    expect(lines(ourText, stable).length).toBeGreaterThan(3);
    expect(lines(ourText, stable)).toEqual(lines(theirsText, stable));
  });
});
