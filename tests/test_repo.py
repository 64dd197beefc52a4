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
