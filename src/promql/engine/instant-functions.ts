/**
 * @module Functions over instant vectors: element-wise math, clamping and rounding, date
 * parts, label rewriting and sorting. Element-wise functions mark the result for delayed
 * metric-name removal, as Prometheus 3 does.
 */
import { labelValue, type Labels } from '../../model/labels.ts';
import { PromqlError } from '../errors.ts';
import { setLabel, type StepSeries } from './step-series.ts';

type InstantFunction = (input: StepSeries[], scalars: Float64Array[], steps: number) => StepSeries[];

/** Applies f to every present value in place and marks the name for removal. */
function elementwise(f: (v: number) => number): InstantFunction {
  return (input) => {
    for (const s of input) {
      const vals = s.values;
      for (let i = 0; i < vals.length; i++) if (s.present[i] === 1) vals[i] = f(vals[i]);
      s.dropName = true;
    }
    return input;
  };
}

function withScalars(f: (v: number, args: number[]) => number | undefined): InstantFunction {
  return (input, scalars, steps) => {
    const args: number[] = new Array(scalars.length);
    const out: StepSeries[] = [];
    for (const s of input) {
      let any = false;
      for (let i = 0; i < steps; i++) {
        if (s.present[i] === 0) continue;
        for (let a = 0; a < scalars.length; a++) args[a] = scalars[a][i];
        const r = f(s.values[i], args);
        if (r === undefined) {
          s.present[i] = 0;
          continue;
        }
        s.values[i] = r;
        any = true;
      }
      s.dropName = true;
      if (any) out.push(s);
    }
    return out;
  };
}

export const INSTANT_FUNCTIONS: Readonly<Record<string, InstantFunction>> = {
  abs: elementwise(Math.abs),
  ceil: elementwise(Math.ceil),
  floor: elementwise(Math.floor),
  exp: elementwise(Math.exp),
  sqrt: elementwise(Math.sqrt),
  ln: elementwise(Math.log),
  log2: elementwise(Math.log2),
  log10: elementwise(Math.log10),
  sin: elementwise(Math.sin),
  cos: elementwise(Math.cos),
  tan: elementwise(Math.tan),
  asin: elementwise(Math.asin),
  acos: elementwise(Math.acos),
  atan: elementwise(Math.atan),
  sinh: elementwise(Math.sinh),
  cosh: elementwise(Math.cosh),
  tanh: elementwise(Math.tanh),
  asinh: elementwise(Math.asinh),
  acosh: elementwise(Math.acosh),
  atanh: elementwise(Math.atanh),
  deg: elementwise((v) => (v * 180) / Math.PI),
  rad: elementwise((v) => (v * Math.PI) / 180),
  sgn: elementwise((v) => (v < 0 ? -1 : v > 0 ? 1 : v)),
  clamp: (input, scalars, steps) => {
    const [mins, maxs] = scalars;
    const out: StepSeries[] = [];
    for (const s of input) {
      let any = false;
      for (let i = 0; i < steps; i++) {
        if (s.present[i] === 0) continue;
        if (maxs[i] < mins[i]) {
          s.present[i] = 0;
          continue;
        }
        s.values[i] = Math.max(mins[i], Math.min(maxs[i], s.values[i]));
        any = true;
      }
      s.dropName = true;
      if (any) out.push(s);
    }
    return out;
  },
  clamp_min: withScalars((v, [min]) => Math.max(min, v)),
  clamp_max: withScalars((v, [max]) => Math.min(max, v)),
  round: withScalars((v, args) => {
    const toNearest = args.length > 0 ? args[0] : 1;
    const inverse = 1 / toNearest;
    return Math.floor(v * inverse + 0.5) / inverse;
  }),
};

export const DATE_FUNCTIONS = new Set(['minute', 'hour', 'day_of_week', 'day_of_month', 'day_of_year', 'days_in_month', 'month', 'year']);

/** Date parts (UTC) of each value read as Unix seconds. */
export function dateFunction(name: string, input: StepSeries[]): StepSeries[] {
  const f = (sec: number): number => {
    if (!Number.isFinite(sec)) return NaN;
    const d = new Date(Math.trunc(sec) * 1000);
    if (Number.isNaN(d.getTime())) return NaN;
    switch (name) {
      case 'minute': return d.getUTCMinutes();
      case 'hour': return d.getUTCHours();
      case 'day_of_week': return d.getUTCDay();
      case 'day_of_month': return d.getUTCDate();
      case 'day_of_year': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        return Math.floor((d.getTime() - start) / 86_400_000) + 1;
      }
      case 'days_in_month': return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      case 'month': return d.getUTCMonth() + 1;
      default: return d.getUTCFullYear();
    }
  };
  for (const s of input) {
    for (let i = 0; i < s.values.length; i++) if (s.present[i] === 1) s.values[i] = f(s.values[i]);
    s.dropName = true;
  }
  return input;
}

function compileRegex(regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`, 's');
  } catch {
    throw new PromqlError('execution', `invalid regular expression in label_replace(): ${regex}`);
  }
}

function isValidLabelName(name: string): boolean {
  return name !== '' && !/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}

/** Go's regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([^}]*)\}|([A-Za-z0-9_]+))/g, (_all, tok: string, braced: string | undefined, bare: string | undefined) => {
    if (tok === '$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

export function labelReplace(input: StepSeries[], dst: string, repl: string, src: string, regex: string): StepSeries[] {
  const re = compileRegex(regex);
  if (!isValidLabelName(dst)) throw new PromqlError('execution', `invalid destination label name in label_replace(): ${dst}`);
  for (const s of input) {
    const m = re.exec(labelValue(s.labels, src));
    if (!m) continue;
    const value = expandTemplate(repl, m);
    s.labels = setLabel(s.labels, dst, value);
    if (dst === '__name__') s.dropName = false;
  }
  return input;
}

export function labelJoin(input: StepSeries[], dst: string, sep: string, srcs: string[]): StepSeries[] {
  if (!isValidLabelName(dst)) throw new PromqlError('execution', `invalid destination label name in label_join(): ${dst}`);
  for (const src of srcs) if (!isValidLabelName(src)) throw new PromqlError('execution', `invalid source label name in label_join(): ${src}`);
  for (const s of input) {
    const value = srcs.map((n) => labelValue(s.labels, n)).join(sep);
    s.labels = setLabel(s.labels, dst, value);
    if (dst === '__name__') s.dropName = false;
  }
  return input;
}

/** sort / sort_desc: by value of the (single) step, NaN last. */
export function sortByValue(input: StepSeries[], desc: boolean): StepSeries[] {
  if (input.length === 0 || input[0].values.length !== 1) return input;
  return input.slice().sort((a, b) => {
    const x = a.values[0];
    const y = b.values[0];
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return desc ? y - x : x - y;
  });
}

/** Natural ("version") order: digit runs compare by number. */
function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function compareAllLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i].name !== b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value !== b[i].value) return naturalCompare(a[i].value, b[i].value);
  }
  return a.length - b.length;
}

export function sortByLabel(input: StepSeries[], labels: string[], desc: boolean): StepSeries[] {
  const sorted = input.slice().sort((a, b) => {
    for (const l of labels) {
      const c = naturalCompare(labelValue(a.labels, l), labelValue(b.labels, l));
      if (c !== 0) return desc ? -c : c;
    }
    const c = compareAllLabels(a.labels, b.labels);
    return desc ? -c : c;
  });
  return sorted;
}

