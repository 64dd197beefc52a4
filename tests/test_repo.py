"The repository's promises: README in sync with its notebook, CI runs the README's test command."
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT/'README.md').read_text()
    blocks = re.findall(r'```sh\n(.*?)```', readme, re.S)
    test_cmd = next(b.strip() for b in blocks if 'pytest' in b)
    assert test_cmd in (ROOT/'.ci'/'run').read_text()


def test_no_settings_ini():
    assert not (ROOT/'settings.ini').exists(), 'nbdev 3 reads pyproject.toml only'
