/** @module The embedded store: a compressed head behind a write-ahead log, and on-disk blocks. */
export type { DbLogger, DbOptions, DbStats } from './db.ts';
export { Db, openDb } from './db.ts';
