import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseScrapeConfigs, ScrapeConfigError, type ScrapeConfig } from './index.ts';

/** Parses a prometheus.yml fragment (global + scrape_configs) the way Pharos' config loader hands it over. */
function load(yaml: string): ScrapeConfig[] {
  const doc = (parseYaml(yaml) ?? {}) as { global?: unknown; scrape_configs?: unknown };
  return parseScrapeConfigs(doc.scrape_configs, doc.global, 'scrape_configs', { baseDir: '/etc/pharos' });
}

describe('parseScrapeConfigs: valid configurations', () => {
  const cases: Array<{ name: string; yaml: string; expect: Partial<ScrapeConfig> | ((c: ScrapeConfig) => void) }> = [
    {
      name: 'a bare job gets Prometheus defaults',
      yaml: `
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ['localhost:9100'] }]`,
      expect: {
        jobName: 'node', scrapeIntervalMs: 60_000, scrapeTimeoutMs: 10_000, metricsPath: '/metrics', scheme: 'http',
        honorLabels: false, honorTimestamps: true, sampleLimit: 0, labelLimit: 0, auth: null, followRedirects: true, enableCompression: true,
        staticConfigs: [{ source: '0', targets: ['localhost:9100'], labels: [] }],
      },
    },
    {
      name: 'the job inherits the global interval and timeout',
      yaml: `
global: { scrape_interval: 15s, scrape_timeout: 5s }
scrape_configs: [{ job_name: a }]`,
      expect: { scrapeIntervalMs: 15_000, scrapeTimeoutMs: 5_000 },
    },
    {
      name: 'a global interval below 10s also caps the default timeout',
      yaml: `
global: { scrape_interval: 5s }
scrape_configs: [{ job_name: a }]`,
      expect: { scrapeIntervalMs: 5_000, scrapeTimeoutMs: 5_000 },
    },
    {
      name: 'a job interval below the global timeout caps the timeout',
      yaml: `
scrape_configs: [{ job_name: a, scrape_interval: 2s }]`,
      expect: { scrapeIntervalMs: 2_000, scrapeTimeoutMs: 2_000 },
    },
    {
      name: 'compound durations and an explicit 0 (meaning "inherit")',
      yaml: `
scrape_configs: [{ job_name: a, scrape_interval: 1m30s, scrape_timeout: 0 }]`,
      expect: { scrapeIntervalMs: 90_000, scrapeTimeoutMs: 10_000 },
    },
    {
      name: 'bearer_token becomes an Authorization header of type Bearer',
      yaml: `
scrape_configs: [{ job_name: a, bearer_token: s3cret }]`,
      expect: { auth: { kind: 'authorization', type: 'Bearer', credentials: 's3cret', credentialsFile: '' } },
    },
    {
      name: 'relative credential and TLS files resolve against the config directory',
      yaml: `
scrape_configs:
  - job_name: a
    scheme: https
    basic_auth: { username: u, password_file: secrets/pw }
    tls_config: { ca_file: ca.pem, insecure_skip_verify: true }`,
      expect: {
        scheme: 'https',
        auth: { kind: 'basic', username: 'u', usernameFile: '', password: '', passwordFile: '/etc/pharos/secrets/pw' },
        tls: { caFile: '/etc/pharos/ca.pem', certFile: '', keyFile: '', serverName: '', insecureSkipVerify: true },
      },
    },
    {
      name: 'authorization with a custom type',
      yaml: `
scrape_configs: [{ job_name: a, authorization: { type: Token, credentials_file: /run/token } }]`,
      expect: { auth: { kind: 'authorization', type: 'Token', credentials: '', credentialsFile: '/run/token' } },
    },
    {
      name: 'params, static labels with scalar values, honor flags and limits',
      yaml: `
scrape_configs:
  - job_name: snmp
    metrics_path: /snmp
    params: { module: [if_mib], auth: [public_v2] }
    honor_labels: true
    honor_timestamps: false
    sample_limit: 1000
    label_limit: 30
    body_size_limit: 10MB
    static_configs:
      - targets: [switch-1, switch-2]
        labels: { rack: 7, env: prod }`,
      expect: {
        metricsPath: '/snmp', params: { module: ['if_mib'], auth: ['public_v2'] }, honorLabels: true, honorTimestamps: false,
        sampleLimit: 1000, labelLimit: 30, bodySizeLimitBytes: 10 * 1024 * 1024,
        staticConfigs: [{ source: '0', targets: ['switch-1', 'switch-2'], labels: [{ name: 'env', value: 'prod' }, { name: 'rack', value: '7' }] }],
      },
    },
    {
      name: 'global limits are the defaults of every job',
      yaml: `
global: { sample_limit: 500, body_size_limit: 1KiB }
scrape_configs: [{ job_name: a }, { job_name: b, sample_limit: 0 }]`,
      expect: (c) => expect([c.sampleLimit, c.bodySizeLimitBytes]).toEqual(c.jobName === 'a' ? [500, 1024] : [0, 1024]),
    },
    {
      name: 'file_sd paths resolve against the config directory; refresh_interval defaults to 5m',
      yaml: `
scrape_configs:
  - job_name: a
    file_sd_configs:
      - files: [targets/*.json, /abs/x.yml]
      - files: [b.yaml]
        refresh_interval: 30s`,
      expect: {
        fileSdConfigs: [
          { files: ['/etc/pharos/targets/*.json', '/abs/x.yml'], refreshIntervalMs: 300_000 },
          { files: ['/etc/pharos/b.yaml'], refreshIntervalMs: 30_000 },
        ],
      },
    },
    {
      name: 'a URL-like static target is fine when relabelling may rewrite __address__',
      yaml: `
scrape_configs:
  - job_name: blackbox
    static_configs: [{ targets: ['https://example.com/health'] }]
    relabel_configs:
      - { source_labels: [__address__], target_label: __param_target }
      - { target_label: __address__, replacement: '127.0.0.1:9115' }`,
      expect: (c) => expect(c.relabelConfigs).toHaveLength(2),
    },
    {
      name: 'evaluation_interval and external_labels are accepted in global',
      yaml: `
global: { evaluation_interval: 30s, external_labels: { cluster: eu-1 } }
scrape_configs: [{ job_name: a }]`,
      expect: { scrapeIntervalMs: 60_000 },
    },
  ];

  it.each(cases)('$name', ({ yaml, expect: want }) => {
    const configs = load(yaml);
    expect(configs.length).toBeGreaterThan(0);
    for (const c of configs) {
      if (typeof want === 'function') want(c);
      else expect(c).toMatchObject(want);
    }
  });

  it('an absent scrape_configs section is no jobs', () => {
    expect(load('global: { scrape_interval: 10s }')).toEqual([]);
  });
});

describe('parseScrapeConfigs: invalid configurations name the key and say what is wrong', () => {
  const cases: Array<{ name: string; yaml: string; error: string }> = [
    { name: 'missing job_name', yaml: 'scrape_configs: [{ scrape_interval: 5s }]', error: 'scrape_configs[0].job_name: job_name is empty' },
    {
      name: 'duplicate job names',
      yaml: 'scrape_configs: [{ job_name: a }, { job_name: b }, { job_name: a }]',
      error: 'scrape_configs[2].job_name: found multiple scrape configs with job name "a" (also scrape_configs[0])',
    },
    {
      name: 'timeout above interval',
      yaml: 'scrape_configs: [{ job_name: a, scrape_interval: 5s, scrape_timeout: 6s }]',
      error: 'scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "a"',
    },
    { name: 'global timeout above global interval', yaml: 'global: { scrape_interval: 5s, scrape_timeout: 6s }', error: 'global.scrape_timeout: global scrape timeout greater than scrape interval' },
    { name: 'not a duration', yaml: 'scrape_configs: [{ job_name: a, scrape_interval: 15x }]', error: 'scrape_configs[0].scrape_interval: not a valid duration string: "15x"' },
    { name: 'a duration without unit', yaml: 'scrape_configs: [{ job_name: a, scrape_interval: 30 }]', error: 'scrape_configs[0].scrape_interval: not a valid duration string: "30" (a duration needs a unit: 30s)' },
    {
      name: 'unknown key',
      yaml: 'scrape_configs: [{ job_name: a, scrape_intervall: 5s }]',
      error: 'scrape_configs[0].scrape_intervall: field scrape_intervall not found (expected one of',
    },
    { name: 'unknown global key', yaml: 'global: { scrape_intreval: 5s }', error: 'global.scrape_intreval: field scrape_intreval not found' },
    {
      name: 'a service discovery Pharos lacks',
      yaml: 'scrape_configs: [{ job_name: a, kubernetes_sd_configs: [{ role: pod }] }]',
      error: 'scrape_configs[0].kubernetes_sd_configs: this service discovery is not supported by Pharos (use static_configs or file_sd_configs)',
    },
    { name: 'oauth2', yaml: 'scrape_configs: [{ job_name: a, oauth2: { client_id: x } }]', error: 'scrape_configs[0].oauth2: OAuth 2.0 is not supported by Pharos' },
    { name: 'unknown scheme', yaml: 'scrape_configs: [{ job_name: a, scheme: ftp }]', error: 'scrape_configs[0].scheme: unknown scrape scheme "ftp" (must be http or https)' },
    {
      name: 'password and password_file',
      yaml: 'scrape_configs: [{ job_name: a, basic_auth: { username: u, password: p, password_file: f } }]',
      error: 'scrape_configs[0].basic_auth: at most one of basic_auth password & password_file must be configured',
    },
    {
      name: 'bearer_token and bearer_token_file',
      yaml: 'scrape_configs: [{ job_name: a, bearer_token: t, bearer_token_file: f }]',
      error: 'scrape_configs[0].bearer_token_file: at most one of bearer_token & bearer_token_file must be configured',
    },
    {
      name: 'basic_auth and bearer_token',
      yaml: 'scrape_configs: [{ job_name: a, bearer_token: t, basic_auth: { username: u } }]',
      error: 'scrape_configs[0].basic_auth: at most one of basic_auth, bearer_token & bearer_token_file must be configured',
    },
    {
      name: 'authorization and bearer_token',
      yaml: 'scrape_configs: [{ job_name: a, bearer_token: t, authorization: { credentials: c } }]',
      error: 'scrape_configs[0].authorization: authorization is not compatible with bearer_token & bearer_token_file',
    },
    {
      name: 'authorization of type Basic',
      yaml: 'scrape_configs: [{ job_name: a, authorization: { type: Basic, credentials: c } }]',
      error: 'scrape_configs[0].authorization.type: authorization type cannot be set to "basic", use "basic_auth" instead',
    },
    {
      name: 'a URL as a static target',
      yaml: 'scrape_configs: [{ job_name: a, static_configs: [{ targets: [ok:1, "http://x:9100/metrics"] }] }]',
      error: 'scrape_configs[0].static_configs[0].targets[1]: "http://x:9100/metrics" is not a valid hostname',
    },
    {
      name: 'a static label that is not a scalar',
      yaml: 'scrape_configs: [{ job_name: a, static_configs: [{ targets: [x:1], labels: { env: [a] } }] }]',
      error: 'scrape_configs[0].static_configs[0].labels.env: must be a string, got a list',
    },
    {
      name: 'an unknown key in a target group',
      yaml: 'scrape_configs: [{ job_name: a, static_configs: [{ target: [x:1] }] }]',
      error: 'scrape_configs[0].static_configs[0].target: field target not found (expected one of targets, labels)',
    },
    {
      name: 'a file_sd name without a known extension',
      yaml: 'scrape_configs: [{ job_name: a, file_sd_configs: [{ files: [targets.txt] }] }]',
      error: 'scrape_configs[0].file_sd_configs[0].files[0]: path name "targets.txt" is not valid for file discovery',
    },
    {
      name: 'a glob outside the last path segment',
      yaml: 'scrape_configs: [{ job_name: a, file_sd_configs: [{ files: ["*/t.json"] }] }]',
      error: 'scrape_configs[0].file_sd_configs[0].files[0]: path name "*/t.json" is not valid for file discovery',
    },
    {
      name: 'a bad relabel rule is reported at its own path',
      yaml: 'scrape_configs: [{ job_name: a, relabel_configs: [{ action: keep, regex: x }, { action: frobnicate }] }]',
      error: 'scrape_configs[0].relabel_configs[1].action: unknown relabel action "frobnicate"',
    },
    {
      name: 'a bad metric relabel rule',
      yaml: 'scrape_configs: [{ job_name: a, metric_relabel_configs: [{ action: replace, source_labels: [a] }] }]',
      error: "scrape_configs[0].metric_relabel_configs[0].target_label: relabel configuration for replace action requires 'target_label' value",
    },
    { name: 'a negative sample_limit', yaml: 'scrape_configs: [{ job_name: a, sample_limit: -1 }]', error: 'scrape_configs[0].sample_limit: must be a non-negative whole number, got number -1' },
    { name: 'honor_labels as text', yaml: 'scrape_configs: [{ job_name: a, honor_labels: "yes" }]', error: 'scrape_configs[0].honor_labels: must be true or false, got "yes"' },
    { name: 'a size without unit as text', yaml: 'scrape_configs: [{ job_name: a, body_size_limit: "10 apples" }]', error: 'scrape_configs[0].body_size_limit: not a valid size: "10 apples" (use e.g. 512KB, 10MB, 1GiB)' },
    {
      name: 'a client certificate without its key',
      yaml: 'scrape_configs: [{ job_name: a, tls_config: { cert_file: c.pem } }]',
      error: 'scrape_configs[0].tls_config.key_file: exactly one of key or key_file and cert or cert_file must be configured when a client certificate is used',
    },
    { name: 'scrape_configs not a list', yaml: 'scrape_configs: { job_name: a }', error: 'scrape_configs: must be a list of scrape configurations, got a mapping' },
    { name: 'a null entry', yaml: 'scrape_configs: [~]', error: 'scrape_configs[0]: empty or null scrape config section' },
  ];

  it.each(cases)('$name', ({ yaml, error }) => {
    let thrown: unknown;
    try {
      load(yaml);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScrapeConfigError);
    expect((thrown as Error).message.startsWith(error), `got: ${(thrown as Error).message}`).toBe(true);
  });
});
