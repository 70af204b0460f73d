/**
 * Runs every input of shared/conformance/exposition (see its README.md) through the parsers,
 * unmodified, and checks the documented outcome: must parse, must reject (for the documented
 * flaw), counts, and round trips.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { METRIC_NAME, labelsKey, type Labels } from '../../../model/labels.ts';
import { ExpositionParseError } from './errors.ts';
import { parseExposition } from './parse.ts';
import { RecordingSink } from './recording-sink.ts';
import type { ParseOptions } from './types.ts';

const DIR = new URL('../../../../../shared/conformance/exposition/', import.meta.url);
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

function read(path: string): Uint8Array {
  return readFileSync(new URL(path, DIR));
}

function parse(path: string, contentType: string, opts?: ParseOptions) {
  const sink = new RecordingSink();
  const summary = parseExposition(read(path), contentType, sink, opts);
  return { sink, summary };
}

function countTypes(sink: RecordingSink): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of sink.metadataCalls) out[m.metadata.type] = (out[m.metadata.type] ?? 0) + 1;
  return out;
}

it('finds the conformance folder next to the repository', () => {
  expect(existsSync(new URL('README.md', DIR)), `${fileURLToPath(DIR)}README.md`).toBe(true);
});

describe('prometheus-textparse (all valid)', () => {
  it('alltypes.237mfs.prom.txt: 237 families, 112 counters, 97 gauges, 15 histograms, 13 summaries', () => {
    const { sink, summary } = parse('prometheus-textparse/alltypes.237mfs.prom.txt', TEXT);
    expect(summary.families).toBe(237);
    expect(sink.metadataCalls).toHaveLength(237);
    expect(countTypes(sink)).toEqual({ counter: 112, gauge: 97, histogram: 15, summary: 13 });
    expect(new Set(sink.metadataCalls.map((m) => m.family)).size).toBe(237);
    expect(summary.samples).toBe(sink.samples.length);
  });

  it('alltypes.237mfs.nometa.prom.txt: the same samples, every family untyped', () => {
    const typed = parse('prometheus-textparse/alltypes.237mfs.prom.txt', TEXT).sink;
    const { sink } = parse('prometheus-textparse/alltypes.237mfs.nometa.prom.txt', TEXT);
    expect(sink.metadataCalls).toEqual([]); // no HELP/TYPE: nothing typed
    expect(sink.samples).toEqual(typed.samples);
  });

  it('alltypes.5mfs.om.txt: 5 families (gauge, counter, histogram, summary, counter) with _created series', () => {
    const { sink, summary } = parse('prometheus-textparse/alltypes.5mfs.om.txt', OM);
    expect(summary.families).toBe(5);
    expect(sink.metadataCalls.map((m) => m.metadata.type)).toEqual(['gauge', 'counter', 'histogram', 'summary', 'counter']);
    expect(summary.created).toBe(9);
    expect(sink.samples.some((s) => s.name.endsWith('_created'))).toBe(false);
    expect(sink.createdCalls[0]).toEqual({
      family: 'promhttp_metric_handler_errors',
      labels: [
        { name: METRIC_NAME, value: 'promhttp_metric_handler_errors_created' },
        { name: 'cause', value: 'encoding' },
      ],
      createdMs: 1726839813016,
    });
    expect(summary.exemplars).toBe(sink.exemplars.length);
    expect(sink.exemplars[0].exemplar).toEqual({
      labels: [{ name: 'dummyID', value: '17783' }],
      value: -0.0003825067330956884,
      timestampMs: 1726839814223,
    });
    // With createdAsSamples the _created lines become ordinary series.
    const asSamples = parse('prometheus-textparse/alltypes.5mfs.om.txt', OM, { createdAsSamples: true });
    expect(asSamples.summary.samples).toBe(summary.samples + 9);
  });

  it('1histogram.om.txt: one classic histogram family over 3 label sets', () => {
    const { sink, summary } = parse('prometheus-textparse/1histogram.om.txt', OM);
    expect(summary.families).toBe(1);
    expect(sink.metadataCalls.map((m) => m.metadata.type)).toEqual(['histogram']);
    const sets = new Set(sink.samples.map((s) => labelsKey(s.labels.filter((l) => l.name !== 'le' && l.name !== METRIC_NAME))));
    expect(sets.size).toBe(3);
  });
});

/** Writes samples back as an OpenMetrics dump does: Go %g values, seconds with 3 decimals. */
function writeOpenMetrics(samples: RecordingSink['samples']): string {
  let out = '';
  for (const s of samples) {
    out += s.labels.find((l) => l.name === METRIC_NAME)!.value;
    const rest = s.labels.filter((l) => l.name !== METRIC_NAME);
    if (rest.length > 0) out += '{' + rest.map((l) => `${l.name}="${escapeLabelValue(l.value)}"`).join(',') + '}';
    out += ' ' + formatGoFloat(s.value);
    if (s.timestampMs !== undefined) out += ' ' + Math.floor(s.timestampMs / 1000) + '.' + String(s.timestampMs % 1000).padStart(3, '0');
    out += '\n';
  }
  return out + '# EOF\n';
}

function escapeLabelValue(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** strconv.FormatFloat(v, 'g', -1, 64). */
function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const e = v.toExponential(); // shortest digits that round-trip
  const [mantissa, expStr] = e.split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 21 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

describe('prometheus-promtool', () => {
  it('metrics-test.prom: 27 samples, as promtool check metrics --extended counts', () => {
    const { summary } = parse('prometheus-promtool/metrics-test.prom', TEXT);
    expect(summary.samples).toBe(27);
    expect(summary.families).toBe(4);
  });

  it.each(['dump-openmetrics-roundtrip-test.prom', 'dump-openmetrics-test.prom'])('%s: writing the samples back gives the same bytes', (file) => {
    const bytes = read(`prometheus-promtool/${file}`);
    const { sink } = parse(`prometheus-promtool/${file}`, OM);
    expect(writeOpenMetrics(sink.samples)).toBe(new TextDecoder().decode(bytes));
  });

  it('dump-openmetrics-test.prom: a counter and a gauge, 5 points each, 60 s apart', () => {
    const { sink } = parse('prometheus-promtool/dump-openmetrics-test.prom', OM);
    expect(sink.samples.map((s) => [s.name, s.value, s.timestampMs])).toEqual([
      ['my_counter', 1, 0],
      ['my_counter', 2, 60_000],
      ['my_counter', 3, 120_000],
      ['my_counter', 4, 180_000],
      ['my_counter', 5, 240_000],
      ['my_gauge', 9, 0],
      ['my_gauge', 8, 60_000],
      ['my_gauge', 0, 120_000],
      ['my_gauge', 4, 180_000],
      ['my_gauge', 7, 240_000],
    ]);
  });
});

describe('common-expfmt/testdata', () => {
  it('text: 322 lines, 9 counters, 18 gauges, 10 summaries', () => {
    const { sink, summary } = parse('common-expfmt/testdata/text', TEXT);
    expect(summary.lines).toBe(322);
    expect(countTypes(sink)).toEqual({ counter: 9, gauge: 18, summary: 10 });
    expect(summary.families).toBe(37);
  });

  it('text.gz: gunzipped it is `text`, and parses the same', () => {
    const raw = gunzipSync(read('common-expfmt/testdata/text.gz'));
    expect(Buffer.compare(raw, read('common-expfmt/testdata/text'))).toBe(0);
    const sink = new RecordingSink();
    parseExposition(raw, TEXT, sink);
    expect(sink.samples).toEqual(parse('common-expfmt/testdata/text', TEXT).sink.samples);
  });

  // The protobuf exposition format is binary, not text: parseExposition only reads the two text
  // formats, and the scrape layer must negotiate text/OpenMetrics (see detectFormat).
  it.skip('protobuf, protobuf.gz, protobuf-multimessage: protobuf format, not handled by this text parser', () => {});
});

describe('common-expfmt/fuzz-corpus', () => {
  const mustParse: [file: string, samples: number][] = [
    ['minimal', 1],
    ['from_test_parse_0', 0],
    ['from_test_parse_1', 3],
    ['from_test_parse_2', 4],
    ['from_test_parse_3', 12],
    ['from_test_parse_4', 7],
  ];
  it.each(mustParse)('%s parses (%i samples)', (file, samples) => {
    expect(parse(`common-expfmt/fuzz-corpus/${file}`, TEXT).summary.samples).toBe(samples);
  });

  it('from_test_parse_2: whitespace, escapes, NaN, ±Inf, trailing comma', () => {
    const { sink } = parse('common-expfmt/fuzz-corpus/from_test_parse_2', TEXT);
    expect(sink.samples).toEqual([
      { name: 'name', labels: lbls({ basename: 'basevalue', labelname: 'val1' }, 'name'), value: NaN, timestampMs: undefined },
      { name: 'name', labels: lbls({ basename: 'base"v\\al\nue', labelname: 'val2' }, 'name'), value: 0.23, timestampMs: 1234567890 },
      { name: 'name2', labels: lbls({ basename: 'basevalue2', labelname: 'val2' }, 'name2'), value: Infinity, timestampMs: 54321 },
      { name: 'name2', labels: lbls({ labelname: 'val1' }, 'name2'), value: -Infinity, timestampMs: undefined },
    ]);
    // The HELP of `name` comes after its samples, so its metadata is sent again at the end.
    expect(sink.metadataCalls).toEqual([
      { family: 'name', metadata: { type: 'counter', help: '', unit: '' } },
      { family: 'name2', metadata: { type: 'gauge', help: 'doc str"ing 2', unit: '' } },
      { family: 'name', metadata: { type: 'counter', help: 'two-line\n doc  str\\ing', unit: '' } },
    ]);
  });

  // Each file has exactly one flaw; the error must be about that flaw, not something incidental
  // (most of these files also lack a final newline).
  const mustReject: [n: number, flaw: string, message: RegExp][] = [
    [0, 'input does not end with a newline', /must end with a newline/],
    [1, 'invalid escape sequence (\\t) in a label value', /invalid escape sequence "\\\\t"/],
    [2, 'raw newline inside a label value', /unescaped newline/],
    [3, 'invalid label name (@)', /expected label name, got "@"/],
    [4, '__name__ used as a label inside braces', /"__name__" is reserved/],
    [5, '+= instead of =', /expected "=" after label name "label", got "\+"/],
    [6, 'unquoted label value', /expected quoted label value/],
    [7, 'summary quantile label that is not a float', /"quantile" label, got "bla"/],
    [8, 'stray + after a label value', /expected "," or "}" after label value, got "\+"/],
    [9, 'non-integer timestamp', /invalid timestamp "2.72"/],
    [10, 'extra token after the timestamp', /expected end of line after timestamp, got "3"/],
    [11, 'value that is not a float', /invalid value "blubb"/],
    [12, 'second HELP line for the same metric', /second HELP line/],
    [13, 'second TYPE line for the same metric', /second TYPE line/],
    [14, 'TYPE line after the metric samples', /TYPE reported after samples/],
    [15, 'unknown metric type', /unknown metric type "bla"/],
    [16, 'invalid metric name in a TYPE line (met-ric)', /invalid metric name in comment/],
    [17, 'metric name starting with @', /expected metric name, got "@"/],
    [18, 'sample line with no metric name', /metric name missing/],
    [19, 'histogram bucket le not a float', /"le" label, got "bla"/],
  ];
  it.each(mustReject)('from_test_parse_error_%i is rejected: %s', (n, _flaw, message) => {
    expect(() => parse(`common-expfmt/fuzz-corpus/from_test_parse_error_${n}`, TEXT)).toThrow(message);
  });

  it('covers every file of the corpus', () => {
    const listed = [...mustParse.map(([f]) => f), ...mustReject.map(([n]) => `from_test_parse_error_${n}`)];
    expect(listed.sort()).toEqual(readdirSync(new URL('common-expfmt/fuzz-corpus/', DIR)).sort());
  });
});

function lbls(pairs: Record<string, string>, name: string): Labels {
  return [{ name: METRIC_NAME, value: name }, ...Object.entries(pairs).map(([n, value]) => ({ name: n, value }))].sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
}

describe('openmetrics-testsuite/parsers', () => {
  const root = new URL('openmetrics-testsuite/parsers/', DIR);
  const cases = readdirSync(root)
    .sort()
    .map((name) => {
      const spec = JSON.parse(readFileSync(new URL(`${name}/test.json`, root), 'utf8')) as { type: string; file: string; shouldParse: boolean };
      return { name, shouldParse: spec.shouldParse, input: readFileSync(new URL(`${name}/${spec.file}`, root)) };
    });

  /** Whether the parse succeeded; an error other than ExpositionParseError fails the test. */
  function verdict(input: Uint8Array, opts: ParseOptions): boolean {
    try {
      parseExposition(input, OM, new RecordingSink(), opts);
      return true;
    } catch (e) {
      if (!(e instanceof ExpositionParseError)) throw e;
      return false;
    }
  }

  it('has 211 text cases: 44 must parse, 167 must be rejected', () => {
    expect(cases).toHaveLength(211);
    expect(cases.filter((c) => c.shouldParse)).toHaveLength(44);
  });

  it.each(cases)('strict: $name (shouldParse: $shouldParse)', ({ input, shouldParse }) => {
    expect(verdict(input, { strict: true })).toBe(shouldParse);
  });

  // Scrape mode (the default) checks syntax like Prometheus' scrape-time parser, not the semantic
  // rules of OpenMetrics 1.0 (values of counters/histograms/statesets/infos, grouping, exemplar
  // placement and size, clashing names, units on info/stateset), so it accepts exactly these.
  const acceptedWhenScraping = new Set([
    'bad_clashing_names_2',
    ...range(20).map((i) => `bad_counter_values_${i}`),
    'bad_exemplar_complex_chars',
    'bad_exemplars_6',
    ...range(3).map((i) => `bad_exemplars_on_unallowed_metric_types_${i}`),
    ...range(4).map((i) => `bad_exemplars_on_unallowed_samples_${i}`),
    ...[0, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => `bad_grouping_or_ordering_${i}`),
    ...[0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((i) => `bad_histograms_${i}`),
    ...range(2).map((i) => `bad_info_and_stateset_values_${i}`),
    ...range(8).map((i) => `bad_missing_or_invalid_labels_for_a_type_${i}`),
    ...range(4).map((i) => `bad_stateset_info_values_${i}`),
    'bad_unit_6',
    'bad_unit_7',
  ]);
  it.each(cases)('scrape mode: $name', ({ name, input, shouldParse }) => {
    expect(verdict(input, {})).toBe(shouldParse || acceptedWhenScraping.has(name));
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
