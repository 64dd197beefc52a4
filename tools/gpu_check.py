"""The book's GPU path on a real GPU: every registered model in its GPU configuration (the configuration
tests/test_scale.py runs on the CPU, with the GPU budget's batch of 64), in float32 and in bfloat16 autocast, its
checkpoint loaded back onto the CPU; then `gae-book bench` in both precisions. Writes JSON files into OUT.

usage: python tools/gpu_check.py OUT [STEPS]"""
import json, math, sys, time, warnings
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'tests'))
from test_scale import gpu_data                                    # the same stand-in faces and data choices
from gae_book.core import Budget, seed_everything
from gae_book.train import fit, find_models, load_model, RunWarning
from gae_book.bench import bench, environment

out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
dev = torch.device('cuda')
rows = []
for name in sorted(find_models()):
    e = find_models()[name]
    data = gpu_data(name)
    for precision in ('fp32', 'bf16'):
        run = Path('/tmp/gpu_check_runs')/f'{name}-{precision}'
        try:
            seed_everything(0); model = e.make(data)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', RunWarning)
                h = fit(model, data, Budget(scale='gpu', steps=steps, batch_size=64, log_every=10), device=dev,
                        run_dir=run, progress=False, verbose=False, precision=precision)
            back = load_model(run/'checkpoint.pt', device='cpu')
            with torch.no_grad():
                shape = tuple((back.sample(2) if 'sample' in back.offers else back.reconstruct(data.test.x[:2])).shape)
            ok = all(math.isfinite(v) for vs in h.losses.values() for v in vs)
            rows.append(dict(model=name, precision=precision, image_shape=list(data.shape), steps=h.step,
                             steps_per_s=round(h.steps_per_s, 2), finite=ok, reloaded_on_cpu=list(shape)))
        except Exception as err:                                   # report, and go on with the next model
            rows.append(dict(model=name, precision=precision, error=f'{type(err).__name__}: {err}'[:500]))
        print(rows[-1], flush=True)
(out/'gpu_configs.json').write_text(json.dumps(dict(environment=environment(dev), rows=rows), indent=1))
for precision in ('fp32', 'bf16'):
    bench(device=dev, precision=precision, out=out/f'bench_{precision}.json')
