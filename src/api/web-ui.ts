/**
 * @module Serves the built web UI (web/dist, produced by `npm ci` through the prepare script)
 * on the API port: static files, and index.html for the UI's own paths so shared links work.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Paths the single-page app renders itself. */
const APP_PATHS = ['/', '/dashboard', '/explore', '/pipeline'];

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** A handler that answers GET/HEAD for the UI, or returns false. Without a build it explains how to make one. */
export function createWebUiHandler(root = DEFAULT_WEB_ROOT): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const cache = new Map<string, Buffer>();
  const read = (file: string): Buffer | null => {
    let b = cache.get(file);
    if (!b) {
      if (!existsSync(file)) return null;
      b = readFileSync(file);
      cache.set(file, b);
    }
    return b;
  };
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const isApp = APP_PATHS.some((p) => path === p || (p !== '/' && path.startsWith(`${p}/`)));
    const isAsset = path.startsWith('/assets/');
    if (!isApp && !isAsset) return false;
    const file = isApp ? join(root, 'index.html') : normalize(join(root, path));
    if (!file.startsWith(root)) return false;
    const body = read(file);
    if (!body) {
      if (!isApp) return false;
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The web UI is not built. Run `npm ci` (or `npm run build:web`) in the Pharos checkout.\n');
      return true;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      // Asset names carry a content hash; index.html must always be fresh.
      'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
