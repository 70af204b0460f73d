/**
 * @module The page's entry: asks the dashboard's first questions (prefetch.ts) while the app
 * loads. Kept small, with no React in it, so it runs before the app's code is parsed; the
 * app's chunk is requested first, by the modulepreload link vite.config.ts adds to the page.
 */
import { prefetchDashboard } from './prefetch.ts';
// Every style sheet is linked from the page itself: one the app's chunk needed would be fetched
// behind the queries below (and the chunk would wait for it).
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const app = import('./main.tsx');
prefetchDashboard(window.location.pathname, Object.fromEntries(new URLSearchParams(window.location.search)), Math.floor(Date.now() / 1000), window.innerWidth);
app.catch((e: unknown) => {
  document.getElementById('root')!.textContent = `The Pharos UI failed to load (${e instanceof Error ? e.message : String(e)}); reload the page.`;
});
