/**
 * @module The OpenTelemetry pipeline → Pharos `otlp.*` settings: otelcol.receiver.otlp gives the
 * listen addresses, otelcol.exporter.prometheus the translation options; batch and
 * memory_limiter processors in between are unnecessary in Pharos. Argument names and defaults:
 * grafana/alloy docs otelcol.receiver.otlp.md and otelcol.exporter.prometheus.md.
 */
import type { Attribute } from './ast.ts';
import { Body, type Component, type ConvertContext } from './context.ts';
import { metricRelabelRules } from './relabel.ts';
import { distinctChains, followForwardTo, type Route } from './routes.ts';
import { ExportRef, UnknownValue, isArray } from './values.ts';

/** What the OTLP pipeline became. */
export interface OtlpResult {
  /** The `otlp:` section (nested keys of config/settings.ts). */
  readonly settings: Record<string, unknown>;
  /** Set when Alloy had no OTLP receiver, so the section turns Pharos' receivers off. */
  readonly receiversOff: boolean;
  /** Each otelcol.exporter.prometheus and where its samples went. */
  readonly exporters: ReadonlyArray<{ readonly component: Component; readonly routes: readonly Route[] }>;
}

/** Server settings Pharos has no use for: noted as info, not as untranslated. */
const IGNORED_SERVER = new Set([
  'include_metadata', 'keepalive', 'read_buffer_size', 'write_buffer_size', 'max_concurrent_streams', 'compression_algorithms',
  'idle_timeout', 'read_header_timeout', 'read_timeout', 'write_timeout', 'keep_alives_enabled', 'traces_url_path', 'logs_url_path',
]);
const DEFAULT_GRPC = '0.0.0.0:4317';
const DEFAULT_HTTP = '0.0.0.0:4318';

/** Converts every otelcol.receiver.otlp and otelcol.exporter.prometheus, following the pipeline between them. */
export function convertOtlp(ctx: ConvertContext): OtlpResult {
  const receivers = [...ctx.components.values()].filter((c) => c.name === 'otelcol.receiver.otlp');
  const settings: Record<string, unknown> = {};
  const reached: Component[] = [];
  let delta = false;

  receivers.forEach((r, i) => {
    ctx.handled.add(r.id);
    const body = new Body(r.block);
    const server = { grpc: serverSettings(ctx, r, body, 'grpc'), http: serverSettings(ctx, r, body, 'http') };
    if (i === 0) Object.assign(settings, server);
    else if (JSON.stringify(server) !== JSON.stringify({ grpc: settings.grpc, http: settings.http })) {
      ctx.untranslated(r.block.pos.line, r.display, `Pharos has one OTLP receiver; it uses the addresses of ${receivers[0].display}`);
    }
    const output = body.child('output');
    if (!output) {
      ctx.untranslated(r.block.pos.line, r.display, 'has no output block; Pharos stores the metrics it receives');
      return;
    }
    for (const attr of output.attributes()) {
      if (attr.name === 'metrics') {
        const found = followOtel(ctx, attr, r.display, []);
        reached.push(...found.exporters);
        delta ||= found.delta;
        if (!found.exporters.length) ctx.untranslated(attr.pos.line, r.display, 'its metrics reach no otelcol.exporter.prometheus in Alloy; Pharos stores them as Prometheus series');
      } else if (isNonEmptyList(ctx, attr)) {
        ctx.untranslated(attr.pos.line, r.display, `output > ${attr.name}: Pharos stores metrics only; ${attr.name} sent to it are answered but not kept or forwarded`);
      }
    }
    for (const s of r.block.body) {
      if (s.kind === 'block' && s.name === 'debug_metrics') ctx.info(s.pos.line, r.display, 'debug_metrics is not needed (Pharos has its own self-metrics)');
      else if (s.name !== 'grpc' && s.name !== 'http' && s.name !== 'output') ctx.untranslated(s.pos.line, r.display, `${s.name} is not translated`);
    }
  });
  if (!receivers.length) Object.assign(settings, { grpc: { listen: 'off' }, http: { listen: 'off' } });

  // Every exporter: those the receivers feed first, then any other (fed by untranslated components).
  const exporters = [...new Set([...reached, ...[...ctx.components.values()].filter((c) => c.name === 'otelcol.exporter.prometheus')])];
  const results: Array<{ component: Component; routes: Route[] }> = [];
  let chosen: string | null = null;
  for (const e of exporters) {
    ctx.handled.add(e.id);
    const { options, routes } = exporterSettings(ctx, e);
    results.push({ component: e, routes });
    const text = JSON.stringify(options);
    if (chosen === null) {
      chosen = text;
      Object.assign(settings, options);
    } else if (text !== chosen) {
      ctx.untranslated(e.block.pos.line, e.display, `its options differ from ${exporters[0].display}; Pharos translates all OTLP metrics one way and uses the first`);
    }
  }
  if (delta) settings.delta = 'convert';
  return { settings, receiversOff: !receivers.length, exporters: results };
}

/** The `grpc` or `http` block of a receiver as `{ listen, … }`; `{ listen: 'off' }` when absent (Alloy then starts no server). */
function serverSettings(ctx: ConvertContext, r: Component, body: Body, kind: 'grpc' | 'http'): Record<string, unknown> {
  const block = body.child(kind);
  if (!block) return { listen: 'off' };
  const out: Record<string, unknown> = { listen: kind === 'grpc' ? DEFAULT_GRPC : DEFAULT_HTTP };
  const site = (what: string) => ({ block: r.display, what: `${kind} > ${what}` });
  const sizeKey = kind === 'grpc' ? 'max_recv_msg_size' : 'max_request_body_size';
  for (const s of block.block.body) {
    if (s.kind === 'attribute' && s.name === 'endpoint') {
      const v = ctx.string(s, site('endpoint'));
      if (v !== undefined) out.listen = v;
    } else if (s.kind === 'attribute' && s.name === sizeKey) {
      const v = ctx.plain(s, site(sizeKey));
      if (v !== undefined) out[sizeKey] = v;
    } else if (s.kind === 'attribute' && s.name === 'metrics_url_path') {
      const v = ctx.string(s, site('metrics_url_path'));
      if (v !== undefined && v !== '/v1/metrics') ctx.untranslated(s.pos.line, r.display, `http > metrics_url_path = ${JSON.stringify(v)}: Pharos receives OTLP metrics at /v1/metrics only; point exporters there`);
    } else if (IGNORED_SERVER.has(s.name)) {
      ctx.info(s.pos.line, r.display, `${kind} > ${s.name} is not needed by Pharos; left out`);
    } else if (s.name === 'tls' || s.name === 'auth' || s.name === 'cors') {
      ctx.untranslated(s.pos.line, r.display, `${kind} > ${s.name} is not translated: Pharos' OTLP receiver has no ${s.name === 'cors' ? 'CORS settings' : s.name === 'tls' ? 'TLS (put a TLS proxy in front)' : 'authentication (put an authenticating proxy in front)'}`);
    } else {
      ctx.untranslated(s.pos.line, r.display, `${kind} > ${s.name} is not translated`);
    }
  }
  return out;
}

/** Follows an otelcol `output` list to the exporters it reaches, through the processors in between. */
function followOtel(ctx: ConvertContext, attr: Attribute, display: string, visited: readonly string[]): { exporters: Component[]; delta: boolean } {
  const value = ctx.evaluate(attr);
  const exporters: Component[] = [];
  let delta = false;
  if (!isArray(value)) {
    ctx.untranslated(attr.pos.line, display, `${attr.name} is not a list of consumers; where the metrics went is unknown`);
    return { exporters, delta };
  }
  for (const item of value) {
    const c = item instanceof ExportRef ? ctx.componentOf(item) : undefined;
    if (!c || !(item instanceof ExportRef) || item.field !== 'input') {
      const why = item instanceof UnknownValue ? item.reason : 'it is not a component\'s input';
      ctx.untranslated(attr.pos.line, display, `${attr.name} has an entry that cannot be followed (${why}); skipped`);
      continue;
    }
    if (c.name === 'otelcol.exporter.prometheus') {
      exporters.push(c);
      continue;
    }
    if (!c.name.startsWith('otelcol.processor.')) {
      ctx.untranslated(attr.pos.line, display, `metrics sent to ${c.display} are not translated; Pharos stores them instead`);
      continue;
    }
    if (visited.includes(c.id)) continue;
    ctx.handled.add(c.id);
    if (c.name === 'otelcol.processor.batch') ctx.info(c.block.pos.line, c.display, 'not needed: Pharos batches writes itself');
    else if (c.name === 'otelcol.processor.memory_limiter') ctx.info(c.block.pos.line, c.display, 'not needed: Pharos bounds the bytes it decodes at once (otlp.max_inflight_bytes) and answers 429 beyond it');
    else if (c.name === 'otelcol.processor.deltatocumulative') {
      delta = true;
      ctx.info(c.block.pos.line, c.display, 'not needed: Pharos turns delta temporality into cumulative itself (otlp.delta: convert)');
    } else ctx.untranslated(c.block.pos.line, c.display, 'is not applied: Pharos has no OpenTelemetry processors, metrics are stored as received');
    const next = new Body(c.block).child('output')?.attr('metrics');
    if (!next) continue;
    const found = followOtel(ctx, next, c.display, [...visited, c.id]);
    exporters.push(...found.exporters);
    delta ||= found.delta;
  }
  return { exporters, delta };
}

/** The otlp.* options one otelcol.exporter.prometheus stands for, written in full (Pharos' defaults differ from Alloy's). */
function exporterSettings(ctx: ConvertContext, e: Component): { options: Record<string, unknown>; routes: Route[] } {
  const body = new Body(e.block);
  const site = (what: string) => ({ block: e.display, what });
  const flag = (name: string, dflt: boolean) => {
    const attr = body.attr(name);
    return (attr && ctx.bool(attr, site(name))) ?? dflt;
  };
  const options: Record<string, unknown> = {
    resource_to_telemetry_conversion: flag('resource_to_telemetry_conversion', false),
    target_info: flag('include_target_info', true),
    scope_labels: flag('include_scope_labels', true) ? 'name_version' : 'none',
    start_time_zero_injection: flag('start_timestamp_zero_ingestion', false),
  };
  if (!flag('add_metric_suffixes', true)) options.translation_strategy = 'UnderscoreEscapingWithoutSuffixes';

  const onlyFalse: Record<string, string> = {
    include_scope_info: 'Pharos writes no otel_scope_info series',
    keep_identifying_resource_attributes: 'Pharos leaves service.name, service.namespace and service.instance.id off target_info',
    honor_metadata: 'an experimental Alloy feature',
    convert_classic_histograms_to_nhcb: 'Pharos stores OTLP histograms as classic histograms',
  };
  const known = new Set(['forward_to', 'resource_to_telemetry_conversion', 'include_target_info', 'include_scope_labels', 'start_timestamp_zero_ingestion', 'add_metric_suffixes']);
  for (const s of e.block.body) {
    if (s.kind === 'attribute' && s.name in onlyFalse) {
      if (ctx.bool(s, site(s.name))) ctx.untranslated(s.pos.line, e.display, `${s.name} = true is not translated: ${onlyFalse[s.name]}`);
    } else if (s.name === 'gc_frequency' || s.name === 'debug_metrics') {
      ctx.info(s.pos.line, e.display, `${s.name} is not needed by Pharos; left out`);
    } else if (!known.has(s.name)) {
      ctx.untranslated(s.pos.line, e.display, `${s.name} is not translated`);
    }
  }

  const forwardTo = body.attr('forward_to');
  const routes = followForwardTo(ctx, forwardTo, e.display);
  const line = forwardTo?.pos.line ?? e.block.pos.line;
  const chains = distinctChains(routes.filter((r) => r.sink.kind !== 'nowhere'));
  if (chains.length > 1) {
    const shown = chains.map((ch) => (ch.length ? ch.map((id) => ctx.components.get(id)!.display).join(' → ') : 'no relabelling')).join('; ');
    ctx.untranslated(line, e.display, `its metrics are stored through different prometheus.relabel chains (${shown}); Pharos keeps one copy, relabelled by the first chain`);
  }
  const rules = (chains[0] ?? []).flatMap((id) => metricRelabelRules(ctx, ctx.components.get(id)!));
  if (rules.length) options.metric_relabel_configs = rules;
  return { options, routes };
}

function isNonEmptyList(ctx: ConvertContext, attr: Attribute): boolean {
  const v = ctx.evaluate(attr);
  return !isArray(v) || v.length > 0;
}
