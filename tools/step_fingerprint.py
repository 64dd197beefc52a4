"""Bitwise fingerprint of every registered model's first training steps, to show a refactoring changed no behaviour.

    python tools/step_fingerprint.py OUT.json              # write the fingerprint
    python tools/step_fingerprint.py OUT.json --against A.json   # and compare it with an earlier one

For each model: seed 0, the registered build on its default data, three training steps on the same batches; the
losses of each step and a checksum of the weights after them, then samples (or reconstructions) drawn under a fixed
seed. Floats are stored exactly (as hex), so equal means bitwise equal. Loss keys may be renamed: pass
--rename old=new to compare under the new names, and --added model:key for a loss a model reports that it did not before.
"""
import argparse, json, sys
import torch
from gae_book.core import seed_everything, capabilities
from gae_book.data import Batches
from gae_book.train import find_models


def fingerprint(name, steps=3):
    e = find_models()[name]
    d = e.default_data(verbose=False)
    seed_everything(0)
    m = e.make(d)
    b = Batches(d.train, 16, seed=0, device='cpu')
    x0 = d.test.x[:8]
    if callable(getattr(m, 'remember', None)): m.remember(x0)
    losses = []
    for _ in range(steps):
        out = m.train_step(*next(b))
        losses.append({k: float(v).hex() for k, v in out.items()})
    with torch.no_grad():
        w = float(sum(p.double().sum() for p in m.parameters())).hex()
    torch.manual_seed(123)
    caps = capabilities(m)
    img = m.sample(8) if 'sample' in caps else m.reconstruct(x0)
    return dict(losses=losses, weights=w, images=float(img.double().sum()).hex())


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--against')
    ap.add_argument('--rename', nargs='*', default=[])
    ap.add_argument('--added', nargs='*', default=[])
    a = ap.parse_args()
    torch.set_num_threads(1)                  # the same reduction order every time
    res = {n: fingerprint(n) for n in sorted(find_models())}
    json.dump(res, open(a.out, 'w'), indent=1)
    if a.against:
        ren = dict(r.split('=') for r in a.rename)
        added = {}
        for r in a.added: m, k = r.split(':'); added.setdefault(m, set()).add(k)
        old = json.load(open(a.against))
        bad = 0
        for n in sorted(set(old) | set(res)):
            o, r = old.get(n), res.get(n)
            if o and r:
                o = dict(o, losses=[{ren.get(k, k): v for k, v in s.items()} for s in o['losses']])
                r = dict(r, losses=[{k: v for k, v in s.items() if k not in added.get(n, ())} for s in r['losses']])
            same = o == r
            bad += not same
            print(f"{n:<12} {'bitwise equal' if same else 'DIFFERS'}"
                  + ('' if same or not (o and r) else f": before {o}\n{'':13}after  {r}"))
        print(f"{len(res) - bad} of {len(set(old) | set(res))} models bitwise equal")
        sys.exit(1 if bad else 0)
