"""A reader's install, as in Colab: the wheel alone, its declared dependencies, and each chapter's first cells.

The wheel is built from this checkout and installed into a fresh virtual environment *without* the dev extra.
No package is downloaded: the environment sees exactly the distributions that the wheel's dependencies
(transitively) name, taken from the environment running the tests, the way Colab already has torch,
torchvision and ipywidgets. Then, outside the repository, each chapter runs its Colab install cell (with Colab
simulated: it must find gae-book already installed and install nothing), its import cells, its hidden
test-helper imports and the line that loads its data. A module or asset missing from the wheel, or a package
that only the dev extra brings, fails here.
"""
import ast, importlib.metadata as md, json, os, re, subprocess, sys, textwrap, zipfile
from pathlib import Path
import pytest

from packaging.requirements import Requirement

pytestmark = pytest.mark.slow      # the fast layer (pytest -m 'not slow') leaves this file out

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))
DIRECTIVE = re.compile(r'^\s*#\s*\|.*$', re.M)


def _norm(name): return re.sub(r'[-_.]+', '-', name).lower()


def wheel_requirements(wheel: Path) -> list:
    "The wheel's declared dependencies (Requires-Dist), optional ones included (markers decide)."
    z = zipfile.ZipFile(wheel)
    meta = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()
    return [l.split(':', 1)[1].strip() for l in meta.splitlines() if l.startswith('Requires-Dist:')]


def runtime_closure(requirements: list) -> dict:
    "Every installed distribution that `requirements` (without extras) need, transitively, with the extras they ask for."
    def wanted(req, extras):
        return req.marker is None or any(req.marker.evaluate({'extra': e}) for e in (extras or {''}))
    seen, todo = {}, [(Requirement(r), set()) for r in requirements]
    todo = [(r, x) for r, x in todo if wanted(r, {''})]
    done = set()
    while todo:
        req, _ = todo.pop()
        key = (_norm(req.name), frozenset(req.extras))
        if key in done: continue
        done.add(key)
        dist = md.distribution(req.name)          # raises PackageNotFoundError: the test environment lacks it
        seen[_norm(req.name)] = dist
        for q in dist.requires or []:
            q = Requirement(q)
            if wanted(q, set(req.extras) | {''}): todo.append((q, set()))
    return seen


def shadow_site(dists: dict, dest: Path) -> Path:
    "A folder of symbolic links that exposes exactly `dists` (their packages, modules and metadata) and nothing else."
    dest.mkdir(parents=True, exist_ok=True)
    owners = {}                                        # top-level name -> distributions that put files there
    for d in md.distributions():
        for f in d.files or []:
            if f.parts and f.parts[0] != '..': owners.setdefault(f.parts[0], set()).add(_norm(d.metadata['Name']))
    for name, d in dists.items():
        base = Path(d.locate_file(''))
        for f in d.files or []:
            if not f.parts or f.parts[0] == '..' or f.suffix == '.pth': continue
            top = f.parts[0]
            shared = owners.get(top, set()) - set(dists)
            # a folder that only wanted distributions use is linked whole; a shared one file by file
            src, dst = (base/top, dest/top) if not shared or len(f.parts) == 1 else (base/f, dest/f)
            if dst.exists() or dst.is_symlink() or not src.exists(): continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    return dest


@pytest.fixture(scope='module')
def reader_env(tmp_path_factory):
    "A fresh venv with gae-book installed from its wheel, offline, next to its declared dependencies only."
    tmp = tmp_path_factory.mktemp('reader')
    dist = tmp/'dist'
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(dist),
                        str(ROOT)], capture_output=True, text=True, cwd=tmp)
    assert r.returncode == 0, r.stdout + r.stderr
    wheel = next(dist.glob('gae_book-*.whl'))
    venv = tmp/'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    py = venv/'bin'/'python'
    site = Path(subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                               capture_output=True, text=True, check=True).stdout.strip())
    deps = shadow_site(runtime_closure(wheel_requirements(wheel)), tmp/'deps')
    (site/'_gae_book_reader_deps.pth').write_text(str(deps) + '\n')
    # the venv's own old setuptools would hide the one torch requires, which the closure provides
    subprocess.run([str(py), '-m', 'pip', 'uninstall', '-y', '-q', 'setuptools'], capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PYTHON', 'VIRTUAL_ENV', 'PIP_'))}
    env.update(PIP_NO_INDEX='1', PIP_FIND_LINKS=str(dist), PIP_DISABLE_PIP_VERSION_CHECK='1',
               GAE_BOOK_OFFLINE='1', GAE_BOOK_QUICK='1', MPLBACKEND='Agg')
    env.pop('GAE_BOOK_RUNS', None)
    # what Colab's `pip install gae-book` would do next to the torch it already has: install gae-book, nothing else
    dry = subprocess.run([str(py), '-m', 'pip', 'install', '--dry-run', 'gae-book'], capture_output=True, text=True,
                         env=env, cwd=tmp)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    would = re.search(r'Would install (.*)', dry.stdout)
    assert would and [p.rsplit('-', 1)[0] for p in would.group(1).split()] == ['gae-book'], dry.stdout
    r = subprocess.run([str(py), '-m', 'pip', 'install', 'gae-book'], capture_output=True, text=True, env=env, cwd=tmp)
    assert r.returncode == 0, r.stdout + r.stderr
    return dict(py=py, env=env, cwd=tmp, wheel=wheel)


def test_wheel_carries_the_library_and_its_assets(reader_env):
    names = zipfile.ZipFile(reader_env['wheel']).namelist()
    modules = {p.name for p in (ROOT/'gae_book').glob('*.py')}
    assert modules <= {Path(n).name for n in names if n.startswith('gae_book/')}
    for asset in (ROOT/'gae_book'/'assets').iterdir():
        assert f'gae_book/assets/{asset.name}' in names, f'{asset.name} is not in the wheel'
    requires = [r for r in wheel_requirements(reader_env['wheel']) if 'extra ==' not in r]
    assert not any(re.search(r'\btorch(vision)?\s*(==|<|~=)', l) for l in requires), 'torch pins would reinstall it in Colab'
    assert zipfile.ZipFile(reader_env['wheel']).getinfo('gae_book/assets/mnist_classifier.pt').file_size < 1_000_000


def test_the_installed_library_loads_its_classifier(reader_env):
    "The metrics' classifier weights are read from the installed package, not from this checkout."
    code = "import gae_book, gae_book.metrics as m; print(gae_book.__file__); print(m.classifier_info()['accuracy'])"
    out = subprocess.run([str(reader_env['py']), '-c', code], capture_output=True, text=True, env=reader_env['env'],
                         cwd=reader_env['cwd'])
    assert out.returncode == 0, out.stderr[-2000:]
    path, acc = out.stdout.split()
    assert 'site-packages' in path and float(acc) > 0.97


def first_cells(nb_path: Path) -> str:
    "A chapter's first cells as one script: the install cell, every import cell before the data, and the data line."
    cells = [c for c in json.loads(nb_path.read_text())['cells'] if c['cell_type'] == 'code']
    out = []
    for c in cells:
        src = ''.join(c['source'])
        if re.search(r'#\|\s*eval:\s*false', src): continue
        code = DIRECTIVE.sub('', src).strip()
        if not code: continue
        tree = ast.parse(code)
        assigns_data = [n for n in tree.body if isinstance(n, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == 'data' for t in n.targets)]
        if assigns_data:
            last = tree.body.index(assigns_data[0])
            out.append(ast.unparse(ast.Module(tree.body[:last + 1], type_ignores=[])))
            return out
        if "'google.colab' in sys.modules" in code or re.search(r'#\|\s*exports?\b', src) or all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body):
            out.append(code)
    raise AssertionError(f'{nb_path.name}: no cell loads `data`')


_RUNNER = """
import json, sys, types, traceback
sys.modules['google.colab'] = types.ModuleType('google.colab')     # the install cell runs as it does in Colab
results = {}
for name, cells in json.loads(sys.argv[1]).items():
    ns = {'__name__': '__main__'}                                  # each chapter in a namespace of its own
    try:
        for i, cell in enumerate(cells): exec(compile(cell, f'<{name} cell {i}>', 'exec'), ns)   # one cell at a time
        import gae_book
        assert 'site-packages' in gae_book.__file__, 'gae_book was not imported from the install: ' + gae_book.__file__
        for dev_only in ('nbdev', 'nbval', 'pytest', 'jupyterlab'):
            assert dev_only not in sys.modules, dev_only + ' (a dev-only package) was imported'
        results[name] = 'ok: %d training images' % len(ns['data'].train)
    except BaseException:
        results[name] = traceback.format_exc()[-3000:]
print('RESULTS=' + json.dumps(results))
"""


@pytest.fixture(scope='module')
def chapter_runs(reader_env):
    "Every chapter's first cells, run from the install in one interpreter (torch is imported once)."
    cells = {nb.stem: first_cells(nb) for nb in CHAPTERS}
    r = subprocess.run([str(reader_env['py']), '-c', _RUNNER, json.dumps(cells)], capture_output=True, text=True,
                       env=reader_env['env'], cwd=reader_env['cwd'], timeout=1200)
    line = next((l for l in r.stdout.splitlines() if l.startswith('RESULTS=')), None)
    assert line, f'the reader environment could not run the chapters:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    assert 'Successfully installed' not in r.stdout + r.stderr, 'an install cell installed something'
    return json.loads(line[len('RESULTS='):])


@pytest.mark.parametrize('nb', CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_first_cells_run_from_the_wheel(chapter_runs, nb):
    assert chapter_runs[nb.stem].startswith('ok'), f'{nb.name}:\n{chapter_runs[nb.stem]}'
