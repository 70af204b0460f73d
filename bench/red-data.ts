/**
 * @module The RED-dashboard data set of `npm run bench:query`, generated deterministically so
 * every system under test (and the Pharos child process) loads exactly the same samples.
 */

export interface RedDataShape {
  readonly services: number;
  readonly routes: number;
  readonly codes: number;
  /** Number of points per series and their spacing. */
  readonly points: number;
  readonly intervalS: number;
  /** Time of the first point, in seconds. */
  readonly startS: number;
}

export const BOUNDS = ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'];
const CODES = ['200', '201', '404', '500', '503'];

interface Combo {
  readonly base: Record<string, string>;
  readonly count: number[];
  sum: number;
  readonly rate: number;
}

/**
 * Every series' samples in time order, handed to `emit` as (name, labels, key, tSeconds, value);
 * `key` identifies the series. Yields after each timestamp so a consumer can write out what it has.
 */
export function* generateRedData(shape: RedDataShape, emit: (name: string, labels: Record<string, string>, key: number, t: number, v: number) => void): Generator<number> {
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const combos: Combo[] = [];
  for (let s = 0; s < shape.services; s++) {
    for (let r = 0; r < shape.routes; r++) {
      for (const code of CODES.slice(0, shape.codes)) {
        combos.push({
          base: { job: `svc-${s}`, service_name: `svc-${s}`, http_route: `/api/r${r}`, http_request_method: 'GET', http_response_status_code: code },
          count: BOUNDS.map(() => 0),
          sum: 0,
          rate: code.startsWith('2') ? 5 + rnd() * 20 : rnd() * 2,
        });
      }
    }
  }
  for (let k = 0; k < shape.points; k++) {
    const t = shape.startS + k * shape.intervalS;
    combos.forEach((c, ci) => {
      const n = Math.floor(c.rate * shape.intervalS * (0.5 + rnd()));
      for (let i = 0; i < Math.min(n, 20); i++) {
        const x = -Math.log(1 - rnd()) * 0.08; // exponential latency, mean 80 ms
        const w = n / Math.min(n, 20);
        c.sum += x * w;
        for (let b = 0; b < BOUNDS.length; b++) if (b === BOUNDS.length - 1 || x <= Number(BOUNDS[b])) c.count[b] += w;
      }
      BOUNDS.forEach((le, b) => emit('http_server_request_duration_seconds_bucket', { ...c.base, le }, ci * 20 + b, t, Math.round(c.count[b])));
      emit('http_server_request_duration_seconds_count', c.base, ci * 20 + 17, t, Math.round(c.count[BOUNDS.length - 1]));
      emit('http_server_request_duration_seconds_sum', c.base, ci * 20 + 18, t, Math.round(c.sum * 1000) / 1000);
    });
    yield k;
  }
}

/** `name{a="b",…}` as the exposition formats write it. */
export function seriesText(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}
