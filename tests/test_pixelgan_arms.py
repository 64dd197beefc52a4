"""Chapter 04's pieces beyond the registered default: the row-cached sampler, the factorised-decoder baseline,
and the noise-free reading of a category. Quick scale, offline, a batch of 8 binarised digits."""
import pytest
import torch
from gae_book.core import seed_everything
from gae_book.data import binarized_mnist
from gae_book.pixelgan import PixelCNN, PixelGANAutoencoder, FactorisedDecoder, sample_pixelcnn, dependency_mask

X = binarized_mnist(verbose=False).train.x[:8]


def _naive(net, n, z, generator):
    "A full pass of the network for every pixel: the sampler's reference."
    x = torch.zeros(n, 1, net.size, net.size)
    with torch.no_grad():
        for i in range(net.size):
            for j in range(net.size):
                x[:, 0, i, j] = torch.bernoulli(torch.sigmoid(net(x, z)[:, 0, i, j]), generator=generator)*2 - 1
    return x


@pytest.mark.parametrize('cond', ['none', 'global', 'spatial'])
def test_the_row_cached_sampler_draws_the_pixels_of_a_full_pass(cond):
    torch.manual_seed(0)
    net = PixelCNN(ch=8, layers=3, cond=cond, cond_dim=3, size=8)
    z = torch.randn(3, 3) if cond != 'none' else None
    fast = sample_pixelcnn(net, 3, z, generator=torch.Generator().manual_seed(5))
    assert torch.equal(fast, _naive(net, 3, z, torch.Generator().manual_seed(5)))


def test_the_dependency_mask_sees_only_the_past():
    net = PixelCNN(ch=8, layers=4, size=12)
    m = dependency_mask(net, 6, 6)
    assert not m[7:].any() and not m[6, 6:].any() and m[6, :6].any() and m[:6].any()
    assert not m[:6 - net.receptive_rows + 1].any()           # nothing above the receptive field


def test_the_factorised_decoder_trains_samples_and_refuses_no_code():
    seed_everything(0)
    m = PixelGANAutoencoder(prior='categorical', n_clusters=5, decoder_kind='factorised', ch=8)
    assert isinstance(m.decoder, FactorisedDecoder)
    out = m.train_step(X)
    assert {'rec', 'd_loss', 'r1', 'g_loss', 'cats'} <= set(out) and all(torch.isfinite(v) for v in out.values())
    s = m.sample(4)
    assert s.shape == (4, 1, 28, 28) and set(s.unique().tolist()) <= {-1.0, 1.0}
    with pytest.raises(ValueError, match='pass codes'): m.decoder(X)
    with pytest.raises(ValueError, match="decoder_kind must be"): PixelGANAutoencoder(decoder_kind='mlp')


def test_cluster_reads_the_code_without_noise_and_encode_draws():
    seed_everything(0)
    m = PixelGANAutoencoder(prior='categorical', n_clusters=30, ch=8)
    assert torch.equal(m.cluster(X), m.cluster(X))
    assert not torch.equal(m.encode(X), m.encode(X))          # encode is a draw of q(z | x)
