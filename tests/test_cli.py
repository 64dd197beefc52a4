"The command line, end to end at the quick scale (GAE_BOOK_QUICK=1 is set by conftest.py)."
import json, os, subprocess, sys
from pathlib import Path
import pytest

EXE = Path(sys.executable).parent/'gae-book'


def gae_book(*args, cwd):
    env = {**os.environ, 'GAE_BOOK_QUICK': '1', 'GAE_BOOK_OFFLINE': '1'}
    return subprocess.run([str(EXE), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_list(tmp_path):
    r = gae_book('list', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ('ae', 'vae', 'gan'): assert name in r.stdout.split()


@pytest.mark.slow
def test_train_writes_its_files_and_resumes(tmp_path):
    r = gae_book('train', 'ae', '--steps', '6', '--out', 'run', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'budget: quick' in r.stdout
    run = tmp_path/'run'
    for f in ('checkpoint.pt', 'samples.png', 'summary.json'): assert (run/f).exists(), f
    assert json.loads((run/'summary.json').read_text())['steps'] == 6
    # an existing run is never overwritten by accident
    r = gae_book('train', 'ae', '--steps', '6', '--out', 'run', cwd=tmp_path)
    assert r.returncode != 0 and '--resume' in r.stderr
    r = gae_book('train', 'ae', '--steps', '10', '--out', 'run', '--resume', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'Resuming' in r.stdout and json.loads((run/'summary.json').read_text())['steps'] == 10


def test_train_on_shapes(tmp_path):
    r = gae_book('train', 'vae', '--data', 'shapes', '--steps', '3', '--out', 'run', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize('args, message', [
    (['train', 'nosuchmodel'], 'Unknown model'),
    (['train', 'ae', '--data', 'folder', 'no/such/folder'], 'No folder at'),
    (['train', 'ae', '--data', 'folder'], 'needs the folder'),
    (['train', 'ae', '--data', 'imagenet'], 'Unknown --data'),
])
def test_bad_arguments(tmp_path, args, message):
    r = gae_book(*args, cwd=tmp_path)
    assert r.returncode != 0 and message in r.stderr


@pytest.mark.slow
def test_train_stylealae_resumes_its_growth(tmp_path):
    "The flagship through the command line; its growth counter is restored with the checkpoint."
    r = gae_book('train', 'stylealae', '--steps', '4', '--out', 'run', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = gae_book('train', 'stylealae', '--steps', '6', '--out', 'run', '--resume', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    import torch
    ck = torch.load(tmp_path/'run'/'checkpoint.pt', weights_only=True)
    assert ck['model']['_extra_state']['steps_done'] == 6
    assert ck['model']['_extra_state']['phase'] == 1      # the first run's 4 steps over 4 resolutions, kept on resuming
    assert 'below its full' not in r.stderr and 'stopped at step' not in r.stderr   # it reached 32x32 at alpha = 1


def test_train_warns_when_growth_cannot_finish(tmp_path):
    "A run too short for an explicit growth schedule says so before it starts and when it ends."
    code = ("import warnings, torch; from gae_book.alae import StyleALAE; from gae_book.data import ImageSet; "
            "from gae_book.train import fit; from gae_book.core import Budget; "
            "m = StyleALAE(grow_steps=50, ch=4, max_ch=8, z_dim=8, w_dim=8); "
            "fit(m, ImageSet(torch.rand(16, 1, 32, 32)*2 - 1), Budget('quick', steps=3, batch_size=8), progress=False)")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'will end at 4x4' in r.stderr and 'StyleALAE stopped at step 3 at 4x4' in r.stderr, r.stderr


def test_bench_writes_its_json(tmp_path):
    r = gae_book('bench', '--models', 'ae', 'alae', '--steps', '2', '--warmup', '1', '--batch-size', '8',
                 '--out', 'b.json', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path/'b.json').read_text())
    assert [row['model'] for row in res['results']] == ['ae', 'alae']
    assert all(row['steps_per_s'] > 0 for row in res['results']) and res['torch'] and res['device']
    r = gae_book('bench', '--models', 'nosuchmodel', cwd=tmp_path)
    assert r.returncode != 0 and 'Unknown model' in r.stderr


@pytest.mark.slow
def test_sample_and_reconstruct_from_a_run(tmp_path):
    r = gae_book('train', 'vae', '--steps', '3', '--out', 'run', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = gae_book('sample', 'run', '-n', '8', cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path/'run'/'sample.png').exists(), r.stderr
    r = gae_book('reconstruct', 'run', '-n', '4', '--out', 'rec.png', '--offline', cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path/'rec.png').exists(), r.stderr
    r = gae_book('sample', 'no/such/run', cwd=tmp_path)
    assert r.returncode != 0 and 'No checkpoint' in r.stderr
    r = gae_book('train', 'gan', '--steps', '2', '--out', 'gan', '--no-progress', cwd=tmp_path)
    r = gae_book('reconstruct', 'gan', cwd=tmp_path)
    assert r.returncode != 0 and 'gae-book sample' in r.stderr


def test_errors_name_the_flag_to_change(tmp_path):
    from PIL import Image
    import numpy as np
    (tmp_path/'imgs').mkdir()
    for i in range(12): Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path/'imgs'/f'{i}.png')
    r = gae_book('train', 'ae', '--data', 'folder', 'imgs', '--size', '32', '--steps', '2', cwd=tmp_path)
    assert r.returncode != 0 and '--batch-size' in r.stderr


def test_bench_writes_into_its_run_folder(tmp_path):
    r = gae_book('bench', '--models', 'ae', '--steps', '1', '--warmup', '0', '--batch-size', '8', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path/'runs'/'bench'/'bench.json').exists() and not (tmp_path/'bench.json').exists()


@pytest.mark.slow
def test_resuming_another_model_is_a_one_line_error(tmp_path):
    r = gae_book('train', 'ae', '--steps', '2', '--out', 'run', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = gae_book('train', 'vae', '--steps', '4', '--out', 'run', '--resume', '--no-progress', cwd=tmp_path)
    assert r.returncode == 2 and 'holds a run of gae_book.foundations.AE' in r.stderr and 'Traceback' not in r.stderr


def test_sample_a_shipped_model(tmp_path):
    r = gae_book('sample', 'pretrained:stylealae-mnist', '-n', '8', cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path/'sample.png').exists(), r.stderr
    r = gae_book('sample', 'pretrained:no-such-model', cwd=tmp_path)
    assert r.returncode != 0 and 'No shipped model' in r.stderr and 'stylealae-mnist' in r.stderr


def test_bench_under_a_load_of_its_own_stops_that_load(tmp_path):
    "`--load N` starts N busy processes for the measurement and stops them, whatever happens."
    from gae_book.bench import bench, busy_processes
    with busy_processes(2, seconds=120) as pids:
        assert len(pids) == 2 and all(Path(f'/proc/{p}').exists() for p in pids)
    assert not any(Path(f'/proc/{p}').exists() for p in pids)
    res = bench(['ae'], steps=3, warmup=0, batch_size=8, load=1, seconds=0.5, verbose=False)
    assert res['load'] == 1 and res['results'][0]['load'] == 1 and res['results'][0]['steps'] >= 2
    assert res['wait_policy'] == 'PASSIVE'            # conftest sets it; gae_book sets it for everyone else
    r = gae_book('bench', '--load', '-1', cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip() == 'error: --load is a number of busy processes, 0 or more; got -1.'


@pytest.mark.parametrize('first, spinning', [('import gae_book.core as c', False), ('import torch; import gae_book.core as c', True)])
def test_threads_wait_passively_unless_torch_came_first(first, spinning):
    "gae_book sets OMP_WAIT_POLICY before torch starts its threads; imported after torch, it says what to do instead."
    env = {k: v for k, v in os.environ.items() if k not in ('OMP_WAIT_POLICY', 'GAE_BOOK_THREADS')}
    code = f"{first}; import json; print(json.dumps([c.cpu_threads(), c.spinning_note()]))"
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300)
    threads, note = json.loads(r.stdout.strip().splitlines()[-1])
    assert threads['spinning'] is spinning and (note is not None) is (spinning and threads['threads'] > 1)
    if note: assert 'imported before gae_book' in note and 'OMP_WAIT_POLICY=PASSIVE' in note


def test_reconstruct_saves_a_spatial_code_that_decodes_again(tmp_path):
    "`--codes` writes the codes of the reconstructed images; a KL autoencoder's are 1x8x8 maps, and decode reads them back."
    import torch
    from gae_book.train import load_model
    r = gae_book('train', 'klae', '--steps', '2', '--out', 'run', '--no-progress', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = gae_book('reconstruct', 'run', '-n', '5', '--codes', 'codes/z.pt', '--offline', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    z = torch.load(tmp_path/'codes'/'z.pt')
    assert z.shape == (5, 1, 8, 8) and '(5, 1, 8, 8)' in r.stdout
    assert load_model(tmp_path/'run'/'checkpoint.pt').decode(z).shape == (5, 1, 32, 32)
