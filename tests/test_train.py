"The training loop: checkpoints, exact resume, the NaN stop, corrupt files, wrong inputs to models."
import json
import pytest
import torch
from torch import nn
from gae_book.core import Budget, save_checkpoint, load_checkpoint, CheckpointError
from gae_book.data import ImageSet, mnist
from gae_book.train import GenerativeModel, fit, load_model, NonFiniteLoss, History
from gae_book.foundations import VAE, GAN


def small_mnist(n=256):
    d = mnist(verbose=False)
    return ImageSet(d.train.x[:n], d.train.y[:n])


def quick(steps, **kw):
    return Budget('quick', steps=steps, batch_size=16, log_every=2, **kw)


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    m = VAE(z_dim=4, ch=8)
    h = fit(m, small_mnist(), quick(6), run_dir=tmp_path, progress=False, verbose=False)
    assert {p.name for p in tmp_path.iterdir()} >= {'checkpoint.pt', 'samples.png', 'summary.json'}
    summary = json.loads((tmp_path/'summary.json').read_text())
    assert summary['steps'] == 6 and set(summary['final_losses']) == {'nelbo', 'rec', 'kl'}
    m2 = load_model(tmp_path/'checkpoint.pt', device='cpu')
    assert type(m2) is VAE and m2.hparams() == m.hparams()
    x = small_mnist().x[:4]
    assert torch.allclose(m2.encode(x), m.encode(x))


class PoisonedVAE(VAE):
    "A VAE whose 7th batch contains a NaN pixel, as a corrupt input file would."
    def train_step(self, x, y=None):
        self.calls = getattr(self, 'calls', 0) + 1
        if self.calls == 7: x = x.clone(); x[0, 0, 0, 0] = float('nan')
        return super().train_step(x, y)


def test_nan_stops_with_a_clear_message(tmp_path):
    with pytest.raises(NonFiniteLoss, match=r"Loss '\w+' became nan at step 7.*step 6"):
        fit(PoisonedVAE(z_dim=4, ch=8), small_mnist(), quick(40), run_dir=tmp_path, ckpt_every=2,
            progress=False, verbose=False)
    ck = load_checkpoint(tmp_path/'checkpoint.pt')          # the last good checkpoint is intact and finite
    assert ck['history']['step'] == 6
    assert all(torch.isfinite(v).all() for v in ck['model'].values() if v.is_floating_point())


def test_exploding_weights_are_never_saved(tmp_path):
    m = VAE(z_dim=4, ch=8, lr=1e30)                          # an absurd learning rate: the weights blow up
    with pytest.raises(NonFiniteLoss, match='NaN or infinite|became'):
        fit(m, small_mnist(), quick(40), run_dir=tmp_path, ckpt_every=2, progress=False, verbose=False)
    assert not (tmp_path/'checkpoint.pt').exists() or all(
        torch.isfinite(v).all() for v in load_checkpoint(tmp_path/'checkpoint.pt')['model'].values() if v.is_floating_point())


def test_corrupt_and_missing_checkpoints(tmp_path):
    p = tmp_path/'checkpoint.pt'
    save_checkpoint({'a': torch.ones(3)}, p)
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(CheckpointError, match='corrupt'):
        load_checkpoint(p)
    with pytest.raises(CheckpointError, match='corrupt'):
        fit(VAE(z_dim=4, ch=8), small_mnist(), quick(3), run_dir=tmp_path, progress=False)
    with pytest.raises(FileNotFoundError, match='No checkpoint at'):
        load_model(tmp_path/'nothing.pt')
    save_checkpoint({'weights': torch.ones(1)}, tmp_path/'other.pt')
    with pytest.raises(CheckpointError, match='no model class'):
        load_model(tmp_path/'other.pt')


def test_models_reject_wrong_images():
    m = VAE(z_dim=4, ch=8)
    with pytest.raises(ValueError, match='expects 32x32'):
        m.encode(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match='channel'):
        m.encode(torch.zeros(2, 3, 32, 32))
    with pytest.raises(TypeError, match='keyword arguments only'):
        VAE(16)
