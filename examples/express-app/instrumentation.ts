// OpenTelemetry bootstrap for the example service. Load it before the app with
// `node --import tsx --import ./instrumentation.ts app.ts` so the SDK patches `http` and `express`
// before they are imported. Everything is configured by the standard OTEL_* variables
// (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_METRIC_EXPORT_INTERVAL…).
import { register } from 'node:module';
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';

// ESM modules are only patched through the loader hook; without it express is not wrapped and
// `http.route` is missing from http.server.request.duration.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

// The GCP detector makes network calls and prints warnings on offline machines.
process.env.OTEL_NODE_RESOURCE_DETECTORS ??= 'env,host,os,process';
// This demo exports metrics only.
process.env.OTEL_TRACES_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';

/** The process-wide SDK; `shutdown()` flushes the last metrics export. */
export const sdk = new NodeSDK({
  instrumentations: [
    // Skip the exporter's own OTLP/HTTP posts so they do not show up as client requests.
    new HttpInstrumentation({ ignoreOutgoingRequestHook: (req) => (req.path ?? '').startsWith('/v1/') }),
    new ExpressInstrumentation(),
  ],
});
sdk.start();
// Export failures are silent without a diag logger. Set after start() so NodeSDK's notice about
// OTEL_TRACES_EXPORTER=none ("SDK will not be initialized", which concerns traces only) stays quiet.
if (!process.env.OTEL_LOG_LEVEL) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    // shutdown() alone collects and exports once more; forceFlush first would send twice.
    await sdk.shutdown();
  } catch (err) {
    console.error('otel shutdown failed', err);
  }
  console.error(`example-app: ${signal}, telemetry flushed, exiting`);
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
