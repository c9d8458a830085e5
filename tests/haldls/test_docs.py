"""docs/haldls.md: the register table is in sync with the map and the examples run."""
from __future__ import annotations

import contextlib
import io
import pathlib
import re

import pytest

import haldls
from haldls import docs

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "haldls.md"


def _text():
    return PAGE.read_text(encoding="utf-8")


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", _text(), flags=re.S)


def test_register_table_in_sync():
    text = _text()
    assert docs.sync(text) == text, "run: python -m haldls.docs --update docs/haldls.md"
    table = docs.register_table_markdown()
    for reg in haldls.REGISTERS:
        assert f"| `{reg.name}` | `{reg.coordinate}` | {reg.size} | `{reg.base:#010x}` | {reg.words} |" in table


def test_register_table_shows_access_and_layout():
    rows = {line.split("`")[1]: line for line in docs.register_table_markdown().splitlines()[2:]}
    assert set(rows) == {r.name for r in haldls.REGISTERS}
    assert "| trigger |" in rows["NeuronReset"]
    assert "| read-only |" in rows["SpikeCounterRead"]
    assert "read-only (FPGA)" in rows["Timer"]
    assert "4×0x8000 + 128×0x8" in rows["NeuronConfig"]


def test_sync_needs_markers():
    with pytest.raises(ValueError, match="markers"):
        docs.sync("no table here")


def test_cli_prints_the_table(capsys):
    assert docs.main([]) == 0
    assert capsys.readouterr().out == docs.register_table_markdown()
    assert docs.main(["--bogus"]) == 2


def _run(code):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "__doc_example__"})
    return out.getvalue()


def test_minimal_example_runs():
    first = _python_blocks()[0]
    assert "import halco" not in first  # the first example needs haldls and numpy only
    out = _run(first)
    assert "['0x0', '0x60', '0x30', '0xa0', '0x4', '0x0']" in out
    assert "0x3400042" in out


def test_coordinate_example_runs():
    out = _run(_python_blocks()[1])
    assert out.split() == ["['0x168012',", "'0x168013']", "True", "0"]
