"""Write README.md from nbs/index.ipynb (markdown as is, visible code cells as code blocks).

Links to notebooks become absolute links to the site's pages, so they work wherever the README is shown
(the repository, the package index). Page names follow nbdev's rule: the numeric prefix is dropped.

    python tools/make_readme.py [--check]

nbdev-readme does the same through Quarto; this script needs only Python, so the README can be kept in
sync on any machine, and `--check` (run by the tests) fails when README.md is out of date.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = 'https://gae-book.github.io/gae_book/'
HIDE = re.compile(r'^\s*#\s*\|\s*(hide|default_exp|export)', re.M)


def page(nb_path: str) -> str:
    "The site's page for a notebook path relative to nbs/ (`api/00_core` -> `api/core`), as nbdev names it."
    *folders, name = nb_path.lower().split('/')
    return '/'.join(folders + [re.sub(r'^\d+[a-zA-Z0-9]*_', '', name)])


def render() -> str:
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    out = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'markdown':
            src = re.sub(r'\]\((?!https?://)([\w/.-]+)\.ipynb\)', lambda m: f']({SITE}{page(m.group(1))}.html)', src)
            out.append(src)
        elif c['cell_type'] == 'code' and src and not HIDE.search(src):
            if out and out[-1].startswith('```python\n'):     # consecutive code cells read as one block
                out[-1] = out[-1][:-len('\n```')] + f"\n{src}\n```"
            else: out.append(f"```python\n{src}\n```")
    text = '\n\n'.join(out) + '\n'
    return "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n" + text


if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit('README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`.')
        print('README.md is up to date.')
    else:
        readme.write_text(text); print(f'wrote {readme}')
