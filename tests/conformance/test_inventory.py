"""The conformance inventory (tests/conformance/inventory.py) is complete and consistent: every
test names the public source it ports, every listed source is ported or says why not."""
import ast
import os
import pathlib
import re
import subprocess

import pytest

from . import inventory

HERE = pathlib.Path(__file__).parent
SOURCE_RE = re.compile(r"\b(?:electronicvisions/)?([\w.-]+):([\w./-]+\.(?:rst|py|txt))")
DEMOS_MIRROR = os.environ.get("OPENHX_DEMOS_GIT", "/work/.mirror/electronicvisions+brainscales2-demos/repo")


def named_sources():
    """{test module name: public sources its docstrings name}."""
    out = {}
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == pathlib.Path(__file__).name:
            continue
        tree = ast.parse(path.read_text())
        docs = [ast.get_docstring(tree) or ""] + [ast.get_docstring(node) or "" for node in ast.walk(tree)
                                                  if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        out[path.name] = {f"{m.group(1)}:{m.group(2)}" for doc in docs for m in SOURCE_RE.finditer(doc)}
    return out


def test_every_test_module_names_listed_public_sources():
    for module, sources in named_sources().items():
        assert sources, f"{module}: no docstring names its public source (repository:path)"
        unlisted = sorted(s for s in sources if s not in inventory.PUBLIC_SOURCES)
        assert not unlisted, f"{module} names sources missing from inventory.PUBLIC_SOURCES: {unlisted}"


def test_every_public_source_is_ported_or_says_why_not():
    named = set().union(*named_sources().values())
    missing = sorted(s for s in inventory.PUBLIC_SOURCES if s not in named and s not in inventory.NOT_PORTED)
    assert not missing, f"listed public sources neither ported nor given a reason: {missing}"
    assert set(inventory.NOT_PORTED) <= set(inventory.PUBLIC_SOURCES)
    assert not set(inventory.NO_OWN_EXPERIMENT) & set(inventory.PUBLIC_SOURCES)
    assert all(reason.strip() for reason in inventory.NOT_PORTED.values())


@pytest.mark.skipif(not pathlib.Path(DEMOS_MIRROR).exists(), reason="no brainscales2-demos git mirror here")
def test_every_demos_page_is_classified():
    files = subprocess.run(["git", "-C", DEMOS_MIRROR, "ls-tree", "-r", "--name-only", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.split()
    pages = [f for f in files if f.endswith(".rst") or re.match(r"nmpi_queue_runner/.*\.txt$", f)]
    known = set(inventory.PUBLIC_SOURCES) | set(inventory.NO_OWN_EXPERIMENT)
    unclassified = sorted(f for f in pages if f"{inventory.DEMOS}:{f}" not in known)
    assert not unclassified, f"brainscales2-demos pages in neither table of inventory.py: {unclassified}"
