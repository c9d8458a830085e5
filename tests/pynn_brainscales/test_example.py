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


def test_pynn_balanced_network_in_biological_units(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("pynn_balanced", ROOT / "examples" / "pynn_balanced.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "balanced.png"
    common = ["--n-exc", "100", "--n-inh", "25", "--duration", "500", "--calibration-cache", str(tmp_path / "c")]
    base = mod.main(common + ["--out", str(out)])
    assert out.exists() and out.stat().st_size > 10_000
    assert 2 < base["rate_exc"] < 100 and base["cv_exc"] > 0.2          # irregular, not saturated
    stronger = mod.main(common + ["--background-rate", "50", "--out", str(tmp_path / "b.png")])
    more_inh = mod.main(common + ["--g", "9", "--out", str(tmp_path / "c.png")])
    assert stronger["rate_exc"] > base["rate_exc"] > more_inh["rate_exc"]
    assert "stage times" in capsys.readouterr().out
