/**
 * @module Alloy's HTTP client settings (grafana/alloy internal/component/common/config
 * HTTPClientConfig, shared by prometheus.scrape and prometheus.remote_write endpoints) into
 * Prometheus' http_config keys. `bearer_token[_file]` becomes `authorization`, Prometheus'
 * spelling; `*_pem` TLS values become `ca`/`cert`/`key`.
 */
import { Body, type ConvertContext } from './context.ts';

/** Attribute names of Alloy's HTTP client that pass through under the same Prometheus key. */
const SAME_KEY = ['proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'follow_redirects', 'enable_http2'];
const TLS_KEYS: Readonly<Record<string, string>> = {
  ca_pem: 'ca', ca_file: 'ca_file', cert_pem: 'cert', cert_file: 'cert_file', key_pem: 'key', key_file: 'key_file',
  server_name: 'server_name', insecure_skip_verify: 'insecure_skip_verify', min_version: 'min_version',
};
const AUTH_BLOCK_KEYS: Readonly<Record<string, readonly string[]>> = {
  basic_auth: ['username', 'username_file', 'password', 'password_file'],
  authorization: ['type', 'credentials', 'credentials_file'],
};

/** Attribute and block names convertHttpClient reads; the caller treats them as known. */
export const HTTP_CLIENT_NAMES: ReadonlySet<string> = new Set([
  ...SAME_KEY, 'bearer_token', 'bearer_token_file', 'http_headers', 'basic_auth', 'authorization', 'tls_config', 'oauth2',
]);

/**
 * Writes the HTTP client settings of `body` into `out` (a scrape_config or remote_write entry).
 * `where` prefixes attribute paths in notes (`endpoint > `). For remote_write, Alloy's
 * `http_headers` with one value each become Prometheus `headers`.
 */
export function convertHttpClient(ctx: ConvertContext, body: Body, display: string, where: string, out: Record<string, unknown>, kind: 'scrape' | 'remote_write'): void {
  const site = (what: string) => ({ block: display, what: `${where}${what}` });

  for (const name of ['basic_auth', 'authorization'] as const) {
    const child = body.child(name);
    if (!child) continue;
    const o: Record<string, unknown> = {};
    for (const attr of child.attributes()) {
      if (!AUTH_BLOCK_KEYS[name].includes(attr.name)) {
        ctx.untranslated(attr.pos.line, display, `${where}${name} > ${attr.name} is not translated`);
        continue;
      }
      const v = ctx.plain(attr, site(`${name} > ${attr.name}`));
      if (v !== undefined) o[attr.name] = v;
    }
    out[name] = o;
  }
  const token = body.attr('bearer_token');
  const tokenFile = body.attr('bearer_token_file');
  if (token || tokenFile) {
    const auth: Record<string, unknown> = {};
    if (token) auth.credentials = ctx.plain(token, site('bearer_token'));
    if (tokenFile) auth.credentials_file = ctx.plain(tokenFile, site('bearer_token_file'));
    if (out.authorization) ctx.untranslated((token ?? tokenFile)!.pos.line, display, `${where}bearer_token conflicts with the authorization block; left out`);
    else out.authorization = auth;
  }
  const oauth2 = body.child('oauth2');
  if (oauth2) ctx.untranslated(oauth2.block.pos.line, display, `${where}oauth2 is not translated; write Prometheus' oauth2 block by hand if Pharos supports it`);

  const tls = body.child('tls_config');
  if (tls) {
    const o: Record<string, unknown> = {};
    for (const attr of tls.attributes()) {
      const key = TLS_KEYS[attr.name];
      if (!key) {
        ctx.untranslated(attr.pos.line, display, `${where}tls_config > ${attr.name} is not translated`);
        continue;
      }
      const v = ctx.plain(attr, site(`tls_config > ${attr.name}`));
      if (v !== undefined) o[key] = v;
    }
    out.tls_config = o;
  }

  for (const name of SAME_KEY) {
    const attr = body.attr(name);
    if (!attr) continue;
    const v = ctx.plain(attr, site(name));
    if (v !== undefined) out[name] = v;
  }

  const headers = body.attr('http_headers');
  if (headers) {
    const v = ctx.plain(headers, site('http_headers'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (kind === 'scrape') {
        out.http_headers = Object.fromEntries(entries.map(([k, vals]) => [k, { values: Array.isArray(vals) ? vals : [vals] }]));
      } else if (entries.every(([, vals]) => !Array.isArray(vals) || vals.length === 1)) {
        out.headers = { ...(out.headers as Record<string, unknown> | undefined), ...Object.fromEntries(entries.map(([k, vals]) => [k, Array.isArray(vals) ? vals[0] : vals])) };
      } else {
        ctx.untranslated(headers.pos.line, display, `${where}http_headers has a header with several values, which Prometheus' remote_write headers cannot express; left out`);
      }
    }
  }
}
