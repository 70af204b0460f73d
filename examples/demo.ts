// `npm run demo`: Pharos, an instrumented Express service exporting OTLP/gRPC to it, and a traffic
// generator, all on loopback. Prints where to look, forwards Ctrl-C to every child, exits cleanly.
//
// Flags (or env): --http-port (PHAROS_DEMO_HTTP_PORT, 9090), --grpc-port (PHAROS_DEMO_GRPC_PORT, 4317),
// --otlp-http-port (PHAROS_DEMO_OTLP_HTTP_PORT, 4318), --app-port (PHAROS_DEMO_APP_PORT, 8080),
// --rps (PHAROS_DEMO_RPS, 20), --duration seconds of traffic (PHAROS_DEMO_DURATION, 600),
// --data-dir (PHAROS_DEMO_DATA_DIR, ./data/demo), --pharos-bin (PHAROS_DEMO_BIN, bin/pharos.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    'http-port': { type: 'string', default: process.env.PHAROS_DEMO_HTTP_PORT ?? '9090' },
    'grpc-port': { type: 'string', default: process.env.PHAROS_DEMO_GRPC_PORT ?? '4317' },
    'otlp-http-port': { type: 'string', default: process.env.PHAROS_DEMO_OTLP_HTTP_PORT ?? '4318' },
    'app-port': { type: 'string', default: process.env.PHAROS_DEMO_APP_PORT ?? '8080' },
    rps: { type: 'string', default: process.env.PHAROS_DEMO_RPS ?? '20' },
    duration: { type: 'string', default: process.env.PHAROS_DEMO_DURATION ?? '600' },
    'data-dir': { type: 'string', default: process.env.PHAROS_DEMO_DATA_DIR ?? resolve(root, 'data/demo') },
    'pharos-bin': { type: 'string', default: process.env.PHAROS_DEMO_BIN ?? 'bin/pharos.js' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run demo -- [--http-port 9090] [--grpc-port 4317] [--otlp-http-port 4318] [--app-port 8080] [--rps 20] [--duration 600] [--data-dir ./data/demo] [--pharos-bin bin/pharos.js]');
  process.exit(0);
}

const api = `http://127.0.0.1:${values['http-port']}`;
const children: { name: string; proc: ChildProcess }[] = [];
// Detached children would outlive a demo that dies abruptly: take them down with it.
process.on('exit', () => { for (const c of children) c.proc.kill('SIGKILL'); });
let stopping = false;

/** Starts a child with its output prefixed by name; any unexpected exit stops the demo. */
function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const proc = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the demo, which then stops the children in order.
    detached: true });
  const prefix = (chunk: Buffer): string =>
    chunk.toString().split('\n').filter((l) => l.length > 0).map((l) => `[${name}] ${l}\n`).join('');
  proc.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  proc.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  proc.on('exit', (code, signal) => {
    const i = children.findIndex((c) => c.proc === proc);
    if (i >= 0) children.splice(i, 1);
    if (stopping) return;
    if (name === 'traffic' && code === 0) {
      console.log(`[demo] traffic finished; Pharos and the app keep running, Ctrl-C to stop`);
      return;
    }
    console.error(`[demo] ${name} exited (${signal ?? `code ${code}`}); stopping`);
    void stop(1);
  });
  children.push({ name, proc });
  return proc;
}

/** Sends SIGTERM to the traffic, app and Pharos (in that order) and waits for each, SIGKILL after 10 s. */
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\n[demo] stopping…');
  for (const name of ['traffic', 'app', 'pharos']) {
    const c = children.find((x) => x.name === name);
    if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
    const exited = new Promise<void>((res) => c.proc.once('exit', () => res()));
    c.proc.kill('SIGTERM');
    const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  mkdirSync(values['data-dir'], { recursive: true });
  start('pharos', process.execPath, [
    values['pharos-bin'], 'start',
    '--data-dir', values['data-dir'],
    '--http-listen', `127.0.0.1:${values['http-port']}`,
    '--otlp-grpc-listen', `127.0.0.1:${values['grpc-port']}`,
    '--otlp-http-listen', `127.0.0.1:${values['otlp-http-port']}`,
  ]);
  await waitReady(`${api}/-/ready`, 30_000);

  start('app', process.execPath, [
    '--import', 'tsx', '--import', './examples/express-app/instrumentation.ts', 'examples/express-app/app.ts',
  ], {
    PORT: values['app-port'],
    OTEL_SERVICE_NAME: 'shop',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo',
    // The scheme matters: without http:// the gRPC exporter uses TLS and fails silently.
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${values['grpc-port']}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_METRIC_EXPORT_INTERVAL: '5000',
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
  });
  await waitReady(`http://127.0.0.1:${values['app-port']}/healthz`, 30_000);

  start('traffic', process.execPath, [
    '--import', 'tsx', 'examples/traffic.ts',
    '--target', `http://127.0.0.1:${values['app-port']}`,
    '--rps', values.rps, '--duration', values.duration,
  ]);

  const q = (expr: string): string => `curl -s '${api}/api/v1/query?query=${encodeURIComponent(expr)}'`;
  console.log(`
[demo] Pharos API     ${api}
[demo] example app    http://127.0.0.1:${values['app-port']}  (service.name=shop, OTLP/gRPC every 5 s)
[demo] traffic        ${values.rps} req/s for ${values.duration} s
[demo] data appears within ~5 s. Try:
  ${q('sum by (http_route) (rate(http_server_request_duration_seconds_count{service_name="shop"}[1m]))')}
  ${q('sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{service_name="shop", http_response_status_code=~"4..|5.."}[1m]))')}
  ${q('histogram_quantile(0.99, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{service_name="shop"}[1m])))')}
[demo] Ctrl-C stops everything.
`);
}

main().catch((err: unknown) => {
  console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  void stop(1);
});
