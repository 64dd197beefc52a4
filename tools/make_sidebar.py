"""Write what the site lists from the notebooks themselves: nbs/sidebar.yml (the front page, every chapter
nbs/NN_*.ipynb in the order of its number, then every library page nbs/api/NN_*.ipynb in the order of its number, then the contributors' page),
and the front page's table of chapters, between the markers <!-- chapters --> and <!-- /chapters --> in
nbs/index.ipynb, from each chapter's first cell: its title (`# ...`), and the `paper:` and `claim:` of the HTML comment in its second cell (`<!-- paper: ...; claim: ... -->`).

A new chapter or library page is a new notebook: run this (the tests fail while either is out of date).

    python tools/make_sidebar.py [--check]
"""
import json, re, sys
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
    lines += ['      - contributing.ipynb']
    return '\n'.join(lines) + '\n'


def chapter_rows() -> list:
    "One table row per chapter: number, linked title (and paper), the claim it tests."
    num = lambda p: int(p.name.split('_')[0])
    rows = ['| | chapter | the claim tested |', '|---|---|---|']
    for p in sorted(NBS.glob('[0-9]*_*.ipynb'), key=num):
        cells = json.loads(p.read_text())['cells']
        head, note = (''.join(c['source']) for c in cells[:2])
        ends = {'paper': r'\s*;', 'claim': r'\s*-->'}            # the claim comes last and may hold a semicolon
        field = lambda k: (m.group(1).strip() if (m := re.search(rf'\b{k}: (.*?){ends[k]}', note)) else None)
        title = re.search(r'^#\s+(.*)$', head, re.M)
        if not (title and field('claim')):
            sys.exit(f"{p.name}: its first cell needs a '# title' and, in its second cell, <!-- claim: ... --> (the claim the chapter tests)")
        paper = f" ({field('paper')})" if field('paper') else ''
        rows.append(f"| {p.name[:2]} | [{title.group(1).strip()}]({p.name}){paper} | {field('claim')} |")
    return rows


def render_index(index: dict) -> dict:
    "index.ipynb with its chapter table rewritten."
    start, end = '<!-- chapters -->', '<!-- /chapters -->'
    cells = [c for c in index['cells'] if start in ''.join(c['source'])]
    if len(cells) != 1: sys.exit(f"nbs/index.ipynb needs one cell with {start} ... {end} around the table of chapters")
    s = ''.join(cells[0]['source'])
    i, j = s.index(start) + len(start), s.index(end)
    cells[0]['source'] = (s[:i] + '\n\n' + '\n'.join(chapter_rows()) + '\n\n' + s[j:]).splitlines(keepends=True)
    return index


if __name__ == '__main__':
    new, path = render(), NBS/'sidebar.yml'
    ipath = NBS/'index.ipynb'
    old_index = ipath.read_text()
    new_index = json.dumps(render_index(json.loads(old_index)), indent=1, ensure_ascii=False) + '\n'
    if '--check' in sys.argv:
        if path.read_text() != new: sys.exit(f"{path} is out of date: run python tools/make_sidebar.py")
        if old_index != new_index: sys.exit(f"the table of chapters in {ipath} is out of date: run python tools/make_sidebar.py")
    else: path.write_text(new); ipath.write_text(new_index)
