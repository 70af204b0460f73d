/**
 * @module State shared by the component converters: the components by id, the evaluator, the
 * notes, and readers that turn attributes into plain YAML data, noting whatever they cannot.
 */
import type { AlloyFile, Attribute, Block } from './ast.ts';
import { toPromDuration } from './duration.ts';
import { Evaluator } from './evaluate.ts';
import { NoteList } from './notes.ts';
import { ConcatValue, ExportRef, RuntimeValue, UnknownValue, isArray, isObject, type AlloyValue } from './values.ts';

/** A labelled top-level block: one running component in Alloy. */
export interface Component {
  /** `prometheus.scrape.node_exporter`: the prefix of references to its exports. */
  readonly id: string;
  /** `prometheus.scrape`. */
  readonly name: string;
  readonly label: string;
  readonly block: Block;
  /** As written: `prometheus.scrape "node_exporter"`. */
  readonly display: string;
}

/** How a block is named in notes: `name "label"`, or just `name`. */
export function displayBlock(block: Block): string {
  return block.label === null ? block.name : `${block.name} ${JSON.stringify(block.label)}`;
}

/** The attributes and nested blocks of one block body. */
export class Body {
  constructor(readonly block: Block) {}

  /** The attribute `name` (the last one if repeated, which Alloy rejects anyway). */
  attr(name: string): Attribute | undefined {
    let found: Attribute | undefined;
    for (const s of this.block.body) if (s.kind === 'attribute' && s.name === name) found = s;
    return found;
  }

  /** Every nested block called `name`, in order. */
  blocks(name: string): Block[] {
    return this.block.body.filter((s): s is Block => s.kind === 'block' && s.name === name);
  }

  /** The first nested block called `name`. */
  child(name: string): Body | undefined {
    const b = this.blocks(name)[0];
    return b ? new Body(b) : undefined;
  }

  /** All attributes, in order. */
  attributes(): Attribute[] {
    return this.block.body.filter((s): s is Attribute => s.kind === 'attribute');
  }

  /** All nested blocks, in order. */
  children(): Block[] {
    return this.block.body.filter((s): s is Block => s.kind === 'block');
  }
}

/** Where a value is read, for notes: the component and the attribute path (`endpoint > url`). */
export interface Site {
  readonly block: string;
  readonly what: string;
}

/** The converters' shared state. Single use: one per conversion. */
export class ConvertContext {
  readonly notes = new NoteList();
  readonly evaluator: Evaluator;
  /** Components by id, in source order. */
  readonly components = new Map<string, Component>();
  /** Ids of components a converter has dealt with (translated or noted). */
  readonly handled = new Set<string>();
  /** Per-conversion memo for converters (e.g. a relabel component's rules, converted once). */
  readonly memo = new Map<string, unknown>();

  constructor(readonly file: AlloyFile) {
    for (const s of file.body) {
      if (s.kind !== 'block' || s.label === null) continue;
      const id = `${s.name}.${s.label}`;
      const display = displayBlock(s);
      if (this.components.has(id)) {
        this.untranslated(s.pos.line, display, `a second component with the id ${id} (Alloy refuses to load this file); ignored`);
        continue;
      }
      this.components.set(id, { id, name: s.name, label: s.label, block: s, display });
    }
    this.evaluator = new Evaluator(file.source, new Set(this.components.keys()));
  }

  /** Adds an 'untranslated' note. */
  untranslated(line: number, block: string, why: string): void {
    this.notes.add('untranslated', line, block, why);
  }

  /** Adds an 'info' note. */
  info(line: number, block: string, why: string): void {
    this.notes.add('info', line, block, why);
  }

  /** Evaluates an attribute's expression. */
  evaluate(attr: Attribute): AlloyValue {
    return this.evaluator.evaluate(attr.value);
  }

  /**
   * An attribute's value as plain YAML data (objects become records). Environment look-ups are
   * written as `${NAME}` with an 'untranslated' note; unknown parts are left out with a note.
   * Undefined when nothing usable remains.
   */
  plain(attr: Attribute, site: Site): unknown {
    return this.toPlain(this.evaluate(attr), attr.pos.line, site);
  }

  /** Converts an evaluated value to plain YAML data, noting at `line` what cannot be converted. */
  toPlain(v: AlloyValue, line: number, site: Site): unknown {
    if (v === null || typeof v !== 'object') return v;
    if (isArray(v)) return v.map((x) => this.toPlain(x, line, site)).filter((x) => x !== undefined);
    if (isObject(v)) {
      const entries = [...v].map(([k, x]) => [k, this.toPlain(x, line, site)] as const).filter(([, x]) => x !== undefined);
      return Object.fromEntries(entries);
    }
    if (v instanceof RuntimeValue) {
      const vars = v.env.map((e) => `sys.env(${JSON.stringify(e)})`).join(', ');
      const fallback = v.fallback === undefined ? '' : ` (or ${JSON.stringify(this.toPlain(v.fallback, line, site)) ?? 'a default'} when unset)`;
      this.untranslated(line, site.block, `${site.what} is read from the environment when Alloy starts (${vars})${fallback}; written as ${JSON.stringify(v.text)}, which Pharos does not expand: put the value in the file`);
      return v.text;
    }
    if (v instanceof ExportRef) {
      this.untranslated(line, site.block, `${site.what} uses ${v.text}, which is only known while Alloy runs; left out`);
      return undefined;
    }
    if (v instanceof UnknownValue) {
      this.untranslated(line, site.block, `${site.what}: ${v.reason}; left out`);
      return undefined;
    }
    if (v instanceof ConcatValue) {
      this.untranslated(line, site.block, `${site.what} combines values only known while Alloy runs; left out`);
      return undefined;
    }
    return undefined;
  }

  /** A string attribute, or undefined (with a note) when it is not one. */
  string(attr: Attribute, site: Site): string | undefined {
    const v = this.plain(attr, site);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    this.untranslated(attr.pos.line, site.block, `${site.what} should be a string, got ${JSON.stringify(v)}; left out`);
    return undefined;
  }

  /** A bool attribute, or undefined (with a note). */
  bool(attr: Attribute, site: Site): boolean | undefined {
    const v = this.plain(attr, site);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    this.untranslated(attr.pos.line, site.block, `${site.what} should be true or false, got ${JSON.stringify(v)}; left out`);
    return undefined;
  }

  /** A duration attribute as a Prometheus duration, or undefined (with a note). */
  duration(attr: Attribute, site: Site): string | undefined {
    const v = this.string(attr, site);
    if (v === undefined) return undefined;
    const d = toPromDuration(v);
    if (d === null) this.untranslated(attr.pos.line, site.block, `${site.what} = ${JSON.stringify(v)} is not a duration Prometheus can express (whole milliseconds); left out`);
    return d ?? undefined;
  }

  /** The component an export reference points at, if it exists. */
  componentOf(ref: ExportRef): Component | undefined {
    return this.components.get(ref.componentId);
  }
}
