"""Re-measure the metrics recorded in the shipped model files (gae_book/weights/*.safetensors) after a change to how
chapter 01's metrics are computed, without touching the weights: each file's tensors are written back byte for byte,
only the `metrics` in its header's `info` are measured again with the current `evaluate` (same n_eval and seed).

    python tools/remeasure_shipped.py            # every shipped model
"""
import json, os, sys
os.environ.setdefault('GAE_BOOK_OFFLINE', '1')
from safetensors import safe_open
from safetensors.torch import save_file
from gae_book.data import mnist
from gae_book.metrics import evaluate
from gae_book.pretrained import load, weights_dir

if __name__ == '__main__':
    names = sys.argv[1:] or sorted(p.stem for p in weights_dir().glob('*.safetensors'))
    data = mnist(verbose=False)
    for name in names:
        path = weights_dir()/f'{name}.safetensors'
        with safe_open(str(path), framework='pt') as f:
            meta = dict(f.metadata()); tensors = {k: f.get_tensor(k) for k in f.keys()}
        info = json.loads(meta['info'])
        row = evaluate(load(name), data, name, n=info['n_eval'], seed=info['seed'])
        old = info['metrics']
        info['metrics'] = {k: row[k] for k in old}
        meta['info'] = json.dumps(info)
        save_file(tensors, str(path), metadata=meta)
        changed = {k: (round(old[k], 4), round(info['metrics'][k], 4)) for k in old if old[k] != info['metrics'][k]}
        print(f"{name}: {changed or 'unchanged'}")
