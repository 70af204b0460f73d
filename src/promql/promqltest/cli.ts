/**
 * @module `npm run promqltest -- FILE...`: runs Prometheus test scripts against the engine,
 * prints one line per failing eval and ends with "N passed, N failed, N skipped".
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { runScript } from './runner.ts';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const verbose = process.argv.includes('--verbose');
if (files.length === 0) {
  console.error('usage: npm run promqltest -- FILE... [--verbose]');
  process.exit(2);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const outcomes = await runScript(readFileSync(file, 'utf8'));
  const name = relative(process.cwd(), file);
  let fp = 0, ff = 0, fs = 0;
  for (const o of outcomes) {
    if (o.status === 'passed') fp++;
    else if (o.status === 'skipped') fs++;
    else {
      ff++;
      console.log(`${name}:${o.line}: ${o.expr}\n    ${o.detail}`);
    }
  }
  if (verbose) console.log(`${name}: ${fp} passed, ${ff} failed, ${fs} skipped`);
  passed += fp;
  failed += ff;
  skipped += fs;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
