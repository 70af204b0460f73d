// A small Express 5 shop API that produces realistic RED metrics: 200s with varied latency,
// 404s for unknown paths and ids, and an occasionally failing checkout (500).
// Run it through instrumentation.ts (see examples/README.md); the app itself knows nothing of
// exporters, only of the OTel metrics API for the one metric the HTTP instrumentation lacks.
import express, { type NextFunction, type Request, type Response } from 'express';
import { metrics } from '@opentelemetry/api';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

const meter = metrics.getMeter('pharos-example-app', '0.1.0');
/** Requests in flight; instrumentation-http does not emit this, so the app records it. */
const activeRequests = meter.createUpDownCounter('http.server.active_requests', {
  unit: '{request}',
  description: 'Number of active HTTP server requests.',
});

/** Resolves after a random delay drawn log-uniformly between minMs and maxMs. */
function delay(minMs: number, maxMs: number): Promise<void> {
  const ms = Math.exp(Math.log(minMs) + Math.random() * (Math.log(maxMs) - Math.log(minMs)));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const app = express();

app.use((req: Request, res: Response, next: NextFunction) => {
  const attrs = { 'http.request.method': req.method, 'url.scheme': req.protocol };
  activeRequests.add(1, attrs);
  let done = false;
  const end = (): void => {
    if (done) return;
    done = true;
    activeRequests.add(-1, attrs);
  };
  res.once('finish', end);
  res.once('close', end);
  next();
});

const products = [
  { id: 1, name: 'lamp', price: 19.9 },
  { id: 2, name: 'lens', price: 49.0 },
  { id: 3, name: 'wick', price: 2.5 },
];

app.get('/products', async (_req, res) => {
  await delay(5, 80);
  res.json(products);
});

app.get('/users/:id', async (req, res) => {
  await delay(2, 40);
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id < 1 || id > 100) {
    res.status(404).json({ error: 'user not found' });
    return;
  }
  res.json({ id, name: `user-${id}` });
});

app.post('/checkout', async (_req, res) => {
  await delay(50, 1200);
  if (Math.random() < 0.1) {
    res.status(500).json({ error: 'payment provider timeout' });
    return;
  }
  res.status(200).json({ ok: true });
});

// GET too, so curl and the traffic generator can hit it without a body.
app.get('/checkout', async (_req, res) => {
  await delay(50, 1200);
  if (Math.random() < 0.1) {
    res.status(500).json({ error: 'payment provider timeout' });
    return;
  }
  res.json({ ok: true });
});

app.get('/healthz', (_req, res) => {
  res.send('ok');
});

app.use((_req, res) => {
  res.status(404).json({ error: 'not found' });
});

app.listen(port, host, (err?: Error) => {
  if (err) {
    console.error(`example-app: listen ${host}:${port} failed: ${err.message}`);
    process.exit(1);
  }
  console.error(`example-app: listening on http://${host}:${port}`);
});
