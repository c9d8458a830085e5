"""The "nightly calibration" of the emulated chip, offline (public ``pynn.helper``).

On the lab systems a job calibrates every setup each night and deploys the results as
files; scripts find them through ``nightly_calib_path()``. Here the emulated chip plays
the setup: the first call makes the whole deployment of the chip from calix's
calibrations (a few seconds, then cached with them), later calls only check it::

    <calix cache>/nightly/hicann-dls-sr-hx/emulator-chip-<N>/stable/
        latest/          spiking, spiking2, hagen                 (nightly)
        latest-weekly/   spiking, spiking2, hagen, correlation    (weekly)

each as ``<name>_cocolist.pbin`` (a calibrated ``lola.Chip``) and ``<name>_calix-native.pkl``
(the pickled calix result).  ``nightly_calib_path()`` is ``latest/spiking_cocolist.pbin``, so
the public idioms work unchanged::

    chip = pynn.helper.chip_from_file(pynn.helper.nightly_calib_path().parent / "hagen_cocolist.pbin")
    weekly = pynn.helper.nightly_calib_path().parent.parent / "latest-weekly"
    with open(weekly / "spiking2_calix-native.pkl", "rb") as f:
        result = pickle.load(f)
    pynn.setup(initial_config=pynn.helper.chip_from_nightly())

See docs/pynn.md ("Nightly calibration") and docs/calix.md.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple, Union

import lola

PathLike = Union[str, os.PathLike]

__all__ = ["nightly_calib_path", "nightly_calib_url", "chip_from_file", "chip_from_nightly",
           "chip_from_portable_binary", "calib_from_file", "get_unique_identifier", "get_values_of_atomic_neuron",
           "decompose_in_member_names", "ATOMIC_NEURON_MEMBERS"]

#: the members of a ``lola.AtomicNeuron`` (``leak``, ``threshold``, ``event_routing``, ...)
ATOMIC_NEURON_MEMBERS = [name for name in lola.AtomicNeuron().to_dict() if name != "type"]


def _chip_id(chip_id: Optional[int]) -> int:
    if chip_id is None:
        chip_id = int(os.environ.get("HXCOMM_CHIP_ID", "0"))
    chip_id = int(chip_id)
    if chip_id < 0:
        raise ValueError(f"chip_id {chip_id} must be >= 0")
    return chip_id


def get_unique_identifier(chip_id: Optional[int] = None) -> List[str]:
    """The identifiers of the chips in use, as the public helper returns them (a list with
    one entry here): ``["emulator-chip-0"]`` for emulated chip ``chip_id`` (default
    ``HXCOMM_CHIP_ID`` or 0), the name of its deployment directory."""
    import hxcomm
    with hxcomm.EmulatorConnection(chip_id=_chip_id(chip_id)) as conn:
        return list(conn.get_unique_identifier())


def nightly_calib_path(chip_id: Optional[int] = None, cache_dir: Optional[PathLike] = None) -> Path:
    """``.../stable/latest/spiking_cocolist.pbin`` of emulated chip ``chip_id`` (default:
    ``HXCOMM_CHIP_ID`` or 0).  Every file of the nightly and the weekly deployment of the chip
    exists when this returns (made from calix's calibrations on first use, cached in
    ``cache_dir``, default ``$CALIX_CACHE_DIR`` or ``~/.cache/openhx/calix``), so
    ``.parent / "hagen_cocolist.pbin"`` and ``.parent.parent / "latest-weekly" / ...`` can be
    opened or copied directly.

    - raises ``ValueError``: a negative chip id
    - raises ``calix.CalibNotSuccessful``: a calibration failed for too many neurons (no file is
      written for it)
    """
    import calix.nightly
    stable = calix.nightly.ensure(_chip_id(chip_id), root=cache_dir)
    return stable / calix.nightly.NIGHTLY / calix.nightly.file_name("spiking", "cocolist")


def nightly_calib_url() -> str:
    """Public: the download address of the nightly calibration. The emulated chip's calibration
    is made locally, there is nothing to download: use :func:`nightly_calib_path`."""
    raise NotImplementedError("nightly_calib_url: the emulated chip's nightly calibration is made locally, "
                              "not downloaded; use nightly_calib_path()")


def get_values_of_atomic_neuron(atomic_neuron: lola.AtomicNeuron, exclude: Optional[List[str]] = None) -> dict:
    """The values of every member field of ``atomic_neuron`` as ``{"<member>_<field>": value}``
    (``leak_v_leak``, ``threshold_enable``, ...): bools as bool, everything else as float;
    names in ``exclude`` are left out."""
    exclude = set(exclude or ())
    values = {}
    for member, fields in atomic_neuron.to_dict().items():
        if member == "type":
            continue
        container = getattr(atomic_neuron, member)
        for field in fields:
            key = f"{member}_{field}"
            if key in exclude:
                continue
            value = getattr(container, field)
            values[key] = value if isinstance(value, bool) else float(int(value))
    return values


def decompose_in_member_names(composed_name: str) -> Tuple[str, str]:
    """``("multicompartment", "i_bias_nmda")`` for ``"multicompartment_i_bias_nmda"``: the
    AtomicNeuron member (the longest one the name starts with) and its field."""
    member = max((m for m in ATOMIC_NEURON_MEMBERS if composed_name.startswith(m + "_")), key=len, default="")
    return member, composed_name[len(member) + 1:] if member else composed_name


def chip_from_portable_binary(data: bytes) -> lola.Chip:
    """The ``lola.Chip`` in ``data`` (the ``.pbin`` format); ValueError naming what is wrong
    for truncated or corrupt data or another format."""
    return lola.Chip.from_portable_binary(data)


def calib_from_file(path: PathLike):
    """The calix result stored in ``path`` (``.npz``, ``.json`` or a trusted ``.pkl``)."""
    import calix
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no calibration file {path}")
    return calix.result_from_file(path)


def chip_from_file(path: PathLike) -> lola.Chip:
    """A new ``lola.Chip`` from a calibration file.

    Accepted: ``.pbin`` (a ``lola.Chip`` in the portable binary format, e.g. the nightly
    ``*_cocolist.pbin``); ``.pkl`` (a pickled calix result, the nightly
    ``*_calix-native.pkl``: unpickle only files you trust); ``.npz`` / ``.json`` (a calix
    result file, or a ``lola.Chip.to_file`` file).  A calix result becomes its ``to_chip()``.

    - raises ``FileNotFoundError``: no such file
    - raises ``ValueError``: truncated, corrupt, of another format or version (the message names
      the file and what is wrong)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no calibration file {path}")
    suffix = path.suffix.lower()
    if suffix == ".pbin":
        return lola.Chip.from_file(path)
    if suffix in (".npz", ".json") and _is_lola_chip_file(path):
        return lola.Chip.from_file(path)
    if suffix in (".pkl", ".npz", ".json"):
        return calib_from_file(path).to_chip()
    raise ValueError(f"{path}: unknown calibration file type {suffix!r}; expected .pbin, .pkl, .npz or .json")


def _is_lola_chip_file(path: Path) -> bool:
    """Whether a .npz/.json file was written by ``lola.Chip.to_file`` (else: a calix result)."""
    import json
    import numpy as np
    try:
        if path.suffix.lower() == ".json":
            with open(path) as f:
                return json.load(f).get("format") == lola.chip.FILE_FORMAT
        with np.load(path, allow_pickle=False) as z:
            return "__meta__" in z.files and json.loads(str(z["__meta__"])).get("format") == lola.chip.FILE_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def chip_from_nightly(chip_id: Optional[int] = None, cache_dir: Optional[PathLike] = None) -> lola.Chip:
    """A new ``lola.Chip`` with the nightly spiking calibration of emulated chip ``chip_id``
    (``chip_from_file(nightly_calib_path())``)."""
    return chip_from_file(nightly_calib_path(chip_id, cache_dir=cache_dir))
