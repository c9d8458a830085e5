"""Compile a plasticity kernel (the C++ a ``PlasticityRule.generate_kernel()`` returns) for the
emulated PPUs: the host C++ compiler builds it against the project's host implementation of the
public PPU headers (``hxsim/ppu/include``) into a shared library.

Libraries are cached by a hash of the source, the handle counts, the headers and the compiler
(as the public caching compiler does), in ``$OPENHX_PPU_CACHE`` (default
``~/.cache/openhx/ppu``).  A compile error raises :class:`KernelCompileError` with the
compiler's message and the kernel's source lines it points at.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Tuple

__all__ = ["INCLUDE_DIR", "KernelCompileError", "compile_kernel", "cache_dir", "kernel_symbols"]

INCLUDE_DIR = Path(__file__).resolve().parent / "include"
_FLAGS = ("-std=c++17", "-O2", "-shared", "-fPIC", "-fvisibility=default", "-w")


class KernelCompileError(RuntimeError):
    """The host compiler rejected a plasticity kernel: ``message`` (the compiler's output) and
    ``source`` (the kernel)."""

    def __init__(self, message: str, source: str):
        self.message = message
        self.source = source
        lines = source.splitlines()
        quoted = []
        for m in re.finditer(r"kernel\.cpp:(\d+):(?:\d+:)?\s*(?:fatal )?error:\s*(.*)", message):
            n = int(m.group(1))
            text = lines[n - 1].rstrip() if 0 < n <= len(lines) else ""
            quoted.append(f"  line {n}: {text.strip()}\n    -> {m.group(2)}")
        head = "\n".join(quoted[:10]) if quoted else message.strip()[-4000:]
        super().__init__(f"the plasticity kernel does not compile:\n{head}\n--- compiler output ---\n"
                         f"{message.strip()[-4000:]}")


def cache_dir() -> Path:
    """Where compiled kernels are kept ($OPENHX_PPU_CACHE, default ~/.cache/openhx/ppu)."""
    d = os.environ.get("OPENHX_PPU_CACHE")
    return Path(d) if d else Path.home() / ".cache" / "openhx" / "ppu"


def _compiler() -> str:
    cxx = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if not cxx:
        raise KernelCompileError("no host C++ compiler found (set CXX, or install g++)", "")
    return cxx


_GCC: Dict[str, bool] = {}


def _flags(cxx: str) -> Tuple[str, ...]:
    # g++ makes some C++ statics (in inline functions, templates) process-wide "unique" symbols:
    # two loaded copies of a kernel would share them, and a reloaded kernel would keep their
    # values.  Each copy is a PPU's own memory, so they stay local.
    if cxx not in _GCC:
        try:
            out = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout
        except OSError:
            out = ""
        _GCC[cxx] = "Free Software Foundation" in out and "clang" not in out
    return _FLAGS + (("-fno-gnu-unique",) if _GCC[cxx] else ())


_HEADERS_HASH = None


def _headers_hash() -> str:
    global _HEADERS_HASH
    if _HEADERS_HASH is None:
        h = hashlib.sha256()
        for p in sorted(INCLUDE_DIR.rglob("*.h")):
            h.update(str(p.relative_to(INCLUDE_DIR)).encode())
            h.update(p.read_bytes())
        _HEADERS_HASH = h.hexdigest()
    return _HEADERS_HASH


_WRAPPER = """#include "openhx/ppu_state.h"
{recording}
#include "kernel.cpp"
#include "openhx/ppu_entry.h"
{layout}
"""

#: element types of observables (public ``Type``) -> (C++ element, C++ vector row, numpy dtype)
OBSERVABLE_TYPES = {
    "int8": ("int8_t", "libnux::vx::VectorRowFracSat8", "i1"),
    "uint8": ("uint8_t", "libnux::vx::VectorRowMod8", "u1"),
    "int16": ("int16_t", "libnux::vx::VectorRowFracSat16", "<i2"),
    "uint16": ("uint16_t", "libnux::vx::VectorRowMod16", "<u2"),
}


def _observable_fields(observables, synapse_shapes, neuron_shapes):
    """[(name, C++ type, [(element C++ expression suffix, numpy dtype, shape)])] of the
    Recording's fields after ``time``."""
    out = []
    for o in observables:
        name, kind, typ = o["name"], o["kind"], o["type"]
        if typ not in OBSERVABLE_TYPES:
            raise ValueError(f"observable {name!r}: type {typ!r} is not one of {sorted(OBSERVABLE_TYPES)}")
        elem, row, dt = OBSERVABLE_TYPES[typ]
        if kind == "array":
            size = int(o["size"])
            if size < 0:
                raise ValueError(f"observable array {name!r}: size {size} must be >= 0")
            out.append((name, f"std::array<{elem}, {size}>", [("", dt, (size,))]))
            continue
        if kind == "synapse":
            complete = o.get("layout", "complete_rows") == "complete_rows"
            parts = [(f"std::array<{row}, {r}>", (r, 256)) if complete else
                     (f"std::array<std::array<{elem}, {c}>, {r}>", (r, c)) for r, c in synapse_shapes]
        elif kind == "neuron":
            complete = o.get("layout", "complete_row") == "complete_row"
            parts = [(row, (256,)) if complete else (f"std::array<{elem}, {c}>", (c,)) for c in neuron_shapes]
        else:
            raise ValueError(f"observable {name!r}: kind {kind!r} is not array, synapse or neuron")
        out.append((name, "std::tuple<" + ", ".join(p[0] for p in parts) + ">",
                    [(f"std::get<{i}>", dt, shape) for i, (_, shape) in enumerate(parts)]))
    return out


def recording_declaration(observables, synapse_shapes, neuron_shapes) -> Tuple[str, str]:
    """(declaration of ``struct Recording``, C function ``openhx_recording_layout``) of the
    observables: ``time`` (PPU cycles) and one field per observable, shaped as the public
    grenade declares them (per synapse: a tuple over the synapse handles of rows x 256 entries
    (``complete_rows``) or rows x the handle's columns (``packed_active_columns``); per
    neuron: a tuple over the neuron handles; arrays: ``size`` entries)."""
    fields = _observable_fields(observables, synapse_shapes, neuron_shapes)
    decl = ["#include <array>", "#include <cstdint>", "#include <tuple>", '#include "libnux/vx/vector_row.h"',
            "struct Recording", "{", "\tuint64_t time;"]
    decl += [f"\t{cpp} {name};" for name, cpp, _ in fields]
    decl.append("};")
    lay = ['extern "C" void openhx_recording_layout(unsigned long* out)', "{", "\tRecording const& r = openhx::ppu::recording;",
           "\tauto const base = reinterpret_cast<char const*>(&r);", "\tunsigned long i = 0;",
           "\tout[i++] = reinterpret_cast<char const*>(&r.time) - base;"]
    for name, _, elems in fields:
        for get, _, _ in elems:
            expr = f"{get}(r.{name})" if get else f"r.{name}"
            lay.append(f"\tout[i++] = reinterpret_cast<char const*>(&{expr}) - base;")
    lay.append("}")
    return "\n".join(decl), "\n".join(lay)


def recording_layout(observables, synapse_shapes, neuron_shapes):
    """[(name, [(numpy dtype, shape)])]: what :func:`recording_declaration`'s layout function
    gives offsets for (after ``time``), in its order."""
    return [(name, [(dt, shape) for _, dt, shape in elems])
            for name, _, elems in _observable_fields(observables, synapse_shapes, neuron_shapes)]


def compile_kernel(source: str, num_synapse_handles: int, num_neuron_handles: int, observables=(),
                   synapse_shapes=(), neuron_shapes=()) -> Path:
    """The shared library of ``source`` with ``num_synapse_handles`` synapse handles and
    ``num_neuron_handles`` neuron handles (compiled once, then taken from the cache).

    With ``observables`` (dicts: ``name``, ``kind`` array/synapse/neuron, ``type`` int8/uint8/
    int16/uint16, ``layout``, ``size``) the kernel takes a third argument ``Recording&`` (see
    :func:`recording_declaration`; ``synapse_shapes``: (rows, columns) per synapse handle,
    ``neuron_shapes``: columns per neuron handle).
    Raises :class:`KernelCompileError`, ValueError for handle counts outside 0..64."""
    for name, n in (("synapse", num_synapse_handles), ("neuron", num_neuron_handles)):
        if not 0 <= int(n) <= 64:
            raise ValueError(f"{n} {name} handles: a kernel takes 0..64")
    if not isinstance(source, str):
        raise TypeError(f"a kernel is C++ source text, got {type(source).__name__}")
    cxx = _compiler()
    decl = layout = ""
    if observables:
        decl, layout = recording_declaration(observables, synapse_shapes, neuron_shapes)
    wrapper = _WRAPPER.format(recording=decl, layout=layout)
    key = hashlib.sha256("\0".join([source, str(num_synapse_handles), str(num_neuron_handles), wrapper,
                                    _headers_hash(), cxx, " ".join(_flags(cxx))]).encode()).hexdigest()[:32]
    out = cache_dir() / f"kernel-{key}.so"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openhx-ppu-") as tmp:
        tmp = Path(tmp)
        (tmp / "kernel.cpp").write_text(source)
        (tmp / "wrapper.cpp").write_text(wrapper)
        so = tmp / "kernel.so"
        cmd = [cxx, *_flags(cxx), "-I", str(INCLUDE_DIR), "-I", str(tmp),
               "-DPLASTICITY_RULE_KERNEL=openhx_plasticity_rule_kernel",
               f"-DOPENHX_NUM_SYNAPSE_HANDLES={int(num_synapse_handles)}",
               f"-DOPENHX_NUM_NEURON_HANDLES={int(num_neuron_handles)}",
               *(["-DOPENHX_HAS_RECORDING=1"] if observables else []),
               "-o", str(so), str(tmp / "wrapper.cpp")]
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if r.returncode != 0:
            msg = r.stderr
            if "openhx_plasticity_rule_kernel" in msg and "ppu_entry.h" in msg:
                msg += (f"\nhint: the kernel must define PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, "
                        f"{num_synapse_handles}>&, std::array<NeuronViewHandle, {num_neuron_handles}>&): one "
                        f"synapse handle per projection and hemisphere it lies on, one neuron handle per population and "
                        f"hemisphere, or a template over the counts")
            raise KernelCompileError(msg, source)
        # atomic: a concurrent compile of the same kernel writes the same bytes
        fd, part = tempfile.mkstemp(dir=out.parent, suffix=".part")
        os.close(fd)
        shutil.copyfile(so, part)
        os.replace(part, out)
    return out


_SYMBOL_TYPES = set("BbDdRrGgSsVT")


_SYMBOLS: Dict[tuple, Dict[str, Tuple[int, int]]] = {}


def kernel_symbols(library: Path) -> Dict[str, Tuple[int, int]]:
    """The kernel's global variables (its PPU memory): name -> (link address in the library,
    size in bytes), and ``"__entry__"``: the entry point's, to find where the library was
    loaded.  The runtime's own names are left out.  Kept per library file (``nm`` runs once)."""
    st = os.stat(library)
    key = (str(library), st.st_mtime_ns, st.st_size)
    if key not in _SYMBOLS:
        _SYMBOLS[key] = _read_symbols(library)
    return dict(_SYMBOLS[key])


def _read_symbols(library: Path) -> Dict[str, Tuple[int, int]]:
    nm = shutil.which("nm")
    if nm is None:
        return {}
    r = subprocess.run([nm, "-S", "--defined-only", str(library)], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[2] not in _SYMBOL_TYPES:
            continue
        name = parts[3]
        if name == "openhx_state_size":
            out["__entry__"] = (int(parts[0], 16), int(parts[1], 16))
            continue
        if parts[2] == "T":
            continue
        if name.startswith(("_Z", "_", ".")) or name in ("ppu",) or "." in name:
            continue
        out[name] = (int(parts[0], 16), int(parts[1], 16))
    return out
