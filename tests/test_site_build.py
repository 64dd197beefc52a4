"""The real site: Quarto builds the book, and every page passes a reader's look in a browser.

`nbdev-docs` (nbdev's processing of every notebook, then Quarto) builds `_docs/` as the deploy workflow does; the build
must end with no Quarto or pandoc warning. Then every page is served on 127.0.0.1 and read in headless Chromium at
1280 px and at a phone's 390 px by `tools/browser/site_check.mjs`: nothing wider than its column unless it was given the
page's width on purpose, nothing that scrolls sideways on a desktop, no figure shrunk below 60% of its size, every image
loaded, no raw TeX after MathJax, no test-only text, no Colab badge turned into a figure, no console error, every
internal link and anchor resolving, every live widget answering a slider move, no frozen ipywidget.

Quarto: the one on PATH when it is the pinned release (1.7.34, as in the deploy workflow), else installed from
`../shared/quarto` into a cache folder (about 20 s, once), else the test is skipped and says why. The browser part
needs `tools/setup_browser.sh` (npm packages, Debian's chromium) and is skipped without it, saying which part is missing.
"""
import functools, json, os, re, shutil, subprocess, sys, textwrap
from pathlib import Path
import pytest
from browser_tools import BROWSER, chromium, missing, served

pytestmark = pytest.mark.slow      # the fast layer (pytest -m 'not slow') leaves this file out


ROOT = Path(__file__).resolve().parents[1]
QUARTO_VERSION = '1.7.34'
SHARED = ROOT.parent/'shared'/'quarto'/'install.sh'
CACHE = Path(os.environ.get('XDG_CACHE_HOME', Path.home()/'.cache'))/'gae_book'/f'quarto-{QUARTO_VERSION}'


def _version(exe) -> str:
    try: return subprocess.run([str(exe), '--version'], capture_output=True, text=True, timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError): return ''


@functools.lru_cache(maxsize=None)
def quarto() -> tuple:
    "(folder holding the quarto to use, None) or (None, why there is none)."
    found = shutil.which('quarto')
    if found and _version(found) == QUARTO_VERSION: return str(Path(found).parent), None
    if (CACHE/'bin'/'quarto').exists() and _version(CACHE/'bin'/'quarto') == QUARTO_VERSION: return str(CACHE/'bin'), None
    if SHARED.exists():
        r = subprocess.run(['bash', str(SHARED), str(CACHE)], capture_output=True, text=True, timeout=900)
        if r.returncode == 0 and (CACHE/'bin'/'quarto').exists(): return str(CACHE/'bin'), None
        return None, f'installing Quarto from {SHARED} failed: {r.stderr[-1500:]}'
    if found: return str(Path(found).parent), None     # another release: still worth building with
    return None, f'no quarto on PATH and no {SHARED.relative_to(ROOT.parent)} to install Quarto {QUARTO_VERSION} from'


# nbdev-docs, with Quarto's stderr kept: nbdev's parallel renderer drops it when Quarto exits 0
_DRIVER = textwrap.dedent('''
    import json, re, subprocess, sys
    import nbdev.quarto_render as qr
    from nbdev.quarto import nbdev_docs
    said = []
    def _quarto(path, *args):
        res = subprocess.run(['quarto', *map(str, args)], cwd=path, capture_output=True, text=True)
        said.append(res.stderr)
        if res.returncode: raise RuntimeError(res.stderr or res.stdout or f'Quarto exited with status {res.returncode}')
        return res.stdout
    qr._quarto = _quarto
    nbdev_docs()
    print('QUARTO_STDERR=' + json.dumps(said))
''')

_WARNING = re.compile(r'^.*\b(WARN(ING)?|ERROR)\b.*$', re.M)


@pytest.fixture(scope='module')
def site():
    "Build the site with nbdev-docs and the pinned Quarto; the `_docs` folder and what Quarto said."
    bin_dir, why = quarto()
    if why: pytest.skip(f'site build: {why}')
    env = {**os.environ, 'PATH': bin_dir + os.pathsep + os.environ.get('PATH', ''),
           'GAE_BOOK_QUICK': '1', 'GAE_BOOK_OFFLINE': '1', 'MPLBACKEND': 'Agg'}
    r = subprocess.run([sys.executable, '-c', _DRIVER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, f'nbdev-docs failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    line = next(l for l in r.stdout.splitlines() if l.startswith('QUARTO_STDERR='))
    return ROOT/'_docs', ''.join(json.loads(line[len('QUARTO_STDERR='):])) + r.stderr


def pages(docs: Path) -> list:
    return sorted(str(p.relative_to(docs)) for p in docs.rglob('*.html') if '_files' not in p.parts and 'site_libs' not in p.parts)


def test_the_site_builds_without_a_warning(site):
    docs, said = site
    warnings = sorted(set(m[0].strip() for m in _WARNING.finditer(said)))
    assert not warnings, f'{len(warnings)} Quarto/pandoc warnings:\n' + '\n'.join(warnings[:40])
    chapters = [p for p in pages(docs) if '/' not in p]
    assert len(chapters) >= 10 and 'index.html' in chapters, chapters


def test_every_chapter_opens_with_its_paragraph(site):
    "nbdev keeps only the title and description of the first cell: the run-time paragraph must sit in a cell of its own."
    docs, _ = site
    for nb in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')):
        first = json.loads(nb.read_text())['cells'][0]
        assert len(''.join(first['source']).strip().splitlines()) <= 2, f'{nb.name}: text after the description would be dropped'
        page = docs/(re.sub(r'^\d\d_', '', nb.stem) + '.html')
        body = page.read_text()
        assert re.search(r'[Rr]un time|<strong>Time\.</strong>', body), f'{page.name}: no run-time paragraph on the page'


# -- the reader's look, in a browser ------------------------------------------------------------------------------

_MISSING = missing(('playwright-core', 'mathjax', 'onnxruntime-web', 'jquery', 'requirejs'))


def read_pages(folder: Path, names: list, widths='1280,390') -> dict:
    "Serve `folder` on 127.0.0.1 and read `names` with tools/browser/site_check.mjs; its JSON report."
    env = {**os.environ, 'WIDTHS': widths, 'CHROMIUM': chromium()}
    if os.environ.get('GAE_BOOK_SHOTS'): env['SHOTS'] = os.environ['GAE_BOOK_SHOTS']   # screenshots, for a person to look at
    with served(folder) as url:
        r = subprocess.run(['node', str(BROWSER/'site_check.mjs'), url, *names], capture_output=True, text=True, timeout=1500, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def problems(report: dict) -> list:
    return [f"{page} at {w} px: {p['check']}: {p['detail']}" for page, ws in report['pages'].items()
            for w, ps in ws.items() for p in ps]


@pytest.mark.skipif(bool(_MISSING), reason=f'site in a browser: {_MISSING}')
def test_every_page_passes_a_readers_look(site):
    docs, _ = site
    report = read_pages(docs, pages(docs))
    assert not report['refused'], f"pages load from outside 127.0.0.1 what the test cannot stand in for: {report['refused']}"
    found = problems(report)
    assert not found, f'{len(found)} problems:\n' + '\n'.join(found[:60])
    assert any('onnxruntime-web' in u for u in report['served']), 'no live widget ran'


_DEFECTS = '''<!doctype html><html><head><meta charset="utf-8"><title>defects</title>
<style>body {margin: 0} main {width: 678px; margin: 0 20px}</style></head><body>
<main id="quarto-document-content">
<table><tr><td style="min-width: 1000px">a table wider than the column</td></tr></table>
<pre style="overflow-x: auto">a printed line far longer than the column ____________________________________________________________________________________________________________</pre>
<div class="cell-output-display"><img src="wide.png" style="max-width: 100%"></div>
<img src="missing.png" alt="an image that is not there">
<p>Raw TeX that MathJax never saw: $\\frac{a}{b}$.</p>
<pre><code># NBVAL_IGNORE_OUTPUT
print(1)</code></pre>
<figure><img src="https://colab.research.google.com/assets/colab-badge.svg" alt="Open In Colab"><figcaption>Open In Colab</figcaption></figure>
<p><a href="missing.html">a broken link</a> and <a href="#nowhere">a broken anchor</a></p>
<div class="gae-live" id="gae-live-dead-0"><input class="gae-live-dir" type="range" min="-3" max="3" step="0.1" value="0"></div>
<script>document.getElementById('gae-live-dead-0').gaeLive = {draws: 1, error: null};</script>
<div class="cell-output-display"><script type="application/vnd.jupyter.widget-view+json">{"model_id": "x"}</script></div>
<script>console.error('something broke');</script>
</main></body></html>'''


@pytest.mark.skipif(bool(_MISSING), reason=f'site in a browser: {_MISSING}')
def test_each_check_fails_on_a_page_with_its_defect(tmp_path):
    "The reader's look has teeth: a page with one of each defect is reported for each, under the right check."
    from PIL import Image
    Image.new('L', (1200, 300), 255).save(tmp_path/'wide.png')      # drawn in a 678 px column: 56% of its size
    (tmp_path/'defects.html').write_text(_DEFECTS)
    report = read_pages(tmp_path, ['defects.html'], widths='1280')
    checks = {p['check'] for p in report['pages']['defects.html']['1280']}
    want = {'overflow', 'scrolls', 'shrunk', 'image', 'tex', 'marker', 'badge', 'console', 'link', 'live', 'frozen'}
    assert want <= checks, f'not caught: {sorted(want - checks)}\n' + '\n'.join(problems(report))
    details = ' '.join(p['detail'] for p in report['pages']['defects.html']['1280'])
    assert 'missing.html' in details and '"nowhere"' in details and 'NBVAL_IGNORE_OUTPUT' in details
