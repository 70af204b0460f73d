/**
 * @module The error a host collector throws when a /proc or /sys file does not read as the kernel
 * documents it. The collector then reports node_scrape_collector_success 0, as node_exporter does.
 */

/** A file under /proc or /sys that could not be parsed. `line` is 1-based; 0 means the whole file. */
export class HostParseError extends Error {
  /** A stable code for callers that branch on the kind of failure. */
  readonly code = 'host_parse';
  /** The file as the collector knows it, e.g. `/proc/meminfo`. */
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, message: string, options?: ErrorOptions) {
    super(line > 0 ? `${file}:${line}: ${message}` : `${file}: ${message}`, options);
    this.name = 'HostParseError';
    this.file = file;
    this.line = line;
  }
}
