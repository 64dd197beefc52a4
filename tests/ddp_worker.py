"""One process of the multi-process tests (tests/test_distributed.py), started by torchrun.

usage: torchrun --standalone --nproc_per_node N tests/ddp_worker.py OUT MODEL STEPS BATCH MODE
MODE: 'plain' (one run), 'resume' (STEPS//2 steps, then a fresh model resumes the run to STEPS).
Writes OUT/rank{R}.json: a hash of the parameters after every step, the logged losses, the final buffers' hash."""
import hashlib, json, sys
from pathlib import Path
import torch
from torch import nn
from gae_book.core import seed_everything, Budget
from gae_book.data import shapes
from gae_book.train import GenerativeModel, fit, find_models, dist_info
from gae_book.model import keyword_args, inference


class Linear(GenerativeModel):
    "A deterministic linear autoencoder (no noise, no batch statistics): two processes must equal one exactly."
    offers = {'encode', 'decode', 'reconstruct'}
    @keyword_args
    def __init__(self, *, image_shape=(1, 32, 32), d: int = 8):
        super().__init__()
        n = 1
        for s in image_shape: n *= s
        self.E, self.G = nn.Linear(n, d), nn.Linear(d, n)
    def configure_optimizers(self): return dict(ae=torch.optim.Adam(self.parameters(), 1e-2))
    @inference
    def encode(self, x): return self.E(x.flatten(1))
    @inference
    def decode(self, z): return self.G(z).view(-1, *self.image_shape).tanh()
    def train_step(self, x, y=None):
        loss = (self.G(self.E(x.flatten(1))).view(-1, *self.image_shape).tanh() - x).pow(2).mean()
        self.update('ae', loss)
        return dict(mse=loss.detach())


def digest(tensors) -> str:
    h = hashlib.sha1()
    for t in tensors: h.update(t.detach().float().cpu().numpy().tobytes())
    return h.hexdigest()


def build(name: str, data, seed: int):
    seed_everything(seed)
    return Linear() if name == 'linear' else find_models()[name].make(data)


def train(name, data, steps, batch, run_dir=None, seed=0, precision='fp32'):
    "A run of `steps` steps; the parameters' hash after every training step."
    model = build(name, data, seed)
    hashes = []
    step = model.train_step
    def recorded(x, y=None):
        out = step(x, y); hashes.append(digest(model.parameters())); return out
    model.train_step = recorded
    h = fit(model, data, Budget(scale='quick', steps=steps, batch_size=batch, log_every=1), seed=0, device='cpu',
            run_dir=run_dir, progress=False, verbose=False, precision=precision)
    return model, h, hashes


if __name__ == '__main__':
    out, name, steps, batch, mode = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    data = shapes(n_train=512, n_test=64)
    rank = dist_info()[0]
    if mode == 'plain':
        model, h, hashes = train(name, data, steps, batch)
    else:                      # half the run, then a new model (other weights) continues it from the checkpoint
        _, _, first = train(name, data, steps//2, batch, run_dir=out/'run')
        model, h, rest = train(name, data, steps, batch, run_dir=out/'run', seed=99)
        hashes = first + rest
    (out/f'rank{rank}.json').write_text(json.dumps(dict(
        hashes=hashes, losses=h.losses, step=h.step, buffers=digest(model.buffers()), params=digest(model.parameters()))))
