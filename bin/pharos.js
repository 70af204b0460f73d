#!/usr/bin/env node
// Runs Pharos from the TypeScript sources: tsx compiles each module on load, so a checkout
// needs only `npm ci` before `npx pharos start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
