/** @module What a newcomer sees before any data arrived: exactly how to point an app at Pharos. */

export function EmptyState() {
  const host = window.location.hostname || 'localhost';
  const snippet = `export OTEL_SERVICE_NAME=my-api
export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4317
export OTEL_EXPORTER_OTLP_INSECURE=true
export OTEL_METRICS_EXPORTER=otlp
node --require @opentelemetry/auto-instrumentations-node/register app.js`;
  return (
    <section className="empty-state" aria-label="Getting started">
      <h2>No HTTP server metrics yet</h2>
      <p>
        Pharos receives OpenTelemetry metrics over OTLP on port 4317 (gRPC) and 4318 (HTTP). Point any
        instrumented service at it with the standard variables, then reload this page:
      </p>
      <pre>
        <code>{snippet}</code>
      </pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(snippet)}>
        Copy snippet
      </button>
      <p>
        Over HTTP instead of gRPC: <code>OTEL_EXPORTER_OTLP_ENDPOINT=http://{host}:4318</code> with{' '}
        <code>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</code>.
      </p>
    </section>
  );
}
