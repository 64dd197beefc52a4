"""What the browser tests share: a folder served on 127.0.0.1, the Chromium to drive, and what is missing to run them."""
import contextlib, functools, http.server, os, shutil, threading
from pathlib import Path

BROWSER = Path(__file__).resolve().parents[1]/'tools'/'browser'


def chromium():
    return os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser')


def missing(packages) -> str|None:
    "Why the browser tests cannot run here (None when they can): node, the npm `packages`, Chromium."
    if not shutil.which('node'): return 'node is not installed'
    for pkg in packages:
        if not (BROWSER/'node_modules'/pkg).is_dir(): return f'{pkg} is not installed: run tools/setup_browser.sh'
    if not chromium(): return "no Chromium: install Debian's 'chromium' (tools/setup_browser.sh does, as root)"


@contextlib.contextmanager
def served(folder: Path):
    "Serve `folder` on 127.0.0.1 (a free port) while the block runs; yields the base URL."
    handler = functools.partial(type('Quiet', (http.server.SimpleHTTPRequestHandler,), {'log_message': lambda *a: None}),
                                directory=str(folder))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{server.server_port}/'
    finally: server.shutdown()
