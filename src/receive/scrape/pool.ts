/**
 * @module The scrape pool of one job (Prometheus scrape.go scrapePool): its target groups
 * (static_configs plus file_sd), the targets built from them, and one loop per target, kept in
 * step as discovery and configuration change.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log.ts';
import { labelsKey, type Labels } from '../../model/labels.ts';
import type { Appendable } from '../../storage/interface.ts';
import type { ScrapeConfig, TargetGroup } from './config.ts';
import { FileDiscovery } from './file-sd.ts';
import { HttpScraper } from './http-scraper.ts';
import { ScrapeLoop, writerOptions, type Scraper } from './loop.ts';
import type { SeriesWriter } from './series-writer.ts';
import type { ScrapeMetrics } from './metrics.ts';
import { targetsFromGroup, type Target } from './target.ts';

/** What a pool needs from its manager. */
export interface ScrapePoolDeps {
  readonly appendable: Appendable;
  readonly metrics: ScrapeMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly offsetSeed: bigint;
  /** Builds the HTTP side of a job; HttpScraper by default (tests may fake it). */
  readonly newScraper?: (cfg: ScrapeConfig) => Scraper & { close(): void };
}

/** One job's targets and loops. */
export class ScrapePool {
  #config: ScrapeConfig;
  readonly #deps: ScrapePoolDeps;
  readonly #log: Logger;
  #scraper: Scraper & { close(): void };
  #discoveries: FileDiscovery[] = [];
  /** Loops by target key (labels + URL), in discovery order. */
  #loops = new Map<string, ScrapeLoop>();
  #dropped: Labels[] = [];
  /** Loops stopped with end-of-run staleness markers still to write. */
  readonly #stopping = new Set<ScrapeLoop>();
  #closed = false;

  private constructor(config: ScrapeConfig, deps: ScrapePoolDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#log = deps.logger;
    this.#scraper = (deps.newScraper ?? ((c) => new HttpScraper(c)))(config);
  }

  /** Builds the pool: its HTTP client (reads TLS files; throws if one is missing), first file_sd read, loops. */
  static async create(config: ScrapeConfig, deps: ScrapePoolDeps): Promise<ScrapePool> {
    const pool = new ScrapePool(config, deps);
    await pool.#startDiscoveries(config);
    pool.sync();
    return pool;
  }

  get config(): ScrapeConfig {
    return this.#config;
  }

  /** Active targets with their loops, in discovery order. */
  loops(): ScrapeLoop[] {
    return [...this.#loops.values()];
  }

  /** Discovered labels of targets that relabelling dropped. */
  dropped(): readonly Labels[] {
    return this.#dropped;
  }

  /**
   * Rebuilds the targets from the current groups: loops of unchanged targets keep running, new
   * targets get a loop, and loops of vanished targets stop with staleness markers.
   */
  sync(): void {
    if (this.#closed) return;
    const t0 = performance.now();
    const { active, dropped } = this.#buildTargets(this.#config);
    for (const [key, loop] of this.#loops) {
      if (active.has(key)) continue;
      this.#loops.delete(key);
      void this.#retire(loop);
    }
    const loops = new Map<string, ScrapeLoop>();
    for (const [key, target] of active) {
      let loop = this.#loops.get(key);
      if (!loop) {
        loop = this.#newLoop(target);
        loop.start();
      }
      loops.set(key, loop);
    }
    this.#loops = loops;
    this.#dropped = dropped;
    this.#report(t0);
  }

  /**
   * Applies a changed configuration of the same job. When only target discovery changed
   * (static_configs, file_sd_configs, relabel_configs), this is a sync: loops of unchanged targets
   * keep running. When scraping changed, every loop restarts; targets that stay keep their series
   * state if only the interval, timeout, sample limit or HTTP settings changed (no staleness
   * markers, no gap), otherwise their old loop ends with staleness markers and a fresh one starts.
   * Throws, leaving the pool as it was, when the new HTTP client cannot be built.
   */
  async reload(config: ScrapeConfig): Promise<void> {
    const t0 = performance.now();
    const old = this.#config;
    const loopsChange = fingerprint(old, DISCOVERY_FIELDS) !== fingerprint(config, DISCOVERY_FIELDS);
    const newScraper = loopsChange ? (this.#deps.newScraper ?? ((c) => new HttpScraper(c)))(config) : null;
    this.#config = config;
    if (JSON.stringify(old.fileSdConfigs) !== JSON.stringify(config.fileSdConfigs)) {
      for (const d of this.#discoveries) d.stop();
      this.#discoveries = [];
      await this.#startDiscoveries(config);
    }
    if (newScraper === null) {
      this.sync();
      return;
    }

    const reusable = fingerprint(old, REUSABLE_FIELDS) === fingerprint(config, REUSABLE_FIELDS);
    const { active, dropped } = this.#buildTargets(config);
    const byIdentity = new Map<string, ScrapeLoop>();
    for (const loop of this.#loops.values()) byIdentity.set(identity(loop.target), loop);

    const oldScraper = this.#scraper;
    this.#scraper = newScraper;
    const loops = new Map<string, ScrapeLoop>();
    const handovers: Array<Promise<void>> = [];
    for (const [key, target] of active) {
      const prev = reusable ? byIdentity.get(identity(target)) : undefined;
      if (prev) {
        byIdentity.delete(identity(target));
        // Stop the old loop first, then continue its series state in the new one.
        const loop = this.#newLoop(target, prev.writer);
        loops.set(key, loop);
        handovers.push(prev.stop({ staleness: false }).then(() => {
          prev.writer.reconfigure(writerOptions(config));
          if (!this.#closed) loop.start();
        }));
      } else {
        const loop = this.#newLoop(target);
        loops.set(key, loop);
        loop.start();
      }
    }
    for (const loop of byIdentity.values()) void this.#retire(loop);
    this.#loops = loops;
    this.#dropped = dropped;
    await Promise.all(handovers);
    oldScraper.close();
    this.#report(t0);
  }

  /** The job is gone: stops every loop; staleness markers follow about two intervals later. */
  async stop(): Promise<void> {
    this.#closed = true;
    for (const d of this.#discoveries) d.stop();
    const loops = [...this.#loops.values()];
    this.#loops.clear();
    this.#dropped = [];
    this.#deps.metrics.poolTargets.remove(this.#config.jobName);
    this.#deps.metrics.discoveredTargets.remove(this.#config.jobName, 'scrape');
    await Promise.all(loops.map((l) => this.#retire(l)));
  }

  /** Shutdown: aborts scrapes in flight and pending staleness markers, closes connections. */
  async abort(): Promise<void> {
    this.#closed = true;
    for (const d of this.#discoveries) d.stop();
    const loops = [...this.#loops.values(), ...this.#stopping];
    this.#loops.clear();
    this.#stopping.clear();
    await Promise.all(loops.map((l) => l.abort()));
    this.#scraper.close();
  }

  /** Resolves once every retired loop has written its staleness markers (tests). */
  async settled(): Promise<void> {
    while (this.#stopping.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  async #startDiscoveries(config: ScrapeConfig): Promise<void> {
    this.#discoveries = config.fileSdConfigs.map((c) => new FileDiscovery(c, {
      logger: this.#log,
      metrics: this.#deps.metrics,
      onUpdate: () => this.sync(),
    }));
    await Promise.all(this.#discoveries.map((d) => d.start()));
  }

  #buildTargets(config: ScrapeConfig): { active: Map<string, Target>; dropped: Labels[] } {
    const groups: TargetGroup[] = [...config.staticConfigs];
    for (const d of this.#discoveries) groups.push(...d.groups());
    const active = new Map<string, Target>();
    const dropped: Labels[] = [];
    let discovered = 0;
    for (const g of groups) {
      for (const r of targetsFromGroup(g, config)) {
        discovered++;
        if (r.kind === 'active') {
          if (!active.has(r.target.key)) active.set(r.target.key, r.target); // duplicates share one loop
        } else if (r.kind === 'dropped') dropped.push(r.discoveredLabels);
        else {
          this.#deps.metrics.targetsCreationFailed.labels(config.jobName).inc();
          this.#log.error('Creating target failed', { scrape_pool: config.jobName, err: r.error });
        }
      }
    }
    this.#deps.metrics.discoveredTargets.labels(config.jobName, 'scrape').set(discovered);
    return { active, dropped };
  }

  /** A loop for `target`, continuing `writer`'s series state when given. */
  #newLoop(target: Target, writer?: SeriesWriter): ScrapeLoop {
    const d = this.#deps;
    return new ScrapeLoop({ target, config: this.#config, scraper: this.#scraper, appendable: d.appendable, metrics: d.metrics, logger: d.logger, now: d.now, offsetSeed: d.offsetSeed, writer });
  }

  /** Stops a loop whose target is gone; its staleness markers are written in the background. */
  async #retire(loop: ScrapeLoop): Promise<void> {
    this.#stopping.add(loop);
    try {
      const { staleMarkers } = await loop.stop({ staleness: true });
      await staleMarkers;
    } finally {
      this.#stopping.delete(loop);
    }
  }

  #report(t0: number): void {
    const m = this.#deps.metrics;
    const job = this.#config.jobName;
    m.poolTargets.labels(job).set(this.#loops.size);
    m.poolSyncs.labels(job).inc();
    m.syncLength.labels(job).observe((performance.now() - t0) / 1000);
  }
}

/** A target's identity across a reload: the labels its series carry and where it is scraped. */
function identity(t: Target): string {
  return labelsKey(t.publicLabels) + '\xff' + t.url;
}

/** Fields that only decide which targets exist, not how they are scraped. */
const DISCOVERY_FIELDS: ReadonlySet<keyof ScrapeConfig> = new Set(['staticConfigs', 'fileSdConfigs', 'relabelConfigs']);

/**
 * Fields that may change while a target keeps its series state (Prometheus reusableCache /
 * zeroConfig: interval, timeout, sample limit, HTTP client settings), plus the discovery fields.
 */
const REUSABLE_FIELDS: ReadonlySet<keyof ScrapeConfig> = new Set([
  ...DISCOVERY_FIELDS, 'scrapeIntervalMs', 'scrapeTimeoutMs', 'sampleLimit', 'auth', 'tls', 'followRedirects', 'enableCompression', 'bodySizeLimitBytes',
]);

/** The config without `ignore`d fields, as comparable text (regexes compare by source). */
function fingerprint(c: ScrapeConfig, ignore: ReadonlySet<keyof ScrapeConfig>): string {
  return JSON.stringify(c, function (this: unknown, key: string, value: unknown) {
    return this === c && ignore.has(key as keyof ScrapeConfig) ? undefined : value; // top-level fields only
  });
}
