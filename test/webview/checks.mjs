// Checks shared by the webview test files (driven by scripts/runWebviewTests.mjs).
import assert from 'node:assert/strict';

/** No CSP violation and no page or console error in the view. */
export async function assertClean(v) {
  assert.deepEqual(await v.csp(), [], 'CSP violations');
  assert.deepEqual(v.errors, [], 'page errors');
}

/** Waits for the panel to post hardware/compare (it debounces) and returns the latest one. */
export async function lastCompare(v) {
  await v.page.waitForFunction(() => window.__posted.some((m) => m.type === 'hardware/compare'), null, { timeout: 3000 });
  return (await v.posted()).filter((m) => m.type === 'hardware/compare').at(-1);
}

/** The hardware panel's usual size in the tests: narrow, tall enough for every section. */
export const PANEL_VIEWPORT = { width: 420, height: 1400 };

/** Opens the hardware panel, sends it `message` and waits for `readySelector`. */
export async function openPanel(ctx, message, readySelector) {
  const v = await ctx.open('sidebar', { viewport: PANEL_VIEWPORT });
  await v.send(message);
  await v.page.waitForSelector(readySelector);
  return v;
}
