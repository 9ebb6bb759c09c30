import { test, expect } from 'vitest';
import { launchBrowser } from './browser.js';

test('the headless Chromium the browser tests use starts and renders a page', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent('<h1>mvkit</h1><p id="n">2+2</p><script>document.getElementById("n").textContent = String(2 + 2)</script>');
    expect(await page.textContent('h1')).toBe('mvkit');
    expect(await page.textContent('#n')).toBe('4');
  } finally {
    await browser.close();
  }
}, 60_000);
