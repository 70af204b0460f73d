/**
 * Scrapes the real prometheus-node-exporter from Debian (1.5 at the time of writing): two scrapes
 * one second apart, then checks what the store holds; and a second node_exporter behind its own
 * TLS and basic auth (--web.config.file), scraped with scheme https, tls_config and basic_auth.
 * Fails (never skips) when the binary or openssl is missing.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startNodeExporter, TOPSECRET_BCRYPT, type NodeExporterPeer } from '../../../test/peers/node-exporter.ts';
import { makeTestCertificates, type TestCertificates } from '../../../test/peers/tls.ts';
import { silentLogger } from '../../log.ts';
import { Matcher } from '../../model/matcher.ts';
import { parseScrapeConfigs, ScrapeManager } from './index.ts';
import { MemoryAppendable, waitFor } from './test-support.ts';

const REPORT_NAMES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

let exporter: NodeExporterPeer;
let address = '';
let secured: NodeExporterPeer;
let certs: TestCertificates;
/** The only name in the secured exporter's certificate (it has no IP address in it). */
const SERVER_NAME = 'node-exporter.test';

beforeAll(async () => {
  exporter = await startNodeExporter();
  address = exporter.address;
  certs = makeTestCertificates([SERVER_NAME]);
  secured = await startNodeExporter({ tls: certs, basicAuthUsers: { scraper: TOPSECRET_BCRYPT } });
}, 60_000);

afterAll(async () => {
  await exporter?.stop();
  await secured?.stop();
});

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

describe('scraping node_exporter behind TLS and basic auth', () => {
  /** One scrape of the secured exporter with `job` (YAML merged into the job): up, and the target's last error. */
  async function scrapeOnce(job: string): Promise<{ up: number; lastError: string; nodeSeries: number }> {
    const store = new MemoryAppendable();
    const manager = new ScrapeManager({ appendable: store, logger: silentLogger, registry: new Registry() });
    try {
      const yaml = `{ job_name: secured, scrape_interval: 1s, static_configs: [{ targets: ['${secured.address}'] }], ${job} }`;
      await manager.applyConfig(parseScrapeConfigs([parseYaml(yaml.replaceAll('CA_FILE', certs.caFile))], {}, 'scrape_configs'));
      const [up] = await waitFor('one scrape', async () => {
        const s = (await store.series({ __name__: 'up', job: 'secured', instance: secured.address })) ?? [];
        return s.length >= 1 ? s : undefined;
      }, 30_000);
      const lastError = manager.targets().activeTargets[0].lastError;
      await manager.stop();
      const nodeSeries = (await store.select(new Matcher('=', 'job', 'secured'))).filter((s) => s.labels.__name__.startsWith('node_')).length;
      return { up: up.v, lastError, nodeSeries };
    } finally {
      await manager.stop();
    }
  }

  const auth = "basic_auth: { username: scraper, password: topsecret }";
  const tls = `tls_config: { ca_file: CA_FILE, server_name: ${SERVER_NAME} }`;
  const cases: Array<{ name: string; job: string; up: number; error: RegExp }> = [
    { name: 'https, the CA, server_name and the password: scraped', job: `scheme: https, ${tls}, ${auth}`, up: 1, error: /^$/ },
    { name: 'insecure_skip_verify instead of the CA: scraped', job: `scheme: https, tls_config: { insecure_skip_verify: true }, ${auth}`, up: 1, error: /^$/ },
    { name: 'a wrong password: 401', job: `scheme: https, ${tls}, basic_auth: { username: scraper, password: wrong }`, up: 0, error: /^server returned HTTP status 401 Unauthorized$/ },
    { name: 'no credentials: 401', job: `scheme: https, ${tls}`, up: 0, error: /^server returned HTTP status 401 Unauthorized$/ },
    { name: 'the system CAs do not know the test CA', job: `scheme: https, tls_config: { server_name: ${SERVER_NAME} }, ${auth}`, up: 0, error: /^Get "https:\/\/127\.0\.0\.1:\d+\/metrics": unable to verify the first certificate$/ },
    { name: 'without server_name the certificate does not name 127.0.0.1', job: `scheme: https, tls_config: { ca_file: CA_FILE }, ${auth}`, up: 0, error: /^Get "https:\/\/127\.0\.0\.1:\d+\/metrics": Hostname\/IP does not match certificate's altnames/ },
    { name: 'plain http to the TLS port: 400', job: auth, up: 0, error: /^server returned HTTP status 400 Bad Request$/ },
  ];
  it.each(cases)('$name', async ({ job, up, error }) => {
    const got = await scrapeOnce(job);
    expect(got.lastError).toMatch(error);
    expect(got.up).toBe(up);
    if (up === 1) expect(got.nodeSeries).toBeGreaterThan(100);
    else expect(got.nodeSeries).toBe(0);
  });
});
