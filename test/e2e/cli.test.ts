/** End to end: the `pharos` command line — start-up errors name the key; signals stop it cleanly. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, apiGet, startPharosProcess } from './pharos-process.ts';
import { gauge, request } from './otlp-payloads.ts';

const pharos = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/pharos.js', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

describe('pharos CLI', () => {
  it.each([
    [['start', '--http-listen=localhost'], {}, /invalid value for http\.listen \(flag --http-listen\)/],
    [['start', '--otlp-grpc-listen=127.0.0.1:70000'], {}, /otlp\.grpc\.listen .*port out of range/],
    [['start'], { PHAROS_QUERY_LOOKBACK_DELTA: 'five minutes' }, /query\.lookback_delta \(environment PHAROS_QUERY_LOOKBACK_DELTA\)/],
    [['start', '--bogus=1'], {}, /unknown flag --bogus/],
  ])('refuses to start on a bad value and names the key: %j %j', (args, env, message) => {
    const r = pharos(args, env);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('reads settings from a YAML file given with --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-cli-'));
    const file = join(dir, 'pharos.yaml');
    writeFileSync(file, 'otlp:\n  http:\n    max_request_body_size: 100\n');
    const p = await startPharosProcess({ extraArgs: [`--config=${file}`] });
    try {
      const post = (body: string) => fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect((await post('{"resourceMetrics": []}')).status).toBe(200);
      expect((await post(JSON.stringify({ resourceMetrics: [], padding: 'x'.repeat(200) }))).status).toBe(413);
    } finally {
      await p.stop();
    }
  });

  it('names a bad key in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'otlp:\n  delta: sometimes\n');
    const r = pharos(['start', `--config=${file}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/otlp\.delta .*bad\.yaml.*not one of convert, reject/);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('shuts down gracefully on %s and keeps the data', async (signal) => {
    const p = await startPharosProcess();
    const t = Date.now();
    const r = await fetch(`${p.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request('graceful', [gauge('graceful.value', [9], t)])) });
    expect(r.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', resolve));
    p.child.kill(signal);
    expect(await exited).toBe(0);
    expect(p.output()).toMatch(/shutdown complete/);
    const again = await startPharosProcess({ dataDir: p.dataDir });
    try {
      const body = await apiGet(again, `/api/v1/query?query=${encodeURIComponent('graceful_value{job="graceful"}')}`);
      expect(body.data.result.map((s: any) => s.value[1])).toEqual(['9']);
    } finally {
      await again.stop();
    }
  });

  it('prints the configuration reference', () => {
    const r = pharos(['config-reference']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\| `otlp\.http\.listen` \| `PHAROS_OTLP_HTTP_LISTEN` \| `--otlp-http-listen` \| `0\.0\.0\.0:4318` \|/);
  });

  it('converts an Alloy config with import-alloy, naming what it cannot translate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-cli-'));
    const input = join(dir, 'config.alloy');
    const output = join(dir, 'pharos.yaml');
    writeFileSync(input, [
      'prometheus.scrape "node" {',
      '  targets    = [{"__address__" = "127.0.0.1:9100"}]',
      '  forward_to = [prometheus.remote_write.main.receiver]',
      '}',
      'discovery.docker "containers" {',
      '  host = "unix:///var/run/docker.sock"',
      '}',
      'prometheus.remote_write "main" {',
      '  endpoint {',
      '    url = "http://mimir:9009/api/v1/push"',
      '  }',
      '}',
      '',
    ].join('\n'));
    const r = pharos(['import-alloy', input, '-o', output]);
    expect(r.stderr).toMatch(/config\.alloy:5: .*discovery\.docker/);
    expect(r.status).toBe(2);
    const converted = readFileSync(output, 'utf8');
    expect(converted).toMatch(/job_name: prometheus\.scrape\.node/);
    expect(converted).toMatch(/url: http:\/\/mimir:9009\/api\/v1\/push/);
    // The output is a config `pharos start --config` runs.
    const p = await startPharosProcess({ extraArgs: [`--config=${output}`] });
    await p.stop();
  });
});
