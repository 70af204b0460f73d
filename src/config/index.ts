/** @module Configuration: the settings table, value parsers and the loader. */
export type { Setting, SettingType } from './settings.ts';
export { SETTINGS } from './settings.ts';
export type { ListenAddress, SettingValue } from './parse-value.ts';
export { parseDurationMs, parseBytes, parseListen, parseSettingValue } from './parse-value.ts';
export type { PharosConfig, ConfigSources } from './load.ts';
export { loadConfig, ConfigError, configReferenceMarkdown } from './load.ts';
