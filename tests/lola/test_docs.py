"""docs/lola.md: generated tables in sync, examples run."""
import pathlib
import re

import lola.docs

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "lola.md"


def test_generated_tables_in_sync():
    text = DOC.read_text(encoding="utf-8")
    assert lola.docs.sync(text) == text, "run: python -m lola.docs --update docs/lola.md"


def test_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    ns = {}
    for code in blocks:
        exec(compile(code, str(DOC), "exec"), ns)
