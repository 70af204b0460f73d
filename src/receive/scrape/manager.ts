/**
 * @module The scrape manager (Prometheus scrape.Manager): one pool per job, reloaded in place
 * when the configuration changes, and the /api/v1/targets view of every target.
 */
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { Logger } from '../../log.ts';
import { labelsToObject, labelValue, type Labels } from '../../model/labels.ts';
import type { Appendable } from '../../storage/interface.ts';
import type { ScrapeConfig } from './config.ts';
import type { Scraper } from './loop.ts';
import { ScrapeMetrics } from './metrics.ts';
import { ScrapePool } from './pool.ts';
import { fnv64a, SCRAPE_INTERVAL_LABEL, SCRAPE_TIMEOUT_LABEL } from './target.ts';
import { globalUrl, type ActiveTarget, type DroppedTarget, type GlobalUrlOptions, type TargetRetriever, type TargetsData, type TargetState } from './targets-view.ts';

/** What a ScrapeManager needs. */
export interface ScrapeManagerOptions {
  /** Where scraped samples go; one appender per scrape. */
  readonly appendable: Appendable;
  readonly logger: Logger;
  /** Self-metrics (prometheus_target_*, prometheus_sd_*) are registered here. */
  readonly registry: Registry;
  /** Wall clock in ms for sample timestamps; Date.now by default. */
  readonly now?: () => number;
  /** `global.external_labels`: they seed the scrape offsets, as in Prometheus (they are not added to samples). */
  readonly externalLabels?: Labels;
  /** How this server is reached from outside, for `globalUrl` (Prometheus --web.external-url). */
  readonly globalUrl?: GlobalUrlOptions;
  /** Replaces the HTTP client of every job (tests). */
  readonly newScraper?: (cfg: ScrapeConfig) => Scraper & { close(): void };
}

/** Runs the scrape pools of the current configuration. */
export class ScrapeManager implements TargetRetriever {
  readonly #opts: ScrapeManagerOptions;
  readonly #metrics: ScrapeMetrics;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #offsetSeed: bigint;
  readonly #pools = new Map<string, ScrapePool>();
  /** Pools of removed jobs still writing their staleness markers. */
  readonly #retiring = new Set<ScrapePool>();
  /** Serialises applyConfig calls. */
  #applying: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(opts: ScrapeManagerOptions) {
    this.#opts = opts;
    this.#metrics = new ScrapeMetrics(opts.registry);
    this.#log = opts.logger;
    this.#now = opts.now ?? Date.now;
    // Prometheus Manager.setOffsetSeed: hostname and external labels, so HA pairs spread differently.
    this.#offsetSeed = fnv64a(hostname() + formatLabels(opts.externalLabels ?? []));
  }

  /**
   * Makes `configs` the running configuration. Jobs that are gone stop (their series get
   * staleness markers about two intervals later); new jobs start; changed jobs reload in place,
   * keeping the loops of targets that did not change. Waits for file_sd's first read. Rejects,
   * after applying everything else, when a job's HTTP client could not be built (e.g. a missing
   * `tls_config.ca_file`); that job keeps its previous configuration, or does not run.
   */
  applyConfig(configs: readonly ScrapeConfig[]): Promise<void> {
    const run = this.#applying.then(() => this.#apply(configs));
    this.#applying = run.catch(() => {});
    return run;
  }

  async #apply(configs: readonly ScrapeConfig[]): Promise<void> {
    if (this.#stopped) throw new Error('scrape manager is stopped');
    const wanted = new Map(configs.map((c) => [c.jobName, c]));
    for (const [job, pool] of this.#pools) {
      if (wanted.has(job)) continue;
      this.#pools.delete(job);
      this.#retiring.add(pool);
      void pool.stop().finally(() => this.#retiring.delete(pool));
    }
    const failures: string[] = [];
    for (const cfg of configs) {
      const pool = this.#pools.get(cfg.jobName);
      if (!pool) {
        this.#metrics.poolsTotal.inc();
        try {
          this.#pools.set(cfg.jobName, await ScrapePool.create(cfg, this.#poolDeps()));
        } catch (err) {
          failures.push(`error creating new scrape pool for job ${JSON.stringify(cfg.jobName)}: ${(err as Error).message}`);
        }
      } else if (JSON.stringify(pool.config) !== JSON.stringify(cfg)) {
        this.#metrics.poolReloads.inc();
        try {
          await pool.reload(cfg);
        } catch (err) {
          this.#metrics.poolReloadsFailed.inc();
          failures.push(`error reloading scrape pool for job ${JSON.stringify(cfg.jobName)}: ${(err as Error).message}`);
        }
      }
    }
    for (const f of failures) this.#log.error(f);
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  /**
   * Shuts down: aborts scrapes in flight and writes no staleness markers (a restart continues the
   * series, as with Prometheus). Resolves once no loop runs, so the store may close after it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#applying;
    const pools = [...this.#pools.values(), ...this.#retiring];
    this.#pools.clear();
    this.#retiring.clear();
    await Promise.all(pools.map((p) => p.abort()));
  }

  /** Resolves once every stopped target has written its staleness markers (tests). */
  async settled(): Promise<void> {
    await this.#applying;
    for (const p of [...this.#pools.values(), ...this.#retiring]) await p.settled();
    while (this.#retiring.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * The `data` of Prometheus' GET /api/v1/targets: active targets sorted by pool (then URL),
   * dropped targets in discovery order. `state` is 'active', 'dropped' or 'any' (anything else
   * shows neither, as in Prometheus); `scrapePool` keeps one job.
   */
  targets(state: TargetState | string = 'any', scrapePool?: string): TargetsData {
    const s = state.toLowerCase();
    const showActive = s === '' || s === 'any' || s === 'active';
    const showDropped = s === '' || s === 'any' || s === 'dropped';
    const jobs = [...this.#pools.keys()].filter((j) => scrapePool === undefined || scrapePool === '' || j === scrapePool).sort();
    const activeTargets: ActiveTarget[] = [];
    const droppedTargets: DroppedTarget[] = [];
    let droppedTargetCounts: Record<string, number> | null = null;
    if (showActive) {
      for (const job of jobs) {
        const loops = this.#pools.get(job)!.loops().sort((a, b) => (a.target.url < b.target.url ? -1 : a.target.url > b.target.url ? 1 : 0));
        for (const loop of loops) {
          const t = loop.target;
          activeTargets.push({
            discoveredLabels: labelsToObject(t.discoveredLabels),
            labels: labelsToObject(t.publicLabels),
            scrapePool: job,
            scrapeUrl: t.url,
            globalUrl: globalUrl(t.url, this.#opts.globalUrl),
            lastError: loop.lastError,
            lastScrape: formatGoTime(loop.lastScrapeMs),
            lastScrapeDuration: loop.lastScrapeDurationSeconds,
            health: loop.health,
            scrapeInterval: labelValue(t.labels, SCRAPE_INTERVAL_LABEL),
            scrapeTimeout: labelValue(t.labels, SCRAPE_TIMEOUT_LABEL),
          });
        }
      }
    }
    if (showDropped) {
      droppedTargetCounts = {};
      for (const job of jobs) {
        const dropped = this.#pools.get(job)!.dropped();
        droppedTargetCounts[job] = dropped.length;
        for (const d of dropped) droppedTargets.push({ discoveredLabels: labelsToObject(d), scrapePool: job });
      }
    }
    return { activeTargets, droppedTargets, droppedTargetCounts };
  }

  #poolDeps() {
    return { appendable: this.#opts.appendable, metrics: this.#metrics, logger: this.#log, now: this.#now, offsetSeed: this.#offsetSeed, newScraper: this.#opts.newScraper };
  }
}

/** Labels as Prometheus' labels.String() prints them: `{a="1", b="2"}`. */
function formatLabels(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

/**
 * A time as Go's encoding/json prints a time.Time (RFC 3339 with the fraction's trailing zeros
 * cut), in UTC; 0 is Go's zero time, which Prometheus shows for a target not scraped yet.
 */
export function formatGoTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.120Z
  return iso.replace(/\.?0*Z$/, 'Z');
}
