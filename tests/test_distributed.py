"""Multi-process training on this CPU: torchrun starts two processes that talk through gloo (tests/ddp_worker.py is
one of them). Every test starts its own processes on a free port (`--standalone`); nothing leaves the machine."""
import importlib.util, json, os, subprocess, sys
from pathlib import Path
import pytest

import torch

pytestmark = pytest.mark.slow      # the fast layer (pytest -m 'not slow') leaves this file out

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT/'tests'/'ddp_worker.py'


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]),
                OMP_NUM_THREADS='1', GAE_BOOK_OFFLINE='1')


def torchrun(*args, n: int = 2, timeout: int = 600) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={n}', *map(str, args)],
                       env=_env(), capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, (r.stdout[-3000:] + r.stderr[-6000:])
    return r


def launch(out: Path, model: str, steps: int, batch: int, mode: str = 'plain', n: int = 2) -> list:
    "Run the worker in `n` processes; each process's report."
    out.mkdir(parents=True, exist_ok=True)
    torchrun(WORKER, out, model, steps, batch, mode, n=n)
    return [json.loads((out/f'rank{r}.json').read_text()) for r in range(n)]


def worker():
    spec = importlib.util.spec_from_file_location('ddp_worker', WORKER)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('model', ['alae', 'vaegan'])
def test_every_process_holds_the_same_model_after_every_step(tmp_path, model):
    """ALAE: an R1 penalty (double backward) and three updates per step through two optimizers; VAE-GAN: gradients
    computed by autograd.grad and set by hand, batch norm in its discriminator, three optimizers."""
    a, b = launch(tmp_path, model, 4, 16)
    assert len(a['hashes']) == 4 and a['hashes'] == b['hashes'], 'parameters differ between the processes'
    assert a['buffers'] == b['buffers'], 'buffers (running statistics, moving averages) differ between the processes'
    assert a['losses'] == b['losses'], 'the logged losses are the average over the processes: the same in each'
    assert all(torch.isfinite(torch.tensor(v)).all() for v in a['losses'].values())


def test_two_processes_train_like_one_with_twice_the_batch(tmp_path):
    "A model without noise or batch statistics: the same losses and weights, to float rounding (the sums' order differs)."
    a, _ = launch(tmp_path, 'linear', 6, 8)
    w = worker()
    from gae_book.data import shapes
    _, h, _ = w.train('linear', shapes(n_train=512, n_test=64), 6, 16)
    two, one = torch.tensor(a['losses']['mse']), torch.tensor(h.losses['mse'])
    assert torch.allclose(two, one, rtol=1e-5, atol=0), (two, one)


def test_a_multi_process_run_resumes_exactly(tmp_path):
    "Three steps, a new model resumes from process 0's checkpoint for three more: the same as six in one go."
    whole, _ = launch(tmp_path/'whole', 'alae', 6, 16)
    halves, other = launch(tmp_path/'halves', 'alae', 6, 16, mode='resume')
    assert halves['hashes'] == whole['hashes'] == other['hashes']
    assert halves['losses'] == whole['losses']
    # the checkpoint knows it was written by two processes: one process refuses it, saying how to resume
    from gae_book.core import Budget, CheckpointError
    from gae_book.data import shapes
    from gae_book.train import fit, find_models
    data = shapes(n_train=512, n_test=64)
    m = find_models()['alae'].make(data)
    with pytest.raises(CheckpointError, match='nproc_per_node 2'):
        fit(m, data, Budget(scale='quick', steps=8, batch_size=16), run_dir=tmp_path/'halves'/'run', device='cpu',
            progress=False, verbose=False)


def test_the_command_line_trains_under_torchrun(tmp_path):
    "`torchrun ... -m gae_book.cli train vae` writes one checkpoint (process 0 speaks), which `gae-book sample` reads."
    out = tmp_path/'vae'
    r = torchrun('-m', 'gae_book.cli', 'train', 'vae', '--steps', 4, '--batch-size', 16, '--out', out, '--offline', '--no-progress')
    assert r.stdout.count('wrote ') == 1 and 'in each of 2 processes: 32 images per step' in r.stdout, r.stdout
    assert json.loads((out/'summary.json').read_text())['steps'] == 4
    from gae_book.cli import main
    assert main(['sample', str(out), '-n', '4', '--device', 'cpu']) == 0 and (out/'sample.png').exists()
