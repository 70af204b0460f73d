/**
 * @module Scrape targets from target groups, exactly as Prometheus builds them
 * (scrape/target.go TargetsFromGroup, PopulateLabels, Target.URL, Target.offset).
 *
 * Provenance: ported from prometheus/prometheus scrape/target.go (Apache-2.0).
 */
import { labelsFrom, labelsKey, labelValue, type Label, type Labels } from '../../model/labels.ts';
import { relabel } from '../../relabel/index.ts';
import { checkTargetAddress, type ScrapeConfig, type TargetGroup } from './config.ts';
import { formatDuration, parseDuration } from '../../model/duration.ts';

/** Reserved label names (prometheus/common model). */
export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';
export const META_LABEL_PREFIX = '__meta_';
export const RESERVED_LABEL_PREFIX = '__';
export const JOB_LABEL = 'job';
export const INSTANCE_LABEL = 'instance';

/** One target to scrape. Immutable; safe across await. */
export interface Target {
  /** The job it belongs to. */
  readonly scrapePool: string;
  /** Labels after relabelling, `__meta_*` removed but other `__` labels kept (Prometheus Target.labels). Sorted. */
  readonly labels: Labels;
  /** `labels` without `__` names: what every scraped series gets (Prometheus Target.Labels()). */
  readonly publicLabels: Labels;
  /** Labels before relabelling (discovered plus job/scheme/path/interval/timeout/params). */
  readonly discoveredLabels: Labels;
  /** The URL scraped, as Prometheus prints it. */
  readonly url: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Identity: equal labels and URL make the same target (Prometheus Target.hash()). */
  readonly key: string;
}

/** What becomes of one discovered address. */
export type TargetResult =
  | { readonly kind: 'active'; readonly target: Target }
  | { readonly kind: 'dropped'; readonly discoveredLabels: Labels }
  | { readonly kind: 'failed'; readonly error: string };

/**
 * Turns every address of `group` into a target of `cfg`'s job: the target's own labels, then the
 * group's, then the job defaults, relabelled with `relabel_configs`. Order follows the group.
 */
export function targetsFromGroup(group: TargetGroup, cfg: ScrapeConfig): TargetResult[] {
  const out: TargetResult[] = [];
  group.targets.forEach((address, i) => {
    const pairs: Array<[string, string]> = group.labels.map((l) => [l.name, l.value]);
    pairs.push([ADDRESS_LABEL, address]); // the target's own labels win over the group's
    const r = populateLabels(labelsFrom(pairs), cfg);
    out.push(r.kind === 'failed' ? { kind: 'failed', error: `instance ${i} in group ${group.source}: ${r.error}` } : r);
  });
  return out;
}

/**
 * Prometheus PopulateLabels: adds job, `__scheme__`, `__metrics_path__`, `__scrape_interval__`,
 * `__scrape_timeout__` where absent and `__param_<name>` for each param, relabels, then checks
 * the address, interval and timeout, drops `__meta_*` and defaults `instance` to the address.
 * A target whose relabelled public labels are empty is dropped. Prometheus 3 behaviour: no
 * default port is added to the address.
 */
export function populateLabels(base: Labels, cfg: ScrapeConfig): TargetResult {
  const m = new Map<string, string>();
  for (const l of base) m.set(l.name, l.value);
  const setDefault = (name: string, value: string) => {
    if (!m.get(name)) m.set(name, value);
  };
  setDefault(JOB_LABEL, cfg.jobName);
  setDefault(SCRAPE_INTERVAL_LABEL, formatDuration(cfg.scrapeIntervalMs));
  setDefault(SCRAPE_TIMEOUT_LABEL, formatDuration(cfg.scrapeTimeoutMs));
  setDefault(METRICS_PATH_LABEL, cfg.metricsPath);
  setDefault(SCHEME_LABEL, cfg.scheme);
  for (const [k, v] of Object.entries(cfg.params)) if (v.length > 0) m.set(PARAM_LABEL_PREFIX + k, v[0]);
  const discoveredLabels = labelsFrom(m);

  const relabelled = relabel(discoveredLabels, cfg.relabelConfigs);
  if (relabelled === null) return { kind: 'dropped', discoveredLabels };
  const address = labelValue(relabelled, ADDRESS_LABEL);
  if (address === '') return { kind: 'failed', error: 'no address' };
  const badAddress = checkTargetAddress(address);
  if (badAddress) return { kind: 'failed', error: badAddress };

  const interval = labelValue(relabelled, SCRAPE_INTERVAL_LABEL);
  const intervalMs = parseDuration(interval);
  if (intervalMs === null) return { kind: 'failed', error: `error parsing scrape interval: not a valid duration string: ${JSON.stringify(interval)}` };
  if (intervalMs === 0) return { kind: 'failed', error: 'scrape interval cannot be 0' };
  const timeout = labelValue(relabelled, SCRAPE_TIMEOUT_LABEL);
  const timeoutMs = parseDuration(timeout);
  if (timeoutMs === null) return { kind: 'failed', error: `error parsing scrape timeout: not a valid duration string: ${JSON.stringify(timeout)}` };
  if (timeoutMs === 0) return { kind: 'failed', error: 'scrape timeout cannot be 0' };
  if (timeoutMs > intervalMs) return { kind: 'failed', error: `scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})` };

  const kept: Label[] = [];
  let hasInstance = false;
  for (const l of relabelled) {
    if (l.name.startsWith(META_LABEL_PREFIX)) continue;
    if (l.name === INSTANCE_LABEL) hasInstance = true;
    kept.push(l);
  }
  if (!hasInstance) {
    kept.push({ name: INSTANCE_LABEL, value: address });
    kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const publicLabels = kept.filter((l) => !l.name.startsWith(RESERVED_LABEL_PREFIX));
  // Prometheus keeps targets whose public labels are empty out of the active set.
  if (publicLabels.length === 0) return { kind: 'dropped', discoveredLabels };
  const url = targetUrl(kept, cfg.params);
  return {
    kind: 'active',
    target: { scrapePool: cfg.jobName, labels: kept, publicLabels, discoveredLabels, url, intervalMs, timeoutMs, key: labelsKey(kept) + '\xff' + url },
  };
}

/**
 * The scrape URL of a target (Prometheus Target.URL): scheme, address and path from the labels,
 * the job's params with `__param_<name>` replacing each first value, query sorted by name.
 */
export function targetUrl(labels: Labels, params: Readonly<Record<string, readonly string[]>>): string {
  const q = new Map<string, string[]>();
  for (const [k, v] of Object.entries(params)) q.set(k, [...v]);
  for (const l of labels) {
    if (!l.name.startsWith(PARAM_LABEL_PREFIX)) continue;
    const k = l.name.slice(PARAM_LABEL_PREFIX.length);
    const vs = q.get(k);
    if (vs && vs.length > 0) vs[0] = l.value;
    else q.set(k, [l.value]);
  }
  let query = '';
  for (const k of [...q.keys()].sort()) {
    for (const v of q.get(k)!) query += (query === '' ? '' : '&') + goQueryEscape(k) + '=' + goQueryEscape(v);
  }
  let path = labelValue(labels, METRICS_PATH_LABEL);
  if (path !== '' && !path.startsWith('/')) path = '/' + path;
  return `${labelValue(labels, SCHEME_LABEL)}://${labelValue(labels, ADDRESS_LABEL)}${goPathEscape(path)}${query === '' ? '' : '?' + query}`;
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/;
const PATH_SAFE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;
const utf8 = new TextEncoder();

function escapeWith(s: string, safe: RegExp, spaceAsPlus: boolean): string {
  let out = '';
  for (const ch of s) {
    if (safe.test(ch)) out += ch;
    else if (spaceAsPlus && ch === ' ') out += '+';
    else for (const b of utf8.encode(ch)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go url.QueryEscape: everything but [A-Za-z0-9-_.~] is %XX, space is `+`. */
function goQueryEscape(s: string): string {
  return escapeWith(s, UNRESERVED, true);
}

/** Go url.URL.EscapedPath for a path without a raw form. */
function goPathEscape(s: string): string {
  return escapeWith(s, PATH_SAFE, false);
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64 of the UTF-8 bytes of `s` (Go hash/fnv New64a). */
export function fnv64a(s: string): bigint {
  let h = FNV64_OFFSET;
  for (const b of utf8.encode(s)) {
    h ^= BigInt(b);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

/**
 * How long to wait before a target's first scrape (Prometheus Target.offset): a point within the
 * interval fixed by the target's hash and `seed`, pinned to absolute time so every restart and
 * every Prometheus with the same seed scrapes the target at the same phase, and targets spread
 * evenly over the interval. `nowMs` is the wall clock; returns ms in (0, interval].
 */
export function scrapeOffsetMs(target: Pick<Target, 'key'>, intervalMs: number, seed: bigint, nowMs: number): number {
  const interval = BigInt(Math.max(1, Math.round(intervalMs)));
  const base = interval - (BigInt(Math.floor(nowMs)) % interval);
  const offset = (fnv64a(target.key) ^ seed) % interval;
  let next = base + offset;
  if (next > interval) next -= interval;
  return Number(next);
}
