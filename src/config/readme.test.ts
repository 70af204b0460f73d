import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configReferenceMarkdown } from './index.ts';

it('README carries the current configuration reference', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(configReferenceMarkdown());
});
