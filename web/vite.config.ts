// Builds the UI into web/dist, which `pharos start` serves at /. `npm ci` runs this (prepare).
import { defineConfig, type Plugin } from 'vite';

/**
 * Links the app's chunk (main.tsx, loaded by boot.ts with import()) from the page as a
 * modulepreload, so the browser requests it while parsing the HTML: before boot.ts sends the
 * dashboard's queries, which the server answers one at a time and would queue the chunk behind.
 */
function preloadApp(): Plugin {
  return {
    name: 'pharos-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const app = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isDynamicEntry && c.facadeModuleId?.endsWith('/src/main.tsx'));
        if (!app) throw new Error('pharos-preload-app: no chunk for src/main.tsx');
        return [{ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${app.fileName}` }, injectTo: 'head' }];
      },
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  esbuild: { jsx: 'automatic' },
  // The UI is written against React's API (and type-checked with its types) but runs on Preact's
  // compatibility layer: about 15 KB of code instead of React DOM's 180 KB, which a cold load of
  // the dashboard had to parse, compile and run before drawing anything.
  resolve: {
    alias: [
      { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
      { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
      { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
      { find: /^react-dom$/, replacement: 'preact/compat' },
      { find: /^react$/, replacement: 'preact/compat' },
    ],
  },
  plugins: [preloadApp()],
});
