/** @module GET /api/v1/status/buildinfo: Prometheus' shape, without `features` (Grafana reads that as Mimir). */
import type { Endpoint } from './endpoint.ts';

/** Build facts shown by buildinfo; empty strings when unknown. */
export interface BuildInfo {
  readonly version: string;
  readonly revision?: string;
  readonly branch?: string;
  readonly buildUser?: string;
  readonly buildDate?: string;
}

/** The buildinfo endpoint; `goVersion` carries the Node.js version (there is no Go here). */
export function buildInfoEndpoint(info: BuildInfo): Endpoint {
  const data = {
    version: info.version,
    revision: info.revision ?? '',
    branch: info.branch ?? '',
    buildUser: info.buildUser ?? '',
    buildDate: info.buildDate ?? '',
    goVersion: process.version,
  };
  const dataJson = JSON.stringify(data);
  return async () => ({ dataJson, warnings: [] });
}
