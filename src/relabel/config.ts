/**
 * @module Relabel rules as written in Prometheus YAML (`relabel_configs`, `metric_relabel_configs`,
 * `write_relabel_configs`), validated with the rules of prometheus/prometheus model/relabel/relabel.go.
 */
import { DEFAULT_REGEX, RelabelRegex } from './regex.ts';
import { isValidLabelName, isValidLabelNameTemplate, type NameValidation } from './label-name.ts';

/** What a rule does; the YAML `action`, matched case-insensitively. */
export type RelabelAction =
  | 'replace' | 'keep' | 'drop' | 'keepequal' | 'dropequal' | 'hashmod'
  | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase';

const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
]);

/** One validated relabel rule. Immutable; the regex is compiled once, here. */
export interface RelabelConfig {
  readonly action: RelabelAction;
  /** Labels whose values are joined with `separator` into the input of the rule. */
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** Matched against the whole input. DEFAULT_REGEX (by identity) when the YAML names none. */
  readonly regex: RelabelRegex;
  /** For hashmod: a positive integer no larger than Number.MAX_SAFE_INTEGER. 0 otherwise. */
  readonly modulus: number;
  /** The label written (replace may use `$1`-style references in it). */
  readonly targetLabel: string;
  /** The value template for replace, the name template for labelmap. */
  readonly replacement: string;
  /** Which label names count as valid, at load and for names expanded at run time. */
  readonly nameValidation: NameValidation;
}

/** Options for parseRelabelConfigs. */
export interface RelabelParseOptions {
  /** Defaults to 'utf8', as in Prometheus 3. */
  nameValidation?: NameValidation;
}

/** A relabel rule that does not validate. The message starts with the field's path. */
export class RelabelConfigError extends Error {
  readonly code = 'bad_relabel_config';
  /** The path of the offending field, e.g. `relabel_configs[2].target_label`. */
  readonly path: string;

  constructor(path: string, message: string, options?: ErrorOptions) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

const DEFAULT_SEPARATOR = ';';
const DEFAULT_REPLACEMENT = '$1';
const FIELDS: ReadonlySet<string> = new Set([
  'source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action',
]);

/**
 * Validates a YAML-decoded list of relabel rules in Prometheus' snake_case shape and compiles them.
 * `where` names the list in errors (e.g. `scrape_configs[0].metric_relabel_configs`).
 * null or undefined is an empty list. Throws RelabelConfigError on the first problem.
 */
export function parseRelabelConfigs(raw: unknown, where: string, options: RelabelParseOptions = {}): RelabelConfig[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new RelabelConfigError(where, 'must be a list of relabel rules');
  const scheme = options.nameValidation ?? 'utf8';
  return raw.map((item, i) => parseRelabelConfig(item, `${where}[${i}]`, scheme));
}

/** Validates one rule; `path` prefixes its errors. */
export function parseRelabelConfig(raw: unknown, path: string, scheme: NameValidation = 'utf8'): RelabelConfig {
  if (raw === null || raw === undefined) throw new RelabelConfigError(path, 'empty or null relabeling rule');
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new RelabelConfigError(path, 'must be a mapping');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key)) throw new RelabelConfigError(`${path}.${key}`, `unknown field (expected one of ${[...FIELDS].join(', ')})`);
  }
  const at = (field: string): string => `${path}.${field}`;

  // Absent fields take Prometheus' defaults; an explicit null is Go's zero value, as yaml.v2 decodes it.
  const sourceLabels = 'source_labels' in o ? parseSourceLabels(o.source_labels, at('source_labels'), scheme) : null;
  const separator = 'separator' in o ? scalarString(o.separator, at('separator')) : DEFAULT_SEPARATOR;
  const targetLabel = 'target_label' in o ? scalarString(o.target_label, at('target_label')) : '';
  const replacement = 'replacement' in o ? scalarString(o.replacement, at('replacement')) : DEFAULT_REPLACEMENT;
  const modulus = 'modulus' in o ? parseModulus(o.modulus, at('modulus')) : 0;
  const regex = 'regex' in o ? compileRegex(scalarString(o.regex, at('regex')), at('regex')) : DEFAULT_REGEX;
  let action = '';
  if ('action' in o && o.action !== null) {
    action = scalarString(o.action, at('action')).toLowerCase();
    if (!ACTIONS.has(action)) throw new RelabelConfigError(at('action'), `unknown relabel action ${JSON.stringify(o.action)}`);
  }

  const config: RelabelConfig = {
    action: ('action' in o ? action : 'replace') as RelabelAction,
    sourceLabels: sourceLabels ?? [],
    separator,
    regex,
    modulus,
    targetLabel,
    replacement,
    nameValidation: scheme,
  };
  validate(config, sourceLabels !== null, at);
  return config;
}

/** Config.Validate from Prometheus, in its order, with each error pinned to one field. */
function validate(c: RelabelConfig, hasSourceLabels: boolean, at: (field: string) => string): void {
  const fail = (field: string, message: string): never => {
    throw new RelabelConfigError(at(field), message);
  };
  const a = c.action;
  const scheme = c.nameValidation;
  const invalidTarget = (): never => fail('target_label', `${JSON.stringify(c.targetLabel)} is invalid 'target_label' for ${a} action`);
  const caseOrEqual = a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal';

  if ((a as string) === '') fail('action', 'relabel action cannot be empty');
  if (a === 'hashmod' && c.modulus === 0) fail('modulus', 'relabel configuration for hashmod requires non-zero modulus');
  if ((a === 'replace' || a === 'hashmod' || caseOrEqual) && c.targetLabel === '') {
    fail('target_label', `relabel configuration for ${a} action requires 'target_label' value`);
  }
  if (a === 'replace') {
    const ok = c.targetLabel.includes('$')
      ? isValidLabelNameTemplate(c.targetLabel, scheme)
      : isValidLabelName(c.targetLabel, scheme);
    if (!ok) invalidTarget();
  }
  if (caseOrEqual && !isValidLabelName(c.targetLabel, scheme)) invalidTarget();
  if (caseOrEqual && c.replacement !== DEFAULT_REPLACEMENT) fail('replacement', `'replacement' can not be set for ${a} action`);
  if (a === 'labelmap' && !isValidLabelNameTemplate(c.replacement, scheme)) {
    fail('replacement', `${JSON.stringify(c.replacement)} is invalid 'replacement' for ${a} action`);
  }
  if (a === 'hashmod' && !isValidLabelName(c.targetLabel, scheme)) invalidTarget();

  if (a === 'keepequal' || a === 'dropequal') {
    // Prometheus compares the regex by identity, so even an explicit `regex: (.*)` is refused.
    const extra = c.regex !== DEFAULT_REGEX ? 'regex'
      : c.modulus !== 0 ? 'modulus'
      : c.separator !== DEFAULT_SEPARATOR ? 'separator'
      : c.replacement !== DEFAULT_REPLACEMENT ? 'replacement' : null;
    if (extra) fail(extra, `${a} action requires only 'source_labels' and \`target_label\`, and no other fields`);
  }
  if (a === 'labeldrop' || a === 'labelkeep') {
    const extra = hasSourceLabels ? 'source_labels'
      : c.targetLabel !== '' ? 'target_label'
      : c.modulus !== 0 ? 'modulus'
      : c.separator !== DEFAULT_SEPARATOR ? 'separator'
      : c.replacement !== DEFAULT_REPLACEMENT ? 'replacement' : null;
    if (extra) fail(extra, `${a} action requires only 'regex', and no other fields`);
  }
}

/** A YAML scalar as Go's yaml.v2 puts it into a string field; null is ''. */
function scalarString(v: unknown, path: string): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new RelabelConfigError(path, `must be a string, got ${describe(v)}`);
}

function parseSourceLabels(v: unknown, path: string, scheme: NameValidation): string[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) throw new RelabelConfigError(path, `must be a list of label names, got ${describe(v)}`);
  return v.map((item, j) => {
    const name = scalarString(item, `${path}[${j}]`);
    if (!isValidLabelName(name, scheme)) throw new RelabelConfigError(`${path}[${j}]`, `${JSON.stringify(name)} is not a valid label name`);
    return name;
  });
}

function parseModulus(v: unknown, path: string): number {
  if (v === null) return 0;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new RelabelConfigError(path, `must be a non-negative integer, got ${describe(v)}`);
  }
  if (n > Number.MAX_SAFE_INTEGER) throw new RelabelConfigError(path, `${String(v)} is above the supported maximum ${Number.MAX_SAFE_INTEGER}`);
  return n;
}

function compileRegex(source: string, path: string): RelabelRegex {
  try {
    return new RelabelRegex(source);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new RelabelConfigError(path, `invalid regular expression ${JSON.stringify(source)}: ${why}`, { cause });
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`;
}
