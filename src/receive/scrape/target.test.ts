import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { labelsFrom, labelsToObject } from '../../model/labels.ts';
import { parseScrapeConfigs, targetsFromGroup, type ScrapeConfig, type TargetGroup } from './index.ts';
import { mutateSampleLabels } from './sample-labels.ts';
import { parseRelabelConfigs } from '../../relabel/index.ts';
import { scrapeOffsetMs, type Target } from './target.ts';

function job(yaml: string): ScrapeConfig {
  return parseScrapeConfigs([parseYaml(yaml)], { scrape_interval: '15s' }, 'scrape_configs')[0];
}

function group(targets: string[], labels: Record<string, string> = {}, source = '0'): TargetGroup {
  return { source, targets, labels: labelsFrom(labels) };
}

/** The one active target built from `g`, or fails. */
function active(g: TargetGroup, cfg: ScrapeConfig): Target {
  const [r] = targetsFromGroup(g, cfg);
  if (r.kind !== 'active') throw new Error(`expected an active target, got ${JSON.stringify(r)}`);
  return r.target;
}

describe('targetsFromGroup: building targets as Prometheus does', () => {
  it('a static target: discovered labels carry the job defaults; instance defaults to the address', () => {
    const t = active(group(['localhost:9100']), job('job_name: node'));
    expect(labelsToObject(t.discoveredLabels)).toEqual({
      __address__: 'localhost:9100',
      __metrics_path__: '/metrics',
      __scheme__: 'http',
      __scrape_interval__: '15s',
      __scrape_timeout__: '10s',
      job: 'node',
    });
    expect(labelsToObject(t.publicLabels)).toEqual({ instance: 'localhost:9100', job: 'node' });
    expect(t.url).toBe('http://localhost:9100/metrics');
    expect([t.intervalMs, t.timeoutMs]).toEqual([15_000, 10_000]);
  });

  it('target labels beat group labels, group labels beat job defaults; __meta_* feed relabelling and then vanish', () => {
    const cfg = job(`
job_name: node
relabel_configs:
  - { source_labels: [__meta_filepath], regex: '.*/(.*)\\.json', target_label: source_file }`);
    const t = active(group(['a:1'], { job: 'custom', env: 'prod', __meta_filepath: '/sd/web.json' }), cfg);
    expect(labelsToObject(t.publicLabels)).toEqual({ env: 'prod', instance: 'a:1', job: 'custom', source_file: 'web' });
    expect(labelsToObject(t.labels)).not.toHaveProperty('__meta_filepath');
    expect(labelsToObject(t.discoveredLabels)).toMatchObject({ __meta_filepath: '/sd/web.json', job: 'custom' });
  });

  it('the blackbox pattern: the address becomes __param_target, the exporter becomes the address', () => {
    const cfg = job(`
job_name: blackbox
metrics_path: /probe
params: { module: [http_2xx] }
relabel_configs:
  - { source_labels: [__address__], target_label: __param_target }
  - { source_labels: [__param_target], target_label: instance }
  - { target_label: __address__, replacement: '127.0.0.1:9115' }`);
    const t = active(group(['https://example.com/a b?x=1']), cfg);
    expect(labelsToObject(t.publicLabels)).toEqual({ instance: 'https://example.com/a b?x=1', job: 'blackbox' });
    expect(t.url).toBe('http://127.0.0.1:9115/probe?module=http_2xx&target=https%3A%2F%2Fexample.com%2Fa+b%3Fx%3D1');
    expect(labelsToObject(t.discoveredLabels)).toMatchObject({ __param_module: 'http_2xx' });
  });

  it('__param_<name> replaces the first value of a configured param; other values stay', () => {
    const cfg = job(`
job_name: p
params: { collect: [cpu, mem], z: [last] }
relabel_configs: [{ target_label: __param_collect, replacement: disk }]`);
    expect(active(group(['h:1']), cfg).url).toBe('http://h:1/metrics?collect=disk&collect=mem&z=last');
  });

  it('relabelling may set per-target scheme, path, interval and timeout', () => {
    const cfg = job(`
job_name: j
relabel_configs:
  - { target_label: __scheme__, replacement: https }
  - { target_label: __metrics_path__, replacement: /stats/prometheus }
  - { target_label: __scrape_interval__, replacement: 1m }
  - { target_label: __scrape_timeout__, replacement: 30s }`);
    const t = active(group(['h:443']), cfg);
    expect(t.url).toBe('https://h:443/stats/prometheus');
    expect([t.intervalMs, t.timeoutMs]).toEqual([60_000, 30_000]);
  });

  it('an explicit instance label is kept', () => {
    const t = active(group(['10.0.0.7:9100'], { instance: 'db-1' }), job('job_name: node'));
    expect(labelsToObject(t.publicLabels)).toEqual({ instance: 'db-1', job: 'node' });
  });

  it('a target relabelling drops is listed with its discovered labels', () => {
    const cfg = job(`
job_name: j
relabel_configs: [{ source_labels: [env], regex: prod, action: keep }]`);
    const results = targetsFromGroup(group(['a:1', 'b:2'], { env: 'dev' }), cfg);
    expect(results.map((r) => r.kind)).toEqual(['dropped', 'dropped']);
    expect(results[0].kind === 'dropped' && labelsToObject(results[0].discoveredLabels)).toMatchObject({ __address__: 'a:1', env: 'dev', job: 'j' });
  });

  const failures: Array<{ name: string; relabel: string; error: string }> = [
    { name: 'no address left', relabel: '[{ action: labeldrop, regex: __address__ }]', error: 'instance 0 in group 0: no address' },
    { name: 'a URL as address', relabel: "[{ target_label: __address__, replacement: 'http://h:1' }]", error: 'instance 0 in group 0: "http://h:1" is not a valid hostname' },
    { name: 'a bad interval', relabel: '[{ target_label: __scrape_interval__, replacement: soon }]', error: 'instance 0 in group 0: error parsing scrape interval: not a valid duration string: "soon"' },
    { name: 'a zero interval', relabel: '[{ target_label: __scrape_interval__, replacement: 0s }]', error: 'instance 0 in group 0: scrape interval cannot be 0' },
    {
      name: 'a timeout above the interval',
      relabel: '[{ target_label: __scrape_timeout__, replacement: 20s }]',
      error: 'instance 0 in group 0: scrape timeout cannot be greater than scrape interval ("20s" > "15s")',
    },
  ];
  it.each(failures)('a target that cannot be built is reported, not scraped: $name', ({ relabel, error }) => {
    const cfg = job(`{ job_name: j, relabel_configs: ${relabel} }`);
    expect(targetsFromGroup(group(['h:1']), cfg)).toEqual([{ kind: 'failed', error }]);
  });

  it('the target key changes with labels and URL, not with the group it came from', () => {
    const cfg = job('job_name: j');
    const a = active(group(['h:1'], {}, 'file.json:0'), cfg);
    const b = active(group(['h:1'], {}, 'file.json:3'), cfg);
    const c = active(group(['h:1'], { env: 'x' }), cfg);
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });
});

describe('scrapeOffsetMs: targets spread over the interval, at a fixed phase', () => {
  const cfg = job('job_name: j');
  const targets = Array.from({ length: 200 }, (_, i) => active(group([`host-${i}:9100`]), cfg));

  it('is within (0, interval] and pinned to absolute time', () => {
    const interval = 15_000;
    for (const t of targets) {
      for (const now of [1_700_000_000_000, 1_700_000_003_210, 1_700_000_014_999]) {
        const off = scrapeOffsetMs(t, interval, 42n, now);
        expect(off).toBeGreaterThan(0);
        expect(off).toBeLessThanOrEqual(interval);
        // Whenever it is computed, the first scrape lands at the same phase of the interval.
        expect((now + off) % interval).toBe((1_700_000_000_000 + scrapeOffsetMs(t, interval, 42n, 1_700_000_000_000)) % interval);
      }
    }
  });

  it('differs between targets and seeds, covering the interval', () => {
    const interval = 10_000;
    const phases = targets.map((t) => (scrapeOffsetMs(t, interval, 0n, 0) % interval));
    const buckets = new Set(phases.map((p) => Math.floor(p / 1000)));
    expect(buckets.size).toBe(10); // 200 targets fall in all ten one-second slots
    expect(scrapeOffsetMs(targets[0], interval, 1n, 0)).not.toBe(scrapeOffsetMs(targets[0], interval, 2n, 0));
  });
});

describe('mutateSampleLabels: target labels on scraped series', () => {
  const target = labelsFrom({ instance: 'h:1', job: 'node' });
  const exposed = labelsFrom({ __name__: 'm', job: 'pushed', exported_job: 'taken', mode: 'x' });

  it('without honor_labels the target wins and the exposed value moves to exported_* (prefixing again while taken)', () => {
    expect(labelsToObject(mutateSampleLabels(exposed, target, false, [])!)).toEqual({
      __name__: 'm', exported_exported_job: 'pushed', exported_job: 'taken', instance: 'h:1', job: 'node', mode: 'x',
    });
  });

  it('with honor_labels exposed labels win and target labels only fill gaps', () => {
    expect(labelsToObject(mutateSampleLabels(exposed, target, true, [])!)).toEqual({
      __name__: 'm', exported_job: 'taken', instance: 'h:1', job: 'pushed', mode: 'x',
    });
  });

  it('metric_relabel_configs see the merged labels and may drop the series', () => {
    const rules = parseRelabelConfigs(parseYaml('[{ source_labels: [job, mode], regex: node;x, action: drop }]'), 'metric_relabel_configs');
    expect(mutateSampleLabels(exposed, target, false, rules)).toBeNull();
    expect(mutateSampleLabels(exposed, target, true, rules)).not.toBeNull();
  });
});
