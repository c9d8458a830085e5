"""The examples run and check what they claim."""
import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_container_round_trip_demo(capsys):
    load("demo").main()
    out = capsys.readouterr().out
    assert "7 came back" in out


def test_commissioning_example_writes_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "trace.png"
    load("commissioning").main(["--out", str(png), "--chip-id", "1"])
    out = capsys.readouterr().out
    assert png.stat().st_size > 1000
    assert out.count("PSP height") == 4


def test_nir_lava_example_runs_a_nir_file_on_chip_and_lava(tmp_path, capsys):
    """A NIR file written here (as another framework would: seconds, CubaLIF, recurrent) runs on the
    chip and on Lava; both fire, neuron by neuron alike, and the rasters land in a PNG."""
    pytest.importorskip("matplotlib")
    from grenade.lava import LavaUnavailableError, lava_python
    try:
        lava_python()
    except LavaUnavailableError:
        pytest.skip(".venv-lava missing (make install)")
    import nir
    import numpy as np
    example = load("nir_lava")
    path = tmp_path / "exported.nir"
    nir.write(path, example.demo_graph(seed=3))
    png = tmp_path / "rasters.png"
    chip, lava = example.main(["--nir", str(path), "--out", str(png), "--runtime", "0.2", "--rate", "40"])
    assert png.stat().st_size > 5000
    a = np.array([len(t) for t in chip["lif"]])
    b = np.array([len(t) for t in lava["lif"]])
    assert a.sum() > 10 and b.sum() > 10
    assert 0.5 < a.sum() / b.sum() < 2.0 and np.corrcoef(a, b)[0, 1] > 0.5
    assert "wrote" in capsys.readouterr().out
