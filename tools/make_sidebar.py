"""Write nbs/sidebar.yml from the notebooks themselves: the front page, every chapter (nbs/NN_*.ipynb) in the order
of its number, then every library page (nbs/api/NN_*.ipynb) in the order of its number.

A new chapter or library page is a new notebook: run this (the tests fail while sidebar.yml is out of date).

    python tools/make_sidebar.py [--check]
"""
import sys
from pathlib import Path

NBS = Path(__file__).resolve().parents[1]/'nbs'


def render() -> str:
    num = lambda p: int(p.name.split('_')[0])
    book = sorted(NBS.glob('[0-9]*_*.ipynb'), key=num)
    lib = sorted((NBS/'api').glob('[0-9]*_*.ipynb'), key=num)
    lines = ['website:', '  sidebar:', '    contents:', '      - index.ipynb', '      - section: The book', '        contents:']
    lines += [f'          - {p.name}' for p in book]
    lines += ['      - section: Library', '        contents:']
    lines += [f'          - api/{p.name}' for p in lib]
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    new, path = render(), NBS/'sidebar.yml'
    if '--check' in sys.argv:
        if path.read_text() != new: sys.exit(f"{path} is out of date: run python tools/make_sidebar.py")
    else: path.write_text(new)
