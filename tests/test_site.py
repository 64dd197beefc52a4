"""The site's sources: nbdev's pre-processing of every notebook, and what the committed outputs show.

`nbdev-docs` runs nbdev's notebook processors before Quarto renders anything. One of them executes, in a fresh
interpreter, every exported cell and every cell that contains an import; a cell that also uses a notebook
variable stops the whole build. These tests run that processing step (the same function `nbdev-docs` calls, per
notebook) on its own, so that its failures are named per notebook, also where Quarto is missing; the whole build with
Quarto, and a reader's look at every page in a browser, are in `test_site_build.py`.
"""
import json, os, re, subprocess, sys, textwrap
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted((ROOT/'nbs').rglob('*.ipynb'))
NBS = [p for p in NBS if not any(part.startswith(('.', '_')) for part in p.relative_to(ROOT/'nbs').parts)]

# one interpreter per run (torch is imported once); each notebook gets nbdev's own processing with a fresh shell
_DRIVER = textwrap.dedent('''
    import sys, json, traceback
    from pathlib import Path
    import nbdev.serve_drv as drv
    from nbdev.processors import FilterDefaults
    out = Path(sys.argv[1]); failures = {}
    for src in sys.argv[2:]:
        try: drv.main((Path(src), out/Path(src).name, FilterDefaults))
        except BaseException as e: failures[src] = f"{type(e).__name__}: {e}"[-3000:]
    print('FAILURES=' + json.dumps(failures))
''')


def process_notebooks(paths, out_dir):
    "Run nbdev's documentation processors on `paths`; returns {notebook: error} for those that failed."
    env = {**os.environ, 'GAE_BOOK_QUICK': '1', 'GAE_BOOK_OFFLINE': '1', 'MPLBACKEND': 'Agg'}
    r = subprocess.run([sys.executable, '-c', _DRIVER, str(out_dir), *map(str, paths)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=1800)
    line = next((l for l in r.stdout.splitlines() if l.startswith('FAILURES=')), None)
    assert line is not None, f'the processing driver crashed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    return json.loads(line[len('FAILURES='):])


def test_docs_processing_passes_for_every_notebook(tmp_path):
    failures = process_notebooks(NBS, tmp_path)
    assert not failures, 'nbdev-docs would stop on these notebooks (keep imports in import-only cells):\n\n' + \
        '\n\n'.join(f'{k}:\n{v}' for k, v in failures.items())
    # chapters show their implementation: exported cells keep their source on the page
    for p in NBS:
        if re.match(r'\d\d_', p.name) and p.parent.name == 'nbs':
            shown = [c for c in json.loads((tmp_path/p.name).read_text())['cells'] if c['cell_type'] == 'code'
                     and 'Exported source' in ''.join(c['source']) and re.search(r'^(def|class) ', ''.join(c['source']), re.M)]
            assert shown, f'{p.name}: no implementation cell survives the processing (use `#| exports` in chapters)'


def test_docs_processing_fails_on_a_mixed_import_cell(tmp_path):
    "The check above has teeth: a cell that imports and uses an earlier variable is caught."
    nb = {'cells': [
            {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': '#| export\nx = 1'},
            {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': 'data = [1, 2]'},
            {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None,
             'source': 'import math\nprint(math.sqrt(len(data)))'}],
          'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}},
          'nbformat': 4, 'nbformat_minor': 5}
    (tmp_path/'src').mkdir(); (tmp_path/'out').mkdir()
    bad = tmp_path/'src'/'mixed.ipynb'; bad.write_text(json.dumps(nb))
    failures = process_notebooks([bad], tmp_path/'out')
    assert str(bad) in failures and 'NameError' in failures[str(bad)]


_BARE_CR = re.compile(r'\r(?!\n)')

def test_no_progress_bar_updates_in_committed_outputs():
    "A text progress bar is stored as its final line (tools/book_run.py collapses carriage-return updates)."
    bad = []
    for p in NBS:
        for i, c in enumerate(json.loads(p.read_text())['cells']):
            for o in c.get('outputs', []):
                if o.get('output_type') == 'stream' and _BARE_CR.search(''.join(o.get('text', ''))):
                    bad.append(f'{p.relative_to(ROOT)} cell {i}')
    assert not bad, 'stream outputs with carriage-return updates (run `python tools/book_run.py --clean-only NB`): ' + \
        ', '.join(sorted(set(bad)))


def test_chapters_open_in_colab():
    "Every chapter has its own Colab badge and a guarded install cell before any other code (after its import cell)."
    for p in NBS:
        if not (re.match(r'\d\d_', p.name) and p.parent.name == 'nbs'): continue
        cells = json.loads(p.read_text())['cells']
        text = [''.join(c['source']) for c in cells]
        assert any(f'colab.research.google.com/github/gae-book/gae_book/blob/main/nbs/{p.name}' in t for t in text), p.name
        first_code = [t for c, t in zip(cells, text) if c['cell_type'] == 'code'][:2]
        assert "import sys, subprocess" in first_code[0], p.name
        assert "'google.colab' in sys.modules" in first_code[1] and "'gae-book'" in first_code[1], p.name
