/**
 * Scrapes the real prometheus-node-exporter from Debian (1.5 at the time of writing): two scrapes
 * one second apart, then checks what the store holds. Fails (never skips) when the binary is
 * missing: install the Debian package prometheus-node-exporter.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeExporter, type NodeExporterPeer } from '../../../test/peers/node-exporter.ts';
import { silentLogger } from '../../log.ts';
import { Matcher } from '../../model/matcher.ts';
import { parseScrapeConfigs, ScrapeManager } from './index.ts';
import { MemoryAppendable, waitFor } from './test-support.ts';

const REPORT_NAMES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

let exporter: NodeExporterPeer;
let address = '';

beforeAll(async () => {
  exporter = await startNodeExporter();
  address = exporter.address;
});

afterAll(() => exporter?.stop());

describe('scraping the real node-exporter', () => {
  it('stores every exposed sample with job and instance, and reports the count it scraped', async () => {
    const store = new MemoryAppendable();
    const manager = new ScrapeManager({ appendable: store, logger: silentLogger, registry: new Registry() });
    try {
      await manager.applyConfig(parseScrapeConfigs([{ job_name: 'node', scrape_interval: '1s', static_configs: [{ targets: [address] }] }], {}, 'scrape_configs'));
      const target = { job: 'node', instance: address };
      const up = await waitFor('two scrapes', async () => {
        const s = (await store.series({ __name__: 'up', ...target })) ?? [];
        return s.length >= 2 ? s.slice(0, 2) : undefined;
      }, 30_000);
      await manager.stop();

      expect(up.map((s) => s.v), `lastError: ${manager.targets().activeTargets[0]?.lastError}`).toEqual([1, 1]);
      expect(up[1].t).toBeGreaterThan(up[0].t);

      const all = await store.select(new Matcher('=', 'job', 'node'), new Matcher('=', 'instance', address));
      const nodeSeries = all.filter((s) => s.labels.__name__.startsWith('node_'));
      expect(nodeSeries.length).toBeGreaterThan(100);

      const scraped = (await store.series({ __name__: 'scrape_samples_scraped', ...target }))!;
      for (let i = 0; i < 2; i++) {
        const stored = all.filter((s) => !REPORT_NAMES.has(s.labels.__name__) && s.samples.some((x) => x.t === up[i].t && !x.stale)).length;
        expect(scraped[i].v, `scrape ${i + 1}`).toBe(stored);
      }
      // The exporter answers in the text format, whose families keep their full name; metadata reached the store.
      expect(store.metadata.get('node_cpu_seconds_total')).toMatchObject({ type: 'counter', help: 'Seconds the CPUs spent in each mode.' });
    } finally {
      await manager.stop();
    }
  });
});
