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
