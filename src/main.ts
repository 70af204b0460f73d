/**
 * @module Wiring only: builds every component from the configuration, connects them, and starts
 * and stops them in order (storage first up, last down). The only module that knows them all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ListenAddress, PharosConfig } from './config/index.ts';
import { SETTINGS } from './config/index.ts';
import type { Logger } from './log.ts';
import { createApiHandler } from './api/v1/index.ts';
import { createWebUiHandler } from './api/web-ui.ts';
import { createRemoteWriteHandler, RemoteWriteReceiverMetrics } from './receive/remote-write/index.ts';
import { createOtlpHttpHandler, DEFAULT_OTLP_HTTP_PATHS, InflightBudget, OtlpReceiverMetrics, startOtlpGrpcServer, type OtlpGrpcServer, type OtlpIngestDeps } from './receive/otlp/index.ts';
import { openDb } from './tsdb/index.ts';
import { fanoutAppendable, parseRemoteWriteConfigs, RemoteWriteConfigError, RemoteWriteQueue, remoteWriteQueueDirName } from './remote/index.ts';
import { ConfigError } from './config/index.ts';
import { dirname, join } from 'node:path';
import { createTargetsHandler, HttpScraper, parseGlobalConfig, parseScrapeConfigs, ScrapeConfigError, ScrapeManager, type ScrapeConfig } from './receive/scrape/index.ts';
import { HOST_METRICS_JOB, hostMetricsScrapeConfig, HostMetricsScraper } from './receive/host/index.ts';
import type { Appendable } from './storage/index.ts';
import { SeriesLimiter } from './storage/series-limits.ts';
import { parseRelabelConfigs, RelabelConfigError, relabelAppendable } from './relabel/index.ts';
import { OtlpTranslator } from './translate/otlp/index.ts';
import { VERSION } from './version.ts';

/** A started Pharos; `stop()` shuts down gracefully and flushes. */
export interface RunningPharos {
  /** Bound addresses, by component (null when disabled). */
  readonly addresses: { http: string | null; otlpGrpc: string | null; otlpHttp: string | null };
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const STALE_SWEEP_INTERVAL_MS = 5_000;

/** Starts every component described by `config`. */
export async function startPharos(config: PharosConfig, log: Logger): Promise<RunningPharos> {
  mkdirSync(config.dataDir, { recursive: true });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let ready = false;

  const remoteWriteConfigs = parseSection(() => parseRemoteWriteConfigs(config.prometheus.remoteWrite ?? [], 'remote_write'));
  const scrapeConfigs = parseSection(() => scrapeJobs(config));
  const global = parseSection(() => parseGlobalConfig(config.prometheus.global));
  const st = config.storage;
  // Cardinality limits sit in the store's door: the head asks before it creates a series.
  const limits = { maxSeries: st.maxSeries, maxSeriesPerMetric: st.maxSeriesPerMetric, maxSeriesPerService: st.maxSeriesPerService };
  const seriesLimiter = limits.maxSeries > 0 || limits.maxSeriesPerMetric > 0 || limits.maxSeriesPerService > 0 ? new SeriesLimiter(limits, { logger: log.child('tsdb'), registry }) : undefined;
  const db = await openDb({
    dir: config.dataDir,
    logger: log.child('tsdb'),
    fsync: st.walFsync,
    retentionTimeMs: st.retentionTimeMs,
    retentionBytes: st.retentionBytes,
    outOfOrderTimeWindowMs: st.outOfOrderTimeWindowMs,
    readCacheBytes: st.readCacheBytes,
    ...(seriesLimiter ? { seriesLimiter } : {}),
  });
  // Every write path appends through here: the local store first, then each remote's disk buffer.
  const queues: RemoteWriteQueue[] = [];
  for (const c of remoteWriteConfigs) {
    queues.push(await RemoteWriteQueue.open({ config: c, dir: join(config.dataDir, 'remote-write', remoteWriteQueueDirName(c)), registry, logger: log.child('remote-write-out'), externalLabels: global.externalLabels }));
  }
  const appendable: Appendable = queues.length > 0 ? fanoutAppendable(db, queues, log.child('remote-write-out')) : db;
  const translator = await OtlpTranslator.open(translatorOptions(config), config.dataDir);
  const receiverMetrics = new OtlpReceiverMetrics(registry);
  const otlpRelabel = parseSection(() => parseRelabelConfigs(config.otlp.metricRelabelConfigs ?? [], 'otlp.metric_relabel_configs'));
  const ingestDeps: OtlpIngestDeps = { appendable: relabelAppendable(appendable, otlpRelabel), translator, metrics: receiverMetrics, log: log.child('otlp') };
  const inflight = new InflightBudget(config.otlp.maxInflightBytes, (used) => receiverMetrics.inflightBytes.set(used));
  const otlpHttpOptions = { maxRequestBodyBytes: config.otlp.httpMaxRequestBodySize, inflight };

  const scrapeManager = new ScrapeManager({
    appendable,
    logger: log.child('scrape'),
    registry,
    externalLabels: global.externalLabels,
    newScraper: (c) => (config.hostMetrics.enabled && c.jobName === HOST_METRICS_JOB ? new HostMetricsScraper({ logger: log.child('host-metrics') }) : new HttpScraper(c)),
  });

  const api = createApiHandler({
    queryable: db,
    registry,
    ready: () => ready,
    lookbackDeltaMs: config.query.lookbackDeltaMs,
    queryTimeoutMs: config.query.timeoutMs,
    queryMaxSamples: config.query.maxSamples,
    version: VERSION,
    metadata: () => db.metadata(),
    status: {
      settings: config.effective,
      flagNames: new Map(SETTINGS.map((s) => [s.key, s.flag])),
      startTime: new Date(),
      tsdb: (limit) => db.cardinality(limit),
    },
    ...(config.web.enableAdminApi ? { admin: db } : {}),
  });
  // Prometheus 3 serves OTLP/HTTP on its API port; exporters configured for it work here too.
  const otlpAlias = createOtlpHttpHandler(ingestDeps, { ...otlpHttpOptions, paths: { '/api/v1/otlp/v1/metrics': 'metrics' } });
  const otlpHttp = createOtlpHttpHandler(ingestDeps, { ...otlpHttpOptions, paths: DEFAULT_OTLP_HTTP_PATHS });

  const servers: Server[] = [];
  let grpcServer: OtlpGrpcServer | null = null;
  const addresses: { http: string | null; otlpGrpc: string | null; otlpHttp: string | null } = { http: null, otlpGrpc: null, otlpHttp: null };
  try {
    if (config.httpListen) {
      const handlers = [otlpAlias, createTargetsHandler(scrapeManager), api, createWebUiHandler()];
      if (config.remoteWriteReceiver.enabled) {
        handlers.unshift(createRemoteWriteHandler({ appendable, logger: log.child('remote-write'), maxBodyBytes: config.remoteWriteReceiver.maxRequestBodySize, metrics: new RemoteWriteReceiverMetrics(registry) }));
      }
      const s = await listenHttp(config.httpListen, handlers, log);
      servers.push(s);
      addresses.http = formatAddress(s.address() as AddressInfo);
    }
    if (config.otlp.httpListen) {
      const s = await listenHttp(config.otlp.httpListen, [otlpHttp], log);
      servers.push(s);
      addresses.otlpHttp = formatAddress(s.address() as AddressInfo);
    }
    if (config.otlp.grpcListen) {
      grpcServer = await startOtlpGrpcServer(config.otlp.grpcListen, ingestDeps, { maxRecvMsgBytes: config.otlp.grpcMaxRecvMsgSize, inflight });
      addresses.otlpGrpc = `${config.otlp.grpcListen.host}:${grpcServer.port}`;
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    await grpcServer?.close(0);
    await Promise.all(queues.map((q) => q.close(0)));
    await db.close();
    throw err;
  }

  try {
    await scrapeManager.applyConfig(scrapeConfigs);
  } catch (err) {
    // A job whose HTTP client cannot be built (a missing CA file) is logged and left out; the others run.
    log.error('some scrape jobs did not start', { err: err as Error });
  }

  const sweeper = setInterval(() => {
    translator.sweepStale(ingestDeps.appendable, Date.now()).catch((err: Error) => log.warn('stale sweep failed', { err }));
  }, STALE_SWEEP_INTERVAL_MS);
  sweeper.unref();
  ready = true;
  log.info('Pharos started', { version: VERSION, data_dir: config.dataDir, http: addresses.http ?? 'off', otlp_grpc: addresses.otlpGrpc ?? 'off', otlp_http: addresses.otlpHttp ?? 'off' });

  let stopping: Promise<void> | null = null;
  return {
    addresses,
    stop: () =>
      (stopping ??= (async () => {
        ready = false;
        clearInterval(sweeper);
        log.info('shutting down: draining receivers');
        await Promise.all([...servers.map(closeServer), grpcServer?.close(), scrapeManager.stop()]);
        if (queues.length > 0) log.info('shutting down: flushing remote write queues');
        await Promise.all(queues.map((q) => q.close(config.storage.remoteFlushDeadlineMs)));
        await db.close();
        log.info('shutdown complete');
      })()),
  };
}

/** Runs a section parser; its errors become configuration errors. */
function parseSection<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RemoteWriteConfigError || err instanceof ScrapeConfigError || err instanceof RelabelConfigError) throw new ConfigError(err.message, { cause: err });
    throw err;
  }
}

/** The file's scrape_configs, plus the host metrics job when host_metrics.enabled. */
function scrapeJobs(config: PharosConfig): ScrapeConfig[] {
  const baseDir = config.configFile === null ? undefined : dirname(config.configFile);
  const jobs = parseScrapeConfigs(config.prometheus.scrapeConfigs, config.prometheus.global, 'scrape_configs', { baseDir });
  if (!config.hostMetrics.enabled) return jobs;
  if (jobs.some((j) => j.jobName === HOST_METRICS_JOB)) {
    throw new ConfigError(`scrape_configs: job_name ${JSON.stringify(HOST_METRICS_JOB)} is taken by host_metrics.enabled; rename the job or switch host_metrics off`);
  }
  return [...jobs, hostMetricsScrapeConfig(config.hostMetrics.intervalMs, parseGlobalConfig(config.prometheus.global))];
}

function translatorOptions(config: PharosConfig) {
  const o = config.otlp;
  return {
    translationStrategy: o.translationStrategy,
    namespace: o.namespace,
    resourceAttributes: o.resourceToTelemetryConversion ? ('all' as const) : o.promoteResourceAttributes.length ? [...o.promoteResourceAttributes] : ('none' as const),
    ignoreResourceAttributes: [...o.ignoreResourceAttributes],
    scopeLabels: o.scopeLabels,
    targetInfo: o.targetInfo,
    delta: o.delta,
    startTimeZeroInjection: o.startTimeZeroInjection,
    staleAfterMissedExports: o.staleAfterMissedExports,
  };
}

function listenHttp(listen: ListenAddress, handlers: Handler[], log: Logger): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000 }, (req, res) => {
    route(req, res, handlers).catch((err: Error) => {
      log.error('HTTP handler failed', { url: req.url ?? '', err });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end('internal error\n');
      else res.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    log.debug('HTTP client error', { err });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${listen.host}:${listen.port}: ${err.code ?? err.message}`, { cause: err })));
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: Handler[]): Promise<void> {
  for (const h of handlers) if (await h(req, res)) return;
  req.resume();
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Connections still busy after the grace period are cut so shutdown cannot hang.
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}

function formatAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
