/**
 * @module The shape of Prometheus' GET /api/v1/targets `data` (web/api/v1/api.go Target,
 * DroppedTarget, TargetDiscovery) and the globalUrl rule that goes with it.
 */
import type { TargetHealth } from './loop.ts';

/** The `state` query parameter. */
export type TargetState = 'active' | 'dropped' | 'any';

/** One active target as the API shows it. */
export interface ActiveTarget {
  /** Labels before relabelling. */
  readonly discoveredLabels: Record<string, string>;
  /** Labels every series of the target gets. */
  readonly labels: Record<string, string>;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  /** scrapeUrl with a loopback host replaced by this server's external host. */
  readonly globalUrl: string;
  readonly lastError: string;
  /** RFC 3339 as Go prints it; `0001-01-01T00:00:00Z` before the first scrape. */
  readonly lastScrape: string;
  /** Seconds. */
  readonly lastScrapeDuration: number;
  readonly health: TargetHealth;
  /** As in `__scrape_interval__` (`15s`, `1m`). */
  readonly scrapeInterval: string;
  readonly scrapeTimeout: string;
}

/** A target relabelling dropped. */
export interface DroppedTarget {
  readonly discoveredLabels: Record<string, string>;
  readonly scrapePool: string;
}

/** The `data` object of /api/v1/targets. */
export interface TargetsData {
  readonly activeTargets: ActiveTarget[];
  readonly droppedTargets: DroppedTarget[];
  /** Dropped targets per pool; null when dropped targets were not asked for (as Prometheus' nil map). */
  readonly droppedTargetCounts: Record<string, number> | null;
}

/** What the targets endpoint reads (Prometheus TargetRetriever). */
export interface TargetRetriever {
  targets(state?: TargetState | string, scrapePool?: string): TargetsData;
}

/** Prometheus GlobalURLOptions: how this server is reached from outside. */
export interface GlobalUrlOptions {
  /** The address the server listens on (`host:port`), to recognise self-scrapes. */
  readonly listenAddress: string;
  /** The external `host:port`. */
  readonly host: string;
  /** The external scheme. */
  readonly scheme: string;
}

const LOCALHOST = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Prometheus getGlobalURL: a target on a loopback address is not reachable from elsewhere, so
 * its host is replaced by this server's external host (and for a self-scrape, also the scheme
 * and port). Other URLs, and every URL when `opts` is absent, are returned unchanged.
 */
export function globalUrl(scrapeUrl: string, opts: GlobalUrlOptions | undefined): string {
  if (!opts) return scrapeUrl;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d+))?(.*)$/i.exec(scrapeUrl);
  if (!m) return scrapeUrl;
  const [, scheme, rawHost, port, rest] = m;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (!LOCALHOST.has(host)) return scrapeUrl;
  const ownPort = /:(\d+)$/.exec(opts.listenAddress)?.[1];
  if (port !== undefined && port === ownPort) return `${opts.scheme}://${opts.host}${rest}`;
  const extHost = opts.host.replace(/:\d+$/, '');
  return `${scheme}://${extHost}${port !== undefined ? ':' + port : ''}${rest}`;
}
