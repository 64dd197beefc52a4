"""Test setup shared by tests/ and the notebooks (run as tests through nbval).

Every test runs at the quick scale, offline, with training runs written to a fresh temporary folder:
no test downloads anything, and no cached run from an earlier version of the code is ever reused.
"""
import os, re, tempfile

os.environ.setdefault('GAE_BOOK_QUICK', '1')
os.environ.setdefault('GAE_BOOK_OFFLINE', '1')
if 'GAE_BOOK_RUNS' not in os.environ:
    os.environ['GAE_BOOK_RUNS'] = tempfile.mkdtemp(prefix='gae_book_test_runs_')

_EVAL_FALSE = re.compile(r'^\s*#\s*\|\s*eval\s*:\s*false\s*$', re.M)


def pytest_collection_modifyitems(config, items):
    "Notebook cells: skip `#| eval: false` ones, and let nbval accept outputs stored by a cleaned book run."
    for item in items:
        cell = getattr(item, 'cell', None)
        if cell is None or not hasattr(item, 'options'):
            continue
        if _EVAL_FALSE.search(cell.source):
            item.options['skip'] = True
        # nbdev-clean blanks execution counts; nbval would then reject every cell that shows outputs
        if cell.get('outputs') and cell.get('execution_count') is None:
            cell.execution_count = 1
