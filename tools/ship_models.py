"""Write the shipped model files (gae_book/weights/*.safetensors) from the chapters' finished book runs.

Each model is rebuilt exactly as its chapter builds it (same class, arguments, seed and budget), so the run cache
(nbs/runs/cpu) gives the chapter's own trained weights; nothing is trained here. For each model the metrics of
chapter 01 are measured on the float32 weights and on the float16 file; float16 ships when the two agree within
the noise (FD within the real-vs-real floor's sd, label kept and probe within 0.005), float32 otherwise.

    python tools/ship_models.py            # every shipped model (ship=True, or named in registry.SHIPPED_LATER)
    python tools/ship_models.py stylealae-mnist
"""
import os, sys, tempfile
from pathlib import Path
os.environ.setdefault('GAE_BOOK_OFFLINE', '1')
os.environ.setdefault('GAE_BOOK_RUNS', str(Path(__file__).resolve().parents[1]/'nbs'/'runs'))
import torch
from gae_book.core import seed_everything
from gae_book.train import model_budget, auto_run_dir, load_model
from gae_book.metrics import evaluate, fd_floor
from gae_book.pretrained import save_pretrained, read_pretrained, weights_dir
from gae_book.registry import shipped, find_models, own_data

N_EVAL, SEED = 1000, 0
SHIPPED = shipped()   # NAME-mnist -> the registry's entry of every shipped model
CHAPTER_SCALE = {'vaegan': 1/4, 'pixelgan': 1/3, 'aegan': 1/2, 'gaia': 1/2}   # chapters that train at a share of the registered budget (02: a quarter, for its five arms; 04: a third; 05 and 06: a half)
CHAPTER_KWARGS = {'klae': dict(disc_start=200)}   # arguments a chapter builds its model with beyond the registered defaults (08: D on at a third of the run)
SLOW = {'pixelgan': ('decode',)}   # a pixel-by-pixel decoder: no interpolation paths (4,500 images drawn pixel by pixel)
KEYS = ('fd', 'classes', 'rec_label', 'probe', 'interp_fd')

def chapter_run(make, budget_name, data):
    "The finished cache folder of the chapter's seed-0 run of this model, or a clear error."
    b = model_budget(budget_name)
    if budget_name in CHAPTER_SCALE: b = b.scaled(CHAPTER_SCALE[budget_name])
    seed_everything(SEED); m = make()
    run = auto_run_dir(m, data, b, SEED)
    if not (run/'checkpoint.pt').exists():
        sys.exit(f"no finished run at {run}: run the chapter's book run first (tools/book_run.py)")
    return load_model(run/'checkpoint.pt'), b

def main(names):
    for name in names:
        # a model not yet shipped can be named; once its file is written, name it in registry.SHIPPED_LATER (not ship=True
        # in its decorator: that edits its module, whose source is part of the run cache's key, and the chapter would retrain)
        e = SHIPPED[name] if name in SHIPPED else find_models()[name.removesuffix('-mnist')]
        chapter = e.chapter
        data = own_data(e)           # PixelGAN: its binarised digits, as its chapter
        noise = fd_floor(data.train.x, N_EVAL).sd
        slow = SLOW.get(e.name, ())
        model, b = chapter_run(lambda: e.make(data, **CHAPTER_KWARGS.get(e.name, {})), e.name, data)   # as the chapter builds it
        seed_everything(SEED)        # a noisy encoder or a decoder that draws (PixelGAN): the same draws in tests/test_pretrained.py
        full = {k: v for k, v in evaluate(model, data, name, n=N_EVAL, seed=SEED, without=slow).items() if k in KEYS}
        with tempfile.TemporaryDirectory() as tmp:
            half_model = read_pretrained(save_pretrained(model, Path(tmp)/'h.safetensors'))
            seed_everything(SEED)
            half = {k: v for k, v in evaluate(half_model, data, name, n=N_EVAL, seed=SEED, without=slow).items() if k in KEYS}
        same = all(full[k] is None or (abs(full[k] - half[k]) <= (noise if 'fd' in k else 0.005 if k != 'classes' else 0))
                   for k in KEYS)
        metrics = half if same else full
        info = dict(chapter=chapter, steps=b.steps, batch_size=b.batch_size, seed=SEED, n_eval=N_EVAL,
                    metrics={k: v for k, v in metrics.items() if v is not None},
                    float32_metrics={k: v for k, v in full.items() if v is not None})
        p = save_pretrained(model, weights_dir()/f'{name}.safetensors', half=same, info=info)
        print(f"{name:<16} {'float16' if same else 'float32 (float16 changed a metric)'} {p.stat().st_size/2**20:5.2f} MB  "
              + '  '.join(f"{k} {full[k]:.4g}->{half[k]:.4g}" for k in KEYS if full[k] is not None))

if __name__ == '__main__':
    main(sys.argv[1:] or list(SHIPPED))
