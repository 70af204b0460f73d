/** @module The Pharos UI: dashboard, explore and pipeline pages; the URL holds the state. */
import { lazy, StrictMode, Suspense, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { Dashboard } from './pages/Dashboard.tsx';
import { Pipeline } from './pages/Pipeline.tsx';
import { useUrlState } from './url-state.ts';

// The PromQL editor (CodeMirror, the PromQL grammar) is most of the code; the dashboard does
// not need it, so it loads on the way to Explore only.
const Explore = lazy(() => import('./pages/Explore.tsx').then((m) => ({ default: m.Explore })));

const PAGES = [
  { path: '/dashboard', label: 'Dashboard' },
  { path: '/explore', label: 'Explore' },
  { path: '/pipeline', label: 'Pipeline' },
];

function App() {
  const [{ path, params }, navigate] = useUrlState();
  const page = PAGES.find((p) => path.startsWith(p.path)) ?? PAGES[0];
  const setParams = (p: Record<string, string>, replace?: boolean) => navigate(page.path, p, replace);
  useEffect(() => {
    document.title = `${page.label} · Pharos`;
  }, [page.label]);
  return (
    <>
      <header>
        <strong>Pharos</strong>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={page.path === p.path ? 'page' : undefined}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                navigate(p.path, p.path === '/dashboard' && params.service ? { service: params.service } : {});
              }}
            >
              {p.label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        {page.path === '/dashboard' && <Dashboard params={params} setParams={setParams} />}
        {page.path === '/explore' && (
          <Suspense fallback={<p className="loading">Loading the query editor…</p>}>
            <Explore params={params} setParams={setParams} />
          </Suspense>
        )}
        {page.path === '/pipeline' && <Pipeline />}
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
