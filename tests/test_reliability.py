"""Hostile and careless inputs: each gives a one-line error naming the file or flag and the fix, and loses nothing.

Checkpoints that try to run code or to build something other than a registered model, foreign and broken files,
two writers on one run folder, interrupted steps, unreadable images, non-finite pixels and bad flags.
"""
import os, pickle, subprocess, sys, threading, signal
from pathlib import Path
import pytest
import torch
from PIL import Image
from gae_book.core import CheckpointError, save_checkpoint, seed_everything
from gae_book.data import ImageSet, Batches, check_images, image_folder, UnreadableImage
from gae_book.train import fit, load_model, save_model, RunFolderBusy, _run_lock, find_models
from gae_book.foundations import AE
from gae_book.cli import main

find_models()


from cli_tools import CLI, cli, one_line_error


# ---- checkpoints -----------------------------------------------------------------------------------------------
def test_a_checkpoint_cannot_call_a_function_it_names(tmp_path):
    victim = tmp_path/'victim.txt'; victim.write_text('keep me')
    evil = tmp_path/'g.pt'
    save_checkpoint({'cls': 'gae_book.core.save_checkpoint', 'kwargs': {'obj': {}, 'path': str(victim)}, 'model': {}}, evil)
    with pytest.raises(CheckpointError, match='registered model class'): load_model(evil)
    assert victim.read_text() == 'keep me'


@pytest.mark.parametrize('cls', ['gae_book.train.LatentReciprocity', 'gae_book.alae.LatentReciprocity',
                                 'gae_book.train.GenerativeModel', 'builtins.print', 'os.system', 'gae_book.blocks.MLP'])
def test_only_registered_classes_are_built(cls, tmp_path):
    p = save_checkpoint({'cls': cls, 'kwargs': {}, 'model': {}}, tmp_path/'c.pt')
    with pytest.raises(CheckpointError): load_model(p)


def test_a_pickle_payload_never_runs(tmp_path):
    class Payload:
        def __reduce__(self): return (os.system, (f'touch {tmp_path/"pwned"}',))
    p = tmp_path/'p.pt'
    torch.save({'cls': 'gae_book.foundations.AE', 'x': Payload()}, p)
    with pytest.raises(CheckpointError, match='can run code') as e: load_model(p)
    assert not (tmp_path/'pwned').exists() and 'weights_only' not in str(e.value)


@pytest.mark.parametrize('content', [b'', b'\x00'*10, os.urandom(4096), b'PK\x03\x04 not really a zip'])
def test_broken_files_are_checkpoint_errors_naming_the_file(content, tmp_path):
    p = tmp_path/'broken.pt'; p.write_bytes(content)
    with pytest.raises(CheckpointError, match='broken.pt'): load_model(p)


def test_truncated_checkpoint(tmp_path):
    p = save_model(AE(z_dim=2), tmp_path/'m.pt')
    p.write_bytes(p.read_bytes()[:len(p.read_bytes())//2])
    with pytest.raises(CheckpointError, match='m.pt'): load_model(p)


@pytest.mark.parametrize('ck', [[1, 2], {'cls': 'gae_book.foundations.AE'}, {'cls': 'gae_book.foundations.AE', 'kwargs': [1], 'model': {}},
                                {'cls': 'gae_book.foundations.AE', 'kwargs': {'nope': 1}, 'model': {}},
                                {'cls': 'gae_book.foundations.AE', 'kwargs': {}, 'model': {'E.w': torch.zeros(1)}}])
def test_foreign_dicts_are_refused(ck, tmp_path):
    p = tmp_path/'f.pt'; torch.save(ck, p)
    with pytest.raises(CheckpointError): load_model(p)


def test_resume_from_a_save_model_file_or_another_model_is_refused_and_nothing_is_touched(tmp_path):
    save_model(AE(z_dim=2), tmp_path/'checkpoint.pt')
    before = (tmp_path/'checkpoint.pt').read_bytes()
    x = ImageSet(torch.rand(64, 1, 32, 32)*2 - 1)
    with pytest.raises(CheckpointError, match='not a training run'):
        fit(AE(z_dim=2), x, 2, run_dir=tmp_path, progress=False, verbose=False)
    assert (tmp_path/'checkpoint.pt').read_bytes() == before


@pytest.mark.slow
def test_cli_resume_of_another_models_run(tmp_path):
    out = str(tmp_path/'R')
    assert cli('train', 'ae', '--steps', '2', '--out', out, '--no-progress')[0] == 0
    rc, _, err = cli('train', 'vae', '--steps', '2', '--out', out, '--resume', '--no-progress')
    assert rc == 2 and 'foundations.AE' in one_line_error(err)


# ---- run folders -----------------------------------------------------------------------------------------------
def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path):
    with _run_lock(tmp_path):
        assert (tmp_path/'.lock').read_text().split()[0] == str(os.getpid())
        with pytest.raises(RunFolderBusy, match='in use by process'):
            with _run_lock(tmp_path): pass
    assert not (tmp_path/'.lock').exists()


def test_a_stale_lock_and_leftover_temporary_files_are_cleared(tmp_path):
    p = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True)
    dead = int(p.stdout)                                  # a process that has ended
    import socket
    (tmp_path/'.lock').write_text(f'{dead} {socket.gethostname()}\n')
    (tmp_path/'.checkpoint.pt.abc.tmp').write_bytes(b'half')
    x = ImageSet(torch.rand(64, 1, 32, 32)*2 - 1)
    h = fit(AE(z_dim=2), x, 2, run_dir=tmp_path, progress=False, verbose=False)
    assert h.step == 2 and not (tmp_path/'.lock').exists() and not list(tmp_path.glob('.*.tmp'))


@pytest.mark.slow
def test_two_cli_runs_on_one_folder_cannot_both_succeed(tmp_path):
    out = str(tmp_path/'R')
    env = {**os.environ, 'GAE_BOOK_OFFLINE': '1', 'GAE_BOOK_QUICK': '1'}
    cmd = [*CLI, 'train', 'ae', '--steps', '300', '--out', out, '--no-progress']
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    import time
    for _ in range(600):                                  # wait until the first run holds the folder
        if (Path(out)/'.lock').exists(): break
        time.sleep(0.1)
    second = subprocess.run(cmd[:-3] + ['--steps', '300', '--out', out, '--resume', '--no-progress'],
                            capture_output=True, text=True, env=env)
    o1, e1 = first.communicate()
    assert first.returncode == 0, e1
    assert second.returncode == 2 and 'in use by process' in one_line_error(second.stderr)


# ---- exact resume, interrupts ----------------------------------------------------------------------------------
def _folder(tmp_path, n=40):
    d = tmp_path/'imgs'; d.mkdir()
    g = torch.Generator().manual_seed(0)
    for i in range(n):
        Image.fromarray((torch.rand(20, 20, generator=g)*255).byte().numpy()).save(d/f'{i:03d}.png')
    return d


def _b(steps):
    from gae_book.core import Budget
    return Budget('quick', steps=steps, batch_size=8, log_every=3)


def _same(a, b): return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


def test_resume_is_bitwise_exact_on_an_image_folder(tmp_path):
    data = image_folder(_folder(tmp_path), size=32, channels=1, verbose=False)
    seed_everything(0); straight = AE(z_dim=2)
    fit(straight, data, _b(12), run_dir=tmp_path/'straight', progress=False, verbose=False)
    seed_everything(0); resumed = AE(z_dim=2)
    fit(resumed, data, _b(6), run_dir=tmp_path/'resumed', progress=False, verbose=False)
    torch.rand(5)                                         # the reader's session goes on drawing numbers in between
    fit(resumed, data, _b(12), run_dir=tmp_path/'resumed', progress=False, verbose=False)
    assert _same(straight, resumed)


def test_a_hard_stop_inside_a_step_keeps_the_last_checkpoint_and_resumes_exactly(tmp_path):
    x = ImageSet(torch.rand(64, 1, 32, 32)*2 - 1)
    seed_everything(0); ref = AE(z_dim=2)
    fit(ref, x, _b(8), run_dir=tmp_path/'ref', progress=False, verbose=False, ckpt_every=4)
    seed_everything(0); m = AE(z_dim=2)
    step, calls = m.train_step, []
    def torn_step(x, y=None):                             # the 6th step: its update applied, then a hard stop
        calls.append(1); out = step(x, y)
        if len(calls) == 6: raise KeyboardInterrupt
        return out
    m.train_step = torn_step
    h = fit(m, x, _b(8), run_dir=tmp_path/'torn', progress=False, verbose=False, ckpt_every=4)
    assert h.interrupted and h.step == 4                  # back at its checkpoint, the half step dropped
    del m.train_step
    fit(m, x, _b(8), run_dir=tmp_path/'torn', progress=False, verbose=False, ckpt_every=4)
    assert _same(ref, m)


# ---- images ----------------------------------------------------------------------------------------------------
def test_non_finite_pixels_are_refused():
    x = torch.zeros(3, 1, 8, 8); x[1, 0, 2, 2] = float('nan')
    with pytest.raises(ValueError, match='NaN or infinite.*image 1'): check_images(x)
    with pytest.raises(ValueError, match='NaN'): ImageSet(x)
    with pytest.raises(ValueError, match='NaN or infinite'): AE().encode(torch.full((2, 1, 32, 32), float('inf')))


def test_real_folders(tmp_path):
    d = tmp_path/'mixed'; d.mkdir()
    Image.new('L', (30, 30), 200).save(d/'grey.png')
    Image.fromarray((torch.full((30, 30), 60000, dtype=torch.int32)).numpy().astype('uint16')).save(d/'deep16.png')
    Image.new('RGBA', (30, 30), (0, 0, 0, 0)).save(d/'transparent.png')
    Image.new('P', (30, 30), 3).save(d/'palette.png')
    Image.new('CMYK', (30, 30), (0, 0, 0, 0)).save(d/'cmyk.jpg')
    (d/'sub.png').mkdir()                                 # a folder named like an image
    (d/'dangling.png').symlink_to(d/'gone.png')           # a broken link
    (d/'notes.png').write_text('not an image')
    good = Image.new('L', (30, 30), 100); good.save(d/'trunc.png')
    (d/'trunc.png').write_bytes((d/'trunc.png').read_bytes()[:40])
    data = image_folder(d, size=16, channels=1, n_test=0, verify=True, verbose=False)
    names = sorted(p.name for p in data.train.files)
    assert names == ['cmyk.jpg', 'deep16.png', 'grey.png', 'palette.png', 'transparent.png'], names
    px = {p.name: float(data.train[i].mean()) for i, p in enumerate(data.train.files)}
    assert px['deep16.png'] > 0.8                        # 60000 of 65535: near white, not clipped to nonsense
    assert px['transparent.png'] > 0.99                  # transparent reads as white paper
    unchecked = image_folder(d, size=16, channels=1, n_test=0, verbose=False)
    with pytest.raises(UnreadableImage, match='notes.png|trunc.png'):
        for i in range(len(unchecked.train)): unchecked.train[i]


def test_exif_orientation_is_applied(tmp_path):
    d = tmp_path/'exif'; d.mkdir()
    im = Image.new('L', (40, 20), 0); im.paste(255, (0, 0, 20, 20))   # white on the left half
    ex = Image.Exif(); ex[0x0112] = 6                                   # "rotate 90 degrees clockwise to view"
    im.save(d/'a.jpg', exif=ex.tobytes()); im.save(d/'b.jpg', exif=ex.tobytes())
    x = image_folder(d, size=20, channels=1, n_test=0, verbose=False).train[0]
    assert x[0, :5].mean() > x[0, -5:].mean()            # upright: the white half is now on top


# ---- the command line ------------------------------------------------------------------------------------------
@pytest.mark.parametrize('args, flag', [
    (['--device', 'bogus'], '--device'), (['--device', 'cuda:99'], '--device'), (['--steps', '0'], '--steps'),
    (['--batch-size', '-3'], '--batch-size'), (['--data', 'folder'], '--data folder'), (['--data', 'nope'], '--data'),
])
def test_bad_flags_are_one_line_errors_before_any_work(args, flag, tmp_path):
    rc, out, err = cli('train', 'ae', '--out', str(tmp_path/'R'), *args)
    assert rc == 2 and flag in one_line_error(err)
    assert not (tmp_path/'R'/'checkpoint.pt').exists()


def test_out_that_is_a_file_or_read_only(tmp_path):
    f = tmp_path/'file'; f.write_text('x')
    rc, _, err = cli('train', 'ae', '--steps', '2', '--out', str(f))
    assert rc == 2 and 'is a file' in one_line_error(err) and f.read_text() == 'x'
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK): pytest.skip('running as a user who can write anywhere')
        rc, _, err = cli('train', 'ae', '--steps', '2', '--out', str(ro/'R'))
        assert rc == 2 and 'cannot be written' in one_line_error(err)
    finally: ro.chmod(0o700)


def test_a_folder_of_non_images_names_the_file_and_the_fix(tmp_path):
    d = tmp_path/'bad'; d.mkdir()
    for i in range(20): (d/f'{i}.png').write_text('text')
    rc, _, err = cli('train', 'ae', '--steps', '2', '--batch-size', '4', '--data', 'folder', str(d), '--size', '32',
                     '--out', str(tmp_path/'R'), '--no-progress')
    line = one_line_error(err)
    assert rc == 2 and '.png' in line and '--verify-images' in line
    rc, _, err = cli('train', 'ae', '--steps', '2', '--batch-size', '4', '--data', 'folder', str(d), '--size', '32',
                     '--out', str(tmp_path/'R2'), '--verify-images', '--no-progress')
    assert rc == 2 and 'No readable images' in one_line_error(err)


def test_a_corrupt_checkpoint_from_the_command_line(tmp_path):
    (tmp_path/'R').mkdir(); (tmp_path/'R'/'checkpoint.pt').write_bytes(b'junk')
    for args in (['sample', str(tmp_path/'R')], ['train', 'ae', '--out', str(tmp_path/'R'), '--resume', '--steps', '2']):
        rc, _, err = cli(*args)
        line = one_line_error(err)
        assert rc == 2 and 'checkpoint.pt' in line and 'weights_only' not in line
