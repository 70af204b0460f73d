/**
 * @module Summarises a V8 .cpuprofile (from `--cpu-prof` or bench/query-engine.ts --prof): the
 * functions with the most self time, and with the most total time (self plus callees, each
 * function counted once per stack), as percentages of all samples.
 *
 *   node --import tsx bench/cpuprofile-top.ts /tmp/p99.cpuprofile [N] [--under FUNCTION]
 *
 * With --under NAME[,NAME…], only samples whose stack holds a function of one of those names count
 * (e.g. `--under writeBlock,#checkpointWal` for a block cut inside a profile of a whole ingest run;
 * an async function is on the stack only from its own frame up, so name the innermost ones).
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const underAt = args.indexOf('--under');
const under = underAt >= 0 ? new Set(args.splice(underAt, 2)[1].split(',')) : null;
const prof = JSON.parse(readFileSync(args[0], 'utf8')) as Profile;
const top = Number(args[1] ?? 25);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  let n = byId.get(prof.samples[i]);
  if (!n) continue;
  if (under !== null) {
    let m: Node | undefined = n;
    while (m && !under.has(m.callFrame.functionName)) m = byId.get(parent.get(m.id) ?? -1);
    if (!m) continue;
  }
  all += dt;
  self.set(name(n), (self.get(name(n)) ?? 0) + dt);
  const seen = new Set<string>();
  for (; n; n = byId.get(parent.get(n.id) ?? -1)) {
    const k = name(n);
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`${title} (of ${(all / 1000).toFixed(0)} ms)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / all).toFixed(1).padStart(6)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
print('self', self);
print('total', total);
