import { describe, expect, it } from 'vitest';
import { toPromDuration } from './duration.ts';
import { Evaluator } from './evaluate.ts';
import { parseAlloyExpression } from './parser.ts';
import { ConcatValue, ExportRef, RuntimeValue, UnknownValue, type AlloyValue } from './values.ts';

const COMPONENTS = new Set(['prometheus.remote_write.default', 'discovery.relabel.x', 'otelcol.exporter.prometheus.default', 'discovery.docker.d']);

function evaluate(text: string): AlloyValue {
  return new Evaluator(text, COMPONENTS).evaluate(parseAlloyExpression(text));
}

/** Maps become records, so expectations can be written as object literals. */
function plain(v: AlloyValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

describe('Evaluator: static values', () => {
  it.each<[string, unknown]>([
    ['"s"', 's'],
    ['[1, true, null]', [1, true, null]],
    ['{ __address__ = "h:1", "x-y" = [1] }', { __address__: 'h:1', 'x-y': [1] }],
    ['{ a = { b = 2 } }.a.b', 2],
    ['[10, 20][1]', 20],
    ['{ k = "v" }["k"]', 'v'],
    ['{ k = "v" }["missing"]', null],
    ['"a" + "b"', 'ab'],
    ['1 + 2 * 3 - 4', 3],
    ['7 / 2', 3], // integer division, as in Go
    ['7.0 / 2', 3.5],
    ['7 % 4', 3],
    ['2 ^ 10', 1024],
    ['-(3)', -3],
    ['!false', true],
    ['1 < 2 && "a" < "b"', true],
    ['[1, {a = 2}] == [1, {a = 2}]', true],
    ['{a = 1} != {a = 1, b = 2}', true],
    ['1 == "1"', false],
    ['false || true', true],
    ['concat([1], [], [2, 3])', [1, 2, 3]],
    ['array.concat([1], [2])', [1, 2]],
    ['coalesce("", null, [], "x", "y")', 'x'],
    ['coalesce("", 0)', 0],
    ['format("%s:%d", "host", 9100)', 'host:9100'],
    ['string.format("%q 100%%", "x")', '"x" 100%'],
    ['join(["a", "b"], ",")', 'a,b'],
    ['string.split("a,b", ",")', ['a', 'b']],
    ['to_upper("abc")', 'ABC'],
    ['string.trim_prefix("prefix-x", "prefix-")', 'x'],
    ['trim_suffix("x.alloy", ".alloy")', 'x'],
    ['trim("--x--", "-")', 'x'],
    ['trim_space("  x ")', 'x'],
    ['replace("a-b-c", "-", "_")', 'a_b_c'],
    ['nonsensitive("secret")', 'secret'],
    ['encoding.from_json("{\\"a\\": [1]}")', { a: [1] }],
    ['yaml_decode("a: b")', { a: 'b' }],
    ['file.path_join("/etc", "alloy", "x")', '/etc/alloy/x'],
  ])('%s', (text, want) => expect(plain(evaluate(text))).toEqual(want));
});

describe('Evaluator: environment look-ups become ${NAME} placeholders', () => {
  it.each<[string, string, string[]]>([
    ['env("HOME")', '${HOME}', ['HOME']],
    ['sys.env("API_KEY")', '${API_KEY}', ['API_KEY']],
    ['"http://" + sys.env("HOST") + ":9090"', 'http://${HOST}:9090', ['HOST']],
    ['format("%s:%s", env("H"), env("P"))', '${H}:${P}', ['H', 'P']],
  ])('%s', (text, placeholder, env) => {
    const v = evaluate(text);
    expect(v).toBeInstanceOf(RuntimeValue);
    expect((v as RuntimeValue).text).toBe(placeholder);
    expect((v as RuntimeValue).env).toEqual(env);
  });

  it('coalesce keeps the placeholder and remembers the fallback', () => {
    const v = evaluate('coalesce(sys.env("PASS"), "default")') as RuntimeValue;
    expect(v.text).toBe('${PASS}');
    expect(v.fallback).toBe('default');
  });
});

describe('Evaluator: references to component exports', () => {
  it('resolves the longest component id and keeps the export path', () => {
    const v = evaluate('prometheus.remote_write.default.receiver') as ExportRef;
    expect(v).toBeInstanceOf(ExportRef);
    expect([v.componentId, v.field, v.text]).toEqual(['prometheus.remote_write.default', 'receiver', 'prometheus.remote_write.default.receiver']);
    expect((evaluate('otelcol.exporter.prometheus.default.input') as ExportRef).componentId).toBe('otelcol.exporter.prometheus.default');
  });

  it('keeps references inside lists', () => {
    const v = evaluate('[prometheus.remote_write.default.receiver]') as AlloyValue[];
    expect(v[0]).toBeInstanceOf(ExportRef);
  });

  it('concat of exports stays lazy, flattened in order', () => {
    const v = evaluate('concat(discovery.relabel.x.output, [{a = "1"}], concat(discovery.docker.d.targets, []))') as ConcatValue;
    expect(v).toBeInstanceOf(ConcatValue);
    expect(v.parts.map((p) => (p instanceof ExportRef ? p.text : plain(p)))).toEqual(['discovery.relabel.x.output', [{ a: '1' }], 'discovery.docker.d.targets', []]);
  });
});

describe('Evaluator: what cannot be known is an UnknownValue with a reason', () => {
  it.each<[string, RegExp]>([
    ['local.file.token.content', /local\.file\.token\.content is not a component export/],
    ['nosuch', /nosuch is not a component export or a known value/],
    ['constants.hostname', /name of the machine Alloy runs on/],
    ['to_upper(sys.env("X"))', /depends on X from the environment/],
    ['json_path("{}", "$.a")', /the function json_path is not evaluated/],
    ['1 / 0', /division by zero/],
    ['"a" - "b"', /- cannot be applied to a string and a string/],
    ['sys.env("A") * 2', /cannot be evaluated before Alloy runs/],
    ['[1][5]', /index 5 is out of range/],
    ['env(1)', /expects one string argument/],
  ])('%s', (text, reason) => {
    const v = evaluate(text);
    expect(v).toBeInstanceOf(UnknownValue);
    expect((v as UnknownValue).reason).toMatch(reason);
  });
});

describe('toPromDuration', () => {
  it.each<[string, string | null]>([
    ['15s', '15s'], ['1m30s', '1m30s'], ['500ms', '500ms'], ['2h', '2h'], ['0s', '0s'], ['0', '0s'],
    ['1.5m', '1m30s'], ['90s', '90s'], ['1h0m0s', '1h0m0s'], ['2000us', '2ms'], ['1.5h', '1h30m'],
    ['1us', null], ['5x', null], ['', null], ['-1s', null], ['1d', null],
  ])('%j → %j', (text, want) => expect(toPromDuration(text)).toBe(want));
});
