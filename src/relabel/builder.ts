/**
 * @module A label set under edit, with the semantics of Prometheus' labels.Builder
 * (model/labels/labels_common.go): edits are kept as add/del lists over an untouched base.
 */
import type { Label, Labels } from '../model/labels.ts';

const EMPTY: Labels = [];

/**
 * Edits over a base label set. Setting '' deletes, like Prometheus. `labels()` returns the base
 * itself when nothing changed, so an unchanged series costs no allocation.
 * Not safe across `await`: the relabeller reuses one instance.
 */
export class LabelsBuilder {
  #base: Labels = EMPTY;
  readonly #add: Label[] = [];
  readonly #del: string[] = [];

  /** Starts over from `base`. Returns this. */
  reset(base: Labels): this {
    this.#base = base;
    this.#add.length = 0;
    this.#del.length = 0;
    return this;
  }

  /** The current value of a label, or '' when absent. */
  get(name: string): string {
    // del() removes from add, but set() does not remove from del, so look at add first.
    for (const a of this.#add) if (a.name === name) return a.value;
    if (this.#del.length > 0 && this.#del.includes(name)) return '';
    const base = this.#base;
    for (let i = 0; i < base.length; i++) if (base[i].name === name) return base[i].value;
    return '';
  }

  /** Sets a label; an empty value deletes it. */
  set(name: string, value: string): void {
    if (value === '') {
      this.del(name);
      return;
    }
    const add = this.#add;
    for (let i = 0; i < add.length; i++) {
      if (add[i].name === name) {
        add[i] = { name, value };
        return;
      }
    }
    add.push({ name, value });
  }

  /** Deletes a label. */
  del(name: string): void {
    const add = this.#add;
    for (let i = add.length - 1; i >= 0; i--) if (add[i].name === name) add.splice(i, 1);
    this.#del.push(name);
  }

  /**
   * Calls `f` for every current label: the surviving base labels in order, then the added ones
   * in the order they were first set. Works on a snapshot, so `f` may call set() and del().
   */
  forEach(f: (name: string, value: string) => void): void {
    const base = this.#base;
    if (this.#add.length === 0 && this.#del.length === 0) {
      for (let i = 0; i < base.length; i++) f(base[i].name, base[i].value);
      return;
    }
    const add = this.#add.slice();
    const del = this.#del.slice();
    for (const l of base) if (!del.includes(l.name) && !add.some((a) => a.name === l.name)) f(l.name, l.value);
    for (const a of add) f(a.name, a.value);
  }

  /** The result, sorted by name. The base itself when the edits left it unchanged. */
  labels(): Labels {
    const base = this.#base;
    const add = this.#add;
    const del = this.#del;
    if (add.length === 0 && del.length === 0) return base;
    const out: Label[] = [];
    for (const l of base) if (!del.includes(l.name) && !add.some((a) => a.name === l.name)) out.push(l);
    for (const a of add) out.push(a);
    if (add.length > 0) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return sameLabels(out, base) ? base : out;
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].name !== b[i].name || a[i].value !== b[i].value) return false;
  return true;
}
