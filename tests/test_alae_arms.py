"""Chapter 07's arm without a mapping network (`ALAE(mapping_layers=0)`, w = z): it trains, its F has nothing to learn,
it saves and loads, and sizes that cannot work are a clear error. Quick scale, offline, a batch of 8 digits."""
import pytest
import torch
from gae_book.core import seed_everything
from gae_book.data import mnist
from gae_book.alae import ALAE
from gae_book.checkpoint import load_model, save_model

X = mnist(verbose=False).train.x[:8]


def test_without_a_mapping_network_w_is_z_and_a_step_moves_the_other_networks():
    seed_everything(0)
    m = ALAE(mapping_layers=0, hidden=64).train()
    assert list(m.F.parameters()) == []
    z = torch.randn(4, m.z_dim)
    assert torch.equal(m.mapping(z), z)
    before = {k: [p.detach().clone() for p in getattr(m, k).parameters()] for k in ('G', 'E', 'D')}
    out = m.train_step(X)
    assert all(torch.isfinite(torch.as_tensor(v)).all() for v in out.values()), out
    for k, ps in before.items():
        assert any(not torch.equal(a, b) for a, b in zip(ps, getattr(m, k).parameters())), f'{k} did not move'


def test_the_default_keeps_three_mapping_layers():
    assert sum(isinstance(l, torch.nn.Linear) for l in ALAE(hidden=64).F) == 3
    assert sum(isinstance(l, torch.nn.Linear) for l in ALAE(hidden=64, mapping_layers=5).F) == 5


def test_sizes_that_cannot_work_are_a_clear_error():
    with pytest.raises(ValueError, match='must equal w_dim'): ALAE(mapping_layers=0, z_dim=8, w_dim=16)
    with pytest.raises(ValueError, match='0 or more'): ALAE(mapping_layers=-1)


def test_the_arm_saves_and_loads(tmp_path):
    seed_everything(0)
    m = ALAE(mapping_layers=0, hidden=64).eval()
    path = save_model(m, tmp_path/'m.pt')
    back = load_model(path).eval()
    assert back.hparams()['mapping_layers'] == 0
    torch.manual_seed(1); a = m.sample(3)
    torch.manual_seed(1); b = back.sample(3)
    assert torch.allclose(a, b)
