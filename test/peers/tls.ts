/**
 * @module Test peer support: a throwaway certificate authority and a server certificate signed by
 * it, made with the system's openssl, so peers can serve HTTPS the way a production target does.
 * Fails (never skips) when openssl is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL_BIN = '/usr/bin/openssl';

/** PEM files of a test CA and of a server certificate it signed. */
export interface TestCertificates {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Makes a CA and a server certificate for `dnsNames` (subjectAltName DNS entries only, so a
 * client connecting to 127.0.0.1 must name the server with TLS server_name), valid for two days.
 */
export function makeTestCertificates(dnsNames: readonly string[]): TestCertificates {
  if (!existsSync(OPENSSL_BIN)) throw new Error(`${OPENSSL_BIN} not found: install the Debian package openssl`);
  if (dnsNames.length === 0) throw new Error('makeTestCertificates: give at least one DNS name');
  const dir = mkdtempSync(join(tmpdir(), 'pharos-tls-'));
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const run = (args: string[]) => {
    try {
      execFileSync(OPENSSL_BIN, args, { stdio: 'pipe' });
    } catch (err) {
      const e = err as { stderr?: Buffer };
      throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() ?? String(err)}`, { cause: err });
    }
  };
  run(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=pharos-test-ca']);
  run(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', `/CN=${dnsNames[0]}`]);
  writeFileSync(f('ext'), `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}\n`);
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext')]);
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}
