/** @module What a newcomer sees before any data arrived: exactly how to point an app at Pharos. */
import { useEffect, useState } from 'react';
import { statusFlags } from '../api.ts';

/** The port of a listen address ("127.0.0.1:4318", ":4318"), or null when the listener is off. */
function portOf(listen: string | undefined): string | null {
  if (!listen) return null;
  const m = /:(\d+)$/.exec(listen);
  return m ? m[1] : null;
}

/** The OTLP ports this Pharos listens on, from /api/v1/status/flags (the defaults until it answers). */
function useOtlpPorts(): { http: string | null; grpc: string | null } {
  const [ports, setPorts] = useState<{ http: string | null; grpc: string | null }>({ http: '4318', grpc: '4317' });
  useEffect(() => {
    const ac = new AbortController();
    statusFlags(ac.signal)
      .then((f) => setPorts({ http: portOf(f['otlp-http-listen']), grpc: portOf(f['otlp-grpc-listen']) }))
      .catch(() => undefined);
    return () => ac.abort();
  }, []);
  return ports;
}

function Snippet({ title, text }: { title: string; text: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const id = `snippet-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="snippet">
      <h3 id={id}>{title}</h3>
      <pre aria-labelledby={id}>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        aria-label={`Copy: ${title}`}
        onClick={() => {
          const done = navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject(new Error('no clipboard'));
          done.then(() => setCopied('yes'), () => setCopied('failed'));
        }}
      >
        Copy
      </button>
      <span role="status" className="copy-status">
        {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copying is blocked here (it needs HTTPS or localhost); select the text instead.' : ''}
      </span>
    </div>
  );
}

/** How to send metrics to this Pharos: the standard OTEL_* variables, with the ports it listens on. */
export function EmptyState({ title = 'No HTTP server metrics yet' }: { title?: string }) {
  const host = window.location.hostname || 'localhost';
  const { http, grpc } = useOtlpPorts();
  const httpSnippet = `export OTEL_SERVICE_NAME=my-api
export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${http ?? 4318}
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
export OTEL_METRICS_EXPORTER=otlp
export OTEL_METRIC_EXPORT_INTERVAL=15000
node --require @opentelemetry/auto-instrumentations-node/register app.js`;
  const grpcSnippet = `export OTEL_SERVICE_NAME=my-api
export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${grpc ?? 4317}
export OTEL_EXPORTER_OTLP_PROTOCOL=grpc
export OTEL_EXPORTER_OTLP_INSECURE=true`;
  return (
    <section className="empty-state" aria-labelledby="getting-started">
      <h2 id="getting-started">{title}</h2>
      <p>
        Pharos receives OpenTelemetry metrics over OTLP{http ? `/HTTP on port ${http}` : ''}
        {http && grpc ? ' and ' : ''}
        {grpc ? `OTLP/gRPC on port ${grpc}` : ''}. Point any instrumented service at it with the standard variables, send a few requests, then
        reload this page. For Node.js (the same variables work for <code>opentelemetry-instrument</code> in Python, Java's agent and the other SDKs):
      </p>
      {http && <Snippet title="OTLP over HTTP (any SDK)" text={httpSnippet} />}
      {grpc && <Snippet title="OTLP over gRPC instead" text={grpcSnippet} />}
      <p>
        Keep the <code>http://</code> scheme: without it the gRPC exporter switches to TLS and fails without a word. Metrics arrive once per export
        interval; the dashboard needs two exports to draw a rate.
      </p>
    </section>
  );
}
