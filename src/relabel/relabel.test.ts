import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { labelsFrom, labelsToObject } from '../model/labels.ts';
import { DEFAULT_REGEX, hashMod, parseRelabelConfigs, relabel, RelabelConfigError, type NameValidation } from './index.ts';

/** Input labels, the rules as YAML, and the labels that come out (or 'drop'). */
interface Case {
  name: string;
  input: Record<string, string>;
  rules: string;
  output: Record<string, string> | 'drop';
  nameValidation?: NameValidation;
}

function run(input: Record<string, string>, rules: string, nameValidation?: NameValidation): Record<string, string> | 'drop' {
  const configs = parseRelabelConfigs(parseYaml(rules), 'relabel_configs', { nameValidation });
  const out = relabel(labelsFrom(input), configs);
  if (out === null) return 'drop';
  // Always canonical: sorted by name, no empty values.
  expect(out).toEqual(labelsFrom(labelsToObject(out)));
  return labelsToObject(out);
}

// The cases of prometheus/prometheus model/relabel/relabel_test.go (TestRelabel), in order.
const prometheusCases: Case[] = [
  {
    name: 'replace with ${1} twice',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [a]
        regex: f(.*)
        target_label: d
        replacement: ch\${1}-ch\${1}`,
    output: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'replace chained, the second rule sees the first one\'s result',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [a, b]
        regex: f(.*);(.*)r
        target_label: a
        replacement: b\${1}\${2}m
      - source_labels: [c, a]
        regex: (b).*b(.*)ba(.*)
        target_label: d
        replacement: $1$2$2$3`,
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'drop stops before later rules',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: .*o.*
        action: drop
      - source_labels: [a]
        regex: f(.*)
        target_label: d
        replacement: ch$1-ch$1`,
    output: 'drop',
  },
  {
    name: 'drop on match',
    input: { a: 'foo', b: 'bar' },
    rules: `
      - source_labels: [a]
        regex: .*o.*
        action: drop`,
    output: 'drop',
  },
  {
    name: 'replace with a group in the middle',
    input: { a: 'abc' },
    rules: `
      - source_labels: [a]
        regex: .*(b).*
        target_label: d
        replacement: $1`,
    output: { a: 'abc', d: 'b' },
  },
  {
    name: 'drop without a match keeps',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: no-match
        action: drop`,
    output: { a: 'foo' },
  },
  {
    name: 'drop regex is anchored: f|o does not match foo',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: f|o
        action: drop`,
    output: { a: 'foo' },
  },
  {
    name: 'keep without a match drops',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: no-match
        action: keep`,
    output: 'drop',
  },
  {
    name: 'keep on match',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: f.*
        action: keep`,
    output: { a: 'foo' },
  },
  {
    name: 'replace without a match changes nothing',
    input: { a: 'boo' },
    rules: `
      - source_labels: [a]
        regex: f
        target_label: b
        replacement: bar`,
    output: { a: 'boo' },
  },
  {
    name: 'replace with a blank replacement deletes the target',
    input: { a: 'foo', f: 'baz' },
    rules: `
      - source_labels: [a]
        regex: (f).*
        target_label: $1
        replacement: $2`,
    output: { a: 'foo' },
  },
  {
    name: 'hashmod of "baz"',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [c]
        target_label: d
        action: hashmod
        modulus: 1000`,
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod of a value with a newline',
    input: { a: 'foo\nbar' },
    rules: `
      - source_labels: [a]
        target_label: b
        action: hashmod
        modulus: 1000`,
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'labelmap with a prefix',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: `
      - regex: (b.*)
        replacement: bar_\${1}
        action: labelmap`,
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap strips __meta_',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    rules: `
      - regex: __meta_(my.*)
        replacement: \${1}
        action: labelmap`,
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'replace with the target name taken from the value',
    input: { a: 'some-name-value' },
    rules: `
      - source_labels: [a]
        regex: some-([^-]+)-([^,]+)
        replacement: \${2}
        target_label: \${1}`,
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'replace with a missing group as value sets nothing',
    input: { a: 'some-name-value' },
    rules: `
      - source_labels: [a]
        regex: some-([^-]+)-([^,]+)
        replacement: \${3}
        target_label: \${1}`,
    output: { a: 'some-name-value' },
  },
  {
    name: 'replace whose target expands to "" is skipped',
    input: { a: 'some-name-0' },
    rules: `
      - source_labels: [a]
        regex: some-([^-]+)-([^,]+)
        replacement: \${1}
        target_label: \${3}
      - source_labels: [a]
        regex: some-([^-]+)(-[^,]+)
        replacement: \${1}
        target_label: \${3}`,
    output: { a: 'some-name-0' },
  },
  {
    name: 'real-life service discovery tags',
    input: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
    rules: `
      - source_labels: [__meta_sd_tags]
        regex: (?:.+,|^)path:(/[^,]+).*
        replacement: \${1}
        target_label: __metrics_path__
      - source_labels: [__meta_sd_tags]
        regex: (?:.+,|^)job:([^,]+).*
        replacement: \${1}
        target_label: job
      - source_labels: [__meta_sd_tags]
        regex: (?:.+,|^)label:([^=]+)=([^,]+).*
        replacement: \${2}
        target_label: \${1}`,
    output: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar', __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
  },
  {
    name: 'labeldrop then replace then keep sees the new value (prometheus#12283)',
    input: { __meta_kubernetes_pod_container_port_name: 'foo', __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091' },
    rules: `
      - regex: ^__meta_kubernetes_pod_container_port_name$
        action: labeldrop
      - source_labels: [__meta_kubernetes_pod_annotation_XXX_metrics_port]
        regex: (.+)
        replacement: metrics
        target_label: __meta_kubernetes_pod_container_port_name
      - source_labels: [__meta_kubernetes_pod_container_port_name]
        regex: ^metrics$
        action: keep`,
    output: { __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091', __meta_kubernetes_pod_container_port_name: 'metrics' },
  },
  {
    name: 'labelkeep',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: `
      - regex: (b.*)
        action: labelkeep`,
    output: { b1: 'bar', b2: 'baz' },
  },
  {
    name: 'labeldrop',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: `
      - regex: (b.*)
        action: labeldrop`,
    output: { a: 'foo' },
  },
  {
    name: 'uppercase and lowercase',
    input: { foo: 'bAr123Foo' },
    rules: `
      - source_labels: [foo]
        action: uppercase
        target_label: foo_uppercase
      - source_labels: [foo]
        action: lowercase
        target_label: foo_lowercase`,
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'keepequal with an equal target keeps',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: `
      - source_labels: [__tmp_port]
        action: keepequal
        target_label: __port1`,
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'dropequal with an equal target drops',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: `
      - source_labels: [__tmp_port]
        action: dropequal
        target_label: __port1`,
    output: 'drop',
  },
  {
    name: 'dropequal with a different target keeps',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: `
      - source_labels: [__tmp_port]
        action: dropequal
        target_label: __port2`,
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal with a different target drops',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: `
      - source_labels: [__tmp_port]
        action: keepequal
        target_label: __port2`,
    output: 'drop',
  },
  {
    name: '. matches a newline; ${1} of a regex without groups is ""',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [a]
        regex: line1.*line2
        target_label: d
        replacement: match\${1}`,
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: 'UTF-8 source label',
    input: { 'utf-8.label': 'line1\nline2', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [utf-8.label]
        regex: line1.*line2
        target_label: d
        replacement: match\${1}`,
    output: { 'utf-8.label': 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: 'UTF-8 target label',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [a]
        regex: line1.*line2
        target_label: utf-8.label
        replacement: match\${1}`,
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', 'utf-8.label': 'match' },
  },
  {
    name: 'UTF-8 target label with a reference',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [a]
        regex: line1.*line2
        target_label: utf-8.label\${1}
        replacement: match\${1}`,
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', 'utf-8.label': 'match' },
  },
  {
    name: 'numbered and named references, braced and bare',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: `
      - source_labels: [a]
        regex: (line1).*(?<second>line2)
        target_label: label1_\${1}
        replacement: val_\${second}
      - source_labels: [a]
        regex: (line1).*(?<second>line2)
        target_label: label2_$1
        replacement: val_$second`,
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', label1_line1: 'val_line2', label2_line1: 'val_line2' },
  },
  {
    name: '__type__ from the metric name',
    input: { __name__: 'http_requests_total' },
    rules: `
      - source_labels: [__name__]
        regex: .*_total$
        target_label: __type__
        replacement: counter`,
    output: { __name__: 'http_requests_total', __type__: 'counter' },
  },
  {
    name: '__unit__ from the metric name',
    input: { __name__: 'disk_usage_bytes' },
    rules: `
      - source_labels: [__name__]
        regex: .*_bytes$
        target_label: __unit__
        replacement: bytes`,
    output: { __name__: 'disk_usage_bytes', __unit__: 'bytes' },
  },
];

// BenchmarkRelabel's "static label pair" rules and the kubernetes rules, with their outputs.
const benchmarkCases: Case[] = [
  {
    name: 'static label pairs; a target or value of ${0} over an empty input',
    input: { abcdefg01: 'hijklmn1', job: 'foo', dropped: 'x' },
    rules: `
      - replacement: wwwwww
        target_label: wwwwww
      - replacement: yyyyyyyyyyyy
        target_label: xxxxxxxxx
      - source_labels: ["something"]
        target_label: with_source_labels
        replacement: value
      - replacement: dropped
        target_label: \${0}
      - replacement: \${0}
        target_label: dropped`,
    output: { abcdefg01: 'hijklmn1', job: 'foo', wwwwww: 'wwwwww', xxxxxxxxx: 'yyyyyyyyyyyy', with_source_labels: 'value' },
  },
  {
    name: 'kubernetes pod discovery, prometheus.io annotations',
    input: {
      __address__: '10.132.183.40:80',
      __meta_kubernetes_namespace: 'loki-boltdb-shipper',
      __meta_kubernetes_pod_container_name: 'promtail',
      __meta_kubernetes_pod_container_port_name: 'http-metrics',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '9100',
      __meta_kubernetes_pod_annotation_prometheus_io_param_module: 'http_2xx',
      __meta_kubernetes_pod_label_name: 'promtail-loki-boltdb-shipper',
      __meta_kubernetes_pod_name: 'promtail-loki-boltdb-shipper-jgtr7',
      __meta_kubernetes_pod_phase: 'Running',
      __metrics_path__: '/metrics',
      __scheme__: 'http',
      job: 'kubernetes-pods',
    },
    rules: `
      - source_labels: [__meta_kubernetes_pod_container_port_name]
        regex: .*-metrics
        action: keep
      - source_labels: [__meta_kubernetes_pod_label_name]
        action: drop
        regex: ""
      - source_labels: [__meta_kubernetes_pod_phase]
        regex: Succeeded|Failed
        action: drop
      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
        target_label: __address__
        regex: (.+?)(\\:\\d+)?;(\\d+)
        replacement: $1:$3
      - regex: __meta_kubernetes_pod_annotation_prometheus_io_param_(.+)
        replacement: __param_$1
        action: labelmap
      - source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_pod_label_name]
        separator: /
        target_label: job
      - source_labels: [__meta_kubernetes_pod_name, __meta_kubernetes_pod_container_name, __meta_kubernetes_pod_container_port_name]
        separator: ':'
        target_label: instance
      - target_label: cluster
        replacement: dev-us-central-0
      - regex: __meta_.*
        action: labeldrop`,
    output: {
      __address__: '10.132.183.40:9100',
      __metrics_path__: '/metrics',
      __param_module: 'http_2xx',
      __scheme__: 'http',
      cluster: 'dev-us-central-0',
      instance: 'promtail-loki-boltdb-shipper-jgtr7:promtail:http-metrics',
      job: 'loki-boltdb-shipper/promtail-loki-boltdb-shipper',
    },
  },
];

// Examples from the <relabel_config> section of Prometheus' configuration documentation.
const documentationCases: Case[] = [
  {
    name: 'keep only targets whose annotation says scrape: true',
    input: { __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'false', job: 'pods' },
    rules: `
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        action: keep
        regex: true`,
    output: 'drop',
  },
  {
    name: 'drop an expensive metric by name',
    input: { __name__: 'go_gc_duration_seconds', job: 'api' },
    rules: `
      - source_labels: [__name__]
        regex: go_gc_.*
        action: drop`,
    output: 'drop',
  },
  {
    name: 'labelmap copies Kubernetes node labels',
    input: { __meta_kubernetes_node_label_zone: 'eu-1', __meta_kubernetes_node_label_arch: 'arm64', instance: 'n1' },
    rules: `
      - action: labelmap
        regex: __meta_kubernetes_node_label_(.+)`,
    output: { __meta_kubernetes_node_label_zone: 'eu-1', __meta_kubernetes_node_label_arch: 'arm64', instance: 'n1', zone: 'eu-1', arch: 'arm64' },
  },
  {
    name: 'hashmod shards targets: shard 1 of 2 keeps its own',
    input: { __address__: 'b:9100' },
    rules: `
      - source_labels: [__address__]
        modulus: 2
        target_label: __tmp_hash
        action: hashmod
      - source_labels: [__tmp_hash]
        regex: ^${hashMod('b:9100', 2)}$
        action: keep
      - regex: __tmp_hash
        action: labeldrop`,
    output: { __address__: 'b:9100' },
  },
  {
    name: 'keepequal: the port label must equal the annotated port',
    input: { __meta_port: '80', __meta_annotation_port: '8080' },
    rules: `
      - source_labels: [__meta_annotation_port]
        target_label: __meta_port
        action: keepequal`,
    output: 'drop',
  },
];

// Details of Prometheus' code paths and of Go's regexp that the cases above do not reach.
const detailCases: Case[] = [
  {
    name: 'missing source labels count as "" and are still joined',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a, missing, a]
        target_label: joined`,
    output: { a: 'foo', joined: 'foo;;foo' },
  },
  {
    name: 'keep with no source labels matches "" against the default regex',
    input: { a: 'foo' },
    rules: `
      - action: keep`,
    output: { a: 'foo' },
  },
  {
    name: 'replace overwrites an existing label, then an empty replacement removes it',
    input: { a: 'foo', b: 'old' },
    rules: `
      - source_labels: [a]
        target_label: b
      - source_labels: [missing]
        target_label: a
        replacement: ''`,
    output: { b: 'foo' },
  },
  {
    name: 'templates: $$ is a dollar, $1x names group "1x" (empty), ${1}x does not, lone $ stays',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: (f)(o+)
        target_label: out
        replacement: "$$1|$1x|\${1}x|$2-|$|\${|$-"`,
    output: { a: 'foo', out: '$1||fx|oo-|$|${|$-' },
  },
  {
    name: 'templates: $0 is the whole match, $01 is nothing (no leading zeros)',
    input: { a: 'foo' },
    rules: `
      - source_labels: [a]
        regex: f(o+)
        target_label: out
        replacement: "<$0><$01><\${10}>"`,
    output: { a: 'foo', out: '<foo><><>' },
  },
  {
    name: 'RE2 (?P<name>…) groups',
    input: { host: 'web-3.eu' },
    rules: `
      - source_labels: [host]
        regex: (?P<role>[a-z]+)-\\d+\\.(?P<region>.+)
        target_label: role_in_\${region}
        replacement: $role`,
    output: { host: 'web-3.eu', role_in_eu: 'web' },
  },
  {
    name: 'RE2 leading (?i), [[:digit:]], \\Q…\\E, ] first in a class, \\x{…} and \\pL',
    input: { a: 'FOO', b: '12', c: 'a.b', d: ']', e: '😀é' },
    rules: `
      - source_labels: [a]
        regex: (?i)foo
        action: keep
      - source_labels: [b]
        regex: '[[:digit:]]+'
        action: keep
      - source_labels: [c]
        regex: '\\Qa.b\\E'
        action: keep
      - source_labels: [d]
        regex: '[]x]'
        action: keep
      - source_labels: [e]
        regex: '\\x{1F600}\\pL'
        action: keep`,
    output: { a: 'FOO', b: '12', c: 'a.b', d: ']', e: '😀é' },
  },
  {
    name: 'an empty regex matches only ""',
    input: { a: 'foo' },
    rules: `
      - source_labels: [missing]
        regex: ''
        action: keep
      - source_labels: [a]
        regex: ''
        action: keep`,
    output: 'drop',
  },
  {
    name: '. takes a whole code point, so captures never split an emoji',
    input: { a: '😀x' },
    rules: `
      - source_labels: [a]
        regex: (.)x
        target_label: first`,
    output: { a: '😀x', first: '😀' },
  },
  {
    name: 'labelmap: when two labels map to one name, the later one in label order wins',
    input: { a_x: '1', b_x: '2' },
    rules: `
      - regex: .*_(x)
        action: labelmap`,
    output: { a_x: '1', b_x: '2', x: '2' },
  },
  {
    name: 'labelmap sees labels added by earlier rules, after the original ones',
    input: { a_x: '1' },
    rules: `
      - target_label: b_x
        replacement: '2'
      - regex: ([ab])_x
        replacement: x
        action: labelmap`,
    output: { a_x: '1', b_x: '2', x: '2' },
  },
  {
    name: 'labeldrop and labelkeep match the whole name',
    input: { job: 'a', job_name: 'b', instance: 'c' },
    rules: `
      - regex: job
        action: labeldrop
      - regex: job.*|instance
        action: labelkeep`,
    output: { job_name: 'b', instance: 'c' },
  },
  {
    name: 'lowercase and uppercase map each rune like Go: İ→i, ß and ŉ stay, ᾳ→ᾼ, final Σ→σ',
    input: { a: 'İSTANBUL ΟΔΟΣ', b: 'straße ŉ ᾳ' },
    rules: `
      - source_labels: [a]
        action: lowercase
        target_label: lower
      - source_labels: [b]
        action: uppercase
        target_label: upper`,
    output: { a: 'İSTANBUL ΟΔΟΣ', b: 'straße ŉ ᾳ', lower: 'istanbul οδοσ', upper: 'STRAßE ŉ ᾼ' },
  },
  {
    name: 'lowercase of an empty input deletes the target',
    input: { a: 'x', t: 'y' },
    rules: `
      - source_labels: [missing]
        action: lowercase
        target_label: t`,
    output: { a: 'x' },
  },
  {
    name: 'hashmod of an empty input still sets a value',
    input: { a: 'x' },
    rules: `
      - source_labels: [missing]
        action: hashmod
        modulus: 7
        target_label: shard`,
    output: { a: 'x', shard: String(hashMod('', 7)) },
  },
  {
    name: 'legacy names: a target that expands to a name with "-" is skipped',
    input: { a: 'x-y' },
    rules: `
      - source_labels: [a]
        regex: (.*)
        target_label: l_$1
        replacement: v`,
    output: { a: 'x-y' },
    nameValidation: 'legacy',
  },
  {
    name: 'utf8 names: the same target is written',
    input: { a: 'x-y' },
    rules: `
      - source_labels: [a]
        regex: (.*)
        target_label: l_$1
        replacement: v`,
    output: { a: 'x-y', 'l_x-y': 'v' },
  },
];

describe('relabel', () => {
  describe.each([
    ['Prometheus relabel_test.go', prometheusCases],
    ['Prometheus benchmark configs', benchmarkCases],
    ['Prometheus documentation', documentationCases],
    ['details', detailCases],
  ] as const)('%s', (_, cases) => {
    it.each(cases)('$name', ({ input, rules, output, nameValidation }) => {
      expect(run(input, rules, nameValidation)).toEqual(output);
    });
  });

  it('returns the input array itself when no rule changes anything', () => {
    const input = labelsFrom({ a: 'foo', b: 'bar' });
    const rules = parseRelabelConfigs(parseYaml(`
      - source_labels: [a]
        regex: f.*
        action: keep
      - source_labels: [a]
        target_label: b
        regex: nomatch
      - source_labels: [b]
        target_label: b
      - regex: zzz
        action: labeldrop`), 'relabel_configs');
    expect(relabel(input, rules)).toBe(input);
    expect(relabel(input, [])).toBe(input);
  });

  it('never modifies its input', () => {
    const input = labelsFrom({ a: 'foo', b: 'bar' });
    const copy = structuredClone(input);
    const rules = parseRelabelConfigs(parseYaml(`
      - source_labels: [a]
        target_label: b
        replacement: changed
      - regex: a
        action: labeldrop`), 'relabel_configs');
    expect(labelsToObject(relabel(input, rules)!)).toEqual({ b: 'changed' });
    expect(input).toEqual(copy);
  });

  it('hashmod agrees with the 64-bit reference for small and large moduli', () => {
    for (const value of ['', 'baz', '10.0.0.1:9100', 'ünïcödé']) {
      for (const modulus of [1, 3, 1000, 2 ** 21, 2 ** 21 + 1, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
        const digest = createHash('md5').update(Buffer.from(value, 'utf8')).digest();
        expect(hashMod(value, modulus)).toBe(Number(digest.readBigUInt64BE(8) % BigInt(modulus)));
      }
    }
  });
});

/** A YAML list of rules, the options, and the exact error message. */
interface ErrorCase {
  name: string;
  rules: string;
  error: string;
  nameValidation?: NameValidation;
}

const errorCases: ErrorCase[] = [
  {
    name: 'replace needs a target_label',
    rules: `
      - source_labels: [a]`,
    error: `relabel_configs[0].target_label: relabel configuration for replace action requires 'target_label' value`,
  },
  {
    name: 'the position is the rule\'s index in the list',
    rules: `
      - target_label: a
      - action: keep
      - action: hashmod
        target_label: shard`,
    error: 'relabel_configs[2].modulus: relabel configuration for hashmod requires non-zero modulus',
  },
  {
    name: 'an explicit null action is empty',
    rules: `
      - action: ~
        target_label: a`,
    error: 'relabel_configs[0].action: relabel action cannot be empty',
  },
  {
    name: 'unknown action',
    rules: `
      - action: Rename`,
    error: 'relabel_configs[0].action: unknown relabel action "Rename"',
  },
  {
    name: 'hashmod target must be a label name (legacy)',
    rules: `
      - action: hashmod
        modulus: 4
        target_label: shard-1`,
    error: `relabel_configs[0].target_label: "shard-1" is invalid 'target_label' for hashmod action`,
    nameValidation: 'legacy',
  },
  {
    name: 'lowercase needs a target_label',
    rules: `
      - action: lowercase
        source_labels: [a]`,
    error: `relabel_configs[0].target_label: relabel configuration for lowercase action requires 'target_label' value`,
  },
  {
    name: 'uppercase cannot set a replacement',
    rules: `
      - action: uppercase
        target_label: b
        replacement: x`,
    error: `relabel_configs[0].replacement: 'replacement' can not be set for uppercase action`,
  },
  {
    name: 'lowercase target cannot hold references (legacy)',
    rules: `
      - action: lowercase
        target_label: \${3}`,
    error: `relabel_configs[0].target_label: "\${3}" is invalid 'target_label' for lowercase action`,
    nameValidation: 'legacy',
  },
  {
    name: 'replace target must not start with a digit once references are removed (legacy)',
    rules: `
      - source_labels: [a]
        regex: some-([^-]+)-([^,]+)
        target_label: 0\${3}`,
    error: `relabel_configs[0].target_label: "0\${3}" is invalid 'target_label' for replace action`,
    nameValidation: 'legacy',
  },
  {
    name: 'replace target with a dash (legacy)',
    rules: `
      - source_labels: [a]
        target_label: -\${3}`,
    error: `relabel_configs[0].target_label: "-\${3}" is invalid 'target_label' for replace action`,
    nameValidation: 'legacy',
  },
  {
    name: 'labelmap replacement must be a name template (legacy)',
    rules: `
      - action: labelmap
        regex: (.*)
        replacement: x.$1`,
    error: `relabel_configs[0].replacement: "x.$1" is invalid 'replacement' for labelmap action`,
    nameValidation: 'legacy',
  },
  {
    name: 'labelmap replacement cannot be empty',
    rules: `
      - action: labelmap
        replacement: ''`,
    error: `relabel_configs[0].replacement: "" is invalid 'replacement' for labelmap action`,
  },
  {
    name: 'keepequal refuses even an explicit default regex, as Prometheus does',
    rules: `
      - action: keepequal
        source_labels: [a]
        target_label: b
        regex: (.*)`,
    error: "relabel_configs[0].regex: keepequal action requires only 'source_labels' and `target_label`, and no other fields",
  },
  {
    name: 'dropequal refuses a separator',
    rules: `
      - action: dropequal
        source_labels: [a, b]
        separator: ','
        target_label: c`,
    error: "relabel_configs[0].separator: dropequal action requires only 'source_labels' and `target_label`, and no other fields",
  },
  {
    name: 'labeldrop refuses source_labels',
    rules: `
      - action: labeldrop
        source_labels: [a]
        regex: a`,
    error: "relabel_configs[0].source_labels: labeldrop action requires only 'regex', and no other fields",
  },
  {
    name: 'labelkeep refuses a target_label',
    rules: `
      - action: labelkeep
        regex: a
        target_label: b`,
    error: "relabel_configs[0].target_label: labelkeep action requires only 'regex', and no other fields",
  },
  {
    name: 'a regex that does not compile',
    rules: `
      - action: keep
      - action: drop
        regex: "(unclosed"`,
    error: 'relabel_configs[1].regex: invalid regular expression "(unclosed": ',
  },
  {
    name: 'an unknown field',
    rules: `
      - target_label: a
        targets: [x]`,
    error: 'relabel_configs[0].targets: unknown field (expected one of source_labels, separator, regex, modulus, target_label, replacement, action)',
  },
  {
    name: 'a null rule',
    rules: `
      - target_label: a
      -`,
    error: 'relabel_configs[1]: empty or null relabeling rule',
  },
  {
    name: 'a rule that is not a mapping',
    rules: `
      - keep`,
    error: 'relabel_configs[0]: must be a mapping',
  },
  {
    name: 'rules that are not a list',
    rules: `
      action: keep`,
    error: 'relabel_configs: must be a list of relabel rules',
  },
  {
    name: 'source_labels must be a list',
    rules: `
      - source_labels: a
        action: keep`,
    error: 'relabel_configs[0].source_labels: must be a list of label names, got string "a"',
  },
  {
    name: 'source label names must be valid',
    rules: `
      - source_labels: [a, '']
        action: keep`,
    error: 'relabel_configs[0].source_labels[1]: "" is not a valid label name',
  },
  {
    name: 'modulus must be a non-negative integer',
    rules: `
      - action: hashmod
        modulus: -3
        target_label: t`,
    error: 'relabel_configs[0].modulus: must be a non-negative integer, got number -3',
  },
  {
    name: 'a string field given a mapping',
    rules: `
      - target_label: a
        separator: {x: 1}`,
    error: 'relabel_configs[0].separator: must be a string, got a mapping',
  },
];

describe('parseRelabelConfigs', () => {
  it.each(errorCases)('rejects: $name', ({ rules, error, nameValidation }) => {
    let caught: unknown;
    try {
      parseRelabelConfigs(parseYaml(rules), 'relabel_configs', { nameValidation });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RelabelConfigError);
    expect((caught as Error).message.startsWith(error)).toBe(true);
    expect((caught as RelabelConfigError).code).toBe('bad_relabel_config');
  });

  it.each<[string, NameValidation, string]>([
    ['lowercase target "${3}" is a literal name under utf8', 'utf8', `- {action: lowercase, target_label: "\${3}"}`],
    ['replace target "0${3}" under utf8', 'utf8', `- {source_labels: [a], target_label: "0\${3}"}`],
    ['replace target "-${3}" under utf8', 'utf8', `- {source_labels: [a], target_label: "-\${3}"}`],
    ['labelmap $1 under legacy', 'legacy', `- {action: labelmap, regex: "__meta_kubernetes_pod_label_(strimzi_io_.+)", replacement: $1}`],
    ['labelmap ${1} under legacy', 'legacy', `- {action: labelmap, regex: "__meta_(.+)", replacement: "\${1}"}`],
    ['action in capitals', 'utf8', `- {action: KEEP, source_labels: [a], regex: x}`],
    ['keepequal with an explicit default separator and replacement', 'utf8', `- {action: keepequal, source_labels: [a], target_label: b, separator: ";", replacement: $1}`],
    ['labeldrop with source_labels: null', 'utf8', `- {action: labeldrop, source_labels: ~, regex: a}`],
  ])('accepts: %s (%s)', (_, nameValidation, rules) => {
    expect(() => parseRelabelConfigs(parseYaml(rules), 'relabel_configs', { nameValidation })).not.toThrow();
  });

  it('fills in Prometheus defaults', () => {
    const [c] = parseRelabelConfigs(parseYaml('- target_label: t'), 'relabel_configs');
    expect(c).toMatchObject({ action: 'replace', sourceLabels: [], separator: ';', modulus: 0, targetLabel: 't', replacement: '$1', nameValidation: 'utf8' });
    expect(c.regex).toBe(DEFAULT_REGEX);
    expect(c.regex.source).toBe('(.*)');
  });

  it('treats an explicit null like Go\'s zero value: regex "" and replacement ""', () => {
    const [c] = parseRelabelConfigs(parseYaml('- {target_label: t, regex: ~, replacement: ~, separator: ~}'), 'relabel_configs');
    expect(c.regex.source).toBe('');
    expect(c.replacement).toBe('');
    expect(c.separator).toBe('');
  });

  it('reads null or a missing list as no rules', () => {
    expect(parseRelabelConfigs(null, 'x')).toEqual([]);
    expect(parseRelabelConfigs(undefined, 'x')).toEqual([]);
  });
});
