// Reads the built site as a reader would, in headless Chromium, and prints what it found as JSON.
// usage: node site_check.mjs BASE_URL PAGE [PAGE ...]   (env: WIDTHS=1280,390  SHOTS=DIR  CHROMIUM=/usr/bin/chromium)
//
// Every request that leaves 127.0.0.1 is answered offline: the CDN files the pages load (MathJax, ONNX Runtime Web,
// jQuery, require.js) from their npm packages, two of Quarto's stand-ins (the ES6 polyfill, which Chromium does not
// need, and the Colab badge image) from small local files; anything else is refused and reported. require.js's npm
// file is not the CDN's minified one, so its page tag loses its integrity attribute in this run only.
//
// Per page and width it reports `problems`, each {check, detail}:
//   overflow   an element wider than the content column, unless it sits in a column given the page's width on purpose
//   scrolls    a code block, table or output that scrolls sideways
//   shrunk     a figure drawn below 60% of its size at desktop width (10-point labels at 100 dpi fall under 8 px)
//   image      an image that did not load
//   tex        raw TeX left in the text after MathJax ran
//   marker     test-only text on the page (NBVAL..., a `#|` directive)
//   badge      the Colab badge turned into a captioned figure
//   console    a console error or an uncaught exception
//   link       an internal link or #anchor that does not resolve
//   live       a live widget that did not draw, or did not answer a slider move
//   frozen     a saved ipywidget (needs a kernel, cannot move on the site)
import { chromium } from 'playwright-core';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [base, ...pages] = process.argv.slice(2);
const widths = (process.env.WIDTHS || '1280,390').split(',').map(Number);
const shots = process.env.SHOTS;
const exe = process.env.CHROMIUM || '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const nm = p => path.join(here, 'node_modules', p);
const BADGE = '<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20"><rect width="117" height="20" rx="3" fill="#555"/>' +
              '<text x="8" y="14" fill="#fff" font-family="sans-serif" font-size="11">Open in Colab</text></svg>';
const OFFLINE = [   // [pattern, (match) => [file or null, body or null, content type]]
  [/^https:\/\/cdn\.jsdelivr\.net\/npm\/mathjax@3\/(es5\/[^?#]+)/, m => [nm('mathjax/' + m[1])]],
  [/^https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@[^/]+\/dist\/([^?#]+)/, m => [nm('onnxruntime-web/dist/' + m[1])]],
  [/^https:\/\/cdnjs\.cloudflare\.com\/ajax\/libs\/jquery\/3\.5\.1\/jquery\.min\.js/, () => [nm('jquery/dist/jquery.min.js')]],
  [/^https:\/\/cdnjs\.cloudflare\.com\/ajax\/libs\/require\.js\/2\.3\.6\/require\.min\.js/, () => [nm('requirejs/require.js')]],
  [/^https:\/\/cdnjs\.cloudflare\.com\/polyfill\//, () => [null, '/* offline stand-in: Chromium needs no ES6 polyfill */']],
  [/^https:\/\/colab\.research\.google\.com\/assets\/colab-badge\.svg/, () => [null, BADGE, 'image/svg+xml']],
  [/^https:\/\/fonts\.googleapis\.com\/css2/, () => [null, '/* offline stand-in: the theme falls back to system fonts */', 'text/css']],
];
const TYPES = {'.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json'};
const local = u => /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u) || u.startsWith('data:') || u.startsWith('blob:');

// runs in the page: everything that can be read off the DOM once it has loaded and MathJax has typeset
async function inspect(desktop) {
  const problems = [], add = (check, detail) => problems.push({check, detail: String(detail).slice(0, 300)});
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '') +
    ' "' + (el.innerText || el.getAttribute('src') || '').trim().slice(0, 60).replace(/\s+/g, ' ') + '"';
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const col = document.querySelector('#quarto-document-content') || document.querySelector('main') || document.body;
  const right = col.getBoundingClientRect().right;
  const WIDE = '[class*="column-page"], [class*="column-screen"], .column-body-outset, .column-margin';
  // images: every one loaded (lazy ones forced to load first)
  const imgs = [...document.querySelectorAll('img')];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => Promise.race([i.decode().catch(() => {}), new Promise(r => setTimeout(r, 10000))])));
  for (const i of imgs) if (!i.complete || i.naturalWidth === 0) add('image', i.getAttribute('src').slice(0, 120));
  // elements wider than the column (outermost only), things that scroll sideways, shrunk figures
  const reported = new Set();
  for (const el of col.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest(WIDE) || el.closest('mjx-assistive-mml')) continue;
    if ([...reported].some(p => p.contains(el))) continue;
    const clipped = (() => { for (let a = el.parentElement; a && a !== col; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o !== 'visible') return a; } return null; })();
    if (r.right > right + 6 && !clipped) { add('overflow', `${describe(el)} is ${Math.round(r.width)} px wide, ends ${Math.round(r.right - right)} px past the column`); reported.add(el); continue; }
    const ox = getComputedStyle(el).overflowX;
    // on a phone, display math and tables may scroll inside their own box; on a desktop nothing scrolls
    const phoneOk = !desktop && (el.matches('mjx-container, .cell-output-display, .table-responsive, table') || el.querySelector(':scope > table, :scope > mjx-math'));
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 2 && !phoneOk) {
      add('scrolls', `${describe(el)} scrolls sideways: ${el.scrollWidth} px of content in ${el.clientWidth} px`); reported.add(el);
    }
  }
  if (desktop) for (const i of col.querySelectorAll('.cell-output-display img, figure img')) {
    if (i.src.startsWith('data:image/svg') || i.naturalWidth < 300 || i.closest('.gae-frozen, .gae-live')) continue;
    const s = i.getBoundingClientRect().width / i.naturalWidth;
    if (s < 0.6) add('shrunk', `${i.getAttribute('src').slice(0, 80)}: ${i.naturalWidth} px drawn at ${Math.round(100 * s)}%`);
  }
  // raw TeX in text (outside code, scripts and MathJax's own output)
  const tex = /\$\$|\\\(|\\\[|\\(frac|mathbb|mathcal|mathbf|left|right|sum|begin|hat|tilde|log|nabla|mid|sim|partial)\b|\$[^$\s][^$]{0,80}\\[a-zA-Z]/;
  const walker = document.createTreeWalker(col, NodeFilter.SHOW_TEXT, {acceptNode: n =>
    n.parentElement.closest('pre, code, script, style, mjx-container, textarea, .sourceCode') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  for (let n; (n = walker.nextNode());) if (tex.test(n.textContent)) add('tex', n.textContent.trim().slice(0, 120));
  // test-only text
  const text = col.innerText;
  for (const m of text.matchAll(/^.*(NBVAL_[A-Z_]+|nbval-[a-z-]+|^\s*#\s?\|\s*[a-z-]+:).*$/gm)) add('marker', m[0].trim());
  // the Colab badge as a captioned figure
  for (const i of document.querySelectorAll('figure img, .quarto-figure img')) if (/colab/i.test(i.alt + i.src)) add('badge', 'the Colab badge is a figure: ' + (i.closest('figure, .quarto-figure').innerText.trim() || '(no caption)'));
  // saved ipywidgets
  for (const s of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"], .jupyter-widgets:not(.gae-live *)'))
    add('frozen', 'a saved ipywidget (needs a kernel): ' + describe(s.parentElement));
  // links, resolved by the caller
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(location.origin));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  return {problems, links, ids, live: document.querySelectorAll('.gae-live').length};
}

async function liveWidgets(page) {
  const problems = [];
  for (const id of await page.$$eval('.gae-live', els => els.map(e => e.id))) {
    try {
      await page.waitForFunction(id => { const s = document.getElementById(id).gaeLive; return s && (s.draws > 0 || s.error); }, id, {timeout: 60000});
      const err = await page.evaluate(id => document.getElementById(id).gaeLive.error, id);
      if (err) { problems.push({check: 'live', detail: `${id}: ${err}`}); continue; }
      const n = await page.evaluate(id => document.getElementById(id).gaeLive.draws, id);
      await page.locator(`#${id} .gae-live-dir`).first().focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(([id, n]) => document.getElementById(id).gaeLive.draws > n, [id, n], {timeout: 15000});
    } catch (e) { problems.push({check: 'live', detail: `${id}: no answer (${e.message.split('\n')[0]})`}); }
  }
  return problems;
}

const browser = await chromium.launch({executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run']});
const report = {pages: {}, refused: [], served: {}};
const idsOf = {}, linksOf = {};
try {
  for (const p of pages) {
    for (const width of widths) {
      const ctx = await browser.newContext({viewport: {width, height: 900}});
      const page = await ctx.newPage();
      const logs = [];
      page.on('console', m => { if (m.type() === 'error') logs.push({text: m.text(), url: m.location().url}); });
      page.on('pageerror', e => logs.push({text: 'uncaught: ' + e.message, url: ''}));
      await page.route('**/*', async route => {
        const u = route.request().url();
        if (local(u)) {
          if (route.request().resourceType() !== 'document') return route.continue();
          const res = await route.fetch();
          const body = (await res.text()).replace(/(<script src="https:\/\/cdnjs\.cloudflare\.com\/ajax\/libs\/require\.js[^"]*") integrity="[^"]*"/, '$1');
          return route.fulfill({response: res, body});
        }
        for (const [re, f] of OFFLINE) {
          const m = u.match(re); if (!m) continue;
          const [file, body, type] = f(m);
          if (file && !existsSync(file)) break;
          report.served[u.replace(/[?#].*/, '')] = true;
          return route.fulfill({body: file ? readFileSync(file) : body, headers: {'access-control-allow-origin': '*'},
                                contentType: type || TYPES[path.extname(file || '.js')] || 'application/octet-stream'});
        }
        report.refused.push(u); return route.abort();
      });
      const url = new URL(p, base).href;
      const res = await page.goto(url, {waitUntil: 'load'});
      const problems = [];
      if (!res || !res.ok()) problems.push({check: 'link', detail: `${p} answered ${res && res.status()}`});
      const found = await page.evaluate(inspect, width >= 1000);
      problems.push(...found.problems);
      if (found.live) problems.push(...await liveWidgets(page));
      await page.waitForTimeout(300);
      for (const l of logs) problems.push({check: 'console', detail: l.text + (l.url ? ` (${l.url.slice(0, 100)})` : '')});
      if (shots) { mkdirSync(shots, {recursive: true}); await page.screenshot({path: path.join(shots, `${p.replace(/[\/.]/g, '_')}-${width}.png`), fullPage: true}); }
      idsOf[url] = new Set(found.ids); linksOf[url] = found.links;
      (report.pages[p] ??= {})[width] = problems;
      await ctx.close();
    }
  }
  // internal links and anchors, across every page read (targets outside that set are fetched)
  const ctx = await browser.newContext();
  for (const [from, links] of Object.entries(linksOf)) {
    const p = pages.find(q => new URL(q, base).href === from);
    for (const link of new Set(links)) {
      const [target, hash] = link.split('#');
      if (!(target in idsOf)) {
        const r = await ctx.request.get(target).catch(e => ({ok: () => false, status: () => e.message}));
        const ok = r.ok();
        idsOf[target] = ok ? new Set(/\.html?$|\/$/.test(new URL(target).pathname)
          ? [...(await r.text()).matchAll(/\sid="([^"]+)"/g)].map(m => m[1]) : []) : null;
        if (!ok) (report.pages[p][widths[0]]).push({check: 'link', detail: `${link} answers ${r.status()}`});
      }
      const ids = idsOf[target];
      if (ids && hash && !ids.has(decodeURIComponent(hash))) report.pages[p][widths[0]].push({check: 'link', detail: `${link}: no element with id "${hash}"`});
    }
  }
  await ctx.close();
} finally {
  await browser.close();
}
report.refused = [...new Set(report.refused)];
report.served = Object.keys(report.served);
console.log(JSON.stringify(report));
