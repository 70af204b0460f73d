// The block writer thread's entry. A worker thread does not inherit the tsx loader that
// bin/pharos.js registers on the main thread, so it registers its own before loading TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread-worker.ts');
