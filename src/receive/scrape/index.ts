/** @module Prometheus-compatible scraping: prometheus.yml scrape_configs, targets, scrape loops, file_sd, /api/v1/targets. */
export type { FileSdConfig, GlobalConfig, ScrapeAuth, ScrapeConfig, ScrapeParseOptions, ScrapeTlsConfig, TargetGroup } from './config.ts';
export { parseGlobalConfig, parseScrapeConfigs, parseScrapeConfig, ScrapeConfigError } from './config.ts';
export type { Target, TargetResult } from './target.ts';
export { targetsFromGroup, populateLabels } from './target.ts';
export type { ScrapeManagerOptions } from './manager.ts';
export { ScrapeManager } from './manager.ts';
export type { Scraper, TargetHealth } from './loop.ts';
export type { ActiveTarget, DroppedTarget, GlobalUrlOptions, TargetRetriever, TargetsData, TargetState } from './targets-view.ts';
export { createTargetsHandler, TARGETS_PATH } from './targets-api.ts';
export type { ScrapeResponse } from './http-scraper.ts';
export { HttpScraper, SCRAPE_ACCEPT_HEADER } from './http-scraper.ts';
