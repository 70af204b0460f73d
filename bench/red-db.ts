/**
 * @module Loads the RED data set (bench/red-data.ts) into an embedded TSDB, as the Pharos side of
 * `npm run bench:query` and its in-process variant do, and lets its background work (head cuts
 * into blocks, compaction) finish, so queries see the store as a server that has run for a day.
 */
import { labelsFrom, type Labels } from '../src/model/labels.ts';
import { openDb, type Db } from '../src/tsdb/index.ts';
import { generateRedData, type RedDataShape } from './red-data.ts';

/** Opens a TSDB in `dir`, appends the data set (unless `append` is false) and waits for its background work. */
export async function loadRedDb(shape: RedDataShape, dir: string, append = true): Promise<Db> {
  const db = await openDb({ dir });
  if (append) {
    const refs = new Map<number, { labels: Labels; ref: number }>();
    let app = db.appender();
    let n = 0;
    for (const _ of generateRedData(shape, (name, labels, key, t, v) => {
      let e = refs.get(key);
      if (!e) refs.set(key, (e = { labels: labelsFrom({ __name__: name, ...labels }), ref: 0 }));
      e.ref = app.append(e.ref, e.labels, t * 1000, v);
      n++;
    })) {
      if (n > 200_000) {
        await app.commit();
        app = db.appender();
        n = 0;
      }
    }
    await app.commit();
  }
  await db.maintain();
  return db;
}
