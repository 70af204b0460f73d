/**
 * @module Runs promqltest scripts against the Pharos engine over an in-memory store, comparing
 * results the way Prometheus' runner does (FORMAT.md "How results are compared"). Evals that
 * need native histograms are counted as skipped, by FORMAT.md's rule.
 */
import { compareLabels, labelsKey, METRIC_NAME, type Labels } from '../../model/labels.ts';
import { isStaleNaN } from '../../model/value.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { Engine } from '../engine.ts';
import type { QueryResult } from '../value.ts';
import { parseScript, type EvalCommand, type SeriesLine, type ValueToken } from './script.ts';

export type EvalStatus = 'passed' | 'failed' | 'skipped';

export interface EvalOutcome {
  readonly line: number;
  readonly expr: string;
  readonly status: EvalStatus;
  /** Why it failed or was skipped. */
  readonly detail: string;
}

const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus' almost-equal for test results: relative tolerance 1e-6 against |e|+|a|. */
export function floatsMatch(expected: number, actual: number): boolean {
  if (isStaleNaN(expected) || isStaleNaN(actual)) return isStaleNaN(expected) && isStaleNaN(actual);
  if (Number.isNaN(expected) && Number.isNaN(actual)) return true;
  if (expected === actual) return true;
  const absSum = Math.abs(expected) + Math.abs(actual);
  const diff = Math.abs(expected - actual);
  if (expected === 0 || actual === 0 || absSum < MIN_NORMAL) return diff < 1e-6 * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

const HISTOGRAM_FUNCS = /\bhistogram_(count|sum|avg|stddev|stdvar|fraction)\s*\(/;

/** FORMAT.md's rule: does this eval need native histograms? */
function needsNativeHistograms(cmd: EvalCommand, histogramNames: ReadonlySet<string>): boolean {
  if (cmd.series.some((s) => s.values.some((v) => v.kind === 'histogram'))) return true;
  if (histogramNames.size === 0) return false;
  const e = cmd.expr;
  for (const name of histogramNames) {
    const re = new RegExp(`(^|[^A-Za-z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_:])`);
    if (re.test(e)) return true;
  }
  for (let i = 0; i < e.length; i++) {
    if (e[i] !== '{') continue;
    const prev = i > 0 ? e[i - 1] : '';
    if (!/[A-Za-z0-9_:\]]/.test(prev)) return true;
  }
  return HISTOGRAM_FUNCS.test(e);
}

function fmtLabels(l: Labels): string {
  const name = l.find((x) => x.name === METRIC_NAME)?.value ?? '';
  const rest = l.filter((x) => x.name !== METRIC_NAME).map((x) => `${x.name}=${JSON.stringify(x.value)}`);
  return `${name}{${rest.join(', ')}}`;
}

function fmtValue(v: number): string {
  if (isStaleNaN(v)) return 'stale';
  return String(v);
}

type Points = Array<{ t: number; v: number }>;

/** Expected series → points at times start + k·step (gaps skipped). */
function expectedPoints(line: SeriesLine, start: number, step: number): Points {
  const out: Points = [];
  line.values.forEach((tok: ValueToken, k) => {
    if (tok.kind === 'float') out.push({ t: start + k * step, v: tok.v });
  });
  return out;
}

function comparePoints(want: Points, got: Points): string | null {
  if (want.length !== got.length) return `expected ${want.length} points, got ${got.length}: ${got.map((p) => `${fmtValue(p.v)}@${p.t}`).join(' ')}`;
  for (let i = 0; i < want.length; i++) {
    if (want[i].t !== got[i].t) return `point ${i}: expected time ${want[i].t}, got ${got[i].t}`;
    if (!floatsMatch(want[i].v, got[i].v)) return `point ${i} at ${want[i].t}: expected ${fmtValue(want[i].v)}, got ${fmtValue(got[i].v)}`;
  }
  return null;
}

function checkResult(cmd: EvalCommand, res: QueryResult): string | null {
  const v = res.value;
  if (cmd.string !== null) {
    if (v.resultType !== 'string') return `expected a string, got ${v.resultType}`;
    return v.v === cmd.string ? null : `expected string ${JSON.stringify(cmd.string)}, got ${JSON.stringify(v.v)}`;
  }
  if (cmd.scalar !== null) {
    if (v.resultType !== 'scalar') return `expected scalar ${cmd.scalar}, got ${v.resultType}`;
    return floatsMatch(cmd.scalar, v.v) ? null : `expected scalar ${fmtValue(cmd.scalar)}, got ${fmtValue(v.v)}`;
  }
  if (cmd.instant && cmd.rangeVector === null) {
    if (v.resultType === 'scalar') {
      // A scalar compares against one expected series with empty labels.
      if (cmd.series.length !== 1 || cmd.series[0].labels.length !== 0) return `expected a vector, got scalar ${fmtValue(v.v)}`;
      const tok = cmd.series[0].values[0];
      return tok?.kind === 'float' && floatsMatch(tok.v, v.v) ? null : `expected ${tok?.kind === 'float' ? fmtValue(tok.v) : '?'}, got scalar ${fmtValue(v.v)}`;
    }
    if (v.resultType !== 'vector') return `expected an instant vector, got ${v.resultType}`;
    const got = v.labels.map((l, i) => ({ labels: l, value: v.values[i] }));
    const byKey = new Map(got.map((g) => [labelsKey(g.labels), g]));
    if (byKey.size !== got.length) return 'result has duplicate label sets';
    for (const [idx, want] of cmd.series.entries()) {
      const g = byKey.get(labelsKey(want.labels));
      if (!g) return `missing ${fmtLabels(want.labels)}; got ${got.map((x) => `${fmtLabels(x.labels)} ${fmtValue(x.value)}`).join(', ') || 'nothing'}`;
      const tok = want.values[0];
      if (tok?.kind !== 'float') return `expected a float for ${fmtLabels(want.labels)}`;
      if (!floatsMatch(tok.v, g.value)) return `${fmtLabels(want.labels)}: expected ${fmtValue(tok.v)}, got ${fmtValue(g.value)}`;
      if (cmd.ordered && labelsKey(got[idx].labels) !== labelsKey(want.labels)) return `order: expected ${fmtLabels(want.labels)} at position ${idx}, got ${fmtLabels(got[idx].labels)}`;
    }
    if (got.length !== cmd.series.length) {
      const extra = got.filter((g) => !cmd.series.some((s) => labelsKey(s.labels) === labelsKey(g.labels)));
      return `unexpected ${extra.map((x) => `${fmtLabels(x.labels)} ${fmtValue(x.value)}`).join(', ')}`;
    }
    return null;
  }
  // A matrix: range evals and `expect range vector`.
  if (v.resultType !== 'matrix') return `expected a matrix, got ${v.resultType}`;
  const start = cmd.rangeVector ? cmd.rangeVector.start : cmd.start;
  const step = cmd.rangeVector ? cmd.rangeVector.step : cmd.stepMs;
  for (let i = 1; i < v.series.length; i++) {
    if (compareLabels(v.series[i - 1].labels, v.series[i].labels) >= 0) return 'matrix is not sorted by labels';
  }
  const gotByKey = new Map(v.series.map((s) => [labelsKey(s.labels), s]));
  const wanted = cmd.series.filter((s) => s.values.some((x) => x.kind === 'float'));
  for (const want of wanted) {
    const g = gotByKey.get(labelsKey(want.labels));
    if (!g) return `missing ${fmtLabels(want.labels)}; got ${v.series.map((s) => fmtLabels(s.labels)).join(', ') || 'nothing'}`;
    const gotPoints: Points = Array.from(g.timestamps, (t, i) => ({ t, v: g.values[i] }));
    const diff = comparePoints(expectedPoints(want, start, step), gotPoints);
    if (diff) return `${fmtLabels(want.labels)}: ${diff}`;
  }
  if (v.series.length !== wanted.length) {
    const extra = v.series.filter((s) => !wanted.some((w) => labelsKey(w.labels) === labelsKey(s.labels)));
    return `unexpected series ${extra.map((s) => `${fmtLabels(s.labels)} (${s.values.length} points)`).join(', ')}`;
  }
  return null;
}

function checkAnnotations(cmd: EvalCommand, res: QueryResult): string | null {
  const kinds: Array<['warn' | 'info', readonly string[], boolean]> = [
    ['warn', res.warnings, cmd.anyWarn],
    ['info', res.infos ?? [], cmd.anyInfo],
  ];
  for (const [kind, got, anyNeeded] of kinds) {
    const wants = cmd.annotations.filter((a) => a.kind === kind);
    const none = cmd.annotations.some((a) => a.kind === `no_${kind}`);
    if (none && got.length > 0) return `expected no ${kind} annotations, got ${JSON.stringify(got)}`;
    if (anyNeeded && got.length === 0) return `expected a ${kind} annotation, got none`;
    if (wants.length === 0) continue;
    const matches = (w: (typeof wants)[number], g: string): boolean => (w.msg !== undefined ? g === w.msg : w.regex ? w.regex.test(g) : true);
    for (const w of wants) if (!got.some((g) => matches(w, g))) return `expected ${kind} ${w.msg ?? w.regex ?? '(any)'}, got ${JSON.stringify(got)}`;
    for (const g of got) if (!wants.some((w) => matches(w, g))) return `unexpected ${kind} ${JSON.stringify(g)}`;
  }
  return null;
}

/** Runs one script; every eval yields one outcome. */
export async function runScript(text: string): Promise<EvalOutcome[]> {
  const store = new MemoryStore();
  const engine = new Engine(store, { lookbackDeltaMs: 5 * 60_000, timeoutMs: 100_000, defaultSubqueryStepMs: 60_000 });
  const histogramNames = new Set<string>();
  const outcomes: EvalOutcome[] = [];
  for (const cmd of parseScript(text)) {
    if (cmd.kind === 'clear') {
      store.clear();
      histogramNames.clear();
      continue;
    }
    if (cmd.kind === 'load') {
      for (const s of cmd.series) {
        const name = s.labels.find((l) => l.name === METRIC_NAME)?.value ?? '';
        if (s.values.some((v) => v.kind === 'histogram')) histogramNames.add(name);
        if (cmd.withNhcb) {
          const base = /^(.*)_(bucket|count|sum)$/.exec(name);
          if (base) histogramNames.add(base[1]);
        }
        s.values.forEach((tok, k) => {
          const t = k * cmd.intervalMs;
          const offset = s.startOffsets?.[k];
          if (tok.kind === 'float') store.add(s.labels, t, tok.v, offset === null || offset === undefined ? 0 : t + offset);
        });
      }
      continue;
    }
    if (needsNativeHistograms(cmd, histogramNames)) {
      outcomes.push({ line: cmd.line, expr: cmd.expr, status: 'skipped', detail: 'needs native histograms' });
      continue;
    }
    let res: QueryResult;
    try {
      res = cmd.instant ? await engine.evalInstant(cmd.expr, cmd.rangeVector ? cmd.rangeVector.end : cmd.start) : await engine.evalRange(cmd.expr, cmd.start, cmd.end, cmd.stepMs);
    } catch (err) {
      const msg = (err as Error).message;
      if (!cmd.fail) {
        outcomes.push({ line: cmd.line, expr: cmd.expr, status: 'failed', detail: `unexpected error: ${msg}` });
        continue;
      }
      const f = cmd.fail;
      const ok = f.msg !== undefined ? msg === f.msg : f.regex ? f.regex.test(msg) : true;
      outcomes.push({ line: cmd.line, expr: cmd.expr, status: ok ? 'passed' : 'failed', detail: ok ? '' : `expected error ${f.msg ?? f.regex}, got ${msg}` });
      continue;
    }
    if (cmd.fail) {
      outcomes.push({ line: cmd.line, expr: cmd.expr, status: 'failed', detail: 'expected an error, got a result' });
      continue;
    }
    const problem = checkResult(cmd, res) ?? checkAnnotations(cmd, res);
    outcomes.push({ line: cmd.line, expr: cmd.expr, status: problem ? 'failed' : 'passed', detail: problem ?? '' });
  }
  return outcomes;
}
