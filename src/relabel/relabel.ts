/**
 * @module Applies relabel rules to a label set, as Prometheus' relabel.Process does.
 *
 * Provenance: ported from prometheus/prometheus model/relabel/relabel.go (Apache-2.0).
 */
import { hash } from 'node:crypto';
import type { Labels } from '../model/labels.ts';
import { LabelsBuilder } from './builder.ts';
import { goToLower, goToUpper } from './case.ts';
import type { RelabelConfig } from './config.ts';
import { isValidLabelName } from './label-name.ts';
import { DEFAULT_REGEX, expandTemplate } from './regex.ts';

const EMPTY: Labels = [];
// relabel() runs synchronously and calls no user code, so one builder serves every call.
const scratch = new LabelsBuilder();

/**
 * Applies `configs` in order to `labels`. Returns null when a rule drops the series, otherwise
 * the resulting labels: sorted, without empty values, and the same array as `labels` when no
 * rule changed anything. The input is never modified.
 */
export function relabel(labels: Labels, configs: readonly RelabelConfig[]): Labels | null {
  if (configs.length === 0) return labels;
  const b = scratch.reset(labels);
  try {
    for (let i = 0; i < configs.length; i++) if (!applyRule(configs[i], b)) return null;
    return b.labels();
  } finally {
    b.reset(EMPTY); // drop references to the caller's labels
  }
}

/** Applies one rule to `b`; false means drop. */
function applyRule(cfg: RelabelConfig, b: LabelsBuilder): boolean {
  const val = sourceValue(cfg, b);
  switch (cfg.action) {
    case 'drop':
      return !cfg.regex.test(val);
    case 'keep':
      return cfg.regex.test(val);
    case 'dropequal':
      return b.get(cfg.targetLabel) !== val;
    case 'keepequal':
      return b.get(cfg.targetLabel) === val;
    case 'replace':
      replace(cfg, val, b);
      return true;
    case 'lowercase':
      b.set(cfg.targetLabel, goToLower(val));
      return true;
    case 'uppercase':
      b.set(cfg.targetLabel, goToUpper(val));
      return true;
    case 'hashmod':
      b.set(cfg.targetLabel, String(hashMod(val, cfg.modulus)));
      return true;
    case 'labelmap':
      b.forEach((name, value) => {
        const m = cfg.regex.exec(name);
        if (m === null) return;
        // The regex is anchored, so ReplaceAllString has exactly this one match to expand.
        const target = expandTemplate(cfg.replacement, m);
        // Prometheus would set a label with an empty name here; a label set cannot hold one.
        if (target !== '') b.set(target, value);
      });
      return true;
    case 'labeldrop':
      b.forEach((name) => {
        if (cfg.regex.test(name)) b.del(name);
      });
      return true;
    case 'labelkeep':
      b.forEach((name) => {
        if (!cfg.regex.test(name)) b.del(name);
      });
      return true;
  }
}

function sourceValue(cfg: RelabelConfig, b: LabelsBuilder): string {
  const names = cfg.sourceLabels;
  if (names.length === 0) return '';
  let val = b.get(names[0]);
  for (let i = 1; i < names.length; i++) val += cfg.separator + b.get(names[i]);
  return val;
}

function replace(cfg: RelabelConfig, val: string, b: LabelsBuilder): void {
  const targetHasRefs = cfg.targetLabel.includes('$');
  // Fast path to add or delete a fixed label pair.
  if (val === '' && cfg.regex === DEFAULT_REGEX && !targetHasRefs && !cfg.replacement.includes('$')) {
    b.set(cfg.targetLabel, cfg.replacement);
    return;
  }
  const m = cfg.regex.exec(val);
  if (m === null) return; // no match, no replacement
  const target = targetHasRefs ? expandTemplate(cfg.targetLabel, m) : cfg.targetLabel;
  if (!isValidLabelName(target, cfg.nameValidation)) return;
  const res = expandTemplate(cfg.replacement, m);
  if (res === '') b.del(target);
  else b.set(target, res);
}

const TWO_POW_32 = 0x1_0000_0000;
// Below this, (hi mod m)·2^32 + lo stays under 2^53, so plain numbers are exact.
const MAX_NUMBER_MODULUS = 2 ** 21;

/**
 * Prometheus' hashmod: the md5 of the UTF-8 bytes, its last 8 bytes read as a big-endian
 * uint64, modulo `modulus`.
 */
export function hashMod(val: string, modulus: number): number {
  // crypto.hash is the one-shot form (Node >= 20.12), about a third cheaper than createHash.
  const digest = hash('md5', val, 'buffer');
  if (modulus <= MAX_NUMBER_MODULUS) {
    const hi = digest.readUInt32BE(8);
    const lo = digest.readUInt32BE(12);
    return ((hi % modulus) * TWO_POW_32 + lo) % modulus;
  }
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}
