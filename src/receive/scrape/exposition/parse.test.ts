import { describe, expect, it } from 'vitest';
import { METRIC_NAME, type Labels } from '../../../model/labels.ts';
import { detectFormat } from './detect-format.ts';
import { ExpositionParseError } from './errors.ts';
import { parseExposition } from './parse.ts';
import { RecordingSink } from './recording-sink.ts';
import type { ParseOptions } from './types.ts';

const OM = 'application/openmetrics-text; version=1.0.0';

/** `name{a="b"}`-style shorthand for expected Labels: pairs in any order, sorted here. */
function L(name: string, pairs: Record<string, string> = {}): Labels {
  return [{ name: METRIC_NAME, value: name }, ...Object.entries(pairs).map(([n, value]) => ({ name: n, value }))].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

function run(body: string, contentType?: string, opts?: ParseOptions): RecordingSink {
  const sink = new RecordingSink();
  parseExposition(body, contentType, sink, opts);
  return sink;
}

describe('detectFormat', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'openmetrics'],
    ['application/json', 'text'],
  ] as const)('%j → %s', (ct, format) => {
    expect(detectFormat(ct)).toBe(format);
  });
});

describe('text format: samples', () => {
  const cases: [title: string, body: string, want: [name: string, labels: Labels, value: number, ts?: number][]][] = [
    ['plain sample', 'up 1\n', [['up', L('up'), 1]]],
    ['labels sorted, __name__ included', 'm{z="1",a="2"} 3 1700000000000\n', [['m', L('m', { a: '2', z: '1' }), 3, 1700000000000]]],
    ['escapes in label values', 'm{a="x\\\\y\\"z\\nw"} 1\n', [['m', L('m', { a: 'x\\y"z\nw' }), 1]]],
    ['empty label value means no label', 'm{a="",b="1"} 1\n', [['m', L('m', { b: '1' }), 1]]],
    ['trailing comma, blanks around tokens', 'm { a = "1" , } 2\n', [['m', L('m', { a: '1' }), 2]]],
    ['no blank between } and value', 'm{a="1"}2\n', [['m', L('m', { a: '1' }), 2]]],
    ['NaN and infinities', 'a NaN\nb +Inf\nc -Inf\nd Inf\n', [['a', L('a'), NaN], ['b', L('b'), Infinity], ['c', L('c'), -Infinity], ['d', L('d'), Infinity]]],
    ['Go hex float', 'm 0x1p-3\n', [['m', L('m'), 0.125]]],
    ['quoted UTF-8 metric name and label name', '{"my.metric", "a.b"="x"} 1\n', [['my.metric', L('my.metric', { 'a.b': 'x' }), 1]]],
    ['quoted name after a label', '{a="1", "my.metric"} 1\n', [['my.metric', L('my.metric', { a: '1' }), 1]]],
    ['quoted label name after a legacy metric name', 'm{"a.b"="x"} 1\n', [['m', L('m', { 'a.b': 'x' }), 1]]],
    ['comments and blank lines are skipped', '# hello\n\n#\n  \nm 1\n', [['m', L('m'), 1]]],
    ['trailing blanks on the last line', 'm 1\n  ', [['m', L('m'), 1]]],
    ['timestamp in ms', 'm 1 -2\n', [['m', L('m'), 1, -2]]],
  ];
  it.each(cases)('%s', (_title, body, want) => {
    const sink = run(body);
    expect(sink.samples.map((s) => [s.name, s.labels, s.value, ...(s.timestampMs === undefined ? [] : [s.timestampMs])])).toEqual(want);
  });

  it('gives samples without a timestamp the default one', () => {
    const sink = run('a 1\nb 2 5\n', undefined, { defaultTimestampMs: 1000 });
    expect(sink.samples.map((s) => s.timestampMs)).toEqual([1000, 5]);
  });

  it('accepts an empty body', () => {
    const sink = new RecordingSink();
    expect(parseExposition(new Uint8Array(0), undefined, sink)).toMatchObject({ samples: 0, families: 0, lines: 0 });
  });
});

describe('text format: metadata', () => {
  it('sends HELP and TYPE of a family before its first sample, grouping _bucket/_sum/_count', () => {
    const body = [
      '# HELP h A histogram.',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 3',
      'h_count 2',
      '# TYPE s summary',
      's{quantile="0.5"} 1',
      's_sum 1',
      's_count 1',
      '# TYPE u untyped',
      'u 1',
      'other 1',
      '',
    ].join('\n');
    const sink = new RecordingSink();
    const summary = parseExposition(body, undefined, sink);
    expect(sink.metadataCalls).toEqual([
      { family: 'h', metadata: { type: 'histogram', help: 'A histogram.', unit: '' } },
      { family: 's', metadata: { type: 'summary', help: '', unit: '' } },
      { family: 'u', metadata: { type: 'unknown', help: '', unit: '' } },
    ]);
    expect(summary).toMatchObject({ format: 'text', samples: 9, families: 4 });
  });

  it('decodes \\\\ and \\n in HELP and keeps other backslashes', () => {
    const sink = run('# HELP m a\\\\b\\nc \\t C:\\dir\n');
    expect(sink.metadataCalls[0].metadata.help).toBe('a\\b\nc \\t C:\\dir');
  });

  it('accepts quoted names in HELP and TYPE', () => {
    const sink = run('# HELP "my.metric" Dots.\n# TYPE "my.metric" gauge\n{"my.metric"} 1\n');
    expect(sink.metadataCalls).toEqual([{ family: 'my.metric', metadata: { type: 'gauge', help: 'Dots.', unit: '' } }]);
  });
});

describe('text format: errors', () => {
  it.each([
    ['m{a="1",a="2"} 1\n', 1, 'duplicate label name "a"'],
    ['{"a","b"} 1\n', 1, 'metric name given twice'],
    ['m{a="1"} 1\nm{1a="1"} 1\n', 2, 'expected label name, got "1a"'],
    ['m{a=1} 1\n', 1, 'expected quoted label value, got "1"'],
    ['m{a="\\t"} 1\n', 1, 'invalid escape sequence "\\\\t" in label value'],
    ['m{a="x} 1\n', 1, 'unescaped newline'],
    ['m{a="x', 1, 'unterminated quoted label value'],
    ['m{"a.b"} 1\n', 1, 'expected "=" after label name "a.b"'],
    ['{""} 1\n', 1, 'empty metric name'],
    ['m{""="x"} 1\n', 1, 'empty label name'],
    ['m-x 1\n', 1, 'expected blank or "{" after metric name "m"'],
    ['m\n', 1, 'expected blank or "{" after metric name "m", got end of line'],
    ['m \n', 1, 'expected value after metric, got end of line'],
    ['m 0x1\n', 1, 'invalid value "0x1"'],
    ['m 1 1.5\n', 1, 'invalid timestamp "1.5"'],
    ['\n\nm 1', 3, 'the last line must end with a newline'],
    ['# TYPE m gaugehistogram\n', 1, 'unknown metric type "gaugehistogram"'],
  ])('%j fails at line %i: %s', (body, line, reason) => {
    let err: unknown;
    try {
      run(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExpositionParseError);
    const e = err as ExpositionParseError;
    expect(e.line).toBe(line);
    expect(e.reason).toContain(reason);
    expect(e.message).toBe(`line ${line}: ${e.reason}`);
    expect(e.code).toBe('invalid_exposition');
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(() => parseExposition(new Uint8Array([0x6d, 0x7b, 0x61, 0x3d, 0x22, 0xff, 0x22, 0x7d, 0x20, 0x31, 0x0a]), undefined, new RecordingSink())).toThrow(
      /not valid UTF-8/,
    );
  });
});

describe('OpenMetrics', () => {
  it('reads metadata, float-second timestamps, _created and exemplars', () => {
    const body = [
      '# TYPE req_seconds counter',
      '# UNIT req_seconds seconds',
      '# HELP req_seconds Time \\"served\\".',
      'req_seconds_total{code="200"} 10 1700000000.5 # {trace_id="abc"} 1 1700000000.25',
      'req_seconds_created{code="200"} 1699999999.123',
      'temp 21.5',
      '# EOF',
      '',
    ].join('\n');
    const sink = new RecordingSink();
    const summary = parseExposition(body, OM, sink);
    expect(summary).toMatchObject({ format: 'openmetrics', samples: 2, families: 2, exemplars: 1, created: 1 });
    // No call for `temp`: it has no metadata lines.
    expect(sink.metadataCalls).toEqual([{ family: 'req_seconds', metadata: { type: 'counter', help: 'Time "served".', unit: 'seconds' } }]);
    const series = L('req_seconds_total', { code: '200' });
    expect(sink.samples).toEqual([
      { name: 'req_seconds_total', labels: series, value: 10, timestampMs: 1700000000500 },
      { name: 'temp', labels: L('temp'), value: 21.5, timestampMs: undefined },
    ]);
    expect(sink.exemplars).toEqual([{ seriesLabels: series, exemplar: { labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestampMs: 1700000000250 } }]);
    expect(sink.createdCalls).toEqual([{ family: 'req_seconds', labels: L('req_seconds_created', { code: '200' }), createdMs: 1699999999123 }]);
  });

  it('starts a new family block at each new name; strictly, a name cannot come back', () => {
    const body = '# TYPE a counter\n# HELP b x\n# HELP a y\n# EOF\n';
    expect(run(body, OM).metadataCalls.map((m) => [m.family, m.metadata.type, m.metadata.help])).toEqual([
      ['a', 'counter', ''],
      ['b', 'unknown', 'x'],
      ['a', 'unknown', 'y'],
    ]);
    expect(() => run(body, OM, { strict: true })).toThrow(/line 4: clashing name "a"/);
  });

  it('keeps unknown escapes literally and decodes \\" in HELP', () => {
    const sink = run('# HELP a he\\"l\\tp\na{foo="b\\\\a\\z"} 1\n# EOF', OM);
    expect(sink.metadataCalls[0].metadata.help).toBe('he"l\\tp');
    expect(sink.samples[0].labels).toEqual(L('a', { foo: 'b\\a\\z' }));
  });

  it('accepts quoted UTF-8 names', () => {
    const sink = run('# TYPE "my.gauge" gauge\n{"my.gauge","a.b"="x"} 1\n# EOF\n', OM);
    expect(sink.samples[0]).toMatchObject({ name: 'my.gauge', labels: L('my.gauge', { 'a.b': 'x' }) });
    expect(sink.metadataCalls[0].family).toBe('my.gauge');
  });

  it('passes _created as a sample with createdAsSamples', () => {
    const sink = run('# TYPE c counter\nc_total 1\nc_created 2\n# EOF\n', OM, { createdAsSamples: true });
    expect(sink.samples.map((s) => s.name)).toEqual(['c_total', 'c_created']);
    expect(sink.createdCalls).toEqual([]);
  });

  it('treats _created of a gauge as an ordinary series', () => {
    const sink = run('# TYPE g_created gauge\ng_created 1\n# EOF\n', OM);
    expect(sink.samples.map((s) => s.name)).toEqual(['g_created']);
  });

  it.each([
    ['a 1\n', 1, 'missing "# EOF"'],
    ['a 1\n# EOF\nb 1\n', 3, 'unexpected content after "# EOF"'],
    ['a 1\n\n# EOF\n', 2, 'unexpected empty line'],
    ['a  1\n# EOF\n', 1, 'expected value, got " "'],
    ['a 1 \n# EOF\n', 1, 'expected timestamp, got end of line'],
    ['a{b="1",} 1\n# EOF\n', 1, 'expected label name after ","'],
    ['a{b = "1"} 1\n# EOF\n', 1, 'expected "=" after label name "b"'],
    ['a 0x1p-3\n# EOF\n', 1, 'invalid value "0x1p-3"'],
    ['a 1 Inf\n# EOF\n', 1, 'invalid timestamp "Inf"'],
    ['# comment\n# EOF\n', 1, 'expected "# HELP", "# TYPE", "# UNIT" or "# EOF"'],
    ['# TYPE a untyped\n# EOF\n', 1, 'invalid metric type "untyped"'],
    ['# UNIT a seconds\n# EOF\n', 1, 'unit "seconds" is not a suffix of metric name "a"'],
    ['# TYPE a gauge\na 1\n# HELP a x\n# EOF\n', 3, 'HELP line for "a" after its samples'],
    ['a_total 1 # {a="b"}1\n# EOF\n', 1, 'expected " " after the exemplar labels'],
  ])('%j fails at line %i: %s', (body, line, reason) => {
    expect(() => run(body, OM)).toThrow(expect.objectContaining({ line, reason: expect.stringContaining(reason) }));
  });

  it('strict mode checks OpenMetrics semantics that scraping tolerates', () => {
    const body = '# TYPE a histogram\na_bucket{le="2"} 0\na_bucket{le="1"} 0\na_bucket{le="+Inf"} 0\n# EOF\n';
    expect(() => run(body, OM)).not.toThrow();
    expect(() => run(body, OM, { strict: true })).toThrow(/line 5: histogram "a": buckets out of order/);
  });
});
