/**
 * An existing Prometheus (Debian's) remote-writes into the real `pharos start` process: its own
 * scraped series arrive and answer the same queries on Pharos as on Prometheus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiQuery, startPrometheus, type PrometheusPeer } from '../peers/prometheus.ts';
import { eventually, startPharosProcess, type PharosProcess } from './pharos-process.ts';

let pharos: PharosProcess;
let prom: PrometheusPeer;

beforeAll(async () => {
  pharos = await startPharosProcess();
  const config = `global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ['PROM_SELF'] }]
remote_write:
  - url: ${pharos.apiUrl}/api/v1/write
    queue_config: { batch_send_deadline: 1s }
`;
  // Prometheus scrapes itself: its own address is only known once it listens, so scrape the
  // Pharos process instead, whose /metrics is on the API port.
  prom = await startPrometheus({ config: config.replace('PROM_SELF', new URL(pharos.apiUrl).host) });
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await pharos?.stop();
});

describe('remote write into Pharos', () => {
  it('stores what Prometheus scraped, under the same labels', async () => {
    const result = await eventually(async () => {
      const r = await apiQuery(pharos.apiUrl, 'up{job="prometheus"}', {});
      return r.ok && Array.isArray(r.result) && r.result.length === 1 ? r.result : null;
    }, 30_000, 'up{job="prometheus"} to arrive by remote write');
    expect(result[0]).toMatchObject({ metric: { __name__: 'up', job: 'prometheus', instance: new URL(pharos.apiUrl).host }, value: [expect.any(Number), '1'] });
  });

  it('answers a query over the remote-written samples as the sender does', async () => {
    await eventually(async () => {
      const r = await apiQuery(pharos.apiUrl, 'count_over_time(up{job="prometheus"}[1m])', {});
      return r.ok && Array.isArray(r.result) && r.result.length === 1 && Number((r.result[0] as { value: [number, string] }).value[1]) >= 3 ? true : null;
    }, 30_000, 'three scrapes to arrive');
    // A moment in the past, so both have every sample up to it (remote write sends within ~1 s).
    const time = Math.floor(Date.now() / 1000) - 5;
    const [a, b] = await Promise.all([apiQuery(pharos.apiUrl, 'count_over_time(up{job="prometheus"}[30s])', { time }), apiQuery(prom.url, 'count_over_time(up{job="prometheus"}[30s])', { time })]);
    expect(a.ok && b.ok).toBe(true);
    expect(a.ok && a.result).toEqual(b.ok && b.result);
  });
});
