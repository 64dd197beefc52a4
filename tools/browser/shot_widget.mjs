// usage: node shot_widget.mjs URL SELECTOR OUT.png [CHROMIUM] -- screenshot one element after its live widget drew (local ORT)
import { chromium } from 'playwright-core';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const [url, sel, out, exe = '/usr/bin/chromium'] = process.argv.slice(2);
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'onnxruntime-web', 'dist');
const cdn = /^https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@[^/]+\/dist\/([^?#]+)/;
const browser = await chromium.launch({executablePath: exe, args: ['--no-sandbox', '--disable-gpu']});
const page = await browser.newPage({viewport: {width: 1280, height: 900}});
await page.route('**/*', r => { const m = r.request().url().match(cdn);
  if (m && existsSync(path.join(dist, m[1]))) return r.fulfill({body: readFileSync(path.join(dist, m[1])), contentType: m[1].endsWith('.wasm') ? 'application/wasm' : 'text/javascript'});
  if (/^https?:\/\/127\.0\.0\.1/.test(r.request().url()) || r.request().url().startsWith('data:')) return r.continue(); return r.abort(); });
await page.goto(url);
await page.waitForFunction(s => { const e = document.querySelector(s); return e && e.gaeLive && e.gaeLive.draws > 0; }, sel, {timeout: 60000});
await page.locator(sel).scrollIntoViewIfNeeded();
await page.locator(sel).screenshot({path: out});
await browser.close();
