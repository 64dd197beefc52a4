"""Execute notebooks at the book scale and save their outputs (and widget state) in place.

    python tools/book_run.py nbs/00_foundations.ipynb [more.ipynb ...] [--quick] [--timeout SECONDS]
    python tools/book_run.py --clean-only nbs/*.ipynb      # only collapse stored progress bars, execute nothing

The committed outputs of the book come from this script: it runs each notebook top to bottom in a fresh
kernel from the notebook's folder, without GAE_BOOK_QUICK (unless --quick, for trying the script itself),
offline, keeps the ipywidgets state so the rendered site can show the widgets, and then cleans the
notebook with nbdev-clean. A notebook whose execution fails is left untouched.

Text progress bars redraw themselves with carriage returns; a notebook stores every redraw, and the rendered
site would show each one as a line. Before saving, consecutive stream outputs are merged and every line keeps
only what its last carriage return left on screen, so a finished bar is stored as its final line.
"""
import argparse, os, re, sys, time, subprocess
from pathlib import Path
import nbformat
from nbclient import NotebookClient

EVAL_FALSE = re.compile(r'^\s*#\s*\|\s*eval\s*:\s*false\s*$', re.M)


def collapse_line(line: str) -> str:
    "What a terminal shows of `line` after its carriage returns: the last non-blank redraw."
    parts = [p for p in line.split('\r') if p.strip()]
    return parts[-1] if parts else ''


def collapse_progress(nb) -> int:
    "Merge consecutive stream outputs of each cell and keep only the final redraw of each line; returns outputs removed."
    removed = 0
    for cell in nb.cells:
        outs = []
        for o in cell.get('outputs', []):
            if o.output_type == 'stream' and outs and outs[-1].output_type == 'stream' and outs[-1].name == o.name:
                outs[-1].text += o.text; removed += 1
            else: outs.append(o)
        for o in outs:
            if o.output_type == 'stream' and '\r' in o.text.replace('\r\n', '\n'):
                lines = o.text.replace('\r\n', '\n').split('\n')
                kept = [collapse_line(l) for l in lines[:-1]] + [lines[-1]]
                if kept[-1] and '\r' in kept[-1]: kept[-1] = collapse_line(kept[-1]) + '\n'   # a bar with no final newline
                o.text = '\n'.join(l for l in kept[:-1] if l != '') + ('\n' if len(kept) > 1 else '') + kept[-1]
        if 'outputs' in cell: cell.outputs = outs
    return removed


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
    collapse_progress(nb)
    nbformat.write(nb, path)
    return time.time() - t


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='+', type=Path)
    p.add_argument('--quick', action='store_true', help='run at the quick scale (never commit its outputs)')
    p.add_argument('--timeout', type=int, default=3600, help='seconds per cell')
    p.add_argument('--clean-only', action='store_true', help='execute nothing: only collapse stored progress bars')
    a = p.parse_args()
    if a.clean_only:
        for path in a.notebooks:
            nb = nbformat.read(path, as_version=4)
            n = collapse_progress(nb)
            nbformat.write(nb, path)
            print(f'{path}: {n} progress-bar redraws merged')
        return
    for nb in a.notebooks:
        print(f'executing {nb} ...', flush=True)
        secs = run(nb, a.quick, a.timeout)
        print(f'  done in {secs/60:.1f} min', flush=True)
        subprocess.run([str(Path(sys.executable).parent/'nbdev-clean'), '--fname', str(nb)], check=True)


if __name__ == '__main__':
    main()
