__version__ = "0.1.0"

# How torch's CPU threads wait, set before any gae_book module imports torch (see `gae_book.core.cpu_threads`).
# By default the OpenMP threads that torch starts spin while they wait for work; when other processes share the cores,
# the spinning threads take the CPU from the one that has work and a training step slows down several times (measured on
# two cores with two busy processes: 0.83 steps/s spinning, 5.8 waiting passively). OpenMP reads the policy once, when
# torch loads it, so it must be in the environment before `import torch`. GAE_BOOK_THREADS=torch keeps torch's default.
import os as _os, sys as _sys
_torch_first = 'torch' in _sys.modules        # then the policy in force is whatever the environment said back then
if not _torch_first and _os.environ.get('GAE_BOOK_THREADS', '') != 'torch':
    _os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
_omp_wait_policy = _os.environ.get('OMP_WAIT_POLICY')
del _os, _sys
