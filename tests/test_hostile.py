"""Hostile and careless inputs, second round: each is refused by name with the fix, or handled, never a traceback.

A folder given to `reconstruct`, a huge `-n`, weights that hold NaN, pixels outside [-1, 1] or images of the wrong size
given to `fit` through a bare tensor or a Dataset, float64 images, a TensorDataset without labels, SIGTERM.
"""
import os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image
from gae_book.core import CheckpointError, Budget, seed_everything
from gae_book.data import ImageSet
from gae_book.train import fit, load_model, save_model
from gae_book.foundations import AE

CLI = [sys.executable, '-c', 'import sys; from gae_book.cli import main; sys.exit(main(sys.argv[1:]))']
ENV = {**os.environ, 'GAE_BOOK_OFFLINE': '1', 'GAE_BOOK_QUICK': '1'}


def cli(*args, cwd):
    r = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=ENV, timeout=600)
    return r.returncode, r.stdout, r.stderr


def one_line_error(err: str) -> str:
    lines = [l for l in err.strip().splitlines() if l.strip()]
    assert lines and lines[-1].startswith('error: ') and 'Traceback' not in err, err
    return lines[-1]


def quick(steps=3): return Budget('quick', steps=steps, batch_size=4, log_every=1)


def test_reconstruct_reads_a_folder_of_images(tmp_path):
    (tmp_path/'imgs').mkdir()
    g = np.random.default_rng(0)
    for i in range(8): Image.fromarray((g.random((40, 40))*255).astype(np.uint8)).save(tmp_path/'imgs'/f'{i}.png')
    code, out, err = cli('reconstruct', 'pretrained:vae-mnist', '--data', 'folder', 'imgs', '-n', '4', '--out', 'rec.png', cwd=tmp_path)
    assert code == 0 and (tmp_path/'rec.png').exists(), err
    assert Image.open(tmp_path/'rec.png').size[1] > Image.open(tmp_path/'rec.png').size[0]/4   # two rows of four


def test_a_huge_n_is_refused_and_a_large_one_is_drawn_in_batches(tmp_path):
    code, _, err = cli('sample', 'pretrained:vae-mnist', '-n', '100000', cwd=tmp_path)
    assert code == 2 and '--max-images' in one_line_error(err)
    code, _, err = cli('sample', 'pretrained:vae-mnist', '-n', '600', '--out', 'big.png', cwd=tmp_path)
    assert code == 0 and (tmp_path/'big.png').exists(), err


def test_weights_that_hold_nan_are_refused_by_name(tmp_path):
    seed_everything(0); m = AE()
    with torch.no_grad(): next(m.G.parameters()).fill_(float('nan'))       # a run that diverged, then was saved
    path = save_model(m, tmp_path/'nan.pt')
    with pytest.raises(CheckpointError, match='NaN or infinite'): load_model(path)
    code, _, err = cli('sample', str(path), cwd=tmp_path)
    assert code != 0 and 'NaN or infinite' in err


def test_pixels_out_of_range_are_refused_at_fit_from_a_tensor_or_a_dataset():
    x255 = torch.rand(32, 1, 32, 32)*255
    with pytest.raises(ValueError, match=r'\[-1, 1\]'): fit(AE(), x255, quick(), progress=False, verbose=False)
    ds = torch.utils.data.TensorDataset(x255)
    with pytest.raises(ValueError, match=r'\[-1, 1\]'): fit(AE(), ds, quick(), progress=False, verbose=False)


def test_images_of_the_wrong_size_name_the_size_at_fit():
    x = torch.rand(32, 1, 28, 28)*2 - 1
    with pytest.raises(ValueError, match='28x28 but this model expects 32x32'): fit(AE(), x, quick(), progress=False, verbose=False)


def test_float64_images_and_a_dataset_without_labels_train():
    x = (torch.rand(32, 1, 32, 32)*2 - 1).double()
    h = fit(AE(), ImageSet(x), quick(), progress=False, verbose=False)
    assert h.step == 3
    h = fit(AE(), torch.utils.data.TensorDataset(x), quick(), progress=False, verbose=False)
    assert h.step == 3


@pytest.mark.slow
def test_sigterm_saves_the_run_like_ctrl_c(tmp_path):
    out = tmp_path/'run'
    p = subprocess.Popen([*CLI, 'train', 'ae', '--steps', '400', '--out', str(out), '--no-progress'], env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):                                   # wait until it holds the folder and trains
        if (out/'.lock').exists(): break
        time.sleep(0.1)
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=300)
    assert (out/'checkpoint.pt').exists() and not (out/'.lock').exists(), err
    ck = torch.load(out/'checkpoint.pt', weights_only=False)
    assert 0 < ck['history']['step'] < 400, ck['history']['step']
