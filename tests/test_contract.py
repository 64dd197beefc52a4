"""The model contract, checked the same way for every registered model (quick scale, offline).

A new model that registers itself is covered here without touching this file: inference runs without autograd
and restores the model's mode, a training step moves parameters and returns finite scalar losses, a checkpoint
rebuilds an identical model in eval mode, resuming a run with other arguments is refused with a message naming
them, and `gae-book train NAME --steps 2` works.
"""
import functools, math
import pytest
import torch
from torch import nn
import torch.nn.functional as F
from gae_book.core import CheckpointError, capabilities, seed_everything, load_checkpoint
from gae_book.train import find_models, fit, load_model, save_model
from gae_book.model import GenerativeModel, keyword_args, inference, OPTIMIZERS
from gae_book.registry import ModelEntry

MODELS = find_models()


class SpatialAE(GenerativeModel):
    "A small autoencoder whose code is a feature map (4, H/4, W/4), the kind latent diffusion's first stage has."
    offers = {'sample', 'encode', 'decode', 'reconstruct'}
    output = 'tanh'
    @keyword_args
    def __init__(self, *, image_shape=(1, 32, 32), ch: int = 8, lr: float = 1e-3):
        super().__init__()
        C, H, W = image_shape
        self.code_shape = (4, H//4, W//4)
        self.E = nn.Sequential(nn.Conv2d(C, ch, 4, 2, 1), nn.ReLU(), nn.Conv2d(ch, 4, 4, 2, 1))
        self.G = nn.Sequential(nn.ConvTranspose2d(4, ch, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(ch, C, 4, 2, 1))
    def configure_optimizers(self): return dict(ae=torch.optim.Adam(self.parameters(), self.lr))
    def train_step(self, x, y=None):
        loss = (torch.tanh(self.G(self.E(x))) - x).abs().mean()
        self.update('ae', loss)
        return dict(rec=loss.detach())


class TinyVQ(GenerativeModel):
    "Discrete codes: an (H/8, W/8) grid of indices into 16 codebook vectors, and a learned prior over them."
    offers = {'sample', 'encode', 'decode', 'reconstruct'}
    output = 'tanh'
    codebook_size = 16
    @keyword_args
    def __init__(self, *, image_shape=(1, 32, 32), dim: int = 8, lr: float = 1e-3, beta: float = 0.25):
        super().__init__()
        C, H, W = image_shape
        self.code_shape = (H//8, W//8)
        self.E = nn.Sequential(nn.Conv2d(C, dim, 4, 4), nn.ReLU(), nn.Conv2d(dim, dim, 2, 2))
        self.book = nn.Embedding(self.codebook_size, dim)
        self.G = nn.Sequential(nn.ConvTranspose2d(dim, dim, 2, 2), nn.ReLU(), nn.ConvTranspose2d(dim, C, 4, 4))
        self.prior_logits = nn.Parameter(torch.zeros(self.codebook_size, *self.code_shape))   # one categorical per position
    def quantise(self, e):
        "Feature map (N, dim, h, w) -> indices of the nearest codebook vectors (N, h, w)."
        return (e.permute(0, 2, 3, 1).unsqueeze(-2) - self.book.weight).pow(2).sum(-1).argmin(-1)
    def lookup(self, idx): return self.book(idx).permute(0, 3, 1, 2)
    @inference
    def encode(self, x): return self.quantise(self.E(self.check(x)))
    @inference
    def decode(self, z): return torch.tanh(self.G(self.lookup(self.check_codes(z))))
    def sample_prior(self, n):
        return torch.distributions.Categorical(logits=self.prior_logits.permute(1, 2, 0)).sample((n,))
    def configure_optimizers(self): return dict(ae=torch.optim.Adam(self.parameters(), self.lr))
    def train_step(self, x, y=None):
        e = self.E(x); idx = self.quantise(e); q = self.lookup(idx)
        rec = (torch.tanh(self.G(e + (q - e).detach())) - x).abs().mean()          # straight-through gradient
        vq = (q - e.detach()).pow(2).mean() + self.beta*(e - q.detach()).pow(2).mean()
        prior = F.cross_entropy(self.prior_logits.expand(len(x), -1, -1, -1), idx)
        self.update('ae', rec + vq + prior)
        return dict(rec=rec.detach(), vq=vq.detach(), prior_nll=prior.detach())


def _entry(name, cls):
    return ModelEntry(name, lambda data, **kw: cls(image_shape=data.shape, **kw), cls.__doc__, 2, 2, 64, 'tests', cls=cls)

# models of the other code kinds the contract accepts: checked like the registered ones, never added to the registry
EXTRA = {'_spatial-code': _entry('_spatial-code', SpatialAE), '_discrete-code': _entry('_discrete-code', TinyVQ)}
ENTRIES = {**MODELS, **EXTRA}
# the PixelCNN decoders sample pixel by pixel (a minute of CPU in these tests): in the full suite only, not the fast layer
PARAMS = [pytest.param(n, marks=pytest.mark.slow) if n in ('pixelcnn', 'pixelgan') else n for n in sorted(ENTRIES)]


def rebuild(name, path, device):
    "load_model for a registered model; the extra models live in this file, which load_model rightly refuses to import."
    if name not in EXTRA: return load_model(path, device=device)
    ck = load_checkpoint(path)
    m = EXTRA[name].cls(**ck['kwargs']); m.load_state_dict(ck['model'])
    return m.to(device).eval()


@functools.lru_cache(maxsize=None)
def data_for(name):
    return ENTRIES[name].default_data(verbose=False)      # a model may bring its own version of MNIST


def build(name, **kw):
    seed_everything(0)
    return ENTRIES[name].make(data_for(name), **kw)


def test_the_extra_models_have_codes_of_other_shapes():
    s, q = build('_spatial-code'), build('_discrete-code')
    x = data_for('ae').test.x[:2]
    assert s.encode(x).shape == (2, 4, 8, 8) and s.sample(2).shape == x.shape
    z = q.encode(x)
    assert z.dtype == torch.long and z.shape == (2, 4, 4) and q.sample_prior(3).shape == (3, 4, 4)
    with pytest.raises(TypeError, match='integer codebook indices'): q.decode(z.float())
    with pytest.raises(ValueError, match=r'must have shape \(N, 4, 8, 8\)'): s.decode(torch.randn(2, 16))


def ready(model, x):
    "Models that sample from a pool of codes need to see some first."
    if callable(getattr(model, 'remember', None)): model.remember(x)
    return model


@pytest.mark.parametrize('name', PARAMS)
def test_inference_is_gradient_free_and_keeps_the_mode(name):
    m = build(name)
    x = data_for(name).test.x[:4].to(m.device)
    ready(m, x)
    caps = capabilities(m)
    assert caps, f'{name} offers none of sample/encode/decode/reconstruct'
    m.train()
    if 'sample' in caps:
        s = m.sample(2)
        assert s.shape == (2, *m.image_shape) and not s.requires_grad
    if 'encode' in caps:
        z = m.encode(x)
        assert len(z) == 4 and not z.requires_grad
        if 'decode' in caps:
            r = m.decode(z)
            assert r.shape == x.shape and not r.requires_grad
    if 'reconstruct' in caps:
        assert m.reconstruct(x).shape == x.shape
    assert m.training, 'an inference call left the model in eval mode'
    assert 'keyword arguments' in (type(m).__init__.__doc__ or ''), 'help() would not list the arguments'


@pytest.mark.parametrize('name', PARAMS)
def test_a_train_step_moves_parameters_and_returns_finite_losses(name):
    m = build(name)
    x = data_for(name).train.x[:8].to(m.device)
    y = data_for(name).train.y[:8].to(m.device)
    before = {k: p.detach().clone() for k, p in m.named_parameters()}
    m.train()
    losses = m.train_step(x, y)
    assert losses and all(torch.is_tensor(v) and v.numel() == 1 and math.isfinite(float(v)) for v in losses.values())
    assert not any(v.requires_grad for v in losses.values()), 'losses must be detached'
    moved = [k for k, p in m.named_parameters() if not torch.equal(p.detach(), before[k])]
    assert moved, f'{name}: no parameter changed in a training step'


@pytest.mark.parametrize('name', PARAMS)
def test_one_name_per_role(name):
    "Optimizers are named from OPTIMIZERS, and the losses of the roles a model's optimizers play use LOSSES' names."
    m = build(name)
    assert set(m.opts) <= set(OPTIMIZERS), f'{name}: optimizers {sorted(set(m.opts) - set(OPTIMIZERS))} are not in model.OPTIMIZERS'
    m.train()
    losses = m.train_step(data_for(name).train.x[:8].to(m.device), data_for(name).train.y[:8].to(m.device))
    for opt, loss in (('d', 'd_loss'), ('g', 'g_loss'), ('ae', 'rec')):
        if opt in m.opts: assert loss in losses, f"{name} has optimizer {opt!r} but reports no {loss!r} (it reports {sorted(losses)})"


@pytest.mark.parametrize('name', PARAMS)
def test_checkpoint_round_trip_restores_identical_outputs(name, tmp_path):
    m = build(name)
    x = data_for(name).test.x[:3].to(m.device)
    m.train(); m.train_step(data_for(name).train.x[:8].to(m.device), data_for(name).train.y[:8].to(m.device))
    ready(m, x)
    m2 = ready(rebuild(name, save_model(m, tmp_path/'m.pt'), m.device), x)
    assert not m2.training, 'load_model returns a model in eval mode'
    m.eval()
    caps = capabilities(m)
    if 'encode' in caps:                                  # seeded: some encoders draw noise (PixelGAN's)
        torch.manual_seed(1); a = m.encode(x)
        torch.manual_seed(1); b = m2.encode(x)
        assert torch.equal(a, b)
    else:
        torch.manual_seed(1); a = m.sample(1)
        torch.manual_seed(1); b = m2.sample(1)
        assert torch.equal(a, b)


def _changed_argument(hp: dict):
    "One constructor argument changed (a learning rate if there is one), to build a model the run does not match."
    for k in ('lr', 'z_dim', 'ch'):
        if isinstance(hp.get(k), (int, float)) and not isinstance(hp.get(k), bool): return k, hp[k]*2
    k = next(k for k, v in hp.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
    return k, hp[k] + 1


@pytest.mark.parametrize('name', PARAMS)
def test_resuming_with_other_arguments_is_refused(name, tmp_path):
    m = build(name)
    fit(m, data_for(name), 1, run_dir=tmp_path, progress=False, verbose=False, n_snapshot=2)
    k, v = _changed_argument(m.hparams())
    other = type(m)(**{**m.hparams(), k: v})
    with pytest.raises(CheckpointError, match=k):
        fit(other, data_for(name), 2, run_dir=tmp_path, progress=False, verbose=False, n_snapshot=2)
    h = fit(type(m)(**m.hparams()), data_for(name), 2, run_dir=tmp_path, progress=False, verbose=False, n_snapshot=2)
    assert h.step == 2                                    # the same arguments resume


@pytest.mark.slow
def test_every_model_trains_from_the_command_line(tmp_path):
    from gae_book.cli import main
    for name in sorted(MODELS):
        assert main(['train', name, '--steps', '2', '--out', str(tmp_path/name), '--no-progress', '--offline']) == 0
        assert (tmp_path/name/'checkpoint.pt').exists()


@pytest.mark.parametrize('name', PARAMS)
def test_arguments_are_attributes_and_unoffered_abilities_are_clear_errors(name):
    m = build(name)
    for k, v in m.hparams().items():
        if k in ('r1_gamma', 'cond'): continue             # resolved from other arguments when left at None
        assert getattr(m, k) == (tuple(v) if isinstance(v, list) else v), f'{name}.{k} is not stored'
    for what in {'sample', 'encode', 'decode', 'reconstruct'} - capabilities(m):
        if name == 'gaia' and what == 'sample': continue   # GAIA says how to get a pool of codes instead
        args = (data_for(name).test.x[:2].to(m.device),) if what in ('encode', 'reconstruct') else (2,)
        with pytest.raises(NotImplementedError, match=f'does not {what}'):
            getattr(m, what)(*args)


def test_a_class_registers_itself_with_one_line():
    from torch import nn
    from gae_book.train import GenerativeModel, register, MODELS as REGISTRY

    @register('_toy', 'a toy model for this test', steps=3)
    class Toy(GenerativeModel):
        offers = {'encode', 'decode', 'reconstruct'}
        @keyword_args
        def __init__(self, *, image_shape=(1, 32, 32), z_dim: int = 4, lr: float = 1e-3):
            super().__init__()
            self.E = nn.Sequential(nn.Flatten(), nn.Linear(32*32, z_dim))
            self.G = nn.Sequential(nn.Linear(z_dim, 32*32), nn.Unflatten(1, (1, 32, 32)))
        def configure_optimizers(self): return dict(ae=torch.optim.Adam(self.parameters(), self.lr))
        def train_step(self, x, y=None):
            loss = (self.G(self.E(x)) - x).pow(2).mean(); self.update('ae', loss); return dict(rec=loss.detach())
    try:
        data = data_for('ae')
        m = REGISTRY['_toy'].make(data, z_dim=3)
        assert isinstance(m, Toy) and m.z_dim == 3 and m.image_shape == data.shape
        x = data.test.x[:2]
        assert m.reconstruct(x).shape == x.shape and m.encode(x).shape == (2, 3)
        with pytest.raises(NotImplementedError, match='does not sample'): m.sample(2)
    finally:
        REGISTRY.pop('_toy', None)


def test_resuming_a_checkpoint_with_other_optimizer_names_is_refused(tmp_path):
    "A run written when the optimizers had other names is a clear error, and the checkpoint is left as it was."
    m = build('ae')
    fit(m, data_for('ae'), 1, run_dir=tmp_path, progress=False, verbose=False, n_snapshot=2)
    ck_path = next(tmp_path.rglob('*.pt'))
    ck = torch.load(ck_path, weights_only=False)
    ck['opts'] = {'old_name': ck['opts']['ae']}
    torch.save(ck, ck_path)
    before = ck_path.read_bytes()
    with pytest.raises(CheckpointError, match="optimizers named \\['old_name'\\]"):
        fit(build('ae'), data_for('ae'), 2, run_dir=tmp_path, progress=False, verbose=False, n_snapshot=2)
    assert ck_path.read_bytes() == before
