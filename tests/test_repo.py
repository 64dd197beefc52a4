"The repository's promises: README in sync with its notebook, CI runs the README's test command."
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT/'README.md').read_text()
    blocks = re.findall(r'```sh\n(.*?)```', readme, re.S)
    test_cmd = next(b.strip() for b in blocks if 'pytest' in b)
    assert test_cmd in (ROOT/'.ci'/'run').read_text()


def test_no_settings_ini():
    assert not (ROOT/'settings.ini').exists(), 'nbdev 3 reads pyproject.toml only'


def _code_sources():
    "(where, source) of every test file and every notebook code cell."
    import json
    for p in sorted((ROOT/'tests').glob('*.py')): yield str(p.relative_to(ROOT)), p.read_text()
    for p in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for i, c in enumerate(json.loads(p.read_text())['cells']):
            if c['cell_type'] == 'code': yield f'{p.relative_to(ROOT)} cell {i}', ''.join(c['source'])


def test_no_timed_assertions():
    "Timings are printed and benchmarked, never asserted: a busy machine must not fail the tests."
    timed = re.compile(r'^\s*(\w+)\s*=\s*.*(time\.perf_counter\(\)|time\.time\(\)|time\.monotonic\(\))\s*-', re.M)
    bad = []
    for where, src in _code_sources():
        names = set(timed.findall(src) and [m[0] for m in timed.findall(src)])
        for line in src.splitlines():
            if re.match(r'\s*assert\b', line) and (any(re.search(rf'\b{n}\b', line) for n in names)
                                                  or re.search(r'perf_counter|time\.time\(\)', line)):
                bad.append(f'{where}: {line.strip()}')
    assert not bad, 'assertions on wall-clock time:\n' + '\n'.join(bad)


def test_repository_ships_license_citation_and_release():
    assert 'Apache License' in (ROOT/'LICENSE').read_text() and 'Version 2.0' in (ROOT/'LICENSE').read_text()
    assert 'cff-version' in (ROOT/'CITATION.cff').read_text()
    wf = (ROOT/'.github'/'workflows'/'release.yaml').read_text()
    assert 'id-token: write' in wf and 'pypa/gh-action-pypi-publish' in wf and "tags:" in wf


def test_readme_links_are_absolute():
    "The README is also shown on the package index, where relative links break."
    links = re.findall(r'\]\(([^)\s]+)\)', (ROOT/'README.md').read_text())
    relative = [l for l in links if not re.match(r'https?://|#|mailto:', l)]
    assert not relative, f'relative links in README.md: {relative}'


def test_sidebar_is_generated_from_the_notebooks():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_sidebar.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_what_the_book_derives_from_the_registry():
    """A new model is one notebook (nbs/NN_name.ipynb, registering it) and one line (its module in registry.CHAPTERS):
    the sidebar lists the notebook (tools/make_sidebar.py), chapter 90 compares it if it registers `compare=`, the
    shipping tool and the browser test take it if it registers `ship=True`, and the front page's table of chapters
    is written from its first cell (tools/make_sidebar.py, checked by the test above)."""
    import json, re
    from gae_book.registry import CHAPTERS, find_models, compared, shipped
    nbs = ROOT/'nbs'
    chapters = sorted(nbs.glob('[0-9]*_*.ipynb'))
    exported = {}                       # module -> chapter notebook that exports it
    for p in chapters:
        m = re.search(r'#\|\s*default_exp\s+(\w+)', p.read_text())
        if m: exported[m.group(1)] = p.name
    registering = {mod for mod, nb in exported.items() if '@register(' in (nbs/nb).read_text()}
    assert registering == set(CHAPTERS), f'registry.CHAPTERS must list the modules that register models: {sorted(registering)}'
    for e in find_models().values():
        assert list(nbs.glob(f'{e.number}_*.ipynb')), f'{e.name}: no notebook nbs/{e.number}_*.ipynb for chapter {e.chapter!r}'
    index = ''.join(''.join(c['source']) for c in json.loads((nbs/'index.ipynb').read_text())['cells'])
    linked = re.findall(r'\]\((\d\d_\w+\.ipynb)\)', index)
    assert [p.name for p in chapters] == list(dict.fromkeys(linked)), 'the front page must link every chapter, in order'
    ch90 = (nbs/'90_comparison.ipynb').read_text()
    assert 'compared().items()' in ch90, "chapter 90's contenders come from registry.compared()"
    assert list(compared()) == [e.title for e in find_models().values() if e.compare is not None]
    for name in shipped(): assert (ROOT/'gae_book'/'weights'/f'{name}.safetensors').exists(), f'{name} is registered ship=True but not shipped'
    print('compared:', ', '.join(compared()), '| shipped:', ', '.join(shipped()), '| chapters:', ', '.join(CHAPTERS))
