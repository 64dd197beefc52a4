"""Execute notebooks at the book scale and save their outputs (and widget state) in place.

    python tools/book_run.py nbs/00_foundations.ipynb [more.ipynb ...] [--quick] [--timeout SECONDS]

The committed outputs of the book come from this script: it runs each notebook top to bottom in a fresh
kernel from the notebook's folder, without GAE_BOOK_QUICK (unless --quick, for trying the script itself),
offline, keeps the ipywidgets state so the rendered site can show the widgets, and then cleans the
notebook with nbdev-clean. A notebook whose execution fails is left untouched.
"""
import argparse, os, re, sys, time, subprocess
from pathlib import Path
import nbformat
from nbclient import NotebookClient

EVAL_FALSE = re.compile(r'^\s*#\s*\|\s*eval\s*:\s*false\s*$', re.M)


def run(path: Path, quick: bool, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    # cells marked `#| eval: false` (GPU-scale examples) are not run, as in nbdev's own test runner
    skipped = {i: c.source for i, c in enumerate(nb.cells) if c.cell_type == 'code' and EVAL_FALSE.search(c.source)}
    for i in skipped: nb.cells[i].source = ''
    env_before = dict(os.environ)
    os.environ.pop('GAE_BOOK_QUICK', None)
    if quick: os.environ['GAE_BOOK_QUICK'] = '1'
    os.environ.setdefault('GAE_BOOK_OFFLINE', '1')
    os.environ['GAE_BOOK_PLAIN_PROGRESS'] = '1'       # saved outputs show finished text bars, not dead widgets
    t = time.time()
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name='python3', store_widget_state=True,
                                resources={'metadata': {'path': str(path.parent)}})
        client.execute()
    finally:
        os.environ.clear(); os.environ.update(env_before)
    for i, src in skipped.items(): nb.cells[i].source, nb.cells[i].outputs = src, []
    nbformat.write(nb, path)
    return time.time() - t


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='+', type=Path)
    p.add_argument('--quick', action='store_true', help='run at the quick scale (never commit its outputs)')
    p.add_argument('--timeout', type=int, default=3600, help='seconds per cell')
    a = p.parse_args()
    for nb in a.notebooks:
        print(f'executing {nb} ...', flush=True)
        secs = run(nb, a.quick, a.timeout)
        print(f'  done in {secs/60:.1f} min', flush=True)
        subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(nb)], check=True)


if __name__ == '__main__':
    main()
