"""The first example of docs/halco.md runs and prints what its comments say."""
import contextlib
import io
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "halco.md"


def test_docs_example_runs():
    text = DOC.read_text()
    start = text.index("```python\n") + len("```python\n")
    code = text[start:text.index("```", start)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "Enum(456)"
    assert lines[1] == ("NeuronConfigOnDLS(NeuronConfigOnNeuronConfigBlock(72), "
                        "NeuronConfigBlockOnDLS(3))")
    assert lines[5] == "Enum(32) 76"
    assert lines[6] == "NeuronColumnOnDLS(256) out of range [0, 255]"
    assert lines[7] == "True {'type': 'AtomicNeuronOnDLS', 'enum': 456}"
