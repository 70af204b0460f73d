/**
 * What a newcomer sees in real Chromium on a Pharos that has received nothing: the dashboard
 * explains how to point an app at it, with the OTEL_* variables and the ports this Pharos
 * really listens on, in a snippet the Copy button puts on the clipboard.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPharosProcess, type PharosProcess } from '../e2e/pharos-process.ts';
import { controls, launchChromium, SHOTS } from './chromium.ts';

let pharos: PharosProcess;
let browser: Browser;

beforeAll(async () => {
  pharos = await startPharosProcess();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pharos?.stop();
});

describe('empty state', () => {
  it('tells how to send metrics here, with this Pharos\' ports, and copies the snippet', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: pharos.apiUrl });
    const page = await context.newPage();
    await page.goto(`${pharos.apiUrl}/dashboard`);
    const help = page.getByRole('region', { name: 'No HTTP server metrics yet' });
    await expect.poll(() => help.locator('pre').first().textContent(), { timeout: 15_000 }).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${pharos.otlpHttpPort}`);
    const http = (await help.locator('pre').first().textContent())!;
    expect(http).toContain('OTEL_SERVICE_NAME=');
    expect(http).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf');
    expect(await help.locator('pre').nth(1).textContent()).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${pharos.otlpGrpcPort}`);
    await help.getByRole('button', { name: 'Copy: OTLP over HTTP (any SDK)' }).click();
    await expect.poll(() => help.getByRole('status').first().textContent()).toBe('Copied.');
    const clipboard = () => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText();
    expect(await page.evaluate(clipboard)).toBe(http);
    expect((await controls(page)).filter((c) => c.name === '')).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'empty-state.png'), fullPage: true });
    await context.close();
  });
});
