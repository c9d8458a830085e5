"""Event labels and spike injection.

``SpikeLabel`` (16 bit) layout::

    15..14  spl1_address                SPL1Address (L2 channel)
    13..0   neuron_label                NeuronLabel (matched by the crossbar)
    10..8   neuron_event_output         NeuronEventOutputOnDLS  (on-chip neuron events)
     7..0   neuron_backend_address_out  NeuronBackendAddressOut (on-chip neuron events)
    10..6   row_select_address          PADIRowSelectAddress    (on a PADI bus)
     5..0   synapse_label               SynapseLabel            (on a PADI bus)
"""
from __future__ import annotations

from ._base import Coordinate, Ranged, Single, _as_int, _setv, types as _h

__all__ = [
    "NeuronLabel",
    "SPL1Address",
    "SpikeLabel",
    "SpikePack1ToChipOnDLS",
    "SpikePack2ToChipOnDLS",
    "SpikePack3ToChipOnDLS",
    "SpikePackFromFPGAOnDLS",
    "MADCSamplePackFromFPGAOnDLS",
]


class NeuronLabel(Ranged, max=0x3FFF):
    """14-bit label the crossbar matches (``(label & mask) == target``)."""


class SPL1Address(Ranged, max=3):
    """L2 (FPGA <-> chip) event channel, label bits 15..14."""

    def toCrossbarInputOnDLS(self):
        """The crossbar input fed by this channel (8 + i)."""
        return _h.CrossbarInputOnDLS._u(self._v + 8)

    def toCrossbarL2OutputOnDLS(self):
        """The crossbar L2 output sending on this channel (same index)."""
        return _h.CrossbarL2OutputOnDLS._u(self._v)


# (name, field type name, shift, width)
_FIELDS = (
    ("spl1_address", "SPL1Address", 14, 2),
    ("neuron_label", "NeuronLabel", 0, 14),
    ("neuron_event_output", "NeuronEventOutputOnDLS", 8, 3),
    ("neuron_backend_address_out", "NeuronBackendAddressOut", 0, 8),
    ("row_select_address", "PADIRowSelectAddress", 6, 5),
    ("synapse_label", "SynapseLabel", 0, 6),
)


def _field_value(label, tname, value, width):
    T = getattr(_h, tname)
    if isinstance(value, T):
        return value._v
    if isinstance(value, Coordinate):
        raise TypeError(f"SpikeLabel.{label} takes a {tname}, got {type(value).__name__}")
    v = _as_int(tname, value)
    if not 0 <= v < (1 << width):
        raise ValueError(f"SpikeLabel.{label}: {tname}({v}) out of range [0, {(1 << width) - 1}]")
    return v


def _make_field(name, tname, shift, width):
    mask = ((1 << width) - 1) << shift

    def get(self):
        return getattr(_h, tname)._u((self._v & mask) >> shift)

    def set(self, value):
        v = _field_value(name, tname, value, width)
        _setv(self, (self._v & ~mask & 0xFFFF) | (v << shift))

    get.__name__ = "get_" + name
    set.__name__ = "set_" + name
    get.__doc__ = f"{tname} in bits {shift + width - 1}..{shift}."
    set.__doc__ = (f"Set bits {shift + width - 1}..{shift} to a {tname} (or int); "
                   f"ValueError when out of range.")
    return get, set


class SpikeLabel(Ranged, max=0xFFFF, mutable=True):
    """16-bit spike label (layout in the module doc).

    Fields are properties (``label.synapse_label = 5``) and public-style
    getters/setters (``get_synapse_label()``, ``set_synapse_label(...)``);
    setters take the typed value or an int and raise ``ValueError`` when it is
    out of range.  Unlike all other coordinates a ``SpikeLabel`` is mutable (as
    in the public API): do not change one while it is a key in a set or dict.

    Bulk helpers on numpy arrays: ``SpikeLabel.pack(...)``,
    ``SpikeLabel.pack_neuron(...)``, ``SpikeLabel.unpack(labels)``.
    """

    __setattr__ = object.__setattr__

    def __copy__(self):
        return SpikeLabel._u(self._v)

    def __deepcopy__(self, memo):
        return SpikeLabel._u(self._v)

    @staticmethod
    def pack(spl1_address, row_select_address, synapse_label):
        """uint16 array of labels for PADI-bus delivery: spl1 << 14 | row_select << 6 | synapse_label.

        Arguments broadcast (numpy); raises ``ValueError`` for out-of-range entries.
        """
        import numpy as np
        parts = []
        for name, arr, width in (("spl1_address", spl1_address, 2),
                                 ("row_select_address", row_select_address, 5),
                                 ("synapse_label", synapse_label, 6)):
            a = np.asarray(arr)
            if a.dtype.kind not in "iu":
                raise TypeError(f"SpikeLabel.pack: {name} must be integers, got dtype {a.dtype}")
            if a.size and (a.min() < 0 or a.max() >= (1 << width)):
                raise ValueError(f"SpikeLabel.pack: {name} out of range [0, {(1 << width) - 1}]")
            parts.append(a.astype(np.uint16))
        s, r, l = np.broadcast_arrays(*parts)
        return (s << 14) | (r << 6) | l

    @staticmethod
    def pack_neuron(neuron_event_output, neuron_backend_address_out, spl1_address=0):
        """uint16 array of labels of on-chip neuron events:
        spl1 << 14 | event_output << 8 | address_out.  Raises ``ValueError`` when out of range."""
        import numpy as np
        parts = []
        for name, arr, width in (("spl1_address", spl1_address, 2),
                                 ("neuron_event_output", neuron_event_output, 3),
                                 ("neuron_backend_address_out", neuron_backend_address_out, 8)):
            a = np.asarray(arr)
            if a.dtype.kind not in "iu":
                raise TypeError(f"SpikeLabel.pack_neuron: {name} must be integers, got dtype {a.dtype}")
            if a.size and (a.min() < 0 or a.max() >= (1 << width)):
                raise ValueError(f"SpikeLabel.pack_neuron: {name} out of range [0, {(1 << width) - 1}]")
            parts.append(a.astype(np.uint16))
        s, o, a = np.broadcast_arrays(*parts)
        return (s << 14) | (o << 8) | a

    @staticmethod
    def unpack(labels) -> dict:
        """Dict of uint16 arrays, one per field, from an array of 16-bit labels."""
        import numpy as np
        a = np.asarray(labels)
        if a.dtype.kind not in "iu":
            raise TypeError(f"SpikeLabel.unpack needs integers, got dtype {a.dtype}")
        if a.size and (a.min() < 0 or a.max() > 0xFFFF):
            raise ValueError("SpikeLabel.unpack: labels out of range [0, 65535]")
        a = a.astype(np.uint16)
        return {name: ((a >> shift) & ((1 << width) - 1)).astype(np.uint16)
                for name, _, shift, width in _FIELDS}


for _name, _tname, _shift, _width in _FIELDS:
    _get, _set = _make_field(_name, _tname, _shift, _width)
    setattr(SpikeLabel, "get_" + _name, _get)
    setattr(SpikeLabel, "set_" + _name, _set)
    setattr(SpikeLabel, _name, property(_get, _set, doc=_get.__doc__))
del _name, _tname, _shift, _width, _get, _set


class SpikePack1ToChipOnDLS(Single):
    """Injection of 1 spike label at the current program time."""


class SpikePack2ToChipOnDLS(Single):
    """Injection of 2 spike labels at once."""


class SpikePack3ToChipOnDLS(Single):
    """Injection of 3 spike labels at once."""


class SpikePackFromFPGAOnDLS(Ranged, min=1, max=3):
    """Number of spikes in a pack received from the FPGA (1..3)."""


class MADCSamplePackFromFPGAOnDLS(Ranged, min=1, max=3):
    """Number of MADC samples in a pack received from the FPGA (1..3)."""
