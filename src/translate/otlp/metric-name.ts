/**
 * @module OTel metric name + unit → Prometheus metric name (spec/otlp-to-prometheus.md §2.1–2.5,
 * following prometheus/otlptranslator): tokenise, append unit words, `_total` for counters,
 * `_ratio` for unit-1 gauges.
 */

/** Name translation strategies (Prometheus otlp.translation_strategy). */
export type TranslationStrategy = 'UnderscoreEscapingWithSuffixes' | 'UnderscoreEscapingWithoutSuffixes' | 'NoUTF8EscapingWithSuffixes' | 'NoTranslation';

/** What a metric is, as far as naming cares. */
export type NameKind = 'gauge' | 'counter' | 'updown' | 'histogram' | 'exphistogram' | 'summary';

const UNIT_WORDS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes', KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '1': '', '%': 'percent',
};
const PER_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

/** A name that cannot be translated (empty, or nothing but underscores). */
export class InvalidMetricNameError extends Error {
  readonly code = 'invalid_metric_name';
}

/** The Prometheus metric family name for an OTel metric. Throws InvalidMetricNameError. */
export function prometheusMetricName(name: string, unit: string, kind: NameKind, strategy: TranslationStrategy, namespace = ''): string {
  if (strategy === 'NoTranslation') {
    if (name === '') throw new InvalidMetricNameError('metric name is empty');
    return name;
  }
  if (strategy === 'UnderscoreEscapingWithoutSuffixes') return withoutSuffixes(name, namespace);
  if (strategy === 'NoUTF8EscapingWithSuffixes') return utf8WithSuffixes(name, unit, kind, namespace);
  const tokens = name.split(/[^A-Za-z0-9:]+/).filter((t) => t !== '');
  const [mainUnit, perUnit] = unitParts(unit);
  if (mainUnit && !tokens.includes(mainUnit)) tokens.push(mainUnit);
  if (perUnit && perUnit !== 'per_') tokens.push(perUnit); // LIB never drops per (§7.2): byte-for-byte with Prometheus
  if (kind === 'counter') { removeAll(tokens, 'total'); tokens.push('total'); }
  if (kind === 'gauge' && unit === '1') { removeAll(tokens, 'ratio'); tokens.push('ratio'); }
  if (namespace) tokens.unshift(...namespace.split(/[^A-Za-z0-9:]+/).filter((t) => t !== ''));
  let out = tokens.join('_');
  if (/^[0-9]/.test(out)) out = '_' + out;
  if (out === '') throw new InvalidMetricNameError(`normalization of metric name ${JSON.stringify(name)} resulted in an empty name`);
  return out;
}

/** Unit words for the name: [main, per] (either may be ''). */
function unitParts(unit: string): [string, string] {
  const slash = unit.indexOf('/');
  const mainRaw = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perRaw = slash < 0 ? '' : unit.slice(slash + 1).trim();
  let main = '';
  if (mainRaw && !/[{}]/.test(mainRaw)) main = cleanUnitWord(UNIT_WORDS[mainRaw] ?? mainRaw);
  let per = '';
  if (perRaw && !/[{}]/.test(perRaw)) {
    const word = cleanUnitWord(PER_WORDS[perRaw] ?? perRaw);
    if (word) per = 'per_' + word;
  }
  if (per && main.endsWith('_')) main = main.slice(0, -1);
  return [main, per];
}

function cleanUnitWord(w: string): string {
  let s = w.replace(/[^A-Za-z0-9:]/g, '_').replace(/_+/g, '_');
  if (s.startsWith('_')) s = s.slice(1);
  return s;
}

function removeAll(tokens: string[], word: string): void {
  for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i] === word) tokens.splice(i, 1);
}

function withoutSuffixes(name: string, namespace: string): string {
  const clean = (s: string) => s.split(/[^A-Za-z0-9:_]+/).filter((t) => t !== '').join('_');
  let out = clean(name);
  if (namespace) out = clean(namespace) + '_' + out;
  else if (/^[0-9]/.test(out)) out = '_' + out;
  if (out === '') throw new InvalidMetricNameError(`normalization of metric name ${JSON.stringify(name)} resulted in an empty name`);
  if (/^_+$/.test(out) && out !== name) throw new InvalidMetricNameError(`normalization of metric name ${JSON.stringify(name)} resulted in an invalid name ${JSON.stringify(out)}`);
  return out;
}

function utf8WithSuffixes(name: string, unit: string, kind: NameKind, namespace: string): string {
  if (name === '') throw new InvalidMetricNameError('metric name is empty');
  let base = name;
  const [mainUnit, perUnit] = unitParts(unit);
  for (const suffix of ['_ratio', '_total']) if (base.endsWith(suffix)) base = base.slice(0, -suffix.length);
  if (perUnit && base.endsWith('_' + perUnit)) base = base.slice(0, -(perUnit.length + 1));
  if (mainUnit && base.endsWith('_' + mainUnit)) base = base.slice(0, -(mainUnit.length + 1));
  let out = base;
  if (mainUnit) out += '_' + mainUnit;
  if (perUnit) out += '_' + perUnit;
  if (kind === 'counter') out += '_total';
  if (kind === 'gauge' && unit === '1') out += '_ratio';
  if (namespace) out = namespace + '_' + out;
  return out;
}

/** The metadata UNIT of a family: `By/s` → `bytes_per_second`, `1` → ``. */
export function metadataUnit(unit: string): string {
  const [main, per] = unitParts(unit);
  return [main, per].filter((x) => x !== '').join('_').replace(/^_+|_+$/g, '');
}
