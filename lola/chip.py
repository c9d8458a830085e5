"""lola.Chip: the complete static configuration of one chip.

``builder.write(halco.ChipOnDLS(), chip)`` writes every register word of the
configuration once (one vectorized write plan, ~160 000 words);
``builder.write(halco.ChipOnDLS(), chip, reference)`` writes only the words that
differ from ``reference``; ``builder.read(halco.ChipOnDLS())`` reads it back.
"""
from __future__ import annotations

import io
import json
import os
import struct
import zlib
from typing import Dict, Union

import numpy as np

import halco
import haldls

from ._common import Leaves, LolaContainer, Sub, Subs
from .blocks import CADCReadoutChain, Crossbar, ReadoutChain, SynapseBlock, SynapseDriverBlock
from .capmem import CapMem
from .neuron import AnalogOutputMode, NeuronBlock, N_NEURONS
from .synapse import N_COLUMNS

FILE_FORMAT = "lola.Chip"
FILE_VERSION = 1

#: Portable binary (``.pbin``): magic, then header fields, then a zlib-compressed body.
PBIN_MAGIC = b"LOLACHIP"
PBIN_VERSION = 1
#: magic, version, flags, compressed body length, crc32 of the compressed body, body length
_PBIN_HEADER = struct.Struct("<8sHHIII")
#: dtype codes of the body entries (the only dtypes Chip.to_arrays produces, plus a margin)
_PBIN_DTYPES = {1: np.dtype("?"), 2: np.dtype("<i1"), 3: np.dtype("<i2"), 4: np.dtype("<i4"),
                5: np.dtype("<i8"), 6: np.dtype("<u1"), 7: np.dtype("<u2"), 8: np.dtype("<u4"),
                9: np.dtype("<u8")}
_PBIN_CODES = {(dt.kind, dt.itemsize): code for code, dt in _PBIN_DTYPES.items()}

_HEMISPHERES = halco.HemisphereOnDLS.size


class _Preset:
    """Class attribute handing out a fresh copy of a preset (built once)."""

    def __init__(self, build):
        self._build = build
        self._proto = None
        self.__doc__ = build.__doc__

    def __get__(self, obj, cls):
        if self._proto is None:
            self._proto = self._build(cls)
        return self._proto.copy()


def _bypass(cls) -> "Chip":
    """Every neuron fires on each excitatory or inhibitory input event, and its spike
    reaches the host (see ``Chip`` and docs/lola.md for the exact settings)."""
    chip = cls()
    neurons = chip.neuron_block.atomic_neurons
    for path, value in (("threshold.enable", False),
                        ("event_routing.enable_bypass_excitatory", True),
                        ("event_routing.enable_bypass_inhibitory", True),
                        ("event_routing.analog_output", AnalogOutputMode.normal),
                        ("event_routing.enable_digital", True),
                        ("excitatory_input.enable", True),
                        ("inhibitory_input.enable", True)):
        neurons.set_field(path, value)
    atoms = np.arange(N_NEURONS)
    # unique (event output, address) per neuron: an event output serves 32 columns of both rows
    neurons.set_field("event_routing.address", (atoms >> 8) * 32 + (atoms & 255) % 32)
    for row in chip.neuron_block.current_rows:
        row.enable_synaptic_current_excitatory = np.ones(N_COLUMNS, dtype=bool)
        row.enable_synaptic_current_inhibitory = np.ones(N_COLUMNS, dtype=bool)
    driver = haldls.SynapseDriverConfig(enable_receiver=True, enable_address_out=True,
                                        row_mode_top=haldls.RowMode.excitatory,
                                        row_mode_bottom=haldls.RowMode.excitatory)
    pulse_max = next(f for f in haldls.CommonPADIBusConfig.fields() if f.name == "dacen_pulse_extension").hi
    for block in chip.synapse_driver_blocks:
        block.synapse_drivers.fill(driver)
        block.padi_bus.dacen_pulse_extension = [pulse_max] * 4
        block.padi_bus.enable_spl1 = [True] * 4
    for block in chip.synapse_blocks:
        block.matrix.weights[:] = 63
    for node in halco.iter_all(halco.CrossbarNodeOnDLS):
        inp, out = node.toCrossbarInputOnDLS(), node.toCrossbarOutputOnDLS()
        neuron_to_host = inp.toNeuronEventOutputOnDLS() is not None and out.toCrossbarL2OutputOnDLS() is not None
        host_to_padi = inp.toSPL1Address() is not None and out.toPADIBusOnDLS() is not None
        chip.crossbar.nodes[node] = haldls.CrossbarNode() if (neuron_to_host or host_to_padi) \
            else haldls.CrossbarNode.drop_all
    return chip


class Chip(LolaContainer):
    """Complete static configuration of one chip (public ``lola.Chip``), written at
    ``halco.ChipOnDLS``.

    Members, in write order: ``crossbar``, ``background_spike_sources`` (8),
    ``capmem``, ``synapse_driver_blocks`` (2), ``synapse_blocks`` (2),
    ``neuron_block``, ``cadc_readout_chains`` (2), ``readout_chain``, ``ppu_memory``
    (2 ``haldls.PPUMemory``).  Per-hemisphere arrays are indexed by their halco
    block coordinate or an int.  Every CapMem cell and every configuration
    register of the chip occurs exactly once.

    Defaults are the haldls register defaults, except that CapMem refresh
    (``capmem.blocks[*].enable_capmem``) and the neuron backend clocks and event
    registers are on, so that writing a default chip after ``SystemInit`` keeps the
    chip running, and the AtomicNeuron defaults documented in docs/lola.md.

    Presets: ``Chip.default_neuron_bypass`` (every neuron fires on each input; see
    docs/lola.md).  Files: ``chip.to_file(path)`` / ``Chip.from_file(path)`` (npz, or
    JSON for a ``.json`` path).
    """

    coordinate_name = "ChipOnDLS"
    _members = (
        Sub("crossbar", Crossbar, lambda c: halco.CrossbarOnDLS()),
        Leaves("background_spike_sources", haldls.BackgroundSpikeSource, halco.BackgroundSpikeSourceOnDLS.size,
               halco.BackgroundSpikeSourceOnDLS, lambda c: np.arange(halco.BackgroundSpikeSourceOnDLS.size)),
        Sub("capmem", CapMem, lambda c: halco.CapMemOnDLS()),
        Subs("synapse_driver_blocks", SynapseDriverBlock, _HEMISPHERES, halco.SynapseDriverBlockOnDLS,
             lambda c, i: halco.SynapseDriverBlockOnDLS(i)),
        Subs("synapse_blocks", SynapseBlock, _HEMISPHERES, halco.SynapseBlockOnDLS,
             lambda c, i: halco.SynapseBlockOnDLS(i)),
        Sub("neuron_block", NeuronBlock, lambda c: halco.NeuronBlockOnDLS()),
        Subs("cadc_readout_chains", CADCReadoutChain, _HEMISPHERES, halco.CADCOnDLS,
             lambda c, i: halco.CADCOnDLS(i)),
        Sub("readout_chain", ReadoutChain, lambda c: halco.ReadoutChainOnDLS()),
        Subs("ppu_memory", haldls.PPUMemory, halco.PPUOnDLS.size, halco.PPUMemoryOnDLS,
             lambda c, i: halco.PPUMemoryOnDLS(i)),
    )

    default_neuron_bypass = _Preset(_bypass)

    def __repr__(self):
        n_neurons = repr(self.neuron_block.atomic_neurons)
        w = [int(np.count_nonzero(b.matrix.weights)) for b in self.synapse_blocks]
        return f"Chip({n_neurons}; nonzero weights per synram {w})"

    # -- files ------------------------------------------------------------------------------------
    def to_portable_binary(self) -> bytes:
        """The chip as versioned, checksummed bytes (the ``.pbin`` format, see
        docs/lola.md); exact round trip with :meth:`from_portable_binary`, and the
        same chip always gives the same bytes."""
        return _pbin_encode(self.to_arrays())

    @classmethod
    def from_portable_binary(cls, data: bytes) -> "Chip":
        """Inverse of :meth:`to_portable_binary`.  ValueError (naming what is wrong) for
        data of another format or a newer version, truncated or corrupt data, and
        unknown, missing or out-of-range entries."""
        return cls.from_arrays(_pbin_decode(bytes(data), cls._pbin_names()))

    @classmethod
    def _pbin_names(cls):
        if "_pbin_names_cache" not in cls.__dict__:
            cls._pbin_names_cache = frozenset(cls().to_arrays())
        return cls._pbin_names_cache

    def to_file(self, path: Union[str, os.PathLike]) -> None:
        """Save to ``path``: a compressed numpy ``.npz`` archive of named arrays,
        JSON if ``path`` ends in ``.json``, the portable binary for ``.pbin``.
        Exact round trip with ``Chip.from_file``.  Written atomically
        (:func:`lola.fileio.atomic_write`): a reader or a crash sees the old file or the
        new one, never a part; concurrent writers do not clash."""
        from .fileio import atomic_write
        atomic_write(path, self._file_bytes(str(path)))

    def _file_bytes(self, path: str) -> bytes:
        if path.endswith(".pbin"):
            return self.to_portable_binary()
        arrays = self.to_arrays()
        if path.endswith(".json"):
            body = {k: {"dtype": v.dtype.str, "values": v.tolist()} for k, v in arrays.items()}
            return json.dumps({"format": FILE_FORMAT, "version": FILE_VERSION, "arrays": body}).encode("utf-8")
        meta = json.dumps({"format": FILE_FORMAT, "version": FILE_VERSION})
        buffer = io.BytesIO()
        np.savez_compressed(buffer, __meta__=np.array(meta), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike]) -> "Chip":
        """Load a chip saved with ``to_file``.  ValueError naming the file and what is wrong
        for a file of another format or version, a truncated or corrupt file (the zip
        members' and the portable binary's checksums; JSON, which may be edited by hand, by
        its schema), missing or unknown entries, values out of range or not finite; OSError when it cannot be read
        at all (e.g. FileNotFoundError)."""
        with open(path, "rb") as f:
            data = f.read()
        try:
            if str(path).endswith(".pbin"):
                return cls.from_portable_binary(data)
            if str(path).endswith(".json"):
                try:
                    d = json.loads(data.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as err:
                    raise ValueError(f"not JSON ({err})") from None
                if not isinstance(d, dict):
                    raise ValueError(f"a JSON {type(d).__name__}, not a lola.Chip file")
                _check_meta(d, path)
                body = d.get("arrays")
                if not isinstance(body, dict):
                    raise ValueError("no 'arrays' object")
                try:
                    arrays = {k: np.asarray(v["values"], dtype=np.dtype(v["dtype"])) for k, v in body.items()}
                except (KeyError, TypeError, ValueError) as err:
                    raise ValueError(f"malformed array entry ({type(err).__name__}: {err})") from None
            else:
                try:
                    with np.load(io.BytesIO(data), allow_pickle=False) as z:
                        if "__meta__" not in z.files:
                            raise ValueError("not a lola.Chip file (no __meta__ entry)")
                        _check_meta(json.loads(str(z["__meta__"])), path)
                        arrays = {k: z[k] for k in z.files if k != "__meta__"}
                except ValueError:
                    raise
                except Exception as err:    # zipfile.BadZipFile, EOFError, zlib.error, KeyError...
                    raise ValueError(f"not a readable npz archive ({type(err).__name__}: {err})") from None
            for k, v in arrays.items():
                if v.dtype.kind not in "biuf":
                    raise ValueError(f"entry {k!r} has dtype {v.dtype}, not a number")
                if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                    raise ValueError(f"entry {k!r} is not finite")
            return cls.from_arrays(arrays)
        except ValueError as err:
            if str(path) in str(err):
                raise
            raise ValueError(f"{path}: {err}") from None


def _check_meta(meta: dict, path) -> None:
    if meta.get("format") != FILE_FORMAT:
        raise ValueError(f"{path} is not a lola.Chip file (format {meta.get('format')!r})")
    if meta.get("version") != FILE_VERSION:
        raise ValueError(f"{path}: lola.Chip file version {meta.get('version')} is not supported "
                         f"(this version reads {FILE_VERSION})")


def _pbin_encode(arrays: Dict[str, np.ndarray]) -> bytes:
    parts = [struct.pack("<I", len(arrays))]
    for name, value in arrays.items():
        a = np.asarray(value)         # (not ascontiguousarray: it makes 0-d arrays 1-d)
        code = _PBIN_CODES.get((a.dtype.kind, a.dtype.itemsize))
        if code is None:
            raise TypeError(f"lola.Chip portable binary: entry {name!r} has unsupported dtype {a.dtype}")
        key = name.encode("utf-8")
        parts.append(struct.pack(f"<HBB{a.ndim}I", len(key), code, a.ndim, *a.shape))
        parts.append(key)
        parts.append(a.astype(_PBIN_DTYPES[code], copy=False).tobytes(order="C"))
    body = b"".join(parts)
    payload = zlib.compress(body, 1)        # fast; the configuration is mostly zeros
    header = _PBIN_HEADER.pack(PBIN_MAGIC, PBIN_VERSION, 0, len(payload), zlib.crc32(payload), len(body))
    return header + payload


def _pbin_decode(data: bytes, known_names) -> Dict[str, np.ndarray]:
    n = _PBIN_HEADER.size
    if len(data) < n:
        raise ValueError(f"lola.Chip portable binary truncated: {len(data)} bytes, the header alone has {n}")
    magic, version, _flags, size, crc, body_size = _PBIN_HEADER.unpack_from(data)
    if magic != PBIN_MAGIC:
        raise ValueError(f"not a lola.Chip portable binary (starts with {data[:8]!r}, expected {PBIN_MAGIC!r})")
    if version != PBIN_VERSION:
        raise ValueError(f"lola.Chip portable binary version {version} is not supported "
                         f"(this version reads {PBIN_VERSION})")
    if len(data) != n + size:
        what = "truncated" if len(data) < n + size else "has trailing data"
        raise ValueError(f"lola.Chip portable binary {what}: {len(data)} bytes, the header announces {n + size}")
    payload = data[n:]
    if zlib.crc32(payload) != crc:
        raise ValueError("lola.Chip portable binary is corrupt: checksum mismatch")
    try:
        body = zlib.decompress(payload)
    except zlib.error as err:
        raise ValueError(f"lola.Chip portable binary is corrupt: {err}") from None
    if len(body) != body_size:
        raise ValueError(f"lola.Chip portable binary is corrupt: body of {len(body)} bytes, expected {body_size}")
    arrays: Dict[str, np.ndarray] = {}
    pos = 0

    def take(k: int) -> bytes:
        nonlocal pos
        if pos + k > len(body):
            raise ValueError(f"lola.Chip portable binary is corrupt: entry {len(arrays)} runs past the end")
        chunk = body[pos:pos + k]
        pos += k
        return chunk

    (count,) = struct.unpack("<I", take(4))
    for _ in range(count):
        key_len, code, ndim = struct.unpack("<HBB", take(4))
        shape = struct.unpack(f"<{ndim}I", take(4 * ndim))
        name = take(key_len).decode("utf-8", errors="replace")
        dtype = _PBIN_DTYPES.get(code)
        if dtype is None:
            raise ValueError(f"lola.Chip portable binary is corrupt: entry {name!r} has dtype code {code}")
        if name not in known_names:
            raise ValueError(f"lola.Chip portable binary has an unknown entry {name!r}")
        if name in arrays:
            raise ValueError(f"lola.Chip portable binary has entry {name!r} twice")
        count_items = int(np.prod(shape, dtype=np.int64))
        arrays[name] = np.frombuffer(take(count_items * dtype.itemsize), dtype=dtype).reshape(shape).copy()
    if pos != len(body):
        raise ValueError(f"lola.Chip portable binary is corrupt: {len(body) - pos} bytes after the last entry")
    return arrays


def chip_from_file(path: Union[str, os.PathLike]) -> Chip:
    """``Chip.from_file(path)``."""
    return Chip.from_file(path)
