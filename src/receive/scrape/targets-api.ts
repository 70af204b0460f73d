/**
 * @module GET /api/v1/targets: the targets of the scrape manager in Prometheus' envelope, written
 * with the API's own respond helpers so it reads like every other /api/v1 endpoint.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, respond, respondError } from '../../api/v1/respond.ts';
import type { TargetRetriever } from './targets-view.ts';

/** The path served. */
export const TARGETS_PATH = '/api/v1/targets';

/** 405 in the JSON envelope, as the API router answers a wrong method. */
class MethodNotAllowedError extends ApiError {
  constructor(method: string) {
    super('bad_data', `method ${method} not allowed`);
  }
  override get status(): number {
    return 405;
  }
}

/**
 * A handler for GET /api/v1/targets (`?state=active|dropped|any`, `?scrapePool=<job>`). Returns
 * false for any other path, so it can sit in front of the API router in a handler chain.
 */
export function createTargetsHandler(source: TargetRetriever): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== TARGETS_PATH) return false;
    const method = req.method ?? 'GET';
    req.resume();
    if (method !== 'GET') {
      res.setHeader('Allow', 'GET');
      respondError(res, new MethodNotAllowedError(method));
      return true;
    }
    const pool = url.searchParams.get('scrapePool') ?? undefined;
    respond(res, source.targets(url.searchParams.get('state') ?? '', pool));
    return true;
  };
}
