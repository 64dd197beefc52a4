"The models shipped with the package load offline and still measure what their files say."
import pytest
import torch
from gae_book.pretrained import available, load, save_pretrained, read_pretrained
from gae_book.data import mnist
from gae_book.metrics import evaluate

SHIPPED = available()

def test_the_headline_model_ships():
    assert 'stylealae-mnist' in SHIPPED, f"shipped: {sorted(SHIPPED)}"

def test_shipped_files_stay_small():
    assert sum(h['size_mb'] for h in SHIPPED.values()) < 20

@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(SHIPPED))
def test_shipped_model_reproduces_its_metrics(name):
    h = SHIPPED[name]
    m = load(name)
    row = evaluate(m, mnist(verbose=False), name, n=h['n_eval'], seed=h['seed'])
    for k, v in h['metrics'].items():
        assert row[k] == pytest.approx(v, rel=0.02, abs=0.005), f"{name}: {k} is {row[k]}, its file says {v}"


def test_extra_state_tensors_travel_with_the_weights(tmp_path):
    "GAIA keeps the codes it samples between as extra state: a shipped file carries them, and they come back."
    from gae_book.gaia import GAIA
    m = GAIA(); m._codes = torch.randn(20, 16)
    r = read_pretrained(save_pretrained(m, tmp_path/'g.safetensors', half=False))
    assert torch.equal(r._codes, m._codes)
    assert r.sample(4).shape == (4, 1, 32, 32)
