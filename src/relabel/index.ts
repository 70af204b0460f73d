/** @module Prometheus relabelling: parse `*relabel_configs` rules and apply them to label sets. */
export type { RelabelAction, RelabelConfig, RelabelParseOptions } from './config.ts';
export { parseRelabelConfigs, parseRelabelConfig, RelabelConfigError } from './config.ts';
export type { NameValidation } from './label-name.ts';
export { relabel, hashMod } from './relabel.ts';
export { RelabelRegex, DEFAULT_REGEX } from './regex.ts';
export { relabelAppendable } from './appendable.ts';
