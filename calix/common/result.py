"""CalibResult: the calibrated configuration of a chip, as plain arrays.

A result holds

* ``values``: the calibrated settings, keyed by their ``lola.Chip.to_arrays()``
  path (``neuron_block/atomic_neurons.leak.v_leak`` -> 512 CapMem values,
  ``cadc_readout_chains/0/v_offset`` -> 2 values, ...). These are lola's own
  names and shapes, so ``to_chip`` is a merge into any chip's arrays, and the
  file format survives changes of the bit layout;
* ``success``: per-neuron mask; ``failures``: step -> {reason: indices};
* ``timings``: seconds per calibration step; ``info``: extra arrays (e.g. the
  last measured values of each step);
* ``target``, ``options``, ``chip_id`` (the connection's unique identifier)
  and ``version`` (calix) it was made with.

It serialises to a compressed npz or to JSON (by file suffix). It also
pickles (the public "calix-native" ``*.pkl`` files): the pickled state is the
same versioned metadata and arrays as the files, not the object's attributes,
so a pickle loads in any process that can import calix (only unpickle files
you trust). Subclasses per calibration kind (``HagenCalibResult``) come back
as their class from every format.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import pickle
from typing import Dict, Mapping, Optional, Type

import numpy as np

import halco
import haldls
import lola

from . import serial

__all__ = ["CalibResult", "NEURON_PREFIX", "result_from_file"]

#: Path prefix of the per-neuron fields in ``values``.
NEURON_PREFIX = "neuron_block/atomic_neurons."

FORMAT = "calix.CalibResult"
FORMAT_VERSION = 1

#: result class per calibration kind (``CalibResult.__init_subclass__(kind=...)``)
_CLASS_BY_KIND: Dict[str, Type["CalibResult"]] = {}


def _calix_version() -> str:
    from ..version import __version__
    return __version__


class CalibResult:
    """Calibrated chip settings plus how they were obtained (see module doc)."""

    def __init_subclass__(cls, kind: Optional[str] = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if kind is not None:
            _CLASS_BY_KIND[kind] = cls
            cls.default_kind = kind

    #: the kind a result of this class gets when none is given
    default_kind = "spiking"

    def __init__(self, values: Mapping[str, np.ndarray], target=None, options=None,
                 success: Optional[np.ndarray] = None, failures: Optional[Mapping] = None,
                 timings: Optional[Mapping[str, float]] = None, chip_id: Optional[str] = None,
                 version: Optional[str] = None, info: Optional[Mapping[str, np.ndarray]] = None,
                 created: Optional[str] = None, kind: Optional[str] = None):
        self.values: Dict[str, np.ndarray] = {k: np.asarray(v) for k, v in values.items()}
        self.target = target
        self.options = options
        n = halco.AtomicNeuronOnDLS.size
        self.success = np.ones(n, dtype=bool) if success is None else np.asarray(success, dtype=bool)
        self.failures = {step: {reason: np.asarray(idx, dtype=np.int64) for reason, idx in reasons.items()}
                         for step, reasons in (failures or {}).items()}
        self.timings = dict(timings or {})
        self.chip_id = chip_id
        self.version = version if version is not None else _calix_version()
        self.info = {k: np.asarray(v) for k, v in (info or {}).items()}
        self.created = created or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.kind = kind if kind is not None else self.default_kind

    # -- access -----------------------------------------------------------------------
    def neuron(self, path: str) -> np.ndarray:
        """The 512 calibrated values of an AtomicNeuron field (``"leak.v_leak"``)."""
        try:
            return self.values[NEURON_PREFIX + path]
        except KeyError:
            raise KeyError(f"the result has no neuron field {path!r}") from None

    @property
    def failed_neurons(self) -> np.ndarray:
        return np.flatnonzero(~self.success)

    def __repr__(self):
        return (f"CalibResult(kind={self.kind!r}, chip_id={self.chip_id!r}, values={len(self.values)}, "
                f"failed_neurons={int((~self.success).sum())}, version={self.version!r})")

    def __eq__(self, other):
        if not isinstance(other, CalibResult):
            return NotImplemented
        return (self.values.keys() == other.values.keys()
                and all(np.array_equal(v, other.values[k]) for k, v in self.values.items())
                and np.array_equal(self.success, other.success)
                and serial.canonical_json(self.target) == serial.canonical_json(other.target)
                and serial.canonical_json(self.options) == serial.canonical_json(other.options)
                and self.chip_id == other.chip_id and self.version == other.version)

    # -- to the chip ------------------------------------------------------------------
    def to_chip(self, initial_config: Optional[lola.Chip] = None, chip: Optional[lola.Chip] = None) -> lola.Chip:
        """A ``lola.Chip`` with the calibration applied on top of ``chip`` (or
        ``initial_config``; default a default ``lola.Chip()``). The base is not
        modified."""
        base = chip if chip is not None else initial_config
        if base is None:
            base = lola.Chip()
        if not isinstance(base, lola.Chip):
            raise TypeError(f"to_chip takes a lola.Chip as base, got {type(base).__name__}")
        arrays = base.to_arrays()
        for k, v in self.values.items():
            k = lola.upgraded_key(k)        # results written before a field got its public name
            if k not in arrays:
                raise KeyError(f"calibration value {k!r} is not a lola.Chip array")
            arrays[k] = np.asarray(v).astype(np.asarray(arrays[k]).dtype).reshape(np.shape(arrays[k]))
        return lola.Chip.from_arrays(arrays)

    def apply(self, builder, initial_config: Optional[lola.Chip] = None) -> None:
        """Append the writes of the calibrated containers to ``builder`` (a
        ``stadls.PlaybackProgramBuilder`` or a ``stadls.PlaybackProgramBuilderDumper``).

        Written: the neuron block (all 512 neurons: calibrated fields on top of
        ``initial_config``'s, default a default chip), the CADC readout chains,
        the synapse driver blocks and the synapse DAC bias cells, as far as the
        result holds values for them. Synapse matrices are not touched.
        """
        chip = self.to_chip(initial_config)
        tops = {k.split(".", 1)[0].split("/")[0] for k in self.values}
        if "neuron_block" in tops:
            builder.write(halco.NeuronBlockOnDLS(), chip.neuron_block)
        for i in range(2):
            if any(k.startswith(f"cadc_readout_chains/{i}/") for k in self.values):
                builder.write(halco.CADCOnDLS(i), chip.cadc_readout_chains[i])
            if any(k.startswith(f"synapse_driver_blocks/{i}/") for k in self.values):
                builder.write(halco.SynapseDriverBlockOnDLS(i), chip.synapse_driver_blocks[i])
            key = f"synapse_blocks/{i}/i_bias_dac"
            if key in self.values:
                # one container write per cell: works on builders and on the stadls dumper
                for cell, value in zip(synapse_dac_bias_cells(i), chip.synapse_blocks[i].i_bias_dac):
                    builder.write(halco.CapMemCellOnDLS.from_enum(int(cell)), haldls.CapMemCell(value=int(value)))
        other = tops - {"neuron_block", "cadc_readout_chains", "synapse_driver_blocks", "synapse_blocks"}
        if any(k.startswith("synapse_blocks/") and not k.endswith("/i_bias_dac") for k in self.values):
            other.add("synapse_blocks")
        if other:
            raise NotImplementedError(f"apply() cannot write {sorted(other)} selectively; use to_chip()")

    # -- files ------------------------------------------------------------------------
    def _meta(self) -> dict:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": self.kind,
                "version": self.version, "chip_id": self.chip_id, "created": self.created,
                "target": serial.to_jsonable(self.target), "options": serial.to_jsonable(self.options),
                "timings": self.timings,
                "failures": {s: {r: idx.tolist() for r, idx in rs.items()} for s, rs in self.failures.items()}}

    @classmethod
    def _from_meta(cls, meta: dict, values, success, info):
        if meta.get("format") != FORMAT:
            raise ValueError(f"not a calix result file (format {meta.get('format')!r})")
        if meta.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(f"calix result format version {meta['format_version']} is newer than "
                             f"this calix understands ({FORMAT_VERSION})")
        kind = meta.get("kind", "spiking")
        stored = _CLASS_BY_KIND.get(kind, CalibResult)
        if cls is CalibResult:
            cls = stored
        elif not issubclass(stored, cls):
            raise ValueError(f"the data hold a {kind!r} calibration ({stored.__name__}), not a {cls.__name__}")
        return cls(values, target=serial.from_jsonable(meta["target"]),
                   options=serial.from_jsonable(meta["options"]), success=success,
                   failures=meta.get("failures"), timings=meta.get("timings"), chip_id=meta.get("chip_id"),
                   version=meta.get("version"), info=info, created=meta.get("created"),
                   kind=kind)

    def to_dict(self) -> dict:
        """JSON-able form (lists for arrays, with dtype and shape)."""
        return {"meta": self._meta(), "success": serial.to_jsonable(self.success),
                "values": {k: serial.to_jsonable(v) for k, v in self.values.items()},
                "info": {k: serial.to_jsonable(v) for k, v in self.info.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "CalibResult":
        return cls._from_meta(d["meta"], {k: serial.from_jsonable(v) for k, v in d["values"].items()},
                              serial.from_jsonable(d["success"]),
                              {k: serial.from_jsonable(v) for k, v in d.get("info", {}).items()})

    def to_file(self, path) -> None:
        """Write to ``path``: JSON if it ends in ``.json``, a pickle (the public
        "calix-native" format) for ``.pkl``, else a compressed npz.  Written atomically
        (:func:`lola.fileio.atomic_write`: a unique temporary file, fsync, rename), so a
        reader or a crash sees the old file or the new one, and concurrent writers never
        clash."""
        from lola.fileio import atomic_write
        path = os.fspath(path)
        if path.endswith(".json"):
            data = json.dumps(self.to_dict()).encode("utf-8")
        elif path.endswith(".pkl"):
            data = pickle.dumps(self, protocol=4)
        else:
            arrays = {"__meta__": np.array(json.dumps(self._meta())), "__success__": self.success}
            arrays.update({f"values/{k}": v for k, v in self.values.items()})
            arrays.update({f"info/{k}": v for k, v in self.info.items()})
            buffer = io.BytesIO()
            np.savez_compressed(buffer, **arrays)
            data = buffer.getvalue()
        atomic_write(path, data)

    # -- pickle (the public "calix-native" files) ---------------------------------------
    def __reduce__(self):
        # the versioned file content, not the attributes: old pickles stay readable
        # when attributes change, and a newer format is refused with a clear error
        state = {"meta": self._meta(), "values": self.values, "success": self.success, "info": self.info}
        return (_result_from_pickle_state, (state,))

    @classmethod
    def from_file(cls, path) -> "CalibResult":
        """Read a result written by :meth:`to_file` (npz, JSON, or a ``.pkl`` pickle:
        only for files you trust, as with any pickle).  ValueError naming the file and what
        is wrong for a file of another format, a newer format version, another kind of
        result than ``cls``, a truncated or corrupt file, or values that do not fit (not
        numbers, not finite, a ``success`` mask that is not one flag per neuron); OSError
        when it cannot be read at all."""
        path = os.fspath(path)
        with open(path, "rb") as f:
            data = f.read()
        try:
            try:
                result = cls._from_bytes(path, data)
            except (KeyError, TypeError, AttributeError) as err:
                raise ValueError(f"malformed calix result ({type(err).__name__}: {err})") from None
            result._validate()
            return result
        except ValueError as err:
            if path in str(err):
                raise
            raise ValueError(f"{path}: {err}") from None

    @classmethod
    def _from_bytes(cls, path: str, data: bytes) -> "CalibResult":
        if path.endswith(".json"):
            try:
                d = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as err:
                raise ValueError(f"not a calix result: not JSON ({err})") from None
            try:
                return cls.from_dict(d)
            except (KeyError, TypeError, AttributeError) as err:
                raise ValueError(f"not a calix result: {type(err).__name__} {err}") from None
        if path.endswith(".pkl"):
            try:
                result = pickle.loads(data)
            except Exception as err:          # UnpicklingError, EOFError, AttributeError, ImportError...
                raise ValueError(f"not a readable calix result pickle: {type(err).__name__}: {err}") from None
            if not isinstance(result, cls):
                raise ValueError(f"holds a {type(result).__name__}, not a {cls.__name__}")
            return result
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                if "__meta__" not in z.files or "__success__" not in z.files:
                    raise ValueError("not a calix result file (no __meta__ / __success__ entry)")
                meta = json.loads(str(z["__meta__"]))
                values = {k[len("values/"):]: z[k] for k in z.files if k.startswith("values/")}
                info = {k[len("info/"):]: z[k] for k in z.files if k.startswith("info/")}
                success = z["__success__"]
        except ValueError:
            raise
        except Exception as err:              # zipfile.BadZipFile, EOFError, zlib.error...
            raise ValueError(f"not a readable npz archive ({type(err).__name__}: {err})") from None
        if not isinstance(meta, dict):
            raise ValueError("not a calix result file (its metadata is not an object)")
        return cls._from_meta(meta, values, success, info)

    def _validate(self) -> None:
        """ValueError unless the values are finite numbers and ``success`` is one flag per
        neuron."""
        for k, v in self.values.items():
            v = np.asarray(v)
            if v.dtype.kind not in "biuf":
                raise ValueError(f"value {k!r} has dtype {v.dtype}, not a number")
            if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
                raise ValueError(f"value {k!r} is not finite ({int(np.sum(~np.isfinite(v)))} entries)")
        n = halco.AtomicNeuronOnDLS.size
        if self.success.shape != (n,):
            raise ValueError(f"'success' has shape {self.success.shape}, expected ({n},)")


def _result_from_pickle_state(state: dict) -> CalibResult:
    return CalibResult._from_meta(state["meta"], state["values"], state["success"], state["info"])


def result_from_file(path) -> CalibResult:
    """Shorthand for :meth:`CalibResult.from_file`."""
    return CalibResult.from_file(path)


def synapse_dac_bias_cells(hemisphere: int) -> np.ndarray:
    """CapMemCellOnDLS enums of the synapse DAC bias of one hemisphere (2 quadrants)."""
    from lola.capmem import SHARED_CAPMEM, shared_cell_enums
    sc = next(s for s in SHARED_CAPMEM if s.container == "SynapseBlock" and s.attr == "i_bias_dac")
    return np.atleast_1d(shared_cell_enums(sc, hemisphere))
