/**
 * @module Reads Prometheus' PromQL test-script language (promqltest; see
 * shared/conformance/promql/FORMAT.md) into commands: load, clear and eval with expectations.
 */
import { labelsFrom, METRIC_NAME, type Labels } from '../../model/labels.ts';
import { STALE_NAN } from '../../model/value.ts';
import { parsePromDuration } from '../duration.ts';
import { unquote } from '../unquote.ts';

/** One expanded value position: a float, a stale marker, a gap, or a native histogram. */
export type ValueToken = { kind: 'float'; v: number } | { kind: 'gap' } | { kind: 'histogram' };

export interface SeriesLine {
  readonly labels: Labels;
  readonly values: ValueToken[];
  /** Start-timestamp offsets (ms from each sample's own time) from an `@st` line; null = none. */
  readonly startOffsets?: Array<number | null>;
}

export interface LoadCommand {
  readonly kind: 'load';
  readonly line: number;
  readonly intervalMs: number;
  readonly withNhcb: boolean;
  readonly series: SeriesLine[];
}

export interface Expectation {
  readonly kind: 'warn' | 'info' | 'no_warn' | 'no_info';
  readonly msg?: string;
  readonly regex?: RegExp;
}

export interface EvalCommand {
  readonly kind: 'eval';
  readonly line: number;
  readonly expr: string;
  readonly instant: boolean;
  /** Instant: start = end = time. */
  readonly start: number;
  readonly end: number;
  readonly stepMs: number;
  readonly fail: { msg?: string; regex?: RegExp } | null;
  readonly ordered: boolean;
  readonly annotations: Expectation[];
  /** A bare `eval_warn`/`eval_info` needs just one annotation of that kind. */
  readonly anyWarn: boolean;
  readonly anyInfo: boolean;
  readonly rangeVector: { start: number; end: number; step: number } | null;
  readonly string: string | null;
  readonly scalar: number | null;
  readonly series: SeriesLine[];
}

export type Command = LoadCommand | EvalCommand | { kind: 'clear'; line: number };

export class ScriptError extends Error {}

function durationMs(s: string, line: number): number {
  const ms = parsePromDuration(s);
  if (ms === null) throw new ScriptError(`line ${line}: bad duration ${JSON.stringify(s)}`);
  return ms;
}

/** A signed duration for @st offsets (e.g. -1m, -59999ms). */
function signedDurationMs(s: string, line: number): number {
  if (s.startsWith('-')) return -durationMs(s.slice(1), line);
  if (s.startsWith('+')) return durationMs(s.slice(1), line);
  return durationMs(s, line);
}

export function parseNumber(s: string): number | null {
  const t = s.toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (body === 'nan') return NaN;
  if (/^0x[0-9a-f]+$/.test(body)) return sign * parseInt(body.slice(2), 16);
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return sign * Number(body);
  return null;
}

/** Splits `name{a="b", c="d"} rest` into labels and the rest of the line. */
export function parseSeriesDesc(text: string, line: number): { labels: Labels; rest: string } {
  let i = 0;
  const pairs: Array<[string, string]> = [];
  const nameMatch = /^[A-Za-z_:][A-Za-z0-9_:.]*/.exec(text);
  if (nameMatch) {
    pairs.push([METRIC_NAME, nameMatch[0]]);
    i = nameMatch[0].length;
  }
  if (text[i] === '{') {
    i++;
    for (;;) {
      while (text[i] === ' ' || text[i] === '\t' || text[i] === ',') i++;
      if (text[i] === '}') {
        i++;
        break;
      }
      if (i >= text.length) throw new ScriptError(`line ${line}: unterminated label set`);
      let name: string;
      if (text[i] === '"' || text[i] === '`' || text[i] === "'") {
        const end = findStringEnd(text, i);
        name = unquote(text.slice(i, end));
        i = end;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
        if (!m) throw new ScriptError(`line ${line}: bad label name at ${JSON.stringify(text.slice(i))}`);
        name = m[0];
        i += name.length;
      }
      while (text[i] === ' ') i++;
      if (text[i] !== '=') {
        // A quoted metric name without value: {"metric.name"}
        pairs.push([METRIC_NAME, name]);
        continue;
      }
      i++;
      while (text[i] === ' ') i++;
      const end = findStringEnd(text, i);
      pairs.push([name, unquote(text.slice(i, end))]);
      i = end;
    }
  }
  return { labels: labelsFrom(pairs), rest: text.slice(i).trim() };
}

function findStringEnd(text: string, start: number): number {
  const q = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== q) {
    if (text[i] === '\\' && q !== '`') i++;
    i++;
  }
  return i + 1;
}

/** Splits value tokens, keeping `{{ … }}` histogram literals together. */
function splitTokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (i >= s.length) break;
    let j = i;
    let depth = 0;
    while (j < s.length) {
      if (s.startsWith('{{', j)) {
        depth++;
        j += 2;
        continue;
      }
      if (s.startsWith('}}', j)) {
        depth--;
        j += 2;
        continue;
      }
      if (depth === 0 && (s[j] === ' ' || s[j] === '\t')) break;
      j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Expands value tokens (`1`, `_`, `_x3`, `stale`, `1+2x3`, `{{…}}x2`). */
export function expandValues(text: string, line: number): ValueToken[] {
  const out: ValueToken[] = [];
  for (const tok of splitTokens(text)) {
    if (tok === '_') {
      out.push({ kind: 'gap' });
      continue;
    }
    if (tok === 'stale') {
      out.push({ kind: 'float', v: STALE_NAN });
      continue;
    }
    if (tok.startsWith('{{')) {
      const m = /x(\d+)$/.exec(tok.slice(tok.lastIndexOf('}}')));
      const n = m ? Number(m[1]) + 1 : 1;
      for (let k = 0; k < n; k++) out.push({ kind: 'histogram' });
      continue;
    }
    // `0x59` repeats 0 sixty times; only a hex literal with a letter digit is a number.
    if (/^[+-]?0x[0-9]*[a-f][0-9a-f]*$/i.test(tok)) {
      out.push({ kind: 'float', v: parseNumber(tok)! });
      continue;
    }
    let m = /^_x(\d+)$/.exec(tok);
    if (m) {
      for (let k = 0; k < Number(m[1]); k++) out.push({ kind: 'gap' });
      continue;
    }
    m = /^([^x]+?)([+-])([^x+-][^x]*)x(\d+)$/.exec(tok);
    if (m) {
      const a = parseNumber(m[1]);
      const b = parseNumber(m[3]);
      if (a === null || b === null) throw new ScriptError(`line ${line}: bad value ${JSON.stringify(tok)}`);
      const step = m[2] === '-' ? -b : b;
      let cur = a;
      const n = Number(m[4]);
      for (let k = 0; k <= n; k++) {
        out.push({ kind: 'float', v: cur });
        cur += step;
      }
      continue;
    }
    m = /^(.+)x(\d+)$/.exec(tok);
    if (m && parseNumber(m[1]) !== null) {
      const v = parseNumber(m[1])!;
      for (let k = 0; k <= Number(m[2]); k++) out.push({ kind: 'float', v });
      continue;
    }
    const v = parseNumber(tok);
    if (v === null) throw new ScriptError(`line ${line}: bad value ${JSON.stringify(tok)}`);
    out.push({ kind: 'float', v });
  }
  return out;
}

/** Expands an `@st` line's items: `_`, `_xN`, `d`, `dxN`, `d+exN`, `d-exN` (signed durations). */
export function expandStartOffsets(text: string, line: number): Array<number | null> {
  const out: Array<number | null> = [];
  for (const tok of text.trim().split(/\s+/)) {
    if (tok === '_') {
      out.push(null);
      continue;
    }
    let m = /^_x(\d+)$/.exec(tok);
    if (m) {
      for (let k = 0; k < Number(m[1]); k++) out.push(null);
      continue;
    }
    m = /^([+-]?[0-9a-z]+?)([+-])([0-9][0-9a-z]*)x(\d+)$/.exec(tok);
    if (m) {
      let cur = signedDurationMs(m[1], line);
      const step = (m[2] === '-' ? -1 : 1) * durationMs(m[3], line);
      for (let k = 0; k <= Number(m[4]); k++) {
        out.push(cur);
        cur += step;
      }
      continue;
    }
    m = /^([+-]?[0-9a-z]+)x(\d+)$/.exec(tok);
    if (m) {
      const d = signedDurationMs(m[1], line);
      for (let k = 0; k <= Number(m[2]); k++) out.push(d);
      continue;
    }
    out.push(signedDurationMs(tok, line));
  }
  return out;
}

function parseExpectLine(body: string): { kind: string; msg?: string; regex?: RegExp } {
  const m = /^(fail|warn|info|no_warn|no_info|ordered)(?:\s+(msg|regex):\s*(.*))?$/.exec(body.trim());
  if (!m) throw new ScriptError(`bad expect line: ${body}`);
  const out: { kind: string; msg?: string; regex?: RegExp } = { kind: m[1] };
  if (m[2] === 'msg') out.msg = m[3].trim();
  if (m[2] === 'regex') out.regex = new RegExp(m[3].trim());
  return out;
}

/** Parses a whole script. */
export function parseScript(text: string): Command[] {
  const lines = text.split('\n').map((l) => l.trim());
  const cmds: Command[] = [];
  let i = 0;
  const isBlank = (l: string): boolean => l === '' || l.startsWith('#');
  while (i < lines.length) {
    const header = lines[i];
    const lineNo = i + 1;
    if (isBlank(header)) {
      i++;
      continue;
    }
    const body: Array<{ text: string; line: number }> = [];
    let j = i + 1;
    const takesBody = !/^clear$/i.test(header);
    while (takesBody && j < lines.length && !isBlank(lines[j])) {
      body.push({ text: lines[j], line: j + 1 });
      j++;
    }
    i = j;
    const word = header.split(/\s+/)[0].toLowerCase();
    if (word === 'clear') {
      cmds.push({ kind: 'clear', line: lineNo });
    } else if (word === 'load' || word === 'load_with_nhcb') {
      const intervalMs = durationMs(header.split(/\s+/)[1], lineNo);
      const series: SeriesLine[] = [];
      let pendingStarts: Array<number | null> | null = null;
      for (const b of body) {
        const st = /^(.*?)@st\s+(.*)$/.exec(b.text);
        if (st && !st[1].includes(' ')) {
          pendingStarts = expandStartOffsets(st[2], b.line);
          continue;
        }
        const { labels, rest } = parseSeriesDesc(b.text, b.line);
        series.push({ labels, values: expandValues(rest, b.line), startOffsets: pendingStarts ?? undefined });
        pendingStarts = null;
      }
      cmds.push({ kind: 'load', line: lineNo, intervalMs, withNhcb: word === 'load_with_nhcb', series });
    } else if (word.startsWith('eval')) {
      cmds.push(parseEval(header, body, lineNo));
    } else {
      throw new ScriptError(`line ${lineNo}: unknown command ${JSON.stringify(word)}`);
    }
  }
  return cmds;
}

function parseEval(header: string, body: Array<{ text: string; line: number }>, line: number): EvalCommand {
  const m = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.*)$/i.exec(header);
  if (!m) throw new ScriptError(`line ${line}: bad eval header`);
  const variant = m[1].toLowerCase();
  const instant = m[3] !== undefined;
  const start = instant ? durationMs(m[3], line) : durationMs(m[4], line);
  const end = instant ? start : durationMs(m[5], line);
  const stepMs = instant ? 0 : durationMs(m[6], line);
  let fail: EvalCommand['fail'] = variant === 'eval_fail' ? {} : null;
  let ordered = variant === 'eval_ordered';
  const annotations: Expectation[] = [];
  let rangeVector: EvalCommand['rangeVector'] = null;
  let str: string | null = null;
  let scalar: number | null = null;
  const series: SeriesLine[] = [];
  for (const b of body) {
    const t = b.text;
    if (t.startsWith('expect ')) {
      const rest = t.slice(7).trim();
      const rv = /^range vector from (\S+) to (\S+) step (\S+)$/.exec(rest);
      if (rv) {
        rangeVector = { start: durationMs(rv[1], b.line), end: durationMs(rv[2], b.line), step: durationMs(rv[3], b.line) };
        continue;
      }
      const sv = /^string\s+(.*)$/.exec(rest);
      if (sv) {
        str = unquote(sv[1].trim());
        continue;
      }
      const e = parseExpectLine(rest);
      if (e.kind === 'fail') fail = { msg: e.msg, regex: e.regex };
      else if (e.kind === 'ordered') ordered = true;
      else annotations.push({ kind: e.kind as Expectation['kind'], msg: e.msg, regex: e.regex });
      continue;
    }
    if (t.startsWith('expected_fail_message ')) {
      fail = { msg: t.slice('expected_fail_message '.length).trim() };
      continue;
    }
    if (t.startsWith('expected_fail_regexp ')) {
      fail = { regex: new RegExp(t.slice('expected_fail_regexp '.length).trim()) };
      continue;
    }
    const num = parseNumber(t);
    if (num !== null) {
      scalar = num;
      break;
    }
    const { labels, rest } = parseSeriesDesc(t, b.line);
    series.push({ labels, values: expandValues(rest, b.line) });
  }
  return {
    kind: 'eval',
    line,
    expr: m[7],
    instant,
    start,
    end,
    stepMs,
    fail,
    ordered,
    annotations,
    anyWarn: variant === 'eval_warn',
    anyInfo: variant === 'eval_info',
    rangeVector,
    string: str,
    scalar,
    series,
  };
}
