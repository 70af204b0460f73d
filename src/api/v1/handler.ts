/**
 * @module The Prometheus-compatible HTTP surface: routes /api/v1/*, /-/healthy, /-/ready and
 * /metrics to thin endpoints over the engine and the Queryable, and writes every error once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Engine } from '../../promql/engine.ts';
import type { Queryable } from '../../storage/interface.ts';
import { buildInfoEndpoint, type BuildInfo } from './buildinfo.ts';
import type { Endpoint } from './endpoint.ts';
import { exemplarsEndpoint } from './exemplars.ts';
import { labelNamesEndpoint, labelValuesEndpoint } from './labels.ts';
import { readForm } from './params.ts';
import { queryEndpoint, queryRangeEndpoint } from './query.ts';
import { ApiError, respondError, respondRaw, toApiError } from './respond.ts';
import { seriesEndpoint } from './series.ts';
import type { MetricMetadata } from '../../storage/interface.ts';
import { formatQueryEndpoint } from './format-query.ts';
import { metadataEndpoint } from './metadata.ts';
import { configEndpoint, flagsEndpoint, runtimeInfoEndpoint, tsdbStatusEndpoint, walReplayEndpoint, type StatusSource } from './status.ts';
import { cleanTombstonesEndpoint, deleteSeriesEndpoint, type TsdbAdmin } from './admin.ts';

/** The one part of a prom-client Registry the API reads. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** What the API reads; nothing more. */
export interface ApiDeps {
  readonly queryable: Queryable;
  /** Served at /metrics in the text exposition format. */
  readonly registry: MetricsSource;
  /** False until startup (e.g. WAL replay) is done; /-/ready answers 503 until then. */
  readonly ready: () => boolean;
  readonly lookbackDeltaMs?: number;
  readonly queryTimeoutMs?: number;
  /** Most samples one query may hold (Prometheus --query.max-samples). */
  readonly queryMaxSamples?: number;
  /** Shown by buildinfo. */
  readonly version: string;
  readonly build?: Omit<BuildInfo, 'version'>;
  /** The clock for the default `time` of instant queries (ms); tests pin it. */
  readonly now?: () => number;
  /** Metric metadata for /api/v1/metadata; none when absent. */
  readonly metadata?: () => ReadonlyMap<string, MetricMetadata>;
  /** Settings and head figures for /api/v1/status/*. */
  readonly status?: StatusSource;
  /** The TSDB admin API (delete_series, clean_tombstones); absent = disabled, as Prometheus without --web.enable-admin-api. */
  readonly admin?: TsdbAdmin;
}

/** A handler that answers its own paths and returns false for any other. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

interface Route {
  readonly endpoint: Endpoint;
  readonly methods: readonly string[];
}

const GET_POST = ['GET', 'POST'];
const GET = ['GET'];
const POST_PUT = ['POST', 'PUT'];
const LABEL_VALUES_RE = /^\/api\/v1\/label\/([^/]+)\/values$/;

/** Builds the API handler. Unknown /api/v1 paths get a JSON 404; other paths return false. */
export function createApiHandler(deps: ApiDeps): HttpHandler {
  const engine = new Engine(deps.queryable, { lookbackDeltaMs: deps.lookbackDeltaMs, timeoutMs: deps.queryTimeoutMs, maxSamples: deps.queryMaxSamples });
  const now = deps.now ?? Date.now;
  const status: StatusSource = deps.status ?? { settings: new Map(), flagNames: new Map(), startTime: new Date() };
  const routes = new Map<string, Route>([
    ['/api/v1/query', { endpoint: queryEndpoint(engine, now), methods: GET_POST }],
    ['/api/v1/query_range', { endpoint: queryRangeEndpoint(engine), methods: GET_POST }],
    ['/api/v1/series', { endpoint: seriesEndpoint(deps.queryable), methods: GET_POST }],
    ['/api/v1/labels', { endpoint: labelNamesEndpoint(deps.queryable), methods: GET_POST }],
    ['/api/v1/query_exemplars', { endpoint: exemplarsEndpoint(), methods: GET_POST }],
    ['/api/v1/status/buildinfo', { endpoint: buildInfoEndpoint({ ...deps.build, version: deps.version }), methods: GET }],
    ['/api/v1/metadata', { endpoint: metadataEndpoint(deps.metadata ?? (() => new Map())), methods: GET }],
    ['/api/v1/format_query', { endpoint: formatQueryEndpoint(), methods: GET_POST }],
    ['/api/v1/status/config', { endpoint: configEndpoint(status), methods: GET }],
    ['/api/v1/status/flags', { endpoint: flagsEndpoint(status), methods: GET }],
    ['/api/v1/status/runtimeinfo', { endpoint: runtimeInfoEndpoint(status), methods: GET }],
    ['/api/v1/status/tsdb', { endpoint: tsdbStatusEndpoint(deps.queryable, status), methods: GET }],
    ['/api/v1/status/walreplay', { endpoint: walReplayEndpoint(deps.ready), methods: GET }],
    ['/api/v1/admin/tsdb/delete_series', { endpoint: deleteSeriesEndpoint(deps.admin), methods: POST_PUT }],
    ['/api/v1/admin/tsdb/clean_tombstones', { endpoint: cleanTombstonesEndpoint(deps.admin), methods: POST_PUT }],
    // No rules or alerts until the rules engine lands; Grafana reads these at datasource init.
    ['/api/v1/rules', { endpoint: async () => ({ dataJson: '{"groups":[]}', warnings: [] }), methods: GET }],
    ['/api/v1/alerts', { endpoint: async () => ({ dataJson: '{"alerts":[]}', warnings: [] }), methods: GET }],
  ]);
  const labelValues: Route = { endpoint: labelValuesEndpoint(deps.queryable), methods: GET };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === '/-/healthy' || path === '/-/ready') {
      if (method !== 'GET' && method !== 'HEAD') return text(res, 405, 'Method Not Allowed\n');
      if (path === '/-/healthy') return text(res, 200, 'Pharos Server is Healthy.\n');
      return deps.ready() ? text(res, 200, 'Pharos Server is Ready.\n') : text(res, 503, 'Service Unavailable');
    }
    if (path === '/metrics') {
      if (method !== 'GET' && method !== 'HEAD') return text(res, 405, 'Method Not Allowed\n');
      const body = await deps.registry.metrics();
      res.writeHead(200, { 'Content-Type': deps.registry.contentType });
      res.end(body);
      return true;
    }
    if (path !== '/api/v1' && !path.startsWith('/api/v1/')) return false;

    let route = routes.get(path);
    let pathParams: string[] = [];
    const lv = route ? null : LABEL_VALUES_RE.exec(path);
    if (lv) {
      route = labelValues;
      try {
        pathParams = [decodeURIComponent(lv[1])];
      } catch {
        pathParams = [lv[1]];
      }
    }
    if (!route) {
      respondError(res, new ApiError('not_found', `unknown API endpoint ${path}`));
      return true;
    }
    if (!route.methods.includes(method)) {
      res.setHeader('Allow', route.methods.join(', '));
      respondError(res, new MethodNotAllowedError(method));
      return true;
    }

    // Abort the query when the client goes away before the answer is written.
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.on('close', onClose);
    try {
      const form = await readForm(req, url);
      const out = await route.endpoint(form, ac.signal, pathParams);
      if (out.noContent) res.writeHead(204).end();
      else respondRaw(res, out.dataJson, out.warnings, out.infos);
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : toInternal(err);
      if (!res.headersSent) respondError(res, apiErr);
    } finally {
      res.off('close', onClose);
    }
    return true;
  };
}

/** 405 in the JSON envelope (Grafana retries resource calls with GET on 405). */
class MethodNotAllowedError extends ApiError {
  constructor(method: string) {
    super('bad_data', `method ${method} not allowed`);
  }
  override get status(): number {
    return 405;
  }
}

// Errors that escaped an endpoint without being mapped are our bugs: internal.
function toInternal(err: unknown): ApiError {
  const mapped = toApiError(err);
  return mapped.type === 'execution' ? new ApiError('internal', mapped.message, { cause: err }) : mapped;
}

function text(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
  return true;
}
