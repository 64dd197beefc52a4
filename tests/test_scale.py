"""What a reader with a GPU runs first, run here on the CPU for a few steps: every registered model in its GPU
configuration (the GPU budget, faces at 64x64 in colour as the chapters' "going further" sections train, the device
named explicitly, the checkpoint loaded back onto a named device), and every model's training step in mixed precision
(bfloat16 autocast).

The GPU budget differs from the CPU book run in its step count and evaluation sizes, not in its batch size (64 on
both, and the CPU book runs train at 64): what the CPU never reaches is the 64x64 colour shape, so these runs use
batches of 8 to stay fast."""
import math, warnings
import pytest
import torch
from gae_book.core import Budget, budget, seed_everything
from gae_book.data import ImageSet, Data
from gae_book.train import fit, find_models, load_model, RunWarning

NAMES = sorted(find_models())
# the PixelCNN decoders sample pixel by pixel: in the full suite only, not the fast layer
PARAMS = [pytest.param(n, marks=pytest.mark.slow) if n in ('pixelcnn', 'pixelgan') else n for n in NAMES]


def faces(n: int = 256) -> Data:
    "Stand-in faces: smooth random colour images at 64x64 in [-1, 1] (the shapes matter here, not the content)."
    g = torch.Generator().manual_seed(0)
    x = torch.nn.functional.interpolate(torch.rand(n, 3, 8, 8, generator=g), size=64, mode='bilinear').mul(2).sub(1)
    y = torch.arange(n) % 10                    # labels, for the models that need some (the semi-supervised AAE)
    return Data('faces', ImageSet(x[:n - 32], y[:n - 32]), ImageSet(x[n - 32:], y[n - 32:]), source='random stand-in')


def gpu_data(name: str):
    e = find_models()[name]
    own = e.data is not None                    # a model with its own data (PixelGAN: binarised digits) keeps it
    return e.default_data(verbose=False) if own else faces()


def finite(h) -> bool: return all(math.isfinite(v) for vals in h.losses.values() for v in vals)


@pytest.mark.parametrize('name', PARAMS)
def test_the_gpu_configuration_runs_on_the_cpu(name, tmp_path):
    e = find_models()[name]
    b = budget(gpu=dict(steps=e.gpu_steps, batch_size=e.batch_size), scale='gpu')      # what `budget: gpu` trains
    data = gpu_data(name)
    seed_everything(0); model = e.make(data)
    cpu = torch.device('cpu')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RunWarning)          # 3 steps cannot finish a progressive growth: said, not an error
        h = fit(model, data, Budget(scale='gpu', steps=3, batch_size=8, n_eval=b.n_eval, log_every=1), device=cpu,
                run_dir=tmp_path, progress=False, verbose=False, sample_every=0, n_snapshot=2)   # PixelCNN samples are slow
    assert h.step == 3 and finite(h)
    back = load_model(tmp_path/'checkpoint.pt', device=cpu)          # map_location: loads where it is told
    assert back.device == cpu and type(back) is type(model)
    x = data.test.x[:2]
    with torch.no_grad():
        if 'reconstruct' in back.offers: assert back.reconstruct(x).shape == x.shape
        if 'sample' in back.offers: assert back.sample(2).shape == x.shape


@pytest.mark.parametrize('name', PARAMS)
def test_a_bf16_step_runs_and_stays_finite(name):
    e = find_models()[name]
    data = e.default_data(verbose=False)
    seed_everything(0); model = e.make(data)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RunWarning)
        h = fit(model, data, Budget(scale='quick', steps=1, batch_size=8, log_every=1), device='cpu', precision='bf16',
                progress=False, verbose=False, sample_every=0, n_snapshot=2)        # one step: this CPU has no bfloat16 arithmetic and emulates it slowly
    assert h.step == 1 and finite(h), h.losses
    assert all(p.dtype == torch.float32 for p in model.parameters()), 'autocast leaves the weights in float32'


def test_precision_is_checked():
    with pytest.raises(ValueError, match="'fp32' or 'bf16'"):
        fit(find_models()['ae'].make(faces()), faces(), 1, precision='fp16', device='cpu', progress=False, verbose=False)
