"""What PyTorch's DistributedDataParallel does to the book's models (the measurements quoted on the train page).

usage: torchrun --standalone --nproc_per_node 2 tools/why_not_ddp.py
1. ALAE and VAE-GAN with each network wrapped in DDP: their first training step.
2. Parameter gradients taken with torch.autograd.grad (VAE-GAN's way) through a wrapped network, against the average.
3. An R1 penalty (double backward) through a wrapped network, against the same step averaged by hand."""
import copy, torch, torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from gae_book.core import seed_everything
from gae_book.data import shapes
from gae_book.train import find_models

dist.init_process_group('gloo'); r = dist.get_rank()
say = lambda s: print(s, flush=True) if r == 0 else None
data = shapes(n_train=256, n_test=32)
for name in ('alae', 'vaegan'):
    seed_everything(0); m = find_models()[name].make(data)
    for n, c in list(m.named_children()):
        if any(p.requires_grad for p in c.parameters()): setattr(m, n, DDP(c, find_unused_parameters=True))
    try: m.train_step(data.train.x[r*16:(r + 1)*16]); say(f'1. {name}: a step ran')
    except Exception as e: say(f'1. {name}: {type(e).__name__}: {str(e)[:200]}')

torch.manual_seed(0); net = nn.Linear(8, 1); wrapped = DDP(net)
torch.manual_seed(1 + r); x = torch.randn(4, 8)
g = torch.autograd.grad(wrapped(x).pow(2).mean(), list(net.parameters()))
avg = [t.clone() for t in g]
for t in avg: dist.all_reduce(t); t /= dist.get_world_size()
say(f'2. autograd.grad through DDP: largest gap to the average over processes {max((a - b).abs().max().item() for a, b in zip(g, avg)):.3g}')

torch.manual_seed(0); D = nn.Sequential(nn.Linear(8, 16), nn.Softplus(), nn.Linear(16, 1))
ref, wrapped = copy.deepcopy(D), DDP(D)
def r1_loss(net):
    xx = x.clone().requires_grad_(True); out = net(xx)
    g, = torch.autograd.grad(out.sum(), xx, create_graph=True)
    return out.mean() + g.pow(2).sum(1).mean()
r1_loss(wrapped).backward(); r1_loss(ref).backward()
for p in ref.parameters(): dist.all_reduce(p.grad); p.grad /= dist.get_world_size()
say(f'3. R1 through DDP: largest gap to the hand-averaged gradient {max((a.grad - b.grad).abs().max().item() for a, b in zip(D.parameters(), ref.parameters())):.3g}')
dist.destroy_process_group()
