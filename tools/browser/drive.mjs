// Drives a page's live decoders in headless Chromium and prints what it measured as JSON.
// usage: node drive.mjs URL [CHROMIUM]   (ONNX Runtime Web is served from node_modules in place of its CDN;
// every other request that leaves 127.0.0.1 is refused, so the run is offline)
import { chromium } from 'playwright-core';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [url, exe = process.env.CHROMIUM || '/usr/bin/chromium'] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'node_modules', 'onnxruntime-web', 'dist');
const cdn = /^https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@[^/]+\/dist\/([^?#]+)/;
const types = {'.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm'};
const served = [], refused = [];

const browser = await chromium.launch({executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
try {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', m => logs.push(m.type() + ': ' + m.text()));
  page.on('pageerror', e => logs.push('pageerror: ' + e.message));
  await page.route('**/*', route => {
    const u = route.request().url(), m = u.match(cdn);
    if (m && existsSync(path.join(dist, m[1]))) {
      served.push(m[1]);
      return route.fulfill({body: readFileSync(path.join(dist, m[1])), contentType: types[path.extname(m[1])] || 'application/octet-stream',
                            headers: {'access-control-allow-origin': '*'}});
    }
    if (/^https?:\/\/127\.0\.0\.1[:/]/.test(u) || u.startsWith('data:')) return route.continue();
    refused.push(u); return route.abort();
  });
  const t0 = Date.now();
  await page.goto(url, {waitUntil: 'load'});
  const ids = await page.$$eval('.gae-live', els => els.map(e => e.id));
  const widgets = [];
  for (const id of ids) {
    const root = page.locator('#' + id);
    await page.waitForFunction(id => { const s = document.getElementById(id).gaeLive; return s && (s.draws > 0 || s.error); }, id, {timeout: 60000});
    const read = () => page.evaluate(id => {
      const r = document.getElementById(id), s = r.gaeLive, c = r.querySelector('.gae-live-img-z');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const px = []; for (let i = 0; i < d.length; i += 4) px.push(d[i], d[i + 1], d[i + 2]);
      return {draws: s.draws, code: s.code, pixels: px, error: s.error, firstMs: s.firstMs, updates: s.updates.slice(),
              visible: !r.querySelector('.gae-live-panel').hidden, staticHidden: r.querySelector('.gae-live-static').hidden};
    }, id);
    const first = await read();
    const moves = [];
    // move the first direction slider as a reader would (keyboard), then set values directly, waiting for each redraw
    const slider = root.locator('.gae-live-dir').first();
    await slider.focus();
    for (let i = 0; i < 5; i++) {
      const n = (await read()).draws;
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(([id, n]) => document.getElementById(id).gaeLive.draws > n, [id, n]);
    }
    for (const v of ['2.0', '-1.5', '3.0']) {
      const n = (await read()).draws;
      await slider.fill(v);
      await page.waitForFunction(([id, n]) => document.getElementById(id).gaeLive.draws > n, [id, n]);
      moves.push(await read());
    }
    const n = (await read()).draws;
    await root.locator('.gae-live-t').fill('0.5');
    await page.waitForFunction(([id, n]) => document.getElementById(id).gaeLive.draws > n, [id, n]);
    const halfway = await read();
    widgets.push({id, first, moves, halfway});
  }
  console.log(JSON.stringify({widgets, served, refused, logs, totalMs: Date.now() - t0}));
} finally {
  await browser.close();
}
