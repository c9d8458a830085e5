"""The import layering of the README's layer table, read from the code.

Every ``import`` / ``from ... import`` in a package's modules counts, at module level or inside
a function. Between top-level packages only the edges of ``ALLOWED`` may occur; inside each
package the module graph has no cycles (strongly connected components of more than one module).
What the code still does against these rules is listed in ``KNOWN_VIOLATIONS`` and
``KNOWN_CYCLES`` with the item of issue 14 that removes it; those tables may only shrink: an
entry that no longer occurs fails the test until it is deleted.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_BELOW_STADLS = {"halco", "haldls", "chipmodel", "lola", "hxcomm", "stadls"}

#: package -> the top-level packages it may import (README, "Layers", lowest first).
ALLOWED = {
    "halco": set(),
    "haldls": {"halco"},
    # the nominal chip model (transfer functions, feasible ranges) shared by the emulator,
    # calix, grenade and PyNN
    "chipmodel": {"halco"},
    "lola": {"halco", "haldls"},
    "hxcomm": {"halco", "haldls"},                 # beside stadls: the wire protocol, connections
    "stadls": {"halco", "haldls", "lola", "hxcomm"},
    # the emulated chip: loads the register map, instruction table and geometry, and registers
    # itself as an hxcomm backend; no other package imports it (reached through a connection)
    "hxsim": {"halco", "haldls", "chipmodel", "hxcomm"},
    "grenade": _BELOW_STADLS,
    "calix": _BELOW_STADLS,
    "pylogging": set(),
    "dlens_vx_v3": _BELOW_STADLS | {"pylogging"},
    "pynn_brainscales": _BELOW_STADLS | {"grenade", "calix", "dlens_vx_v3", "pylogging"},
    # the public module names: each is one of our packages under its public name
    "pyhalco_common": {"halco"},
    "pyhalco_hicann_dls_vx_v3": {"halco", "dlens_vx_v3"},
    "pyhaldls_vx_v3": {"haldls"},
    "pylola_vx_v3": {"lola"},
    "pystadls_vx_v3": {"stadls"},
    "pyhxcomm_vx": {"hxcomm"},
    "pyfisch_vx_v3": {"haldls"},
    "pygrenade_vx": {"grenade", "pylogging"},
}
PACKAGES = sorted(ALLOWED)

#: (file, imported package) pairs that break ALLOWED today, with the issue-14 item removing them.
KNOWN_VIOLATIONS: dict = {}

#: import cycles inside a package (the modules of one strongly connected component, sorted),
#: with the issue-14 item removing them.
KNOWN_CYCLES: dict = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    """module name -> (path, is_package) for every module of every package in ALLOWED."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            out[_module_name(path)] = (path, path.name == "__init__.py")
    return out


MODULES = _modules()
#: compiled modules (built by CMake, installed beside the Python ones): import targets only
EXTENSION_MODULES = {"hxsim._core", "grenade._routing"}


def _imports(module: str):
    """(line, imported module name) of every import in ``module``, relative imports resolved."""
    path, is_package = MODULES[module]
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            # "from a import b" imports the module a.b when b is one
            subs = [f"{target}.{alias.name}" for alias in node.names
                    if f"{target}.{alias.name}" in MODULES or f"{target}.{alias.name}" in EXTENSION_MODULES]
            out += [(node.lineno, s) for s in subs]
            if len(subs) < len(node.names):
                out.append((node.lineno, target))
    return out


def _package_edges():
    """(file, imported package) -> first 'file:line: import' seen, across packages."""
    edges = {}
    for module, (path, _) in MODULES.items():
        pkg = module.split(".")[0]
        for line, target in _imports(module):
            top = target.split(".")[0]
            if top in ALLOWED and top != pkg:
                rel = path.relative_to(ROOT).as_posix()
                edges.setdefault((rel, top), f"{rel}:{line}: imports {target}")
    return edges


def test_every_package_of_the_repository_is_in_the_table():
    top_level = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "examples", "tools"}
    assert top_level <= set(ALLOWED), f"packages missing from ALLOWED: {sorted(top_level - set(ALLOWED))}"


def test_imports_between_packages_follow_the_layer_table():
    bad = [where for (rel, top), where in sorted(_package_edges().items())
           if top not in ALLOWED[rel.split("/")[0]] and (rel, top) not in KNOWN_VIOLATIONS]
    assert not bad, "imports against the layer table (README, Layers):\n" + "\n".join(bad)


def test_known_violations_still_exist():
    edges = _package_edges()
    fixed = [f"{rel} -> {top} ({item})" for (rel, top), item in KNOWN_VIOLATIONS.items() if (rel, top) not in edges]
    assert not fixed, "no longer violated, delete from KNOWN_VIOLATIONS:\n" + "\n".join(fixed)
    allowed_anyway = [f"{rel} -> {top}" for rel, top in KNOWN_VIOLATIONS if top in ALLOWED[rel.split("/")[0]]]
    assert not allowed_anyway, allowed_anyway


def _cycles(package: str):
    """The strongly connected components of more than one module inside ``package``
    (Tarjan's algorithm), each as a sorted tuple of module names."""
    nodes = [m for m in MODULES if m.split(".")[0] == package]
    graph = {m: sorted({t for _, t in _imports(m) if t in MODULES and t.split(".")[0] == package and t != m})
             for m in nodes}
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(tuple(sorted(component)))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles_inside_the_package(package):
    known = [set(c) for c in KNOWN_CYCLES]
    cycles = [c for c in _cycles(package) if not any(set(c) <= k for k in known)]
    assert not cycles, f"import cycles in {package}: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_known_cycles_still_exist():
    """Each KNOWN_CYCLES entry is still exactly a cycle of today's code: one that shrank or
    went away must be updated or deleted."""
    now = {c for pkg in PACKAGES for c in _cycles(pkg)}
    stale = []
    for cycle, item in KNOWN_CYCLES.items():
        if cycle not in now:
            inside = [c for c in now if set(c) <= set(cycle)]
            stale.append(f"{cycle} ({item}): now {inside or 'no cycle'}")
    assert not stale, "update or delete in KNOWN_CYCLES:\n" + "\n".join(stale)


def test_the_checks_see_function_level_and_relative_imports():
    """The reader finds an import inside a function, resolves relative ones, and the listed
    compiled modules exist."""
    import importlib.util

    assert all(importlib.util.find_spec(m) is not None for m in EXTENSION_MODULES)
    found = dict((t, line) for line, t in _imports("grenade.network"))
    assert "grenade.placement" in found and "grenade.elements" in found
    found = {t for _, t in _imports("stadls.dumper")}
    assert "lola" in found                         # imported inside a function
