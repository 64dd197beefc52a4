"""The live sliders' decoders (nbs/live/*.onnx) use only what ONNX Runtime Web accepts: checked on the files themselves,
without a browser. The browser test (tests/test_live.py) runs them; this catches what it would catch, in a second."""
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT/'nbs'/'live').glob('*.onnx'))


@pytest.mark.parametrize('path', FILES, ids=[p.stem for p in FILES])
def test_transposes_name_their_axes_without_negative_indices(path):
    "ONNX Runtime Web refuses a Transpose whose perm holds a negative axis (torch's movedim(1, -1) exports one)."
    onnx = pytest.importorskip('onnx')
    g = onnx.load(str(path)).graph
    bad = [n.name for n in g.node if n.op_type == 'Transpose'
           for a in n.attribute if a.name == 'perm' and any(v < 0 for v in a.ints)]
    assert not bad, f"{path.name}: Transpose nodes with a negative axis in perm: {bad}"
