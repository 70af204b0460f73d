/** @module A small leveled logger writing logfmt lines to stderr, like Prometheus and Alloy do. */

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Structured logger; fields are printed as key=value. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `component=<name>` to every line. */
  child(component: string): Logger;
}

/** A logger printing lines at or above `level` through `write` (stderr by default). */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l + '\n'), base = ''): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    let line = `ts=${new Date().toISOString()} level=${lvl}${base} msg=${quote(msg)}`;
    if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${quote(v instanceof Error ? v.message : String(v))}`;
    write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (component) => createLogger(level, write, `${base} component=${component}`),
  };
}

function quote(s: string): string {
  return /^[\w.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

/** A logger that prints nothing (tests). */
export const silentLogger: Logger = createLogger('error', () => {});
