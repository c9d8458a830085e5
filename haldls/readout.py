"""``ReadoutSourceSelection.SourceMultiplexer``: the public per-multiplexer view of the readout
source selection (``get_buffer(mux)`` / ``set_buffer(mux, value)``).

The register stores the selection lane by lane (``neuron_even[mux]``, ``debug_plus[mux]``, ...);
a SourceMultiplexer is the same selection for one multiplexer as a plain value.  The public
multiplexer has one even and one odd neuron line (and one synapse driver debug line) per
hemisphere; the emulated chip has one line of each for both hemispheres, so the two entries of
``neuron_even``, ``neuron_odd`` and ``synapse_driver_debug`` select the same line: writing
either entry as True selects it, and both read back as the line's state.
"""
from __future__ import annotations

from .container import check_bool

_FLAGS = ("debug_plus", "debug_minus", "current_dac", "synin_debug_inhibitory", "synin_debug_excitatory",
          "cadc_debug_causal", "cadc_debug_acausal")
_PER_HEMISPHERE = ("synapse_driver_debug", "neuron_odd", "neuron_even")


class _HemisphereFlags(list):
    """Two bools indexed by ``halco.HemisphereOnDLS`` (or 0/1)."""

    def __init__(self, label, values=(False, False)):
        values = list(values)
        if len(values) != 2:
            raise ValueError(f"{label} needs 2 values (one per hemisphere), got {len(values)}")
        super().__init__(check_bool(label, v) for v in values)
        self._label = label

    def __getitem__(self, i):
        return list.__getitem__(self, int(i))

    def __setitem__(self, i, v):
        i = int(i)
        if not 0 <= i < 2:
            raise IndexError(f"{self._label}[{i}] out of range [0, 1]")
        list.__setitem__(self, i, check_bool(self._label, v))


class SourceMultiplexer:
    """What one readout multiplexer (MADC channel) connects: the pad debug lines
    (``debug_plus`` = pad 0, ``debug_minus`` = pad 1), the current DAC, the synaptic input and
    CADC debug lines, and per hemisphere the synapse driver debug line and the even / odd
    neuron readout lines.  A plain value; ``ReadoutSourceSelection.set_buffer`` stores it."""

    __slots__ = _FLAGS + tuple("_" + n for n in _PER_HEMISPHERE)

    def __init__(self, **values):
        for n in _FLAGS:
            object.__setattr__(self, n, False)
        for n in _PER_HEMISPHERE:
            object.__setattr__(self, "_" + n, _HemisphereFlags(f"SourceMultiplexer.{n}"))
        for k, v in values.items():
            setattr(self, k, v)

    def __setattr__(self, name, value):
        if name in _FLAGS:
            object.__setattr__(self, name, check_bool(f"SourceMultiplexer.{name}", value))
        elif name in _PER_HEMISPHERE:
            object.__setattr__(self, "_" + name, _HemisphereFlags(f"SourceMultiplexer.{name}", value))
        else:
            raise AttributeError(f"SourceMultiplexer has no field {name!r}; fields: "
                                 f"{list(_FLAGS + _PER_HEMISPHERE)}")

    synapse_driver_debug = property(lambda self: self._synapse_driver_debug,
                                    lambda self, v: setattr(self, "synapse_driver_debug", v))
    neuron_odd = property(lambda self: self._neuron_odd, lambda self, v: setattr(self, "neuron_odd", v))
    neuron_even = property(lambda self: self._neuron_even, lambda self, v: setattr(self, "neuron_even", v))

    def __eq__(self, other):
        if not isinstance(other, SourceMultiplexer):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _FLAGS + _PER_HEMISPHERE)

    __hash__ = None

    def __repr__(self):
        return "SourceMultiplexer(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in _FLAGS + _PER_HEMISPHERE) + ")"


def _lane(mux) -> int:
    import halco
    if isinstance(mux, halco.Coordinate) and not isinstance(mux, halco.SourceMultiplexerOnReadoutSourceSelection):
        raise TypeError(f"a readout multiplexer is a SourceMultiplexerOnReadoutSourceSelection, got {mux!r}")
    i = int(mux)
    if not 0 <= i < 2:
        raise IndexError(f"readout multiplexer {i} out of range [0, 1]")
    return i


def get_buffer(self, mux) -> SourceMultiplexer:
    """The selection of readout multiplexer ``mux`` (``SourceMultiplexerOnReadoutSourceSelection``)."""
    i = _lane(mux)
    out = SourceMultiplexer(**{n: getattr(self, n)[i] for n in _FLAGS})
    out.synapse_driver_debug = [self.synapse_driver_debug[i]] * 2
    out.neuron_odd = [self.neuron_odd[i]] * 2
    out.neuron_even = [self.neuron_even[i]] * 2
    return out


def set_buffer(self, mux, value: SourceMultiplexer) -> None:
    """Store ``value`` as the selection of readout multiplexer ``mux``; a hemisphere-wise
    line is selected when either of its two entries is True (see the module doc)."""
    if not isinstance(value, SourceMultiplexer):
        raise TypeError(f"set_buffer needs a ReadoutSourceSelection.SourceMultiplexer, got {value!r}")
    i = _lane(mux)
    for n in _FLAGS:
        getattr(self, n)[i] = getattr(value, n)
    for n in _PER_HEMISPHERE:
        getattr(self, n)[i] = any(getattr(value, n))
