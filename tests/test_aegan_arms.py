"""Chapter 05's arms beyond the registered default: every `variant` and both image-cycle distances train, and only
the networks a variant builds move. Quick scale, offline, a batch of 8 digits."""
import pytest
import torch
from gae_book.core import seed_everything
from gae_book.data import mnist
from gae_book.aegan import AEGAN

X = mnist(verbose=False).train.x[:8]
NETS = {'aegan': {'G', 'E', 'D_x', 'D_z'}, 'egan': {'G', 'E', 'D_x'}, 'aae': {'G', 'E', 'D_z'}, 'gan': {'G', 'D_x'}, 'ae': {'G', 'E'}}


@pytest.mark.parametrize('rec', ['l1', 'l2'])
@pytest.mark.parametrize('variant', sorted(NETS))
def test_each_variant_builds_its_networks_and_a_step_moves_them(variant, rec):
    seed_everything(0)
    m = AEGAN(variant=variant, rec=rec, ch=8).train()
    built = {k for k in ('G', 'E', 'D_x', 'D_z') if getattr(m, k, None) is not None}
    assert built == NETS[variant]
    before = {k: [p.detach().clone() for p in getattr(m, k).parameters()] for k in built}
    out = m.train_step(X)
    assert all(torch.isfinite(v).all() for v in out.values()), out
    for k in built:
        moved = any(not torch.equal(a, b) for a, b in zip(before[k], getattr(m, k).parameters()))
        assert moved, f'{variant}: {k} did not move'


def test_an_unknown_variant_or_distance_is_a_clear_error():
    with pytest.raises(ValueError, match='variant must be one of'): AEGAN(variant='egans')
    with pytest.raises(ValueError, match='rec'): AEGAN(rec='l3')
