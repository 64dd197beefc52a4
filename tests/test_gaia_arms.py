"""Chapter 06's arms beyond the registered default: G's normalisation (`g_norm`) and the L1 autoencoder baseline.
Quick scale, offline, a batch of 8 digits."""
import pytest
import torch
from torch import nn
from gae_book.core import seed_everything
from gae_book.data import mnist
from gae_book.gaia import GAIA, L1AE

X = mnist(verbose=False).train.x[:8]


@pytest.mark.parametrize('g_norm, layer', [('ln', nn.LayerNorm), ('bn', nn.BatchNorm2d)])
def test_g_norm_picks_the_normalisation_and_trains(g_norm, layer):
    seed_everything(0)
    m = GAIA(g_norm=g_norm, ch=8).train()
    assert any(isinstance(l, layer) for l in m.G.modules())
    out = m.train_step(X)
    assert all(torch.isfinite(v).all() for v in out.values()), out


def test_with_layer_norm_an_image_decodes_the_same_alone_or_in_a_batch_in_training_mode():
    "The reason for g_norm='ln': G's output for a code does not depend on the other codes of its batch."
    seed_everything(0)
    m = GAIA(g_norm='ln', ch=8).train()
    z = torch.randn(8, 16)
    with torch.no_grad(): assert torch.allclose(m.G(z)[:1], m.G(z[:1]), atol=1e-5)
    seed_everything(0)
    b = GAIA(g_norm='bn', ch=8).train()
    with torch.no_grad(): assert not torch.allclose(b.G(z)[:1], b.G(z[:2])[:1], atol=1e-5)


def test_the_l1_autoencoder_trains_on_absolute_error_with_a_tanh_output():
    seed_everything(0)
    m = L1AE(ch=8).train()
    before = [p.detach().clone() for p in m.parameters()]
    out = m.train_step(X)
    assert set(out) == {'rec'} and torch.isfinite(out['rec'])
    assert any(not torch.equal(a, b) for a, b in zip(before, m.parameters()))
    with torch.no_grad(): r = m.eval().reconstruct(X)
    assert r.shape == X.shape and r.abs().max() <= 1
