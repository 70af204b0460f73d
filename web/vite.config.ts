// Builds the UI into web/dist, which `pharos start` serves at /. `npm ci` runs this (prepare).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  esbuild: { jsx: 'automatic' },
});
