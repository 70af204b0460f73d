/**
 * @module prometheus.remote_write → Prometheus `remote_write` entries (one per `endpoint` block)
 * and `global.external_labels`. Argument names: grafana/alloy docs
 * reference/components/prometheus/prometheus.remote_write.md.
 */
import { Body, type Component, type ConvertContext } from './context.ts';
import { HTTP_CLIENT_NAMES, convertHttpClient } from './http-client.ts';
import { convertRules } from './relabel.ts';

/** What one prometheus.remote_write became. */
export interface RemoteWriteResult {
  readonly component: Component;
  /** remote_write entries, in endpoint order. */
  readonly entries: ReadonlyArray<Record<string, unknown>>;
  /** Its external_labels, if set. */
  readonly externalLabels: Record<string, unknown> | undefined;
  readonly externalLabelsLine: number;
}

type Kind = 'duration' | 'string' | 'bool' | 'any';
const ENDPOINT_SETTINGS: ReadonlyArray<readonly [string, Kind]> = [
  ['url', 'string'], ['name', 'string'], ['remote_timeout', 'duration'], ['headers', 'any'],
  ['send_exemplars', 'bool'], ['send_native_histograms', 'bool'], ['protobuf_message', 'string'], ['round_robin_dns', 'bool'],
];
const QUEUE_SETTINGS: ReadonlyArray<readonly [string, Kind]> = [
  ['capacity', 'any'], ['max_shards', 'any'], ['min_shards', 'any'], ['max_samples_per_send', 'any'], ['batch_send_deadline', 'duration'],
  ['min_backoff', 'duration'], ['max_backoff', 'duration'], ['retry_on_http_429', 'bool'], ['sample_age_limit', 'duration'],
];
const METADATA_SETTINGS: ReadonlyArray<readonly [string, Kind]> = [['send', 'bool'], ['send_interval', 'duration'], ['max_samples_per_send', 'any']];
const UNTRANSLATED_AUTH = ['sigv4', 'azuread', 'google_iam'];

/** Converts one prometheus.remote_write component. */
export function convertRemoteWrite(ctx: ConvertContext, c: Component): RemoteWriteResult {
  ctx.handled.add(c.id);
  const body = new Body(c.block);
  const display = c.display;
  const entries: Array<Record<string, unknown>> = [];

  for (const endpoint of body.blocks('endpoint')) {
    const e = new Body(endpoint);
    const entry: Record<string, unknown> = {};
    copySettings(ctx, e, display, 'endpoint > ', ENDPOINT_SETTINGS, entry);
    if (typeof entry.url !== 'string') {
      ctx.untranslated(endpoint.pos.line, display, 'endpoint has no usable url; no remote_write entry written');
      continue;
    }
    // Alloy sends exemplars unless told not to; Prometheus only when asked (send_exemplars defaults to false there).
    if (entry.send_exemplars === undefined) entry.send_exemplars = true;
    convertHttpClient(ctx, e, display, 'endpoint > ', entry, 'remote_write');
    const queue = e.child('queue_config');
    if (queue) entry.queue_config = copySettings(ctx, queue, display, 'endpoint > queue_config > ', QUEUE_SETTINGS, {});
    const metadata = e.child('metadata_config');
    if (metadata) entry.metadata_config = copySettings(ctx, metadata, display, 'endpoint > metadata_config > ', METADATA_SETTINGS, {});
    const relabel = e.blocks('write_relabel_config');
    if (relabel.length) entry.write_relabel_configs = convertRules(ctx, display, relabel, 'endpoint > write_relabel_config');

    const known = new Set([...ENDPOINT_SETTINGS.map(([n]) => n), ...HTTP_CLIENT_NAMES, 'queue_config', 'metadata_config', 'write_relabel_config']);
    for (const s of endpoint.body) {
      if (UNTRANSLATED_AUTH.includes(s.name)) ctx.untranslated(s.pos.line, display, `endpoint > ${s.name} authentication is not translated`);
      else if (!known.has(s.name)) ctx.untranslated(s.pos.line, display, `endpoint > ${s.name} is not translated`);
    }
    entries.push(entry);
  }

  let externalLabels: Record<string, unknown> | undefined;
  const labelsAttr = body.attr('external_labels');
  if (labelsAttr) {
    const v = ctx.plain(labelsAttr, { block: display, what: 'external_labels' });
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) externalLabels = v as Record<string, unknown>;
  }
  for (const s of c.block.body) {
    if (s.kind === 'block' && s.name === 'wal') ctx.info(s.pos.line, display, 'wal is not needed: Pharos buffers remote write on disk itself (remote_write buffer settings)');
    else if (s.name !== 'endpoint' && s.name !== 'external_labels') ctx.untranslated(s.pos.line, display, `${s.name} is not translated`);
  }
  if (!body.blocks('endpoint').length) ctx.info(c.block.pos.line, display, 'has no endpoint blocks: nothing to send to');
  return { component: c, entries, externalLabels, externalLabelsLine: labelsAttr?.pos.line ?? c.block.pos.line };
}

function copySettings(ctx: ConvertContext, body: Body, display: string, where: string, settings: ReadonlyArray<readonly [string, Kind]>, out: Record<string, unknown>): Record<string, unknown> {
  const names = new Set(settings.map(([n]) => n));
  for (const [name, kind] of settings) {
    const attr = body.attr(name);
    if (!attr) continue;
    const site = { block: display, what: `${where}${name}` };
    const v = kind === 'duration' ? ctx.duration(attr, site) : kind === 'string' ? ctx.string(attr, site) : kind === 'bool' ? ctx.bool(attr, site) : ctx.plain(attr, site);
    if (v !== undefined) out[name] = v;
  }
  if (where !== 'endpoint > ') {
    for (const s of body.block.body) if (!names.has(s.name)) ctx.untranslated(s.pos.line, display, `${where}${s.name} is not translated`);
  }
  return out;
}
