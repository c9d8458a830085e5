"""Keep the generated spec tables in docs/hxcomm.md in sync with the instruction table.

Run ``python -m hxcomm.spec_doc`` after changing :data:`hxcomm.instructions.INSTRUCTIONS`;
``--check`` only reports (exit status 1) whether the file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .instructions import spec_table_markdown

BEGIN = "<!-- BEGIN GENERATED: python -m hxcomm.spec_doc -->"
END = "<!-- END GENERATED -->"
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "hxcomm.md"


def render(text: str) -> str:
    """``text`` with the part between the BEGIN/END markers replaced by the current tables.

    Raises ValueError if the markers are missing.
    """
    try:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
    except ValueError:
        raise ValueError(f"markers {BEGIN!r} ... {END!r} not found") from None
    return f"{head}{BEGIN}\n{spec_table_markdown()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite DOC_PATH's generated block (or, with ``--check``, return 1 if it is stale)."""
    argv = sys.argv[1:] if argv is None else argv
    text = DOC_PATH.read_text()
    new = render(text)
    if "--check" in argv:
        if new != text:
            print(f"{DOC_PATH} is out of date; run python -m hxcomm.spec_doc")
            return 1
        return 0
    if new != text:
        DOC_PATH.write_text(new)
        print(f"updated {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
