/** @module Label name validity under Prometheus' two name validation schemes. */

/**
 * How label names are checked: 'utf8' (Prometheus 3's default: any non-empty UTF-8 text)
 * or 'legacy' (`[a-zA-Z_][a-zA-Z0-9_]*`).
 */
export type NameValidation = 'utf8' | 'legacy';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A surrogate half without its partner cannot be encoded as UTF-8.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Legacy names with `$1`, `${1}` or `${name}` references in them (relabelTargetLegacy).
const LEGACY_NAME_WITH_REFS = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** Whether `name` is a valid label name (model.LabelName.IsValid). */
export function isValidLabelName(name: string, scheme: NameValidation): boolean {
  if (scheme === 'legacy') return LEGACY_NAME.test(name);
  return name.length > 0 && !LONE_SURROGATE.test(name);
}

/**
 * Whether `name` is a valid label name once its `$` references are expanded. Under 'utf8'
 * every non-empty name is, since `$` and braces are legal characters there.
 */
export function isValidLabelNameTemplate(name: string, scheme: NameValidation): boolean {
  if (scheme === 'legacy') return LEGACY_NAME_WITH_REFS.test(name);
  return isValidLabelName(name, scheme);
}
