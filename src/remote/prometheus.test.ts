/**
 * The encoder against the real Prometheus (Debian's 2.42, --web.enable-remote-write-receiver):
 * what we POST must be accepted with 204 and read back exactly through its query API, including
 * ±Inf, an ordinary NaN, and a staleness marker that Prometheus must recognise as one.
 * Fails (never skips) when /usr/bin/prometheus is missing.
 */
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiQuery, startPrometheus, type ApiSeries, type PrometheusPeer } from '../../test/peers/prometheus.ts';
import { labelsFrom } from '../model/labels.ts';
import { STALE_NAN } from '../model/value.ts';
import type { MetricMetadata } from '../storage/interface.ts';
import { WriteRequestEncoder } from './write-request.ts';

let prom: PrometheusPeer;
beforeAll(async () => {
  prom = await startPrometheus({ flags: ['--web.enable-remote-write-receiver'] });
});
afterAll(async () => {
  await prom?.stop();
});

async function push(body: Uint8Array): Promise<{ status: number; text: string }> {
  const r = await fetch(`${prom.url}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
    body: compressSync(body),
  });
  return { status: r.status, text: await r.text() };
}

async function query(expr: string, timeMs: number): Promise<ApiSeries[]> {
  const answer = await apiQuery(prom.url, expr, { time: timeMs / 1000 });
  if (!answer.ok) throw new Error(`query ${expr} failed: ${answer.errorType}: ${answer.error}`);
  return answer.result as ApiSeries[];
}

describe('remote write encoder → real Prometheus', () => {
  // Millisecond-precise, recent enough for Prometheus' head to accept.
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 120_000 + 123;
  const SERIES = 300;
  const SAMPLES = 5;

  it('stores many series with exact timestamps and values', async () => {
    const enc = new WriteRequestEncoder(256); // small on purpose: the buffer must grow
    const t = Float64Array.from({ length: SAMPLES }, (_, k) => t0 + k * 10_000);
    const v = new Float64Array(SAMPLES);
    for (let i = 0; i < SERIES; i++) {
      for (let k = 0; k < SAMPLES; k++) v[k] = i * 10 + k + 0.5;
      enc.addSeries(labelsFrom({ __name__: 'pharos_rw_encoder_test', i: String(i), job: 'enc', note: i === 7 ? 'Zürich ✓ 東京' : '' }), t, v);
    }
    enc.addMetadata('pharos_rw_encoder_test', { type: 'gauge', unit: '', help: 'Encoder conformance.' } satisfies MetricMetadata);
    const res = await push(enc.finish());
    expect(res, res.text).toEqual({ status: 204, text: '' });

    const at = t0 + 40_000;
    const count = await query('count(pharos_rw_encoder_test)', at);
    expect(count[0].value![1]).toBe(String(SERIES));
    const sum = await query('sum(pharos_rw_encoder_test)', at);
    // Σ_i (10i + 4 + 0.5) over the last sample.
    expect(Number(sum[0].value![1])).toBe(10 * (SERIES * (SERIES - 1)) / 2 + SERIES * 4.5);

    const raw = await query('pharos_rw_encoder_test{i="137"}[1m]', at);
    expect(raw).toHaveLength(1);
    expect(raw[0].metric).toEqual({ __name__: 'pharos_rw_encoder_test', i: '137', job: 'enc' });
    expect(raw[0].values).toEqual(Array.from({ length: SAMPLES }, (_, k) => [(t0 + k * 10_000) / 1000, String(1370 + k + 0.5)]));

    const unicode = await query('pharos_rw_encoder_test{note!=""}', at);
    expect(unicode.map((s) => s.metric.note)).toEqual(['Zürich ✓ 東京']);
  });

  it('keeps ±Inf, NaN and the staleness marker apart', async () => {
    const enc = new WriteRequestEncoder();
    const t = Float64Array.of(t0, t0 + 10_000);
    const kinds: Array<[string, Float64Array]> = [
      ['pinf', Float64Array.of(1, Infinity)],
      ['ninf', Float64Array.of(1, -Infinity)],
      ['nan', Float64Array.of(1, NaN)],
      ['stale', Float64Array.of(1, STALE_NAN)],
      ['negzero', Float64Array.of(1, -0)],
    ];
    for (const [kind, v] of kinds) enc.addSeries(labelsFrom({ __name__: 'pharos_rw_special', kind }), t, v);
    const res = await push(enc.finish());
    expect(res, res.text).toEqual({ status: 204, text: '' });

    // 5s after the second sample: a stale series is gone, the others show their last value.
    const after = await query('pharos_rw_special', t0 + 15_000);
    const byKind = Object.fromEntries(after.map((s) => [s.metric.kind, s.value![1]]));
    expect(byKind).toEqual({ pinf: '+Inf', ninf: '-Inf', nan: 'NaN', negzero: '-0' });
    // Before the marker the stale series was there.
    const before = await query('pharos_rw_special{kind="stale"}', t0 + 5_000);
    expect(before.map((s) => s.value![1])).toEqual(['1']);
  });

  it('accepts a request built by a reused encoder', async () => {
    const enc = new WriteRequestEncoder();
    enc.addSeries(labelsFrom({ __name__: 'pharos_rw_throwaway' }), Float64Array.of(t0), Float64Array.of(1));
    enc.reset();
    enc.addSeries(labelsFrom({ __name__: 'pharos_rw_reused' }), Float64Array.of(t0 + 1_000), Float64Array.of(42));
    const res = await push(enc.finish());
    expect(res.status).toBe(204);
    expect((await query('pharos_rw_reused', t0 + 2_000)).map((s) => s.value![1])).toEqual(['42']);
    expect(await query('pharos_rw_throwaway', t0 + 2_000)).toEqual([]);
  });
});
