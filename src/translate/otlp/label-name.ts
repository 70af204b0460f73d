/** @module OTel attribute key → Prometheus label name (spec §2.6, Prometheus' default switches). */

/** Label naming switches (Prometheus otlp label_name_*). */
export interface LabelNameOptions {
  utf8: boolean;
  underscoreSanitization: boolean;
  preserveMultipleUnderscores: boolean;
}

/** An attribute key that cannot become a label name. */
export class InvalidLabelNameError extends Error {
  readonly code = 'invalid_label_name';
}

/** The label name for an attribute key. Throws InvalidLabelNameError. */
export function prometheusLabelName(key: string, o: LabelNameOptions): string {
  if (key === '') throw new InvalidLabelNameError('empty attribute key');
  if (o.utf8) {
    if (/^_+$/.test(key)) throw new InvalidLabelNameError(`label name ${JSON.stringify(key)} is only underscores`);
    return key;
  }
  if (key.length >= 4 && key.startsWith('__') && key.endsWith('__')) return '__' + sanitize(key.slice(2, -2), o) + '__';
  let out = sanitize(key, o);
  if (/^[0-9]/.test(out)) out = 'key_' + out;
  else if (o.underscoreSanitization && out.startsWith('_') && !out.startsWith('__')) out = 'key' + out;
  if (/^_*$/.test(out)) throw new InvalidLabelNameError(`attribute key ${JSON.stringify(key)} gives the invalid label name ${JSON.stringify(out)}`);
  return out;
}

function sanitize(s: string, o: LabelNameOptions): string {
  let out = '';
  for (const ch of s) out += /[A-Za-z0-9]/.test(ch) ? ch : '_';
  return o.preserveMultipleUnderscores ? out : out.replace(/_+/g, '_');
}
