/**
 * @module Browser-test support: Debian's Chromium driven by playwright-core, and what Chromium's
 * own accessibility tree says about a page (accessible names, the focused control).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../e2e/pharos-process.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Where the tests save their screenshots. */
export const SHOTS = join(ROOT, 'test-results', 'ui');

/** Headless Chromium with the flags that keep it quiet and offline (../shared/TOOLING.md). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install the Debian package (apt-get install -y chromium)`);
  if (!existsSync(join(ROOT, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `npm ci` or `npm run build:web`');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** One node of Chromium's accessibility tree (CDP Accessibility.AXNode, the fields used here). */
interface AxNode {
  readonly ignored: boolean;
  readonly role?: { value: string };
  readonly name?: { value: string };
  readonly properties?: Array<{ name: string; value: { value: unknown } }>;
}

/** Roles a user operates; each must have an accessible name. */
const CONTROL_ROLES = new Set(['button', 'link', 'combobox', 'textbox', 'searchbox', 'tab', 'checkbox', 'radio', 'spinbutton', 'slider', 'switch', 'menuitem', 'option', 'listbox']);

async function axNodes(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Accessibility.enable');
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as unknown as { nodes: AxNode[] };
    return nodes.filter((n) => !n.ignored);
  } finally {
    await cdp.detach();
  }
}

/** Every control in the accessibility tree as `role "name"`; the test checks none has an empty name. */
export async function controls(page: Page): Promise<Array<{ role: string; name: string }>> {
  return (await axNodes(page)).filter((n) => CONTROL_ROLES.has(n.role?.value ?? '')).map((n) => ({ role: n.role!.value, name: (n.name?.value ?? '').trim() }));
}

/** The role and accessible name of the control that has the keyboard focus, as Chromium computes them. */
export async function focused(page: Page): Promise<{ role: string; name: string } | null> {
  const node = (await axNodes(page)).find((n) => n.role?.value !== 'RootWebArea' && n.properties?.some((p) => p.name === 'focused' && p.value.value === true));
  return node ? { role: node.role?.value ?? '', name: (node.name?.value ?? '').trim() } : null;
}

/** Presses Tab `n` times and returns the focused control after each press. */
export async function tabWalk(page: Page, n: number): Promise<Array<{ role: string; name: string } | null>> {
  const out: Array<{ role: string; name: string } | null> = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    out.push(await focused(page));
  }
  return out;
}
