/**
 * @module prometheus.scrape → Prometheus scrape_configs. Literal targets become static_configs,
 * discovery.relabel rules on the way in become relabel_configs, prometheus.relabel rules on the
 * way out (forward_to) become metric_relabel_configs. A scrape of prometheus.exporter.unix is
 * replaced by Pharos' built-in host metrics. Argument names: grafana/alloy
 * internal/component/prometheus/scrape/scrape.go.
 */
import { Body, type Component, type ConvertContext } from './context.ts';
import { HTTP_CLIENT_NAMES, convertHttpClient } from './http-client.ts';
import { metricRelabelRules, type RelabelRule } from './relabel.ts';
import { distinctChains, followForwardTo, type Route } from './routes.ts';
import { targetSources, type TargetSource } from './targets.ts';
import type { AlloyObject } from './values.ts';

/** One scrape_configs entry and where it came from. */
export interface ScrapeJob {
  readonly config: Record<string, unknown>;
  readonly comment: string;
}

/** What one prometheus.scrape became. */
export interface ScrapeResult {
  readonly component: Component;
  readonly jobs: readonly ScrapeJob[];
  /** It scraped prometheus.exporter.unix: Pharos' host_metrics takes its place. */
  readonly hostMetrics: boolean;
  /** The interval it scraped at (Alloy's default 1m when unset), for host_metrics.interval. */
  readonly interval: string;
  /** Where its samples went in Alloy. */
  readonly routes: readonly Route[];
}

type Kind = 'duration' | 'string' | 'bool' | 'any';
/** Arguments copied under a Prometheus key (the same name unless given), in Prometheus' order. */
const SETTINGS: ReadonlyArray<readonly [alloy: string, kind: Kind, prom?: string]> = [
  ['scrape_interval', 'duration'], ['scrape_timeout', 'duration'], ['scrape_protocols', 'any'], ['scrape_fallback_protocol', 'string'],
  ['scrape_native_histograms', 'bool'], ['scrape_classic_histograms', 'bool', 'always_scrape_classic_histograms'],
  ['convert_classic_histograms_to_nhcb', 'bool'], ['metrics_path', 'string'], ['scheme', 'string'],
  ['honor_labels', 'bool'], ['honor_timestamps', 'bool'], ['track_timestamps_staleness', 'bool'], ['params', 'any'],
  ['enable_compression', 'bool'], ['body_size_limit', 'any'], ['sample_limit', 'any'], ['target_limit', 'any'],
  ['label_limit', 'any'], ['label_name_length_limit', 'any'], ['label_value_length_limit', 'any'],
  ['native_histogram_bucket_limit', 'any'], ['native_histogram_min_bucket_factor', 'any'],
  ['metric_name_validation_scheme', 'string'], ['metric_name_escaping_scheme', 'string'], ['scrape_failure_log_file', 'string'],
];
/** Arguments without a Prometheus scrape_config key: fine when false, noted when true. */
const ONLY_WHEN_FALSE: Readonly<Record<string, string>> = {
  extra_metrics: 'Prometheus enables extra scrape metrics with a feature flag, not per job',
  honor_metadata: 'an experimental Alloy feature',
  enable_type_and_unit_labels: 'an experimental Alloy feature',
  start_timestamp_zero_ingestion: 'an experimental Alloy feature',
};
/** Alloy's scrape_interval when unset (scrape.go SetToDefault). */
const ALLOY_SCRAPE_INTERVAL = '1m';
/** What enable_protobuf_negotiation = true meant (scrape.go). */
const PROTOBUF_FIRST = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'];

/**
 * Converts one prometheus.scrape. `jobNames` holds the job names already used; names added here
 * are reserved in it. The job name is Alloy's: `job_name`, or else the component id
 * (`prometheus.scrape.<label>`), which is also the `job` label of targets without one.
 */
export function convertScrape(ctx: ConvertContext, c: Component, jobNames: Set<string>): ScrapeResult {
  ctx.handled.add(c.id);
  const body = new Body(c.block);
  const display = c.display;
  const site = (what: string) => ({ block: display, what });

  const jobNameAttr = body.attr('job_name');
  const baseJobName = (jobNameAttr && ctx.string(jobNameAttr, site('job_name'))) || c.id;

  const settings: Record<string, unknown> = {};
  for (const [name, kind, prom] of SETTINGS) {
    const attr = body.attr(name);
    if (!attr) continue;
    const v = kind === 'duration' ? ctx.duration(attr, site(name)) : kind === 'string' ? ctx.string(attr, site(name)) : kind === 'bool' ? ctx.bool(attr, site(name)) : ctx.plain(attr, site(name));
    if (v !== undefined) settings[prom ?? name] = v;
  }
  const negotiation = body.attr('enable_protobuf_negotiation');
  if (negotiation && ctx.bool(negotiation, site('enable_protobuf_negotiation')) && settings.scrape_protocols === undefined) settings.scrape_protocols = PROTOBUF_FIRST;
  convertHttpClient(ctx, body, display, '', settings, 'scrape');

  const known = new Set(['targets', 'forward_to', 'job_name', 'enable_protobuf_negotiation', 'clustering', ...SETTINGS.map(([n]) => n), ...HTTP_CLIENT_NAMES]);
  for (const s of c.block.body) {
    if (s.kind === 'attribute' && s.name in ONLY_WHEN_FALSE) {
      if (ctx.bool(s, site(s.name))) ctx.untranslated(s.pos.line, display, `${s.name} = true is not translated: ${ONLY_WHEN_FALSE[s.name]}`);
    } else if (s.kind === 'block' && s.name === 'clustering') {
      ctx.info(s.pos.line, display, 'clustering is not needed: one Pharos scrapes every target');
    } else if (!known.has(s.name)) {
      ctx.untranslated(s.pos.line, display, `${s.name} is not translated`);
    }
  }

  // Where the samples go: prometheus.relabel chains become metric_relabel_configs.
  const routes = followForwardTo(ctx, body.attr('forward_to'), display);
  const metricRules = chooseMetricRules(ctx, c, routes);

  // Where the targets come from.
  const targetsAttr = body.attr('targets');
  if (!targetsAttr) ctx.untranslated(c.block.pos.line, display, 'has no targets; no scrape job written');
  const sources: TargetSource[] = targetsAttr ? targetSources(ctx, ctx.evaluate(targetsAttr)) : [];
  const line = targetsAttr?.pos.line ?? c.block.pos.line;
  let hostMetrics = false;
  const groups = new Map<string, { targets: AlloyObject[]; rules: readonly RelabelRule[] }>();
  for (const s of sources) {
    if (s.kind === 'static') {
      const key = JSON.stringify(s.via.map((v) => v.id));
      const g = groups.get(key) ?? { targets: [], rules: s.rules };
      g.targets.push(...s.targets);
      groups.set(key, g);
    } else if (s.kind === 'exporter' && s.component.name === 'prometheus.exporter.unix') {
      hostMetrics = true;
      ctx.handled.add(s.component.id);
      ctx.info(line, display, `scrapes ${s.component.display} (line ${s.component.block.pos.line}); Pharos collects host metrics itself (host_metrics), so no scrape job is written for it; Pharos labels them job="node", so queries that select Alloy's job label for them may need changing`);
      const rules = [...s.rules, ...metricRules];
      if (rules.length) ctx.untranslated(line, display, `the relabel rules on the way to and from ${s.component.display} are not applied to Pharos' host metrics`);
    } else if (s.kind === 'exporter') {
      ctx.untranslated(line, display, `its targets come from ${s.component.display} (line ${s.component.block.pos.line}), which Pharos does not run: run that exporter on its own and list its address under static_configs`);
    } else if (s.kind === 'discovery') {
      ctx.handled.add(s.component.id);
      ctx.untranslated(s.component.block.pos.line, s.component.display, `service discovery is not translated (Pharos has no ${s.component.name}); list the targets ${display} should scrape under static_configs`);
      ctx.untranslated(line, display, `its targets come from ${s.component.display} (line ${s.component.block.pos.line}), which is not translated`);
    } else {
      ctx.untranslated(line, display, `targets: ${s.reason}; those targets are left out`);
    }
  }

  const jobs: ScrapeJob[] = [];
  for (const { targets, rules } of groups.values()) {
    let jobName = baseJobName;
    for (let n = 2; jobNames.has(jobName); n++) jobName = `${baseJobName}-${n}`;
    const renamed = jobName !== baseJobName;
    const staticConfigs = staticConfigsOf(ctx, targets, line, display, renamed ? baseJobName : null);
    if (!staticConfigs.length) continue;
    jobNames.add(jobName);
    if (renamed) {
      ctx.info(line, display, `written as job ${JSON.stringify(jobName)} (job names must be unique in Prometheus); targets without a job label get job=${JSON.stringify(baseJobName)} as in Alloy`);
    }
    const config: Record<string, unknown> = { job_name: jobName, ...settings, static_configs: staticConfigs };
    if (rules.length) config.relabel_configs = rules;
    if (metricRules.length) config.metric_relabel_configs = metricRules;
    jobs.push({ config, comment: `${display} (line ${c.block.pos.line})` });
  }
  if (targetsAttr && !jobs.length && sources.every((s) => s.kind === 'static' && !s.targets.length)) {
    ctx.info(line, display, 'its target list is empty, so it scraped nothing; no scrape job is written');
  }
  const interval = typeof settings.scrape_interval === 'string' ? settings.scrape_interval : ALLOY_SCRAPE_INTERVAL;
  return { component: c, jobs, hostMetrics, interval, routes };
}

/** Picks the prometheus.relabel chain whose rules become metric_relabel_configs; notes when Alloy had several. */
function chooseMetricRules(ctx: ConvertContext, c: Component, routes: readonly Route[]): RelabelRule[] {
  const forwardTo = new Body(c.block).attr('forward_to');
  const line = forwardTo?.pos.line ?? c.block.pos.line;
  const delivered = routes.filter((r) => r.sink.kind !== 'nowhere');
  if (routes.length && !delivered.length) {
    ctx.info(line, c.display, 'its samples go nowhere in Alloy (an empty forward_to); Pharos stores them');
  }
  const chains = distinctChains(delivered.length ? delivered : routes);
  if (chains.length > 1) {
    const shown = chains.map((ch) => (ch.length ? ch.join(' → ') : 'no relabelling')).join('; ');
    ctx.untranslated(line, c.display, `its samples are stored through different prometheus.relabel chains (${shown}); Pharos keeps one copy per job, relabelled by the first chain`);
  }
  return (chains[0] ?? []).flatMap((id) => metricRelabelRules(ctx, ctx.components.get(id)!));
}

/**
 * Target objects as static_configs: one entry per distinct label set (in first-seen order), each
 * listing its `__address__`es. With `defaultJob`, targets without a `job` label get it.
 */
function staticConfigsOf(ctx: ConvertContext, targets: readonly AlloyObject[], line: number, display: string, defaultJob: string | null): Array<Record<string, unknown>> {
  const groups = new Map<string, { targets: string[]; labels: Record<string, unknown> }>();
  for (const t of targets) {
    const plain = ctx.toPlain(t, line, { block: display, what: 'targets' }) as Record<string, unknown>;
    const address = plain.__address__;
    if (typeof address !== 'string' || address === '') {
      ctx.untranslated(line, display, `a target has no __address__ (${JSON.stringify(plain)}); left out`);
      continue;
    }
    const labels: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(plain)) if (k !== '__address__') labels[k] = typeof v === 'string' ? v : JSON.stringify(v);
    if (defaultJob !== null && labels.job === undefined) labels.job = defaultJob;
    const key = JSON.stringify(labels);
    const g = groups.get(key) ?? { targets: [], labels };
    g.targets.push(address);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => (Object.keys(g.labels).length ? { targets: g.targets, labels: g.labels } : { targets: g.targets }));
}
