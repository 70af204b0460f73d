/**
 * @module Every top-level block the main converters did not deal with: Alloy's own settings
 * (`logging`, `livedebugging`, …), exporters, service discovery, prometheus.receive_http, and a
 * "not translated" note with a reason for anything else.
 */
import type { Block } from './ast.ts';
import { Body, displayBlock, type Component, type ConvertContext } from './context.ts';
import { followForwardTo, type Route } from './routes.ts';

/** Pharos settings that come from the blocks handled here. */
export interface OthersResult {
  /** From `logging { level }`. */
  readonly logLevel: string | undefined;
  /** A prometheus.receive_http existed: keep Pharos' remote write receiver on. */
  readonly remoteWriteReceiver: boolean;
  /** Each prometheus.receive_http and where its samples went. */
  readonly receivers: ReadonlyArray<{ readonly component: Component; readonly routes: readonly Route[] }>;
}

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/** Why a kind of component has no Pharos translation, by name prefix (longest match wins). */
const REASONS: ReadonlyArray<readonly [string, string]> = [
  ['prometheus.exporter.cadvisor', 'Pharos has no built-in cAdvisor: run cAdvisor itself (e.g. the gcr.io/cadvisor/cadvisor container) and add a scrape job for its address (it serves /metrics on port 8080)'],
  ['prometheus.exporter.self', "Alloy's own metrics; Pharos serves its self-metrics at /metrics on its HTTP port: add a scrape job for it to keep them"],
  ['prometheus.exporter.', 'Pharos has no built-in exporter of this kind: run the standalone exporter and add a scrape job for its address'],
  ['prometheus.operator.', 'needs Kubernetes service discovery, which Pharos does not have'],
  ['prometheus.', 'no Pharos equivalent'],
  ['discovery.', 'service discovery is not translated (Pharos has none); list the targets under static_configs'],
  ['otelcol.exporter.', 'Pharos stores metrics itself and does not forward OTLP to other backends'],
  ['otelcol.receiver.prometheus', 'it turns Prometheus samples into OTLP for other otelcol components; Pharos stores the samples as they are'],
  ['otelcol.receiver.', 'Pharos receives metrics over OTLP gRPC/HTTP, scraping and remote write only'],
  ['otelcol.processor.', 'Pharos has no OpenTelemetry processors; metrics are stored as received'],
  ['otelcol.', 'no Pharos equivalent'],
  ['loki.', 'Pharos stores metrics only, not logs'],
  ['pyroscope.', 'Pharos stores metrics only, not profiles'],
  ['faro.', 'Pharos stores metrics only'],
  ['beyla.', 'Pharos does not run eBPF instrumentation'],
  ['local.file', 'Pharos does not read values from files into its configuration: put the value in the file'],
  ['remote.', 'Pharos does not fetch configuration values at run time: put the value in the file'],
  ['import.', 'modules are not translated: import the module\'s blocks into this file and convert again'],
  ['declare', 'custom components are not translated'],
];

/** Settings of Alloy itself, without labels. */
const ALLOY_SETTINGS: Readonly<Record<string, { severity: 'info' | 'untranslated'; why: string }>> = {
  livedebugging: { severity: 'info', why: "Pharos has no live debugging view; its /api/v1/targets and self-metrics show what arrives" },
  http: { severity: 'info', why: "Alloy's own HTTP server; Pharos' is set with http.listen (default 0.0.0.0:9090)" },
  tracing: { severity: 'info', why: "Alloy's own traces; Pharos does not trace itself" },
  remotecfg: { severity: 'untranslated', why: 'Pharos does not fetch its configuration remotely' },
  foreach: { severity: 'untranslated', why: 'foreach blocks are not translated' },
  argument: { severity: 'untranslated', why: 'module arguments are not translated' },
  export: { severity: 'untranslated', why: 'module exports are not translated' },
};

/** Notes every block not yet handled, translating the few Pharos settings that exist. */
export function convertOthers(ctx: ConvertContext): OthersResult {
  let logLevel: string | undefined;
  let remoteWriteReceiver = false;
  const receivers: Array<{ component: Component; routes: Route[] }> = [];

  for (const s of ctx.file.body) {
    if (s.kind === 'attribute') {
      ctx.untranslated(s.pos.line, s.name, 'attributes outside blocks are not valid in an Alloy file; ignored');
      continue;
    }
    if (s.label === null) {
      if (s.name === 'logging') logLevel = convertLogging(ctx, s) ?? logLevel;
      else if (s.name in ALLOY_SETTINGS) {
        const { severity, why } = ALLOY_SETTINGS[s.name];
        ctx.notes.add(severity, s.pos.line, s.name, why);
      } else ctx.untranslated(s.pos.line, s.name, reasonFor(s.name));
      continue;
    }
    const c = ctx.components.get(`${s.name}.${s.label}`);
    if (!c || c.block !== s || ctx.handled.has(c.id)) continue;
    ctx.handled.add(c.id);
    const line = s.pos.line;
    switch (s.name) {
      case 'prometheus.receive_http': {
        remoteWriteReceiver = true;
        receivers.push({ component: c, routes: followForwardTo(ctx, new Body(s).attr('forward_to'), c.display) });
        ctx.untranslated(line, c.display, 'Pharos accepts remote write at POST /api/v1/write on its HTTP port (http.listen, default 0.0.0.0:9090), not at /api/v1/metrics/write on this listener: point the senders there');
        break;
      }
      case 'prometheus.exporter.unix':
        ctx.info(line, c.display, 'no prometheus.scrape scrapes it, so Alloy collected nothing from it; host_metrics stays off');
        break;
      case 'prometheus.relabel':
        ctx.info(line, c.display, 'no scrape forwards to it; its rules are not used');
        break;
      case 'discovery.relabel':
        ctx.info(line, c.display, 'no scrape reads its output; its rules are not used');
        break;
      case 'otelcol.processor.batch':
      case 'otelcol.processor.memory_limiter':
        ctx.info(line, c.display, 'not needed: Pharos batches and bounds its writes itself');
        break;
      default:
        if (s.name in ALLOY_SETTINGS) ctx.notes.add(ALLOY_SETTINGS[s.name].severity, line, c.display, ALLOY_SETTINGS[s.name].why);
        else ctx.untranslated(line, c.display, reasonFor(s.name));
    }
  }
  return { logLevel, remoteWriteReceiver, receivers };
}

function convertLogging(ctx: ConvertContext, block: Block): string | undefined {
  const body = new Body(block);
  const display = displayBlock(block);
  let level: string | undefined;
  for (const attr of body.attributes()) {
    if (attr.name === 'level') {
      const v = ctx.string(attr, { block: display, what: 'level' });
      if (v !== undefined && LOG_LEVELS.has(v)) level = v;
      else if (v !== undefined) ctx.untranslated(attr.pos.line, display, `level ${JSON.stringify(v)} is not one of Pharos' log levels (debug, info, warn, error)`);
    } else if (attr.name === 'format') {
      ctx.info(attr.pos.line, display, 'format is not translated: Pharos writes its own log format');
    } else {
      ctx.info(attr.pos.line, display, `${attr.name} is not translated: Pharos logs to standard error`);
    }
  }
  ctx.info(block.pos.line, display, level ? `level becomes log.level: ${level}` : "Alloy's logging settings do not apply to Pharos");
  return level;
}

function reasonFor(name: string): string {
  let best: readonly [string, string] | undefined;
  for (const r of REASONS) if ((name === r[0] || name.startsWith(r[0])) && (!best || r[0].length > best[0].length)) best = r;
  return best ? best[1] : 'no Pharos equivalent';
}
