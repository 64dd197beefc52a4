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

from cli_tools import CLI, ENV, cli, one_line_error


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


def test_a_tiny_file_asking_for_a_huge_model_is_refused_before_building(tmp_path):
    from gae_book.core import save_checkpoint
    path = save_checkpoint({'cls': 'gae_book.foundations.VAE', 'kwargs': {'z_dim': 400000}, 'model': {}}, tmp_path/'big.pt')
    with pytest.raises(CheckpointError, match='do not fit'): load_model(path)
    assert path.stat().st_size < 4000


def test_a_damaged_training_checkpoint_is_one_error_and_left_as_it_was(tmp_path):
    from gae_book.core import save_checkpoint
    x = torch.rand(32, 1, 32, 32)*2 - 1
    for damage in ('losses', 'rng', 'step', 'adam'):
        run = tmp_path/damage
        seed_everything(0); fit(AE(), x, quick(2), run_dir=run, progress=False, verbose=False)
        ck = torch.load(run/'checkpoint.pt', weights_only=False)
        if damage == 'losses': del ck['history']['losses']
        if damage == 'rng': ck['rng']['torch'] = torch.zeros(3, dtype=torch.uint8)
        if damage == 'step': ck['history']['step'] = 'two'
        if damage == 'adam': ck['opts']['ae']['state'][0]['exp_avg'] = torch.zeros(3)
        save_checkpoint(ck, run/'checkpoint.pt'); before = (run/'checkpoint.pt').read_bytes()
        with pytest.raises(CheckpointError, match='damaged'): fit(AE(), x, quick(4), run_dir=run, progress=False, verbose=False)
        assert (run/'checkpoint.pt').read_bytes() == before


def test_bad_counts_frozen_models_and_a_bogus_device_are_named(tmp_path):
    m = AE()
    from gae_book.foundations import VAE
    with pytest.raises(ValueError, match='positive whole number'): VAE().sample(-1)
    with pytest.raises(ValueError, match='frozen'): fit(m.requires_grad_(False), torch.rand(8, 1, 32, 32)*2 - 1, quick(), progress=False, verbose=False)
    env = {**ENV, 'GAE_BOOK_DEVICE': 'bogus'}
    r = subprocess.run([*CLI, 'sample', 'pretrained:vae-mnist', '-n', '4'], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert r.returncode != 0 and 'GAE_BOOK_DEVICE' in r.stderr and 'Traceback' not in r.stderr, r.stderr


def test_other_float_dtypes_are_converted_not_refused():
    from gae_book.foundations import VAE
    m = VAE().eval()
    x = (torch.rand(4, 1, 32, 32)*2 - 1).double()
    assert m.encode(x).dtype == torch.float32 and m.reconstruct(x.half()).dtype == torch.float32
    assert m.decode(torch.randn(2, 16, dtype=torch.float64)).shape == (2, 1, 32, 32)


def test_a_gan_exports_its_decoder(tmp_path):
    pytest.importorskip('onnx'); ort = pytest.importorskip('onnxruntime')
    from gae_book.foundations import GAN
    from gae_book.pretrained import export_onnx, fixed_decode
    seed_everything(0); g = GAN().eval()
    f = export_onnx(g, tmp_path/'gan.onnx')
    z = torch.randn(1, 16)
    got = ort.InferenceSession(str(f)).run(None, {'z': z.numpy()})[0]
    with torch.no_grad(): assert np.abs(got - fixed_decode(g, z).numpy()).max() < 1e-4


def test_a_full_disk_is_one_error_and_the_old_checkpoint_survives(tmp_path, monkeypatch):
    import errno
    from gae_book.core import save_checkpoint
    path = save_checkpoint({'a': torch.ones(2)}, tmp_path/'ck.pt'); before = path.read_bytes()
    def full(*a, **k): raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(torch, 'save', full)
    with pytest.raises(CheckpointError, match='disk full'): save_checkpoint({'a': torch.zeros(2)}, path)
    assert path.read_bytes() == before and not list(tmp_path.glob('.ck.pt.*'))


def test_a_trickling_server_cannot_hold_mnist_past_its_deadline(tmp_path):
    "A local server that announces 9.9 MB and sends a byte every second: mnist() falls back to the offline digits."
    import http.server, socketserver, threading
    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.send_header('Content-Length', '9912422'); self.end_headers()
            try:
                for _ in range(600): self.wfile.write(b'\0'); self.wfile.flush(); time.sleep(1)
            except OSError: pass
        def log_message(self, *a): pass
    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), Trickle); server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if k not in ('GAE_BOOK_OFFLINE', 'http_proxy', 'HTTP_PROXY')}
    env.update(GAE_BOOK_MNIST_MIRROR=f'http://127.0.0.1:{server.server_address[1]}/', GAE_BOOK_DOWNLOAD_SECONDS='4',
               GAE_BOOK_DATA=str(tmp_path/'data'), no_proxy='127.0.0.1')
    code = "from gae_book.data import mnist; d = mnist(); print('digits', len(d.train))"
    try: r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=300)
    finally: server.shutdown()
    assert r.returncode == 0 and 'digits 4000' in r.stdout and 'did not finish within 4 s' in r.stdout, r.stdout + r.stderr


def test_an_image_far_longer_than_wide_is_refused_by_name(tmp_path):
    from gae_book.data import read_image, UnreadableImage
    Image.new('L', (20000, 1)).save(tmp_path/'line.png')
    with pytest.raises(UnreadableImage, match='20000x1 pixels'): read_image(tmp_path/'line.png')


def test_negative_sizes_in_a_checkpoint_are_one_error(tmp_path):
    from gae_book.core import save_checkpoint
    path = save_checkpoint({'cls': 'gae_book.foundations.AE', 'kwargs': {'z_dim': -5}, 'model': {}}, tmp_path/'neg.pt')
    with pytest.raises(CheckpointError, match='cannot be built|do not fit'): load_model(path)
