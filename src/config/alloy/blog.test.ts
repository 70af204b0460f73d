/**
 * Converts the config.alloy of the blog post in shared/seed/000_e617602419f078b6.txt
 * ("Observability Vertical Part 4 - Application Metrics with OpenTelemetry"), checks the result
 * in full, and checks that its Prometheus sections pass the real `promtool check config`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseRelabelConfigs } from '../../relabel/index.ts';
import { loadConfig } from '../load.ts';
import { importAlloyCommand, processIo } from './command.ts';
import { convertAlloy } from './convert.ts';

/**
 * The post's "full config.alloy" ("The full config.alloy now looks like this — the top half is
 * unchanged from Part 1, the OTLP blocks are new at the bottom:"), verbatim: lines 81-126 of
 * shared/seed/000_e617602419f078b6.txt plus the "}" that starts line 127. The page text lost its
 * indentation, and the post's next sentence follows that last "}" on the same line, so the file
 * ends without a newline.
 */
const BLOG_CONFIG_ALLOY = `// ── Scrape Node Exporter ─────────────────────────────────────────────────────
prometheus.scrape "node_exporter" {
targets = [{
__address__ = "host.docker.internal:9100",
instance = "my-server",
job = "node_exporter",
}]
scrape_interval = "15s"
forward_to = [prometheus.relabel.node_exporter_compat.receiver]
}
// ── Scrape cAdvisor ──────────────────────────────────────────────────────────
prometheus.scrape "cadvisor" {
targets = [{
__address__ = "cadvisor:8080",
instance = "my-server",
job = "cadvisor",
}]
scrape_interval = "15s"
forward_to = [prometheus.remote_write.platform.receiver]
}
// ── Relabel pass-through ─────────────────────────────────────────────────────
prometheus.relabel "node_exporter_compat" {
forward_to = [prometheus.remote_write.platform.receiver]
}
// ── Push to Prometheus ───────────────────────────────────────────────────────
prometheus.remote_write "platform" {
endpoint {
url = "http://prometheus:9090/api/v1/write"
}
}
// ── OTLP receiver ────────────────────────────────────────────────────────────
otelcol.receiver.otlp "default" {
grpc {
endpoint = "0.0.0.0:4317"
}
http {
endpoint = "0.0.0.0:4318"
}
output {
metrics = [otelcol.exporter.prometheus.default.input]
}
}
// ── OTel → Prometheus conversion ─────────────────────────────────────────────
otelcol.exporter.prometheus "default" {
forward_to = [prometheus.remote_write.platform.receiver]
resource_to_telemetry_conversion = true
}`;

const SEED_POST = new URL('../../../../shared/seed/000_e617602419f078b6.txt', import.meta.url);
const PROMTOOL = '/usr/bin/promtool';

/** What the converted file must contain, as parsed YAML. */
const EXPECTED_CONFIG = {
  otlp: {
    grpc: { listen: '0.0.0.0:4317' },
    http: { listen: '0.0.0.0:4318' },
    resource_to_telemetry_conversion: true,
    // Alloy's defaults for what the block leaves unset, written out because Pharos' defaults differ.
    target_info: true,
    scope_labels: 'name_version',
    start_time_zero_injection: false,
  },
  scrape_configs: [
    {
      job_name: 'prometheus.scrape.node_exporter',
      scrape_interval: '15s',
      static_configs: [{ targets: ['host.docker.internal:9100'], labels: { instance: 'my-server', job: 'node_exporter' } }],
    },
    {
      job_name: 'prometheus.scrape.cadvisor',
      scrape_interval: '15s',
      static_configs: [{ targets: ['cadvisor:8080'], labels: { instance: 'my-server', job: 'cadvisor' } }],
    },
  ],
  remote_write: [{ url: 'http://prometheus:9090/api/v1/write', send_exemplars: true }],
};

const EXPECTED_NOTES = [
  {
    line: 22,
    block: 'prometheus.relabel "node_exporter_compat"',
    severity: 'info',
    message: 'info: prometheus.relabel "node_exporter_compat" at line 22: has no rule blocks: passes metrics through unchanged, so there is nothing to translate',
  },
  {
    line: 26,
    block: 'prometheus.remote_write "platform"',
    severity: 'info',
    message: 'info: prometheus.remote_write "platform" at line 26: Pharos stores everything it scrapes and receives itself; keep this remote_write only if http://prometheus:9090/api/v1/write should still get a copy (drop it if Pharos replaces that server)',
  },
];

/** The Prometheus sections of a converted file, as a prometheus.yml of their own. */
function prometheusSections(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['global', 'scrape_configs', 'remote_write']) if (config[key] !== undefined) out[key] = config[key];
  return out;
}

/** Runs `promtool check config` on the Prometheus sections; throws with promtool's output when it refuses them. */
function promtoolCheck(config: Record<string, unknown>): string {
  expect(existsSync(PROMTOOL), `${PROMTOOL} not found: install the Debian package (apt-get install -y prometheus)`).toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'pharos-alloy-'));
  const file = join(dir, 'prometheus.yml');
  writeFileSync(file, stringifyYaml(prometheusSections(config)));
  try {
    return execFileSync(PROMTOOL, ['check', 'config', file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool check config refused ${file}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

describe('the config.alloy of the blog post', () => {
  it('is the text of the seed post', () => {
    expect(readFileSync(SEED_POST, 'utf8')).toContain(`The full config.alloy now looks like this — the top half is unchanged from Part 1, the OTLP blocks are new at the bottom:\n${BLOG_CONFIG_ALLOY}Redeploy Alloy`);
  });

  it('converts to the expected configuration and notes (convertAlloy)', () => {
    const { yaml, notes } = convertAlloy(BLOG_CONFIG_ALLOY, 'config.alloy');
    expect(parseYaml(yaml)).toEqual(EXPECTED_CONFIG);
    expect(notes).toEqual(EXPECTED_NOTES);
    expect(yaml.split('\n').slice(0, 7)).toEqual([
      '# Pharos configuration generated by `pharos import-alloy` from config.alloy.',
      '# global, scrape_configs and remote_write have the shape of prometheus.yml.',
      '# Everything was translated; see the notes below.',
      '',
      '# Notes:',
      `#   config.alloy:22: ${EXPECTED_NOTES[0].message}`,
      `#   config.alloy:26: ${EXPECTED_NOTES[1].message}`,
    ]);
  });

  it('converts from a file with `pharos import-alloy config.alloy -o FILE`: exit 0, notes on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-alloy-'));
    const input = join(dir, 'config.alloy');
    const output = join(dir, 'pharos.yaml');
    writeFileSync(input, BLOG_CONFIG_ALLOY);
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = importAlloyCommand([input, '-o', output], { ...processIo, stdout: (t) => void stdout.push(t), stderr: (t) => void stderr.push(t) });
    expect(code).toBe(0);
    expect(stdout).toEqual([]);
    expect(stderr.join('')).toBe(EXPECTED_NOTES.map((n) => `${input}:${n.line}: ${n.message}\n`).join(''));
    const written = readFileSync(output, 'utf8');
    expect(written.startsWith(`# Pharos configuration generated by \`pharos import-alloy\` from ${input}.\n`)).toBe(true);
    expect(parseYaml(written)).toEqual(EXPECTED_CONFIG);
  });

  it("loads with Pharos' own configuration loader", () => {
    const dir = mkdtempSync(join(tmpdir(), 'pharos-alloy-'));
    const file = join(dir, 'pharos.yaml');
    writeFileSync(file, convertAlloy(BLOG_CONFIG_ALLOY, 'config.alloy').yaml);
    const c = loadConfig({ configFile: file, env: {} });
    expect(c.otlp).toMatchObject({
      grpcListen: { host: '0.0.0.0', port: 4317 },
      httpListen: { host: '0.0.0.0', port: 4318 },
      resourceToTelemetryConversion: true,
      targetInfo: true,
      scopeLabels: 'name_version',
      startTimeZeroInjection: false,
    });
    expect(c.prometheus).toEqual({ global: undefined, scrapeConfigs: EXPECTED_CONFIG.scrape_configs, remoteWrite: EXPECTED_CONFIG.remote_write });
  });

  it('has Prometheus-shaped scrape_configs and remote_write entries', () => {
    const config = parseYaml(convertAlloy(BLOG_CONFIG_ALLOY, 'config.alloy').yaml) as Record<string, any>;
    expectPrometheusShape(config);
    expect(config.scrape_configs).toHaveLength(2);
    expect(config.remote_write).toHaveLength(1);
  });

  it('passes promtool check config (global, scrape_configs, remote_write only)', () => {
    const config = parseYaml(convertAlloy(BLOG_CONFIG_ALLOY, 'config.alloy').yaml) as Record<string, unknown>;
    expect(promtoolCheck(config)).toMatch(/SUCCESS/);
  });
});

/** A richer file, to check more of the Prometheus keys the converter writes against promtool. */
const RICH_CONFIG_ALLOY = `
discovery.relabel "apps" {
  targets = [
    {__address__ = "app-1:8080", team = "a"},
    {__address__ = "app-2:8080", team = "b"},
  ]
  rule {
    source_labels = ["team"]
    regex         = "(.*)"
    target_label  = "owner"
    replacement   = "team-$1"
  }
}
prometheus.scrape "apps" {
  targets         = discovery.relabel.apps.output
  forward_to      = [prometheus.relabel.drop_debug.receiver]
  job_name        = "apps"
  scrape_interval = "30s"
  scrape_timeout  = "10s"
  metrics_path    = "/internal/metrics"
  scheme          = "https"
  honor_labels    = true
  params          = { format = ["prometheus"] }
  basic_auth {
    username      = "scraper"
    password_file = "/etc/secrets/scrape"
  }
  tls_config {
    insecure_skip_verify = true
  }
}
prometheus.relabel "drop_debug" {
  forward_to = [prometheus.remote_write.central.receiver]
  rule {
    source_labels = ["__name__"]
    regex         = "debug_.*"
    action        = "drop"
  }
  rule {
    source_labels = ["instance"]
    modulus       = 8
    target_label  = "shard"
    action        = "hashmod"
  }
}
prometheus.remote_write "central" {
  external_labels = { cluster = "eu-1" }
  endpoint {
    url            = "https://central.example/api/v1/write"
    name           = "central"
    remote_timeout = "1m"
    headers        = { "X-Scope-OrgID" = "team-a" }
    bearer_token   = "token"
    queue_config {
      capacity             = 20000
      max_shards           = 10
      max_samples_per_send = 2000
      batch_send_deadline  = "10s"
      min_backoff          = "100ms"
      max_backoff          = "1m30s"
    }
    metadata_config {
      send_interval = "2m"
    }
    write_relabel_config {
      regex  = "owner"
      action = "labeldrop"
    }
  }
}
`;

describe('a richer Alloy file', () => {
  const { yaml, notes } = convertAlloy(RICH_CONFIG_ALLOY, 'rich.alloy');
  const config = parseYaml(yaml) as Record<string, any>;

  it('translates everything', () => {
    expect(notes.filter((n) => n.severity === 'untranslated')).toEqual([]);
    expect(config.global).toEqual({ external_labels: { cluster: 'eu-1' } });
    expect(config.scrape_configs[0].relabel_configs).toHaveLength(1);
    expect(config.scrape_configs[0].metric_relabel_configs).toHaveLength(2);
    expect(config.remote_write[0].authorization).toEqual({ credentials: 'token' });
  });

  it('writes relabel rules Pharos\' relabel parser accepts', () => {
    expect(() => parseRelabelConfigs(config.scrape_configs[0].relabel_configs, 'relabel_configs')).not.toThrow();
    expect(() => parseRelabelConfigs(config.scrape_configs[0].metric_relabel_configs, 'metric_relabel_configs')).not.toThrow();
    expect(() => parseRelabelConfigs(config.remote_write[0].write_relabel_configs, 'write_relabel_configs')).not.toThrow();
  });

  it('has Prometheus-shaped sections that pass promtool check config', () => {
    expectPrometheusShape(config);
    expect(promtoolCheck(config)).toMatch(/SUCCESS/);
  });
});

/** The keys Prometheus documents for scrape_config and remote_write (docs/configuration/configuration.md). */
const SCRAPE_KEYS = new Set([
  'job_name', 'scrape_interval', 'scrape_timeout', 'scrape_protocols', 'scrape_fallback_protocol', 'scrape_native_histograms',
  'always_scrape_classic_histograms', 'convert_classic_histograms_to_nhcb', 'metrics_path', 'scheme', 'honor_labels', 'honor_timestamps',
  'track_timestamps_staleness', 'params', 'enable_compression', 'body_size_limit', 'sample_limit', 'target_limit', 'label_limit',
  'label_name_length_limit', 'label_value_length_limit', 'native_histogram_bucket_limit', 'native_histogram_min_bucket_factor',
  'metric_name_validation_scheme', 'metric_name_escaping_scheme', 'scrape_failure_log_file', 'basic_auth', 'authorization', 'oauth2',
  'tls_config', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'follow_redirects', 'enable_http2',
  'http_headers', 'static_configs', 'relabel_configs', 'metric_relabel_configs',
]);
const REMOTE_WRITE_KEYS = new Set([
  'url', 'name', 'remote_timeout', 'headers', 'send_exemplars', 'send_native_histograms', 'protobuf_message', 'round_robin_dns',
  'basic_auth', 'authorization', 'tls_config', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header',
  'follow_redirects', 'enable_http2', 'queue_config', 'metadata_config', 'write_relabel_configs',
]);

function expectPrometheusShape(config: Record<string, any>): void {
  for (const job of config.scrape_configs ?? []) {
    expect(typeof job.job_name).toBe('string');
    expect(Object.keys(job).filter((k) => !SCRAPE_KEYS.has(k))).toEqual([]);
    expect(Array.isArray(job.static_configs) && job.static_configs.length > 0).toBe(true);
    for (const sc of job.static_configs) {
      expect(Object.keys(sc).filter((k) => k !== 'targets' && k !== 'labels')).toEqual([]);
      expect(sc.targets.length).toBeGreaterThan(0);
      for (const t of sc.targets) expect(t).toMatch(/^[^/\s]+:\d+$/);
      for (const v of Object.values(sc.labels ?? {})) expect(typeof v).toBe('string');
    }
  }
  expect(new Set((config.scrape_configs ?? []).map((j: any) => j.job_name)).size).toBe((config.scrape_configs ?? []).length);
  for (const rw of config.remote_write ?? []) {
    expect(new URL(rw.url).protocol).toMatch(/^https?:$/);
    expect(Object.keys(rw).filter((k) => !REMOTE_WRITE_KEYS.has(k))).toEqual([]);
  }
  if (config.global) expect(Object.keys(config.global)).toEqual(['external_labels']);
}
