/** @module The embedded store: an in-memory head behind a write-ahead log. */
export type { DbOptions } from './db.ts';
export { Db, openDb } from './db.ts';
