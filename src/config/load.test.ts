import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseBytes, parseDurationMs, parseListen } from './index.ts';

describe('value parsers', () => {
  it.each([
    ['15s', 15_000], ['5m', 300_000], ['1h30m', 5_400_000], ['500ms', 500], ['2', 2000], ['1.5', 1500],
  ])('duration %s = %i ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['', '5x', '1h 30m', 'm5', '-1s'])('duration %j is rejected', (text) => expect(() => parseDurationMs(text)).toThrow(/not a duration/));

  it.each([
    ['4194304', 4194304], ['4MiB', 4 * 1024 * 1024], ['20MB', 20_000_000], ['1GiB', 1024 ** 3], ['64kib', 65536],
  ])('bytes %s = %i', (text, n) => expect(parseBytes(text)).toBe(n));
  it.each(['', 'lots', '4 parsecs'])('bytes %j is rejected', (text) => expect(() => parseBytes(text)).toThrow(/not a byte size/));

  it.each([
    ['127.0.0.1:9090', { host: '127.0.0.1', port: 9090 }],
    [':4317', { host: '0.0.0.0', port: 4317 }],
    ['[::1]:4318', { host: '::1', port: 4318 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['off', null], ['', null],
  ])('listen %j', (text, want) => expect(parseListen(text)).toEqual(want));
  it.each(['9090', 'host:', 'host:99999', '::1:80'])('listen %j is rejected', (text) => expect(() => parseListen(text)).toThrow());
});

describe('loadConfig', () => {
  it('has embedded defaults that need no file and no server', () => {
    const c = loadConfig({ env: {} });
    expect(c.dataDir).toBe('./data');
    expect(c.httpListen).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(c.otlp.grpcListen).toEqual({ host: '0.0.0.0', port: 4317 });
    expect(c.otlp.httpListen).toEqual({ host: '0.0.0.0', port: 4318 });
    expect(c.otlp.resourceToTelemetryConversion).toBe(true);
    expect(c.query.lookbackDeltaMs).toBe(300_000);
  });

  it('layers file < environment < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-config-'));
    const file = join(dir, 'pharos.yaml');
    writeFileSync(file, 'data_dir: /from/file\nhttp:\n  listen: 127.0.0.1:1000\notlp:\n  http:\n    listen: 127.0.0.1:1001\n  ignore_resource_attributes: [process.pid, process.command_args]\n');
    const c = loadConfig({ configFile: file, env: { PHAROS_HTTP_LISTEN: '127.0.0.1:2000', PHAROS_OTLP_HTTP_LISTEN: '127.0.0.1:2001' }, flags: { 'otlp-http-listen': '127.0.0.1:3001' } });
    expect(c.dataDir).toBe('/from/file');
    expect(c.httpListen).toEqual({ host: '127.0.0.1', port: 2000 });
    expect(c.otlp.httpListen).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(c.otlp.ignoreResourceAttributes).toEqual(['process.pid', 'process.command_args']);
  });

  it.each([
    [{ flags: { 'http-listen': 'nine' } }, /http\.listen \(flag --http-listen\)/],
    [{ env: { PHAROS_QUERY_TIMEOUT: 'soon' } }, /query\.timeout \(environment PHAROS_QUERY_TIMEOUT\)/],
    [{ env: { PHAROS_OTLP_DELTA: 'drop' } }, /otlp\.delta .*not one of convert, reject/],
    [{ flags: { 'no-such-flag': 'x' } }, /unknown flag --no-such-flag/],
  ])('a bad value stops start-up naming the key: %j', (sources, message) => {
    expect(() => loadConfig({ env: {}, ...sources })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, ...sources })).toThrow(message);
  });

  it('keeps prometheus.yml sections (global, scrape_configs, remote_write) whole, next to Pharos settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-cfg-'));
    const file = join(dir, 'pharos.yaml');
    writeFileSync(file, [
      'host_metrics:',
      '  enabled: true',
      'global:',
      '  scrape_interval: 30s',
      'scrape_configs:',
      '  - job_name: node',
      '    static_configs: [{ targets: ["localhost:9100"] }]',
      'remote_write:',
      '  - url: http://mimir:9009/api/v1/push',
      '',
    ].join('\n'));
    const c = loadConfig({ configFile: file, env: {} });
    expect(c.hostMetrics).toEqual({ enabled: true, intervalMs: 15_000 });
    expect(c.prometheus).toEqual({
      global: { scrape_interval: '30s' },
      scrapeConfigs: [{ job_name: 'node', static_configs: [{ targets: ['localhost:9100'] }] }],
      remoteWrite: [{ url: 'http://mimir:9009/api/v1/push' }],
    });
  });

  it('reads the cardinality limits, the out-of-order window and the admin switch from every source', () => {
    const d = loadConfig({ env: {} });
    expect(d.storage).toMatchObject({ outOfOrderTimeWindowMs: 0, maxSeries: 0, maxSeriesPerMetric: 0, maxSeriesPerService: 0 });
    expect(d.web).toEqual({ enableAdminApi: false });
    const dir = mkdtempSync(join(tmpdir(), 'pharos-cfg-'));
    const file = join(dir, 'pharos.yaml');
    writeFileSync(file, 'storage:\n  max_series_per_service: 7\n  out_of_order_time_window: 10m\nweb:\n  enable_admin_api: true\n');
    const c = loadConfig({ configFile: file, env: { PHAROS_STORAGE_MAX_SERIES: '1000' }, flags: { 'storage-out-of-order-time-window': '30m', 'storage-max-series-per-metric': '50' } });
    expect(c.storage).toMatchObject({ outOfOrderTimeWindowMs: 30 * 60_000, maxSeries: 1000, maxSeriesPerMetric: 50, maxSeriesPerService: 7 });
    expect(c.web.enableAdminApi).toBe(true);
    expect(() => loadConfig({ env: {}, flags: { 'storage-max-series': '-1' } })).toThrow(/storage\.max_series \(flag --storage-max-series\)/);
    expect(() => loadConfig({ env: { PHAROS_WEB_ENABLE_ADMIN_API: 'maybe' } })).toThrow(/web\.enable_admin_api/);
  });

  it('names a bad key in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'otlp:\n  grpc:\n    listen: 127.0.0.1:99999\n');
    expect(() => loadConfig({ configFile: file, env: {} })).toThrow(/otlp\.grpc\.listen \(.*bad\.yaml: otlp\.grpc\.listen\): port out of range/);
    writeFileSync(file, 'otlp:\n  grcp:\n    listen: 127.0.0.1:1\n');
    expect(() => loadConfig({ configFile: file, env: {} })).toThrow(/unknown setting "otlp\.grcp\.listen"/);
    expect(() => loadConfig({ configFile: join(dir, 'missing.yaml'), env: {} })).toThrow(/cannot read config file/);
  });
});
