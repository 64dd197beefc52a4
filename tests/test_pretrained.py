"The models shipped with the package load offline and still measure what their files say."
import pytest
from gae_book.pretrained import available, load
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
