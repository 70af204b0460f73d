/**
 * @module Values of statically evaluated Alloy expressions. Plain data is JS data (objects are
 * Maps, so label names such as `__proto__` stay data); what is only known when Alloy runs, or not
 * at all, is a class instance that says why, so the converter can name it in a note.
 */
import type { Position } from './ast.ts';

/** A reference to a component's export: `prometheus.remote_write.default.receiver`. */
export class ExportRef {
  constructor(
    /** The component, e.g. `prometheus.remote_write.default`. */
    readonly componentId: string,
    /** The export path after the component, e.g. `receiver`. */
    readonly field: string,
    readonly pos: Position,
  ) {}

  /** The reference as written. */
  get text(): string {
    return `${this.componentId}.${this.field}`;
  }
}

/** A value Alloy reads from its environment when it starts (`sys.env("X")`); written as `text` (`${X}`). */
export class RuntimeValue {
  constructor(
    /** The placeholder written in its place, e.g. `${X}` or `http://${HOST}:9090`. */
    readonly text: string,
    /** The environment variables it depends on. */
    readonly env: readonly string[],
    /** From coalesce(): what Alloy uses when the variable is unset or empty. */
    readonly fallback?: AlloyValue,
  ) {}
}

/** A value the converter cannot work out without running Alloy, and why. */
export class UnknownValue {
  constructor(
    readonly reason: string,
    readonly pos: Position,
  ) {}
}

/** `concat(…)` of lists some of which are component exports; the parts in order, flattened where known. */
export class ConcatValue {
  constructor(readonly parts: readonly AlloyValue[]) {}
}

/** An Alloy object. Keys keep their source order. */
export type AlloyObject = ReadonlyMap<string, AlloyValue>;

/** Any evaluated value. */
export type AlloyValue =
  | null | boolean | number | string
  | readonly AlloyValue[]
  | AlloyObject
  | ExportRef | RuntimeValue | UnknownValue | ConcatValue;

/** True for an Alloy object. */
export function isObject(v: AlloyValue): v is AlloyObject {
  return v instanceof Map;
}

/** True for an Alloy array. */
export function isArray(v: AlloyValue): v is readonly AlloyValue[] {
  return Array.isArray(v);
}

/** True when the value is fully known: no references, run-time or unknown parts anywhere. */
export function isStatic(v: AlloyValue): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (isArray(v)) return v.every(isStatic);
  if (isObject(v)) return [...v.values()].every(isStatic);
  return false;
}

/** Deep equality of static values (objects compare by keys, not order). */
export function valuesEqual(a: AlloyValue, b: AlloyValue): boolean {
  if (a === b) return true;
  if (isArray(a) && isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  if (isObject(a) && isObject(b)) return a.size === b.size && [...a].every(([k, x]) => b.has(k) && valuesEqual(x, b.get(k)!));
  return false;
}
