"""bench/pynn_cuba.py runs end to end (without its Brian2 half) and reports its figures."""
import importlib.util
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def test_pynn_cuba_bench_result(capsys):
    spec = importlib.util.spec_from_file_location("pynn_cuba", ROOT / "bench" / "pynn_cuba.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.network(seed=3)
    assert len(net["ext"]) == (mod.N_EXC + mod.N_INH) * mod.K_EXT
    assert np.all(net["exc"][:, 0] < mod.N_EXC) and np.all(net["inh"][:, 0] < mod.N_INH)
    assert all(np.all(np.diff(t) >= 0.1 - 1e-9) for t in net["trains"])     # one spike per 0.1 ms step
    mod.main(["--reps", "1", "--no-brian2"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("RESULT ")
    res = json.loads(last[len("RESULT "):])
    assert 5 < res["rate_exc_hz"] < 60 and 5 < res["rate_inh_hz"] < 60
    assert res["spikes"] > 1000 and res["time_to_result_s"] > 0
