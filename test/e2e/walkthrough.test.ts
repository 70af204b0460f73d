/**
 * The blog's walkthrough (shared/seed), run as written against the real process: its curl
 * commands with only the ports changed, and a Node service instrumented with the official
 * OpenTelemetry SDK and configured by the same three OTEL_* variables the post uses.
 */
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, eventually, freePort, startPharosProcess, type PharosProcess } from './pharos-process.ts';

let pharos: PharosProcess;
beforeAll(async () => { pharos = await startPharosProcess(); });
afterAll(async () => { expect(await pharos.stop()).toBe(0); });

/** Runs a shell command from the post, with the default ports swapped for this test's ports. */
function sh(command: string): string {
  const cmd = command.replaceAll('localhost:4318', `localhost:${pharos.otlpHttpPort}`).replaceAll('localhost:9090', `localhost:${pharos.apiPort}`);
  return execFileSync('bash', ['-c', `set -o pipefail; ${cmd}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('Step 1: the OTLP HTTP endpoint is live', () => {
  it('answers the empty payload with 200 and {}', () => {
    const out = sh(`curl -v http://localhost:4318/v1/metrics \\
  -H "Content-Type: application/json" \\
  -d '{"resourceMetrics": []}' 2>&1`);
    expect(out).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(out.trimEnd().endsWith('{}')).toBe(true);
  });

  it('answers the smoke-test payload with {} and HTTP 200', () => {
    const out = sh(`curl -s -w '\\n%{http_code}' -X POST http://localhost:4318/v1/metrics \\
  -H "Content-Type: application/json" \\
  -d '{
    "resourceMetrics": [{
      "resource": {
        "attributes": [{"key": "service.name", "value": {"stringValue": "smoke-test"}}]
      },
      "scopeMetrics": []
    }]
  }'`);
    expect(out).toBe('{}\n200');
  });
});

describe('Steps 2–3: an instrumented service, then the Prometheus queries', () => {
  let app: ReturnType<typeof spawn> | undefined;
  let appLog = '';
  afterAll(async () => {
    if (!app) return;
    const exited = new Promise((r) => app!.once('exit', r));
    app.kill('SIGTERM');
    await exited;
  });

  beforeAll(async () => {
    const port = await freePort();
    app = spawn(process.execPath, ['--import', 'tsx', '--import', './examples/express-app/instrumentation.ts', './examples/express-app/app.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        // The three variables from the post, and a short interval so the test need not wait 60 s.
        OTEL_SERVICE_NAME: 'my-api',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://localhost:${pharos.otlpGrpcPort}`,
        OTEL_EXPORTER_OTLP_INSECURE: 'true',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout!.on('data', (d) => (appLog += d));
    app.stderr!.on('data', (d) => (appLog += d));
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${base}/users/1`)).ok, 20_000, `example service to listen\n${appLog}`);
    for (const path of ['/users/1', '/users/2', '/products', '/missing', '/users/42']) await fetch(base + path);
    await eventually(async () => Number(sh(`curl -s 'http://localhost:9090/api/v1/query?query=http_server_request_duration_seconds_count{service_name="my-api"}' -g | jq '.data.result | length'`)) > 0, 20_000, `my-api metrics\n${appLog}`);
  });

  it('finds the histogram: a non-zero number of series', () => {
    const out = sh(`curl -s 'http://localhost:9090/api/v1/query?query=http_server_request_duration_seconds_count' \\
  | jq '.data.result | length'`);
    expect(Number(out)).toBeGreaterThan(0);
  });

  it('scopes it to the service, with service_name, status code, method and route labels', () => {
    // As printed in the post, curl globs `{…}` away and sends `…_countservice_name="my-api"`; Prometheus
    // answers that with a parse error, and so does Pharos. With -g (no globbing) the query is the intended one.
    const verbatim = JSON.parse(sh(`curl -s 'http://localhost:9090/api/v1/query?query=http_server_request_duration_seconds_count{service_name="my-api"}'`));
    expect(verbatim).toMatchObject({ status: 'error', errorType: 'bad_data' });

    const metric = JSON.parse(sh(`curl -sg 'http://localhost:9090/api/v1/query?query=http_server_request_duration_seconds_count{service_name="my-api"}' \\
  | jq '.data.result[0].metric'`));
    expect(metric).toMatchObject({ __name__: 'http_server_request_duration_seconds_count', service_name: 'my-api', job: 'my-api', http_request_method: 'GET' });
    expect(metric.http_response_status_code).toMatch(/^\d{3}$/);
    expect(metric.http_route).toMatch(/^\/(users\/:id|products|missing)$/);
  });

  it('records the routes with their status codes', () => {
    const body = JSON.parse(sh(`curl -sg 'http://localhost:9090/api/v1/query?query=http_server_request_duration_seconds_count{service_name="my-api"}'`));
    const seen = new Set(body.data.result.map((r: any) => `${r.metric.http_route ?? ''} ${r.metric.http_response_status_code}`));
    expect(seen).toContain('/users/:id 200');
    expect(seen).toContain('/products 200');
    expect([...seen].some((s) => String(s).endsWith(' 404'))).toBe(true);
  });
});
