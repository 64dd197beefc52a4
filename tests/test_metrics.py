"Metrics: each moves the right way on cases whose answer is known; the classifier ships inside the package."
import os, subprocess, sys, zipfile
from pathlib import Path
import pytest
import torch
import torch.nn.functional as F
from gae_book import metrics as M
from gae_book.data import mnist, shapes

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def data():
    return mnist(verbose=False)


def blur(x):
    return F.avg_pool2d(F.pad(x, (1, 1, 1, 1), value=-1.), 3, stride=1)


def test_classifier_is_accurate(data):
    info = M.classifier_info()
    assert info['accuracy'] > 0.97
    acc = (M.probabilities(data.test.x).argmax(1) == data.test.y).float().mean()
    assert abs(acc - info['accuracy']) < 0.01


def test_fd_real_beats_noise_and_blur(data):
    real, ref = data.train.x[:500], data.test.x[:500]
    noise = torch.rand_like(real)*2 - 1
    f_real, f_blur, f_noise = M.fd(real, ref), M.fd(blur(blur(real)), ref), M.fd(noise, ref)
    assert f_real < f_blur < f_noise


def test_collapsed_generator_has_coverage_one(data):
    ones = data.train.x[data.train.y == 1][:300]
    c = M.coverage(ones)
    assert c['classes'] == 1 and c['kl_uniform'] > 2.0
    c = M.coverage(data.test.x)
    assert c['classes'] == 10 and c['kl_uniform'] < 0.02


def test_confidence_and_sharpness(data):
    real = data.test.x[:500]
    noise = torch.rand_like(real)*2 - 1
    assert M.confidence(real) > 0.9 > M.confidence(noise)
    assert M.high_freq_energy(blur(real)) < M.high_freq_energy(real) < M.high_freq_energy(noise)


def test_reconstruction_metrics(data):
    x = data.test.x[:300]
    same, blurred = M.reconstruction(x, x), M.reconstruction(x, blur(x))
    shuffled = M.reconstruction(x, x[torch.randperm(len(x))])
    assert same == dict(mse=0.0, feature_dist=0.0, label_kept=1.0)
    assert 0 < blurred['feature_dist'] < shuffled['feature_dist']
    assert shuffled['label_kept'] < 0.3 < 0.9 < blurred['label_kept']
    with pytest.raises(ValueError, match='differ in shape'):
        M.reconstruction(x, x[:, :, :28, :28])


def test_probe_clustering_and_factors(data):
    y = data.test.y
    assert M.clustering_error(y, y) == 0.0
    assert M.clustering_error(torch.randint(0, 16, (len(y),)), y) > 0.6
    onehot = F.one_hot(data.train.y, 10).float() + 0.1*torch.randn(len(data.train.y), 10)
    onehot_te = F.one_hot(y, 10).float() + 0.1*torch.randn(len(y), 10)
    assert M.linear_probe(onehot, data.train.y, onehot_te, y) > 0.99
    assert M.linear_probe(torch.randn(len(data.train.y), 10), data.train.y, torch.randn(len(y), 10), y) < 0.2
    sh = shapes(n_train=800, n_test=200)
    r2 = M.factor_r2(torch.randn(800, 8), sh.train.factors, torch.randn(200, 8), sh.test.factors)
    assert max(r2.values()) < 0.1 and set(r2) == {'scale', 'rotation', 'x', 'y'}   # the shape is the probe's accuracy


def test_interpolation_prefers_a_good_latent_space(data):
    "The identity 'autoencoder' on pixels is the cross-fade; a code that snaps to real digits scores better."
    x = data.test.x[:400]
    xa, xb = x[:200], x[200:]
    ident = lambda t: t.flatten(1)
    res = M.interpolation(ident, lambda z: z.view(-1, 1, 32, 32), xa, xb, x)
    assert abs(res['latent']['mid_fd'] - res['pixel']['mid_fd']) < 1e-6
    # a decoder that returns the nearest real digit never leaves the data
    bank = data.train.x[:1000].flatten(1)
    snap = lambda z: bank[torch.cdist(z, bank).argmin(1)].view(-1, 1, 32, 32)
    res = M.interpolation(ident, snap, xa, xb, x)
    assert res['latent']['mid_fd'] < res['pixel']['mid_fd']
    assert res['latent']['confidence'] > res['pixel']['confidence']


def test_table_leaves_missing_metrics_empty(data):
    class Sampler:  # can only sample
        training = False
        device = torch.device('cpu')
        def eval(self): pass
        def train(self, mode=True): pass
        def sample(self, n): return data.train.x[:n]
    row = M.evaluate(Sampler(), data, 'sampler', n=200)
    assert row['fd'] is not None and row['rec_mse'] is None and row['probe'] is None
    md = M.metrics_table([row]).to_markdown()
    assert 'FD samples' in md and 'rec. MSE' not in md


def test_mmd_moves_the_right_way():
    torch.manual_seed(0)
    prior = torch.randn(400, 2)
    same, narrow, shifted = torch.randn(400, 2), 0.5*torch.randn(400, 2), torch.randn(400, 2) + 2
    assert abs(M.mmd(same, prior)) < 0.02
    assert M.mmd(same, prior) < M.mmd(narrow, prior) < M.mmd(shifted, prior)


def test_comparing_near_equal_seeds_warns_of_nothing():
    "scipy's precision notice for near-identical values is the library's business, not the reader's: no warning escapes."
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        c = M.compare([1.0, 1.0, 1.0 + 1e-15], [1.0, 1.0, 1.0])
        assert c.verdict == 'inconclusive'
        M.compare([0.5, 0.5, 0.5], [0.5, 0.5, 0.5 + 1e-15], paired=True)


def test_an_untrained_growing_model_is_at_the_trained_ones_resolution():
    "The untrained baseline of StyleALAE must encode and decode at the resolution the trained model reached, with fresh weights."
    from gae_book.alae import StyleALAE
    m = StyleALAE(); m.plan(100); m.steps_done = 100
    u = M.untrained(m, seed=1)
    assert u.growth() == m.growth() and u.steps_done == m.steps_done
    assert not all(torch.equal(a, b) for a, b in zip(u.parameters(), m.parameters()))
