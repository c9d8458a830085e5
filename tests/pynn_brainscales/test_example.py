"""examples/pynn_experiment.py on a small size."""
import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def test_pynn_experiment_synfire_chain(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("pynn_experiment", ROOT / "examples" / "pynn_experiment.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "fig.png"
    first = mod.main(["--groups", "3", "--size", "8", "--out", str(out), "--calibration-cache", str(tmp_path / "c")])
    assert out.exists() and out.stat().st_size > 10_000
    assert np.all(np.isfinite(first)) and np.all(np.diff(first) > 0)      # the pulse travels down the chain
    text = capsys.readouterr().out
    assert "stage times" in text and "group 2" in text
