"""A stand-in of the rendered site, for machines without Quarto: nbdev's pre-processing, then nbconvert HTML.

    python tools/site_preview.py [NOTEBOOK ...] [--out _preview] [--mathjax PATH/TO/tex-chtml.js]

Each notebook goes through the processors that `nbdev-docs` runs before Quarto (the same step the tests run),
and the processed notebook is written as one HTML page with the site's `styles.css`. Quarto's cell options
are imitated where they change what a reader sees: `echo: false` hides a cell's source, `classes: NAME` adds
the class to the cell (so the `pixelated` rule applies as on the site), the `#|` lines themselves are not
shown, and a progress bar shows as many lines as the stored output has. Open the pages in a browser (or take
a screenshot with headless Chromium) to check them. MathJax loads from the path given, else from a CDN.
"""
import argparse, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPTION = re.compile(r'^\s*#\s*\|\s*([\w-]+)\s*:\s*(.*?)\s*$')

# Quarto's class names for the parts of a cell, mapped onto nbconvert's, so that styles.css applies unchanged
BRIDGE_CSS = """
.jp-Cell { margin-bottom: 1rem; }
.jp-Cell .jp-OutputArea-output img { max-width: 100%; height: auto; }
.pixelated .jp-OutputArea-output img { image-rendering: pixelated; }
body { max-width: 800px; margin: 2rem auto; font-family: system-ui, sans-serif; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
"""


def process(notebooks, dest: Path):
    "Run nbdev's documentation processors (what `nbdev-docs` does before Quarto) into `dest`."
    sys.path.insert(0, str(ROOT/'tests'))
    from test_site import process_notebooks
    failures = process_notebooks(notebooks, dest)
    if failures:
        sys.exit('nbdev-docs would stop here:\n' + '\n\n'.join(f'{k}:\n{v}' for k, v in failures.items()))


def quarto_options(nb: dict) -> dict:
    "Apply the Quarto cell options a reader would notice; drop the `#|` lines from the shown source."
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        opts, keep = {}, []
        for line in src.splitlines():
            m = OPTION.match(line)
            if m: opts[m.group(1)] = m.group(2).strip('"\'')
            else: keep.append(line)
        c['source'] = '\n'.join(keep).strip('\n')
        meta = c.setdefault('metadata', {})
        meta.pop('execution', None)                  # the processors' timings, not valid nbformat metadata
        tags = meta.setdefault('tags', [])
        tags += opts.get('classes', '').split()
        if opts.get('echo') == 'false' or opts.get('include') == 'false':
            meta.setdefault('jupyter', {})['source_hidden'] = True
            tags.append('hide-input')
        if opts.get('include') == 'false': c['outputs'] = []
    return nb


def to_html(nb_path: Path, out: Path, mathjax: str | None):
    from nbconvert import HTMLExporter
    import nbformat
    nb = quarto_options(json.loads(nb_path.read_text()))
    nb['cells'] = [c for c in nb['cells'] if c['cell_type'] != 'raw']
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.exclude_input = False
    if mathjax: exporter.mathjax_url = mathjax
    html, _ = exporter.from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))
    for tag in {t for c in nb['cells'] for t in c.get('metadata', {}).get('tags', [])}:
        html = html.replace(f'celltag_{tag}', f'celltag_{tag} {tag}')
    html = re.sub(r'(<div[^>]*class="[^"]*hide-input[^"]*"[^>]*>\s*<div class="jp-Cell-inputWrapper)',
                  r'\1" style="display:none', html)
    # the template configures MathJax 2; MathJax 3 (the CDN's and npm's) reads its settings from window.MathJax
    html = html.replace('<!-- Load mathjax -->', '<script>window.MathJax = {tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], '
                        'displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]], processEscapes: true}};</script>', 1)
    css = (ROOT/'nbs'/'styles.css').read_text() + BRIDGE_CSS
    html = html.replace('</head>', f'<style>{css}</style></head>')
    out.write_text(html)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='*', type=Path)
    p.add_argument('--out', type=Path, default=ROOT/'_preview')
    p.add_argument('--mathjax', help='a local MathJax 3 tex-chtml.js (default: the CDN)')
    a = p.parse_args()
    nbs = [n.resolve() for n in a.notebooks] or sorted((ROOT/'nbs').glob('*.ipynb'))
    proc = a.out/'_proc'; proc.mkdir(parents=True, exist_ok=True)
    process(nbs, proc)
    for nb in nbs:
        page = a.out/(nb.stem + '.html')
        to_html(proc/nb.name, page, a.mathjax and str(Path(a.mathjax).resolve().as_uri()))
        print('wrote', page)


if __name__ == '__main__':
    main()
