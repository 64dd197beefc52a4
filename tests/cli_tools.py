"""Running the command line as a user does, in a fresh process, offline and at the quick scale, for the tests."""
import os, subprocess, sys

CLI = [sys.executable, '-c', 'import sys; from gae_book.cli import main; sys.exit(main(sys.argv[1:]))']
ENV = {**os.environ, 'GAE_BOOK_OFFLINE': '1', 'GAE_BOOK_QUICK': '1'}


def cli(*args, cwd=None):
    "Run `gae-book ARGS` in a fresh process: (exit status, stdout, stderr)."
    r = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=ENV, timeout=600)
    return r.returncode, r.stdout, r.stderr


def one_line_error(err: str) -> str:
    "The one line a refused command prints (`error: ...`), asserting that it printed no traceback."
    lines = [l for l in err.strip().splitlines() if l.strip()]
    assert lines and lines[-1].startswith('error: ') and 'Traceback' not in err, err
    return lines[-1]
