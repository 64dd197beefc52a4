"""The book's metrics against maintained reference implementations, on the same features: the Fréchet distance
against pytorch-fid's `calculate_frechet_distance`, precision and recall against prdc's `compute_prdc` (Naeem et al.
2020, whose precision and recall are Kynkäänniemi et al.'s k-NN balls), and the unbiased MMD against a direct
computation with scikit-learn's RBF kernel. Offline: random features and the shipped classifier's features only."""
import numpy as np
import pytest
import torch
from gae_book.metrics import frechet_distance, precision_recall, features, mmd
from gae_book.data import mnist


def test_frechet_distance_matches_pytorch_fid():
    fid = pytest.importorskip('pytorch_fid.fid_score')
    g = torch.Generator().manual_seed(0)
    a = torch.randn(600, 32, generator=g, dtype=torch.float64)
    b = torch.randn(500, 32, generator=g, dtype=torch.float64) @ (torch.eye(32, dtype=torch.float64) + 0.1*torch.randn(32, 32, generator=g, dtype=torch.float64)) + 0.3
    stats = lambda f: (f.mean(0).numpy(), np.cov(f.numpy(), rowvar=False))
    ref = fid.calculate_frechet_distance(*stats(a), *stats(b))
    assert abs(frechet_distance(a, b) - ref) < 1e-6*max(1.0, ref), (frechet_distance(a, b), ref)


def test_precision_recall_match_prdc():
    prdc = pytest.importorskip('prdc')
    x = mnist().test.x
    real, fake = x[:300], torch.flip(x[300:600], dims=(-1,))        # mirrored digits: a generator with a visible flaw
    ours = precision_recall(fake, real, k=3)
    ref = prdc.compute_prdc(real_features=features(real).double().numpy(), fake_features=features(fake).double().numpy(), nearest_k=3)
    assert abs(ours['precision'] - ref['precision']) < 1e-9 and abs(ours['recall'] - ref['recall']) < 1e-9, (ours, ref)


def test_mmd_matches_a_direct_rbf_computation():
    from sklearn.metrics.pairwise import rbf_kernel
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(200, 4, generator=g) + 0.2, torch.randn(150, 4, generator=g)
    an, bn = a.double().numpy(), b.double().numpy()
    d_bb = ((bn[:, None] - bn[None])**2).sum(-1)
    med = np.median(d_bb[~np.eye(len(bn), dtype=bool)])
    total = 0.0
    for s in (0.5, 1.0, 2.0):
        gamma = 1/(2*s**2*med)
        kaa, kbb, kab = rbf_kernel(an, an, gamma=gamma), rbf_kernel(bn, bn, gamma=gamma), rbf_kernel(an, bn, gamma=gamma)
        n, m = len(an), len(bn)
        total += (kaa.sum() - np.trace(kaa))/(n*(n - 1)) + (kbb.sum() - np.trace(kbb))/(m*(m - 1)) - 2*kab.mean()
    assert abs(mmd(a, b) - total) < 1e-9, (mmd(a, b), total)
