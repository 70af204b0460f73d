/**
 * @module Static evaluation of Alloy expressions: literals, arrays, objects and operators are
 * computed; `env()`/`sys.env()` become `${NAME}` placeholders (RuntimeValue); dotted names that
 * start with a component's id become ExportRefs, resolved later through the component graph;
 * everything else becomes an UnknownValue that says why. Function names and semantics follow
 * grafana/alloy syntax/internal/stdlib/stdlib.go and syntax/internal/transform/binary.go.
 */
import { parse as parseYaml } from 'yaml';
import type { BinaryExpr, Expr, Position } from './ast.ts';
import { ConcatValue, ExportRef, RuntimeValue, UnknownValue, isArray, isObject, isStatic, valuesEqual, type AlloyValue } from './values.ts';

/** Evaluates expressions of one file. Component ids (`prometheus.scrape.default`) resolve references. */
export class Evaluator {
  readonly #source: string;
  readonly #componentIds: ReadonlySet<string>;

  constructor(source: string, componentIds: ReadonlySet<string>) {
    this.#source = source;
    this.#componentIds = componentIds;
  }

  /** The source text of an expression. */
  text(expr: Expr): string {
    return this.#source.slice(expr.pos.offset, expr.end);
  }

  /** Evaluates an expression. Never throws: what cannot be known is an UnknownValue. */
  evaluate(expr: Expr): AlloyValue {
    switch (expr.kind) {
      case 'literal': return expr.value;
      case 'paren': return this.evaluate(expr.inner);
      case 'array': return expr.elements.map((e) => this.evaluate(e));
      case 'object': return new Map(expr.fields.map((f) => [f.name, this.evaluate(f.value)] as const));
      case 'ident':
      case 'access': return this.#reference(expr);
      case 'index': return this.#index(expr.value, expr.index, expr.pos);
      case 'call': return this.#call(expr);
      case 'unary': return this.#unary(expr.op, this.evaluate(expr.value), expr.pos);
      case 'binary': return this.#binary(expr);
    }
  }

  #reference(expr: Expr): AlloyValue {
    const path = dottedPath(expr);
    if (path) {
      for (let k = path.length - 1; k >= 1; k--) {
        const id = path.slice(0, k).join('.');
        if (this.#componentIds.has(id)) return new ExportRef(id, path.slice(k).join('.'), expr.pos);
      }
      const name = path.join('.');
      if (name === 'constants.hostname') return new UnknownValue('constants.hostname is the name of the machine Alloy runs on', expr.pos);
      if (name === 'constants.os' || name === 'constants.arch') return new UnknownValue(`${name} depends on the machine Alloy runs on`, expr.pos);
      return new UnknownValue(`${name} is not a component export or a known value`, expr.pos);
    }
    if (expr.kind !== 'access') return new UnknownValue(`${this.text(expr)} cannot be evaluated`, expr.pos);
    const base = this.evaluate(expr.value);
    if (isObject(base)) return base.get(expr.name) ?? null;
    if (base instanceof UnknownValue) return base;
    return new UnknownValue(`${this.text(expr)} does not refer to a component export`, expr.pos);
  }

  #index(valueExpr: Expr, indexExpr: Expr, pos: Position): AlloyValue {
    const value = this.evaluate(valueExpr);
    const index = this.evaluate(indexExpr);
    if (isArray(value) && typeof index === 'number') return value[index] ?? new UnknownValue(`index ${index} is out of range`, pos);
    if (isObject(value) && typeof index === 'string') return value.get(index) ?? null;
    return new UnknownValue(`${this.#source.slice(pos.offset, indexExpr.end + 1)} cannot be evaluated before Alloy runs`, pos);
  }

  #call(expr: Extract<Expr, { kind: 'call' }>): AlloyValue {
    const path = dottedPath(expr.fn);
    const name = path?.join('.') ?? this.text(expr.fn);
    const args = expr.args.map((a) => this.evaluate(a));
    const unknown = (why: string) => new UnknownValue(`${this.text(expr)}: ${why}`, expr.pos);
    switch (name) {
      case 'env':
      case 'sys.env': {
        const [v] = args;
        if (args.length !== 1 || typeof v !== 'string') return unknown('expects one string argument');
        return new RuntimeValue(`\${${v}}`, [v]);
      }
      case 'concat':
      case 'array.concat': {
        if (args.every(isArray)) return args.flat() as AlloyValue[];
        const parts = args.flatMap((a) => (a instanceof ConcatValue ? a.parts : [a]));
        return new ConcatValue(parts);
      }
      case 'coalesce': {
        for (let i = 0; i < args.length; i++) {
          const a = args[i];
          if (a instanceof RuntimeValue) return new RuntimeValue(a.text, a.env, args.slice(i + 1).find((x) => !isZero(x)) ?? args[args.length - 1]);
          if (a instanceof UnknownValue || a instanceof ExportRef || a instanceof ConcatValue) return a;
          if (!isZero(a)) return a;
        }
        return args.length ? args[args.length - 1] : null;
      }
      case 'format':
      case 'string.format': return this.#format(args, unknown);
      case 'nonsensitive':
      case 'convert.nonsensitive': return args.length === 1 ? args[0] : unknown('expects one argument');
      case 'file.path_join': return strings(args) ? args.join('/').replace(/\/+/g, '/') : unknown('needs known strings');
      case 'json_decode':
      case 'encoding.from_json':
      case 'yaml_decode':
      case 'encoding.from_yaml': {
        const [text] = args;
        if (args.length !== 1 || typeof text !== 'string') return unknown('needs a known string');
        try {
          return fromJs(name.includes('json') ? JSON.parse(text) : parseYaml(text));
        } catch (err) {
          return unknown(`does not decode: ${(err as Error).message}`);
        }
      }
    }
    const fn = STRING_FUNCTIONS[name.replace(/^string\./, '')];
    if (!fn) return unknown(`the function ${name} is not evaluated by the importer`);
    if (args.some((a) => a instanceof RuntimeValue)) return unknown(`depends on ${envNames(args)} from the environment`);
    const result = fn(args);
    return result === undefined ? unknown('needs known arguments of the right types') : result;
  }

  #format(args: AlloyValue[], unknown: (why: string) => UnknownValue): AlloyValue {
    const [fmt, ...rest] = args;
    if (typeof fmt !== 'string') return unknown('needs a known format string');
    const env: string[] = [];
    let bad = false;
    let i = 0;
    const out = fmt.replace(/%([%sdvq])/g, (_, verb: string) => {
      if (verb === '%') return '%';
      const a = rest[i++];
      if (a instanceof RuntimeValue) { env.push(...a.env); return verb === 'q' ? JSON.stringify(a.text) : a.text; }
      if (a === undefined || !isStatic(a) || (a !== null && typeof a === 'object')) { bad = true; return ''; }
      return verb === 'q' ? JSON.stringify(String(a)) : String(a);
    });
    if (bad) return unknown('needs known scalar arguments');
    return env.length ? new RuntimeValue(out, env) : out;
  }

  /** Whether Alloy computes the expression as an integer (no float literal in it), for `/`. */
  #isIntegral(expr: Expr): boolean {
    switch (expr.kind) {
      case 'literal': return typeof expr.value === 'number' && !/[.eE]/.test(this.text(expr));
      case 'paren': return this.#isIntegral(expr.inner);
      case 'unary': return this.#isIntegral(expr.value);
      case 'binary': return this.#isIntegral(expr.left) && this.#isIntegral(expr.right);
      default: return false;
    }
  }

  #unary(op: '!' | '-', v: AlloyValue, pos: Position): AlloyValue {
    if (op === '!' && typeof v === 'boolean') return !v;
    if (op === '-' && typeof v === 'number') return -v;
    return new UnknownValue(`${op} cannot be applied to a ${describe(v)}`, pos);
  }

  #binary(expr: BinaryExpr): AlloyValue {
    const l = this.evaluate(expr.left);
    const r = this.evaluate(expr.right);
    const { op } = expr;
    if (op === '+' && (l instanceof RuntimeValue || r instanceof RuntimeValue) && isText(l) && isText(r)) {
      const text = (v: string | RuntimeValue) => (typeof v === 'string' ? v : v.text);
      const env = [l, r].flatMap((v) => (v instanceof RuntimeValue ? v.env : []));
      return new RuntimeValue(text(l) + text(r), env);
    }
    if (!isStatic(l) || !isStatic(r)) return new UnknownValue(`${this.text(expr)} cannot be evaluated before Alloy runs`, expr.pos);
    if (op === '==') return valuesEqual(l, r);
    if (op === '!=') return !valuesEqual(l, r);
    if ((op === '||' || op === '&&') && typeof l === 'boolean' && typeof r === 'boolean') return op === '||' ? l || r : l && r;
    if (typeof l === 'string' && typeof r === 'string') {
      switch (op) {
        case '+': return l + r;
        case '<': return l < r;
        case '<=': return l <= r;
        case '>': return l > r;
        case '>=': return l >= r;
      }
    }
    if (typeof l === 'number' && typeof r === 'number') {
      const ints = this.#isIntegral(expr.left) && this.#isIntegral(expr.right);
      switch (op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/': return r === 0 ? new UnknownValue('division by zero', expr.pos) : ints ? Math.trunc(l / r) : l / r;
        case '%': return r === 0 ? new UnknownValue('division by zero', expr.pos) : l % r;
        case '^': return l ** r;
        case '<': return l < r;
        case '<=': return l <= r;
        case '>': return l > r;
        case '>=': return l >= r;
      }
    }
    return new UnknownValue(`${op} cannot be applied to a ${describe(l)} and a ${describe(r)}`, expr.pos);
  }
}

/** The identifiers of `a.b.c` (an identifier followed by field accesses), or null for other expressions. */
export function dottedPath(expr: Expr): string[] | null {
  if (expr.kind === 'ident') return [expr.name];
  if (expr.kind !== 'access') return null;
  const base = dottedPath(expr.value);
  return base ? [...base, expr.name] : null;
}

/** Alloy's "zero value" test used by coalesce(): null, false, 0, "", and empty arrays and objects. */
function isZero(v: AlloyValue): boolean {
  if (v === null || v === false || v === 0 || v === '') return true;
  if (isArray(v)) return v.length === 0;
  if (isObject(v)) return v.size === 0;
  return false;
}

function isText(v: AlloyValue): v is string | RuntimeValue {
  return typeof v === 'string' || v instanceof RuntimeValue;
}

function strings(args: AlloyValue[]): args is string[] {
  return args.every((a) => typeof a === 'string');
}

function envNames(args: AlloyValue[]): string {
  return args.flatMap((a) => (a instanceof RuntimeValue ? a.env : [])).join(', ');
}

function describe(v: AlloyValue): string {
  if (v === null) return 'null';
  if (isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  if (typeof v === 'object') return 'value not known before Alloy runs';
  return typeof v;
}

/** Decoded JSON/YAML into Alloy values (objects as Maps). */
function fromJs(v: unknown): AlloyValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(fromJs);
  if (typeof v === 'object') return new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)] as const));
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

type StringFunction = (args: AlloyValue[]) => AlloyValue | undefined;

/** The string functions of the stdlib (also callable as `string.<name>`); undefined = wrong arguments. */
const STRING_FUNCTIONS: Readonly<Record<string, StringFunction>> = {
  join: ([list, sep]) => (isArray(list) && strings([...list]) && typeof sep === 'string' ? list.join(sep) : undefined),
  split: ([s, sep]) => (typeof s === 'string' && typeof sep === 'string' ? s.split(sep) : undefined),
  replace: ([s, from, to]) => (typeof s === 'string' && typeof from === 'string' && typeof to === 'string' ? s.split(from).join(to) : undefined),
  to_lower: ([s]) => (typeof s === 'string' ? s.toLowerCase() : undefined),
  to_upper: ([s]) => (typeof s === 'string' ? s.toUpperCase() : undefined),
  trim_space: ([s]) => (typeof s === 'string' ? s.trim() : undefined),
  trim_prefix: ([s, p]) => (typeof s === 'string' && typeof p === 'string' ? (s.startsWith(p) ? s.slice(p.length) : s) : undefined),
  trim_suffix: ([s, p]) => (typeof s === 'string' && typeof p === 'string' ? (p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s) : undefined),
  trim: ([s, cut]) => {
    if (typeof s !== 'string' || typeof cut !== 'string') return undefined;
    const set = new Set(cut);
    let a = 0;
    let b = s.length;
    while (a < b && set.has(s[a])) a++;
    while (b > a && set.has(s[b - 1])) b--;
    return s.slice(a, b);
  },
};
