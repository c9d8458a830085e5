"""The first example of docs/grenade.md runs and prints what its comments say."""
import contextlib
import io
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "grenade.md"


def test_docs_example_runs():
    text = DOC.read_text()
    start = text.index("```python\n") + len("```python\n")
    code = text[start:text.index("```", start)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    lines = out.getvalue().splitlines()
    code_lines = code.splitlines()
    expected = []
    for k, line in enumerate(code_lines):
        if line.lstrip().startswith("print("):
            # the expected output is the line's comment, or the comment line right below it
            comment = line if "# " in line else code_lines[k + 1]
            expected.append(comment.split("# ")[-1].split(":")[0].strip())
    assert lines == expected
