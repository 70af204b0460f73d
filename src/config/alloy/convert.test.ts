import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRelabelConfigs } from '../../relabel/index.ts';
import { loadConfig } from '../load.ts';
import { convertAlloy } from './convert.ts';
import type { ConversionNote } from './notes.ts';
import { AlloySyntaxError } from './scanner.ts';

interface Converted {
  config: Record<string, any>;
  notes: ConversionNote[];
  /** Notes as `line severity: text after "at line N: "`, compact for expectations. */
  brief: string[];
  yaml: string;
}

function convert(source: string): Converted {
  const { yaml, notes } = convertAlloy(source, 'config.alloy');
  const brief = notes.map((n) => `${n.line} ${n.severity}: ${n.message.replace(/^.*? at line \d+: /, '')}`);
  return { config: parseYaml(yaml) as Record<string, any>, notes, brief, yaml };
}

const OTLP_OFF = { grpc: { listen: 'off' }, http: { listen: 'off' } };
const RW = `prometheus.remote_write "rw" {
  endpoint {
    url = "http://mimir:9009/api/v1/push"
  }
}
`;
const RW_INFO = 'Pharos stores everything it scrapes and receives itself; keep this remote_write only if http://mimir:9009/api/v1/push should still get a copy (drop it if Pharos replaces that server)';

describe('prometheus.scrape', () => {
  it('becomes a scrape job with static_configs grouped by label set', () => {
    const { config, brief } = convert(`${RW}
prometheus.scrape "apps" {
  targets = [
    {__address__ = "a:1", env = "prod"},
    {__address__ = "b:1", env = "prod"},
    {__address__ = "c:1"},
  ]
  forward_to      = [prometheus.remote_write.rw.receiver]
  job_name        = "apps"
  scrape_interval = "30s"
  scrape_timeout  = "1.5s"
  metrics_path    = "/m"
  scheme          = "https"
  honor_labels    = true
  params          = { module = ["http_2xx"] }
}`);
    expect(config.scrape_configs).toEqual([{
      job_name: 'apps',
      scrape_interval: '30s',
      scrape_timeout: '1s500ms',
      metrics_path: '/m',
      scheme: 'https',
      honor_labels: true,
      params: { module: ['http_2xx'] },
      static_configs: [{ targets: ['a:1', 'b:1'], labels: { env: 'prod' } }, { targets: ['c:1'] }],
    }]);
    expect(config.otlp).toEqual(OTLP_OFF);
    expect(brief).toEqual([`1 info: ${RW_INFO}`]);
  });

  it("is named like Alloy's job: the component id when job_name is unset", () => {
    const { config } = convert(`${RW}
prometheus.scrape "x" {
  targets    = [{__address__ = "a:1"}]
  forward_to = [prometheus.remote_write.rw.receiver]
}`);
    expect(config.scrape_configs[0].job_name).toBe('prometheus.scrape.x');
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['basic_auth', 'basic_auth {\n username = "u"\n password_file = "/p"\n }', { basic_auth: { username: 'u', password_file: '/p' } }],
    ['bearer_token', 'bearer_token = "t"', { authorization: { credentials: 't' } }],
    ['bearer_token_file', 'bearer_token_file = "/t"', { authorization: { credentials_file: '/t' } }],
    ['authorization', 'authorization {\n type = "Token"\n credentials = "c"\n }', { authorization: { type: 'Token', credentials: 'c' } }],
    ['tls_config', 'tls_config {\n ca_pem = "PEM"\n insecure_skip_verify = true\n }', { tls_config: { ca: 'PEM', insecure_skip_verify: true } }],
    ['http_headers', 'http_headers = { "X-A" = ["1", "2"] }', { http_headers: { 'X-A': { values: ['1', '2'] } } }],
    ['proxy_url and follow_redirects', 'proxy_url = "http://proxy:3128"\n follow_redirects = false', { proxy_url: 'http://proxy:3128', follow_redirects: false }],
    ['limits', 'sample_limit = 1000\n body_size_limit = "10MiB"', { body_size_limit: '10MiB', sample_limit: 1000 }],
    ['scrape_classic_histograms', 'scrape_classic_histograms = true', { always_scrape_classic_histograms: true }],
    ['enable_protobuf_negotiation', 'enable_protobuf_negotiation = true', { scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'] }],
  ])('translates %s', (_, attrs, want) => {
    const { config, notes } = convert(`${RW}
prometheus.scrape "x" {
  targets    = [{__address__ = "a:1"}]
  forward_to = [prometheus.remote_write.rw.receiver]
  ${attrs}
}`);
    const { job_name: _j, static_configs: _s, ...rest } = config.scrape_configs[0];
    expect(rest).toEqual(want);
    expect(notes.filter((n) => n.severity === 'untranslated')).toEqual([]);
  });

  it('notes what it cannot translate, with the line', () => {
    const { brief } = convert(`prometheus.scrape "x" {
  targets       = [{__address__ = "a:1"}, {instance = "no-address"}]
  forward_to    = []
  extra_metrics = true
  honor_metadata = false
  no_such_thing = 1
  oauth2 {
    client_id = "id"
  }
  clustering {
    enabled = true
  }
}`);
    expect(brief).toEqual([
      '2 untranslated: a target has no __address__ ({"instance":"no-address"}); left out',
      '3 info: its samples go nowhere in Alloy (an empty forward_to); Pharos stores them',
      '4 untranslated: extra_metrics = true is not translated: Prometheus enables extra scrape metrics with a feature flag, not per job',
      '6 untranslated: no_such_thing is not translated',
      "7 untranslated: oauth2 is not translated; write Prometheus' oauth2 block by hand if Pharos supports it",
      '10 info: clustering is not needed: one Pharos scrapes every target',
    ]);
  });

  it('writes ${NAME} for sys.env() and says so', () => {
    const { config, brief } = convert(`prometheus.scrape "x" {
  targets      = [{__address__ = env("TARGET")}]
  forward_to   = []
  bearer_token = sys.env("TOKEN")
}`);
    expect(config.scrape_configs[0].authorization).toEqual({ credentials: '${TOKEN}' });
    expect(config.scrape_configs[0].static_configs).toEqual([{ targets: ['${TARGET}'] }]);
    expect(brief).toContain('2 untranslated: targets is read from the environment when Alloy starts (sys.env("TARGET")); written as "${TARGET}", which Pharos does not expand: put the value in the file');
    expect(brief).toContain('4 untranslated: bearer_token is read from the environment when Alloy starts (sys.env("TOKEN")); written as "${TOKEN}", which Pharos does not expand: put the value in the file');
  });

  it('gives jobs with the same job_name unique names, keeping the job label', () => {
    const { config, brief } = convert(`prometheus.scrape "a" {
  targets = [{__address__ = "a:1"}]
  forward_to = []
  job_name = "same"
}
prometheus.scrape "b" {
  targets = [{__address__ = "b:1"}, {__address__ = "c:1", job = "own"}]
  forward_to = []
  job_name = "same"
}`);
    expect(config.scrape_configs.map((j: any) => [j.job_name, j.static_configs])).toEqual([
      ['same', [{ targets: ['a:1'] }]],
      ['same-2', [{ targets: ['b:1'], labels: { job: 'same' } }, { targets: ['c:1'], labels: { job: 'own' } }]],
    ]);
    expect(brief).toContain('7 info: written as job "same-2" (job names must be unique in Prometheus); targets without a job label get job="same" as in Alloy');
  });
});

describe('prometheus.relabel in the forward path', () => {
  it('becomes metric_relabel_configs, chains in order, rule attributes one to one', () => {
    const { config, brief } = convert(`${RW}
prometheus.scrape "x" {
  targets    = [{__address__ = "a:1"}]
  forward_to = [prometheus.relabel.first.receiver]
}
prometheus.relabel "first" {
  forward_to = [prometheus.relabel.second.receiver]
  rule {
    source_labels = ["__name__", "job"]
    separator     = "@"
    regex         = "go_.*@.*"
    action        = "drop"
  }
}
prometheus.relabel "second" {
  forward_to = [prometheus.remote_write.rw.receiver]
  max_cache_size = 1000
  rule {
    source_labels = ["instance"]
    modulus       = 4
    target_label  = "shard"
    action        = "hashmod"
  }
  rule {
    regex       = "(.+)_tmp"
    replacement = "$1"
    action      = "labelmap"
  }
}`);
    const rules = config.scrape_configs[0].metric_relabel_configs;
    expect(rules).toEqual([
      { source_labels: ['__name__', 'job'], separator: '@', regex: 'go_.*@.*', action: 'drop' },
      { source_labels: ['instance'], modulus: 4, target_label: 'shard', action: 'hashmod' },
      { regex: '(.+)_tmp', replacement: '$1', action: 'labelmap' },
    ]);
    expect(() => parseRelabelConfigs(rules, 'metric_relabel_configs')).not.toThrow();
    expect(brief).toEqual([`1 info: ${RW_INFO}`, '22 info: max_cache_size is not needed (Pharos does not cache relabel results)']);
  });

  it('notes samples stored through different chains and uses the first', () => {
    const { config, brief } = convert(`${RW}
prometheus.scrape "x" {
  targets    = [{__address__ = "a:1"}]
  forward_to = [prometheus.relabel.r.receiver, prometheus.remote_write.rw.receiver]
}
prometheus.relabel "r" {
  forward_to = [prometheus.remote_write.rw.receiver]
  rule {
    action = "labeldrop"
    regex  = "tmp"
  }
}`);
    expect(config.scrape_configs[0].metric_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'tmp' }]);
    expect(brief).toContain('9 untranslated: its samples are stored through different prometheus.relabel chains (prometheus.relabel.r; no relabelling); Pharos keeps one copy per job, relabelled by the first chain');
  });

  it('notes an unused prometheus.relabel', () => {
    expect(convert('prometheus.relabel "unused" {\n  forward_to = []\n}').brief).toEqual(['1 info: no scrape forwards to it; its rules are not used']);
  });
});

describe('discovery.relabel between the targets and the scrape', () => {
  it('becomes relabel_configs; chained components apply innermost first', () => {
    const { config, brief } = convert(`discovery.relabel "inner" {
  targets = [{__address__ = "a:8080", "__meta_x" = "y"}]
  rule {
    source_labels = ["__meta_x"]
    target_label  = "x"
  }
}
discovery.relabel "outer" {
  targets = discovery.relabel.inner.output
  rule {
    action = "labeldrop"
    regex  = "__meta_.*"
  }
}
prometheus.scrape "s" {
  targets    = discovery.relabel.outer.output
  forward_to = []
}`);
    expect(config.scrape_configs).toEqual([{
      job_name: 'prometheus.scrape.s',
      static_configs: [{ targets: ['a:8080'], labels: { __meta_x: 'y' } }],
      relabel_configs: [{ source_labels: ['__meta_x'], target_label: 'x' }, { action: 'labeldrop', regex: '__meta_.*' }],
    }]);
    expect(brief).toEqual(['17 info: its samples go nowhere in Alloy (an empty forward_to); Pharos stores them']);
  });

  it('splits targets behind different rules into jobs that keep the job label', () => {
    const { config } = convert(`discovery.relabel "d" {
  targets = [{__address__ = "a:1"}]
  rule {
    target_label = "via"
    replacement  = "relabel"
  }
}
prometheus.scrape "s" {
  targets    = concat(discovery.relabel.d.output, [{__address__ = "b:1"}])
  forward_to = []
}`);
    expect(config.scrape_configs).toEqual([
      { job_name: 'prometheus.scrape.s', static_configs: [{ targets: ['a:1'] }], relabel_configs: [{ target_label: 'via', replacement: 'relabel' }] },
      { job_name: 'prometheus.scrape.s-2', static_configs: [{ targets: ['b:1'], labels: { job: 'prometheus.scrape.s' } }] },
    ]);
  });

  it.each<[string, string]>([
    ['source_labels = ["job"]\n    target_label = "j"', 'rule reads job, which in Prometheus already hold the job\'s values when relabel_configs run (in Alloy they were unset unless the target had them)'],
    ['action = "labelkeep"\n    regex = "__address__|instance"', 'rule labelkeep drops job, __scheme__, __metrics_path__, __scrape_interval__, __scrape_timeout__ in Prometheus, where these labels are already set when relabel_configs run (in Alloy prometheus.scrape added them afterwards)'],
    ['action = "labeldrop"\n    regex = "job"', 'rule labeldrop drops job in Prometheus, where this label is already set when relabel_configs run (in Alloy prometheus.scrape added it afterwards)'],
  ])('notes a rule that sees what Alloy did not: %s', (rule, why) => {
    const { brief } = convert(`discovery.relabel "d" {
  targets = [{__address__ = "a:1"}]
  rule {
    ${rule}
  }
}
prometheus.scrape "s" {
  targets    = discovery.relabel.d.output
  forward_to = []
}`);
    expect(brief).toContain(`3 untranslated: ${why}`);
  });

  it('names discovery components as untranslatable, with their line', () => {
    const { config, brief } = convert(`discovery.docker "containers" {
  host = "unix:///var/run/docker.sock"
}
discovery.kubernetes "pods" {
  role = "pod"
}
discovery.relabel "k" {
  targets = discovery.kubernetes.pods.targets
}
prometheus.scrape "docker" {
  targets    = discovery.docker.containers.targets
  forward_to = []
}
prometheus.scrape "k8s" {
  targets    = discovery.relabel.k.output
  forward_to = []
}`);
    expect(config.scrape_configs).toBeUndefined();
    expect(brief).toEqual([
      '1 untranslated: service discovery is not translated (Pharos has no discovery.docker); list the targets prometheus.scrape "docker" should scrape under static_configs',
      '4 untranslated: service discovery is not translated (Pharos has no discovery.kubernetes); list the targets prometheus.scrape "k8s" should scrape under static_configs',
      '7 info: has no rule blocks: passes targets through unchanged',
      '11 untranslated: its targets come from discovery.docker "containers" (line 1), which is not translated',
      '12 info: its samples go nowhere in Alloy (an empty forward_to); Pharos stores them',
      '15 untranslated: its targets come from discovery.kubernetes "pods" (line 4), which is not translated',
      '16 info: its samples go nowhere in Alloy (an empty forward_to); Pharos stores them',
    ]);
  });
});

describe('prometheus.remote_write', () => {
  it('endpoint blocks become remote_write entries; external_labels become global', () => {
    const { config, brief } = convert(`prometheus.scrape "x" {
  targets    = [{__address__ = "a:1"}]
  forward_to = [prometheus.remote_write.rw.receiver]
}
prometheus.remote_write "rw" {
  external_labels = { cluster = "eu-1", replica = "a" }
  endpoint {
    url            = "https://one/api/v1/push"
    name           = "one"
    remote_timeout = "10s"
    headers        = { "X-Scope-OrgID" = "tenant" }
    send_exemplars = false
    basic_auth {
      username = "u"
      password = "p"
    }
    queue_config {
      capacity             = 20000
      max_shards           = 8
      max_samples_per_send = 5000
      batch_send_deadline  = "2s"
      min_backoff          = "50ms"
      max_backoff          = "10s"
      retry_on_http_429    = false
    }
    metadata_config {
      send = false
    }
    write_relabel_config {
      source_labels = ["__name__"]
      regex         = "debug_.*"
      action        = "drop"
    }
  }
  endpoint {
    url          = "https://two/api/v1/push"
    bearer_token = "tok"
    http_headers = { "X-A" = ["1"] }
  }
  wal {
    truncate_frequency = "1h"
  }
}`);
    expect(config.global).toEqual({ external_labels: { cluster: 'eu-1', replica: 'a' } });
    expect(config.remote_write).toEqual([
      {
        url: 'https://one/api/v1/push', name: 'one', remote_timeout: '10s', headers: { 'X-Scope-OrgID': 'tenant' }, send_exemplars: false,
        basic_auth: { username: 'u', password: 'p' },
        queue_config: { capacity: 20000, max_shards: 8, max_samples_per_send: 5000, batch_send_deadline: '2s', min_backoff: '50ms', max_backoff: '10s', retry_on_http_429: false },
        metadata_config: { send: false },
        write_relabel_configs: [{ source_labels: ['__name__'], regex: 'debug_.*', action: 'drop' }],
      },
      { url: 'https://two/api/v1/push', send_exemplars: true, authorization: { credentials: 'tok' }, headers: { 'X-A': '1' } },
    ]);
    expect(brief).toEqual([
      '5 info: Pharos stores everything it scrapes and receives itself; keep this remote_write only if https://one/api/v1/push, https://two/api/v1/push should still get a copy (drop it if Pharos replaces that server)',
      '40 info: wal is not needed: Pharos buffers remote write on disk itself (remote_write buffer settings)',
    ]);
  });

  it('writes no entry for a remote_write nothing forwards to', () => {
    const { config, brief } = convert(RW);
    expect(config.remote_write).toBeUndefined();
    expect(brief).toEqual(['1 info: nothing is forwarded to it in Alloy; no remote_write entry is written (Pharos would send it everything)']);
  });

  it('notes a remote_write that got only part of the metrics, and differing external labels', () => {
    const { config, brief } = convert(`prometheus.scrape "a" {
  targets    = [{__address__ = "a:1"}]
  forward_to = [prometheus.remote_write.one.receiver, prometheus.remote_write.two.receiver]
}
prometheus.scrape "b" {
  targets    = [{__address__ = "b:1"}]
  forward_to = [prometheus.remote_write.one.receiver]
}
prometheus.remote_write "one" {
  external_labels = { cluster = "one" }
  endpoint { url = "http://one/push" }
}
prometheus.remote_write "two" {
  external_labels = { cluster = "two" }
  endpoint {
    url = "http://two/push"
    sigv4 {
      region = "eu-west-1"
    }
  }
}`);
    expect(config.remote_write.map((e: any) => e.url)).toEqual(['http://one/push', 'http://two/push']);
    expect(config.global.external_labels).toEqual({ cluster: 'one' });
    const untranslated = brief.filter((b) => b.includes('untranslated'));
    expect(untranslated).toEqual([
      '13 untranslated: in Alloy it received only part of the metrics (not those of prometheus.scrape "b"); Pharos sends every stored series to every remote_write: add write_relabel_configs to leave some out',
      '14 untranslated: its external_labels differ from those of prometheus.remote_write "one"; Prometheus-style global.external_labels apply to every remote_write, so those of prometheus.remote_write "one" are used',
      '17 untranslated: endpoint > sigv4 authentication is not translated',
    ]);
  });
});

describe('OpenTelemetry pipeline', () => {
  it('receiver endpoints become otlp.*.listen and exporter options the otlp settings', () => {
    const { config, brief } = convert(`otelcol.receiver.otlp "in" {
  grpc {
    endpoint          = "127.0.0.1:14317"
    max_recv_msg_size = "8MiB"
  }
  http {
    endpoint              = "127.0.0.1:14318"
    max_request_body_size = "10MiB"
    metrics_url_path      = "/v1/metrics"
  }
  output {
    metrics = [otelcol.processor.memory_limiter.m.input]
    logs    = []
  }
}
otelcol.processor.memory_limiter "m" {
  limit = "1GiB"
  output { metrics = [otelcol.processor.batch.b.input] }
}
otelcol.processor.batch "b" {
  output { metrics = [otelcol.exporter.prometheus.p.input] }
}
otelcol.exporter.prometheus "p" {
  include_target_info              = false
  include_scope_labels             = false
  add_metric_suffixes              = false
  resource_to_telemetry_conversion = true
  start_timestamp_zero_ingestion   = true
  gc_frequency                     = "1m"
  forward_to                       = []
}`);
    expect(config.otlp).toEqual({
      grpc: { listen: '127.0.0.1:14317', max_recv_msg_size: '8MiB' },
      http: { listen: '127.0.0.1:14318', max_request_body_size: '10MiB' },
      resource_to_telemetry_conversion: true,
      target_info: false,
      scope_labels: 'none',
      start_time_zero_injection: true,
      translation_strategy: 'UnderscoreEscapingWithoutSuffixes',
    });
    expect(brief).toEqual([
      "16 info: not needed: Pharos bounds the bytes it decodes at once (otlp.max_inflight_bytes) and answers 429 beyond it",
      '20 info: not needed: Pharos batches writes itself',
      '29 info: gc_frequency is not needed by Pharos; left out',
    ]);
  });

  it("writes Alloy's defaults explicitly, as they differ from Pharos' defaults", () => {
    const { config } = convert(`otelcol.receiver.otlp "in" {
  grpc {}
  output { metrics = [otelcol.exporter.prometheus.p.input] }
}
otelcol.exporter.prometheus "p" {
  forward_to = []
}`);
    expect(config.otlp).toEqual({
      grpc: { listen: '0.0.0.0:4317' },
      http: { listen: 'off' }, // no http block: Alloy starts no HTTP server
      resource_to_telemetry_conversion: false,
      target_info: true,
      scope_labels: 'name_version',
      start_time_zero_injection: false,
    });
  });

  it('notes processors that change data, other signals, and relabelling of OTLP metrics', () => {
    const { brief, config } = convert(`${RW}
otelcol.receiver.otlp "in" {
  http {
    metrics_url_path = "/custom"
    tls {
      cert_file = "/c"
    }
  }
  output {
    metrics = [otelcol.processor.deltatocumulative.d.input]
    traces  = [otelcol.exporter.otlp.tempo.input]
  }
}
otelcol.processor.deltatocumulative "d" {
  output { metrics = [otelcol.processor.transform.t.input] }
}
otelcol.processor.transform "t" {
  output { metrics = [otelcol.exporter.prometheus.p.input] }
}
otelcol.exporter.prometheus "p" {
  include_scope_info = true
  forward_to         = [prometheus.relabel.r.receiver]
}
prometheus.relabel "r" {
  forward_to = [prometheus.remote_write.rw.receiver]
  rule {
    action = "labeldrop"
    regex  = "tmp"
  }
}
otelcol.exporter.otlp "tempo" {
  client { endpoint = "tempo:4317" }
}`);
    expect(config.otlp.delta).toBe('convert');
    // prometheus.relabel between the exporter and remote_write becomes otlp.metric_relabel_configs.
    expect(config.otlp.metric_relabel_configs).toEqual([{ regex: 'tmp', action: 'labeldrop' }]);
    expect(brief).toEqual([
      `1 info: ${RW_INFO}`,
      '9 untranslated: http > metrics_url_path = "/custom": Pharos receives OTLP metrics at /v1/metrics only; point exporters there',
      "10 untranslated: http > tls is not translated: Pharos' OTLP receiver has no TLS (put a TLS proxy in front)",
      '16 untranslated: output > traces: Pharos stores metrics only; traces sent to it are answered but not kept or forwarded',
      '19 info: not needed: Pharos turns delta temporality into cumulative itself (otlp.delta: convert)',
      '22 untranslated: is not applied: Pharos has no OpenTelemetry processors, metrics are stored as received',
      '26 untranslated: include_scope_info = true is not translated: Pharos writes no otel_scope_info series',
      '36 untranslated: Pharos stores metrics itself and does not forward OTLP to other backends',
    ]);
  });
});

describe('exporters', () => {
  it('prometheus.exporter.unix becomes host_metrics and its scrape job is dropped', () => {
    const { config, brief } = convert(`${RW}
prometheus.exporter.unix "node" {
  set_collectors = ["cpu", "meminfo"]
}
prometheus.scrape "node" {
  targets         = prometheus.exporter.unix.node.targets
  forward_to      = [prometheus.remote_write.rw.receiver]
  scrape_interval = "15s"
}`);
    expect(config.host_metrics).toEqual({ enabled: true, interval: '15s' });
    expect(config.scrape_configs).toBeUndefined();
    expect(config.remote_write).toHaveLength(1);
    expect(brief).toEqual([
      `1 info: ${RW_INFO}`,
      '11 info: scrapes prometheus.exporter.unix "node" (line 7); Pharos collects host metrics itself (host_metrics), so no scrape job is written for it; Pharos labels them job="node", so queries that select Alloy\'s job label for them may need changing',
    ]);
  });

  it("host_metrics.interval is the scrape's, Alloy's 1m when unset; one interval for all", () => {
    const { config, brief } = convert(`prometheus.exporter.unix "node" { }
prometheus.scrape "a" {
  targets    = prometheus.exporter.unix.node.targets
  forward_to = []
}
prometheus.scrape "b" {
  targets         = prometheus.exporter.unix.node.targets
  forward_to      = [prometheus.relabel.r.receiver]
  scrape_interval = "5s"
  scrape_timeout  = "5s"
}
prometheus.relabel "r" {
  forward_to = []
  rule {
    action = "labeldrop"
    regex  = "cpu"
  }
}`);
    expect(config.host_metrics).toEqual({ enabled: true, interval: '1m' });
    expect(brief.filter((b) => b.includes('untranslated'))).toEqual([
      '6 untranslated: Pharos collects host metrics at one interval; it uses 1m from prometheus.scrape "a", not 5s',
      '7 untranslated: the relabel rules on the way to and from prometheus.exporter.unix "node" are not applied to Pharos\' host metrics',
    ]);
  });

  it('prometheus.exporter.cadvisor is named as untranslatable, with the suggestion to scrape cAdvisor', () => {
    const { config, brief } = convert(`prometheus.exporter.cadvisor "c" {
  docker_host = "unix:///var/run/docker.sock"
}
prometheus.scrape "c" {
  targets    = prometheus.exporter.cadvisor.c.targets
  forward_to = []
}`);
    expect(config.scrape_configs).toBeUndefined();
    expect(brief).toEqual([
      '1 untranslated: Pharos has no built-in cAdvisor: run cAdvisor itself (e.g. the gcr.io/cadvisor/cadvisor container) and add a scrape job for its address (it serves /metrics on port 8080)',
      '5 untranslated: its targets come from prometheus.exporter.cadvisor "c" (line 1), which Pharos does not run: run that exporter on its own and list its address under static_configs',
      '6 info: its samples go nowhere in Alloy (an empty forward_to); Pharos stores them',
    ]);
  });

  it('an unscraped prometheus.exporter.unix turns nothing on', () => {
    const { config, brief } = convert('prometheus.exporter.unix "n" { }');
    expect(config.host_metrics).toBeUndefined();
    expect(brief).toEqual(['1 info: no prometheus.scrape scrapes it, so Alloy collected nothing from it; host_metrics stays off']);
  });
});

describe("Alloy's own blocks and everything else", () => {
  it('logging.level becomes log.level; logging and livedebugging are noted', () => {
    const { config, brief } = convert(`logging {
  level  = "warn"
  format = "json"
}
livedebugging {
  enabled = true
}`);
    expect(config.log).toEqual({ level: 'warn' });
    expect(brief).toEqual([
      '1 info: level becomes log.level: warn',
      '3 info: format is not translated: Pharos writes its own log format',
      '5 info: Pharos has no live debugging view; its /api/v1/targets and self-metrics show what arrives',
    ]);
  });

  it('prometheus.receive_http keeps the remote write receiver on and says where senders must point', () => {
    const { config, brief } = convert(`prometheus.receive_http "in" {
  http {
    listen_port = 9999
  }
  forward_to = []
}`);
    expect(config.remote_write_receiver).toEqual({ enabled: true });
    expect(brief).toEqual(['1 untranslated: Pharos accepts remote write at POST /api/v1/write on its HTTP port (http.listen, default 0.0.0.0:9090), not at /api/v1/metrics/write on this listener: point the senders there']);
  });

  it.each<[string, string]>([
    ['loki.source.file "f" {}', 'Pharos stores metrics only, not logs'],
    ['local.file "token" {\n  filename = "/t"\n}', 'Pharos does not read values from files into its configuration: put the value in the file'],
    ['prometheus.exporter.redis "r" {}', 'Pharos has no built-in exporter of this kind: run the standalone exporter and add a scrape job for its address'],
    ['otelcol.receiver.kafka "k" {}', 'Pharos receives metrics over OTLP gRPC/HTTP, scraping and remote write only'],
    ['something.new "x" {}', 'no Pharos equivalent'],
    ['remotecfg {\n  url = "http://fleet"\n}', 'Pharos does not fetch its configuration remotely'],
    ['import.git "mod" {}', "modules are not translated: import the module's blocks into this file and convert again"],
  ])('%s → not translated with a reason', (src, why) => {
    expect(convert(src).brief).toEqual([`1 untranslated: ${why}`]);
  });

  it('messages have the form "not translated: <block> at line N: <why>"', () => {
    const { notes } = convert('\n\nprometheus.exporter.cadvisor "default" {}');
    expect(notes).toEqual([{
      line: 3,
      block: 'prometheus.exporter.cadvisor "default"',
      severity: 'untranslated',
      message: 'not translated: prometheus.exporter.cadvisor "default" at line 3: Pharos has no built-in cAdvisor: run cAdvisor itself (e.g. the gcr.io/cadvisor/cadvisor container) and add a scrape job for its address (it serves /metrics on port 8080)',
    }]);
  });

  it('throws AlloySyntaxError for text that does not parse', () => {
    expect(() => convertAlloy('prometheus.scrape "x" {\n  targets = [\n', 'bad.alloy')).toThrow(AlloySyntaxError);
    expect(() => convertAlloy('a = ', 'bad.alloy')).toThrow('bad.alloy:1:5: expected expression, got end of file');
  });
});

describe('the YAML', () => {
  it('has a header naming the file and listing the notes, and a comment above each job', () => {
    const { yaml } = convert(`prometheus.scrape "x" {
  targets    = [{__address__ = "a:1"}]
  forward_to = []
}
prometheus.exporter.cadvisor "c" {}`);
    expect(yaml.split('\n').slice(0, 9)).toEqual([
      '# Pharos configuration generated by `pharos import-alloy` from config.alloy.',
      '# global, scrape_configs and remote_write have the shape of prometheus.yml.',
      '# NOT everything was translated: see the 1 "not translated" note(s) below.',
      '',
      '# Notes:',
      '#   config.alloy:3: info: prometheus.scrape "x" at line 3: its samples go nowhere in Alloy (an empty forward_to); Pharos stores them',
      '#   config.alloy:5: not translated: prometheus.exporter.cadvisor "c" at line 5: Pharos has no built-in cAdvisor: run cAdvisor itself (e.g. the gcr.io/cadvisor/cadvisor container) and add a scrape job for its address (it serves /metrics on port 8080)',
      '',
      '# Alloy had no otelcol.receiver.otlp: OTLP receivers are off.',
    ]);
    expect(yaml).toContain('scrape_configs:\n  # prometheus.scrape "x" (line 1)\n  - job_name: prometheus.scrape.x\n');
  });

  it('quotes strings a YAML 1.1 reader would take for bools, and is the same every time', () => {
    const src = 'prometheus.scrape "x" {\n  targets = [{__address__ = "a:1", on = "off", yes = "no"}]\n  forward_to = []\n}';
    const { yaml, config } = convert(src);
    expect(yaml).toContain('listen: "off"');
    expect(yaml).toContain('"on": "off"');
    expect(config.scrape_configs[0].static_configs[0].labels).toEqual({ on: 'off', yes: 'no' });
    expect(convert(src).yaml).toBe(yaml);
  });
});

describe("Pharos' settings", () => {
  it('every Pharos setting the converter writes is one loadConfig knows and accepts', () => {
    const { yaml } = convert(`logging { level = "error" }
prometheus.exporter.unix "n" { }
prometheus.scrape "n" {
  targets         = prometheus.exporter.unix.n.targets
  forward_to      = []
  scrape_interval = "30s"
}
prometheus.receive_http "in" {
  forward_to = []
}
otelcol.receiver.otlp "in" {
  grpc {
    endpoint          = "127.0.0.1:4317"
    max_recv_msg_size = "8MiB"
  }
  http {
    endpoint              = "127.0.0.1:4318"
    max_request_body_size = "10MiB"
  }
  output { metrics = [otelcol.processor.deltatocumulative.d.input] }
}
otelcol.processor.deltatocumulative "d" {
  output { metrics = [otelcol.exporter.prometheus.p.input] }
}
otelcol.exporter.prometheus "p" {
  add_metric_suffixes  = false
  include_scope_labels = false
  forward_to           = []
}`);
    const file = join(mkdtempSync(join(tmpdir(), 'pharos-alloy-')), 'pharos.yaml');
    writeFileSync(file, yaml);
    const c = loadConfig({ configFile: file, env: {} });
    expect(c.logLevel).toBe('error');
    expect(c.hostMetrics).toEqual({ enabled: true, intervalMs: 30_000 });
    expect(c.remoteWriteReceiver.enabled).toBe(true);
    expect(c.otlp).toMatchObject({
      grpcListen: { host: '127.0.0.1', port: 4317 },
      httpListen: { host: '127.0.0.1', port: 4318 },
      grpcMaxRecvMsgSize: 8 * 1024 * 1024,
      httpMaxRequestBodySize: 10 * 1024 * 1024,
      resourceToTelemetryConversion: false,
      targetInfo: true,
      scopeLabels: 'none',
      startTimeZeroInjection: false,
      translationStrategy: 'UnderscoreEscapingWithoutSuffixes',
      delta: 'convert',
    });
  });

  it('switches the OTLP receivers off when Alloy had none', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pharos-alloy-')), 'pharos.yaml');
    writeFileSync(file, convert('logging { }').yaml);
    const c = loadConfig({ configFile: file, env: {} });
    expect([c.otlp.grpcListen, c.otlp.httpListen]).toEqual([null, null]);
  });
});
