/** @module The Pharos UI: dashboard, explore and pipeline pages; the URL holds the state. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Dashboard } from './pages/Dashboard.tsx';
import { Explore } from './pages/Explore.tsx';
import { Pipeline } from './pages/Pipeline.tsx';
import { useUrlState } from './url-state.ts';
import './styles.css';

const PAGES = [
  { path: '/dashboard', label: 'Dashboard' },
  { path: '/explore', label: 'Explore' },
  { path: '/pipeline', label: 'Pipeline' },
];

function App() {
  const [{ path, params }, navigate] = useUrlState();
  const page = PAGES.find((p) => path.startsWith(p.path))?.path ?? '/dashboard';
  const setParams = (p: Record<string, string>, replace?: boolean) => navigate(page, p, replace);
  return (
    <>
      <header>
        <strong>Pharos</strong>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={page === p.path ? 'page' : undefined}
              onClick={(e) => {
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
        {page === '/dashboard' && <Dashboard params={params} setParams={setParams} />}
        {page === '/explore' && <Explore params={params} setParams={setParams} />}
        {page === '/pipeline' && <Pipeline />}
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
