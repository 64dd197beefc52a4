"""Test setup shared by tests/ and the notebooks (run as tests through nbval).

Every test runs at the quick scale, offline, with training runs written to a fresh temporary folder:
no test downloads anything, and no cached run from an earlier version of the code is ever reused.
"""
import os, re, tempfile
from pathlib import Path
import pytest

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')   # torch's threads sleep while they wait (see gae_book.core.cpu_threads)
os.environ.setdefault('GAE_BOOK_QUICK', '1')
os.environ.setdefault('GAE_BOOK_OFFLINE', '1')
if 'GAE_BOOK_RUNS' not in os.environ:
    os.environ['GAE_BOOK_RUNS'] = tempfile.mkdtemp(prefix='gae_book_test_runs_')

_EVAL_FALSE = re.compile(r'^\s*#\s*\|\s*eval\s*:\s*false\s*$', re.M)
# a chapter's training starts at the first cell that trains or sets a budget; that cell and all after it are `slow`
_TRAINS = re.compile(r'(?<![\w.])(fit|trained|budget|model_budget)\(')
_CHAPTER = re.compile(r'^\d\d_.*\.ipynb$')


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Notebook cells: skip `#| eval: false` ones, let nbval accept outputs stored by a cleaned book run, and mark a
    chapter's training cells (and every cell after them, which use the trained models) `slow`: `pytest -m "not slow"`
    is the fast layer, the unit tests and the chapters' checks."""
    training = set()                       # chapters whose training has started, in collection order
    for item in items:
        cell = getattr(item, 'cell', None)
        if cell is None or not hasattr(item, 'options'):
            continue
        nb = Path(str(item.fspath))
        if _CHAPTER.match(nb.name) and nb.parent.name == 'nbs':
            if nb in training or (cell.cell_type == 'code' and _TRAINS.search(cell.source)
                                  and not re.match(r'\s*#\|\s*exports?\b', cell.source)):
                training.add(nb); item.add_marker(pytest.mark.slow)
        if _EVAL_FALSE.search(cell.source):
            item.options['skip'] = True
        # nbdev-clean blanks execution counts; nbval would then reject every cell that shows outputs
        if cell.get('outputs') and cell.get('execution_count') is None:
            cell.execution_count = 1
