"""The site's live sliders, in a real browser: a chapter page rendered by nbconvert, served on 127.0.0.1, opened in headless
Chromium with ONNX Runtime Web served from its npm package in place of the CDN (every other outside request is refused).
A slider is moved as a reader moves it; the drawn pixels must change and equal PyTorch's decoding of the same code.

Needs `tools/setup_browser.sh` (npm packages; Debian's chromium): without them these tests are skipped and say why."""
import functools, json, os, shutil, subprocess
from pathlib import Path
import numpy as np
import pytest
from browser_tools import BROWSER, chromium, missing, served
import torch

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
from gae_book.registry import shipped
# the chapters with live widgets: those of the models that ship (their decoders are what the sliders run)
PAGES = sorted({next(NBS.glob(f'{e.number}_*.ipynb')).name for e in shipped().values()})


_MISSING = missing(('onnxruntime-web', 'playwright-core'))
pytestmark = pytest.mark.skipif(bool(_MISSING), reason=f'browser test: {_MISSING}')


def drive(page_dir: Path, page: str) -> dict:
    "Serve `page_dir` on 127.0.0.1 and let tools/browser/drive.mjs move the sliders of `page`; its JSON report."
    with served(page_dir) as url:
        r = subprocess.run(['node', str(BROWSER/'drive.mjs'), url + page, chromium()], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope='module', params=PAGES)
def report(request, tmp_path_factory):
    "A chapter's page as nbconvert renders it, beside the `live/` folder the site publishes, driven in Chromium."
    from nbconvert import HTMLExporter
    out = tmp_path_factory.mktemp('site')
    body, _ = HTMLExporter().from_filename(str(NBS/request.param))
    (out/'page.html').write_text(body)
    shutil.copytree(NBS/'live', out/'live')
    return drive(out, 'page.html')


@functools.lru_cache(maxsize=None)
def _model(name: str):
    from gae_book.pretrained import load
    return load(name)


def expected(name: str, code: list) -> np.ndarray:
    """The grey levels PyTorch draws for `code` with the shipped model `name` (its noise fixed as in the export; a PixelCNN's
    pixels drawn with the page's random numbers, draw 0, as the page starts)."""
    from gae_book.pretrained import fixed_decode
    from gae_book.live import _pixelcnn, draw_pixelcnn
    m, z = _model(name), torch.tensor([code], dtype=torch.float32)
    with torch.no_grad(): x = (draw_pixelcnn(m, z, seed=0) if _pixelcnn(m) is not None else fixed_decode(m, z)).clamp(-1, 1)
    return ((x[0, 0] + 1)*127.5).round().numpy().astype(int).ravel()


def grey(r: dict) -> np.ndarray: return np.array(r['pixels']).reshape(-1, 3)[:, 0]


def test_the_page_runs_offline_with_the_local_runtime(report):
    assert report['widgets'], 'no live widget on the page'
    assert 'ort.wasm.min.js' in report['served'] and any(s.endswith('.wasm') for s in report['served'])
    assert not any('onnxruntime-web' in u for u in report['refused']), report['refused']
    for w in report['widgets']:
        f = w['first']
        assert f['error'] is None and f['visible'] and f['staticHidden'], (w['id'], f['error'])


def test_a_slider_redraws_and_matches_pytorch(report):
    from gae_book.pretrained import available
    for w in report['widgets']:
        name = w['id'][len('gae-live-'):].rsplit('-', 1)[0]
        assert name in available(), f'{name}: a live widget of a chapter shows a shipped model'
        states = [w['first'], *w['moves'], w['halfway']]
        assert all(b['draws'] > a['draws'] for a, b in zip(states, states[1:])), 'every move redraws'
        assert np.abs(grey(w['moves'][0]) - grey(w['first'])).max() > 20, 'moving a slider changes the digit'
        for s in states:
            diff = np.abs(grey(s) - expected(name, s['code']))
            if name.startswith('pixelgan'):     # binary pixels drawn one after another: a float rounding could flip one draw
                assert (diff > 1).mean() <= 0.01, f'{name}: {(diff > 1).mean():.1%} of the pixels differ from PyTorch\'s draw'
            else: assert diff.max() <= 1, f'{name}: browser and PyTorch differ by {diff.max()} grey levels'
        times = [*w['halfway']['updates']]
        print(f"{name}: first image {w['first']['firstMs']:.0f} ms after the page asked; per update median "
              f"{np.median(times):.1f} ms (n = {len(times)}); decoder {sum(f.stat().st_size for f in (NBS/'live').glob(f'{name}*.onnx'))/2**20:.2f} MB")
