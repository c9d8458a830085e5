"""The board DACs as logical containers (public ``lola.DACChannelBlock`` and
``lola.DACControlBlock``): all 16 channel values and all 16 channel enables of the two board
DACs, indexed by ``halco.DACChannelOnBoard``.

Both are write-only, as the board's SPI devices are: ``builder.write`` sends one
``haldls.DACChannel`` per channel (``DACControl`` per DAC); ``builder.read`` raises TypeError.
"""
from __future__ import annotations

import numpy as np

import halco
import haldls
from haldls.board import DAC_CODE_MAX, dac_full_scale_volts
from haldls.container import LaneArray, check_bool

_CHANNELS = halco.DACChannelOnBoard.size
_PER_DAC = halco.DACChannelOnDAC.size


def _check_code(v):
    return int(haldls.DACChannel.Value(v))


def _check_enable(v):
    return check_bool("DACControlBlock.enable", v)


class _Preset:
    """Class attribute handing out a fresh copy of a preset block."""

    def __init__(self, make):
        self._make = make

    def __get__(self, obj, cls):
        return self._make(cls)


class _BoardBlock:
    """Shared value semantics of the two blocks: one LaneArray of 16 entries."""

    coordinate_name = ""
    _field = ""
    _check = staticmethod(lambda v: v)
    _default = 0

    __slots__ = ("_values",)

    def __init__(self, values=None):
        if values is None:
            values = [self._default] * _CHANNELS
        self._set(values)

    def _set(self, values):
        values = list(values)
        if len(values) != _CHANNELS:
            raise ValueError(f"{type(self).__name__}.{self._field} needs {_CHANNELS} entries "
                             f"(one per halco.DACChannelOnBoard), got {len(values)}")
        object.__setattr__(self, "_values", LaneArray(values, self._check, f"{type(self).__name__}.{self._field}"))

    def __setattr__(self, name, value):
        if name != self._field:
            raise AttributeError(f"{type(self).__name__} has no member {name!r}; members: [{self._field!r}]")
        self._set(value)

    @classmethod
    def coordinate_type(cls):
        return getattr(halco, cls.coordinate_name)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._values.tolist() == other._values.tolist()

    __hash__ = None

    def copy(self):
        return type(self)(self._values.tolist())

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (type(self), (self._values.tolist(),))

    def __repr__(self):
        return f"{type(self).__name__}({self._field}={self._values.tolist()})"

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, self._field: self._values.tolist()}

    @classmethod
    def from_dict(cls, d: dict):
        if d.get("type", cls.__name__) != cls.__name__:
            raise ValueError(f"dict describes a {d.get('type')}, not a {cls.__name__}")
        return cls(d[cls._field])

    def _check_coord(self, coord):
        if not isinstance(coord, self.coordinate_type()):
            raise TypeError(f"{type(self).__name__} lives at {self.coordinate_name}, got {coord!r}")

    def write_plan(self, coord):
        """(addresses, words) of the leaf writes (uint32)."""
        self._check_coord(coord)
        addresses, words = [], []
        for leaf_coord, leaf in self.leaves(coord):
            a, w = leaf.write_plan(leaf_coord)
            addresses.append(a)
            words.append(w)
        return np.concatenate(addresses).astype(np.uint32), np.concatenate(words).astype(np.uint32)

    @classmethod
    def read_plan(cls, coord):
        raise TypeError(f"{cls.__name__} is write-only (the board DACs cannot be read back)")


class DACChannelBlock(_BoardBlock):
    """The 16 board DAC channel codes (``value[halco.DACChannelOnBoard]``, 12 bit, 0..4095) at
    ``halco.DACChannelBlockOnBoard``.  ``set_voltage(channel, volts)`` / ``get_voltage`` convert
    for the channels with a voltage reference (see ``haldls.board``); ``default_ldo_1`` and
    ``default_ldo_2`` are the supply settings of the two board revisions (``SystemInit`` uses
    ``default_ldo_2``)."""

    coordinate_name = "DACChannelBlockOnBoard"
    _field = "value"
    _check = staticmethod(_check_code)
    Value = haldls.DACChannel.Value

    @property
    def value(self) -> LaneArray:
        """Channel codes, indexed by ``halco.DACChannelOnBoard`` (0..4095)."""
        return self._values

    def set_voltage(self, coord, voltage: float) -> None:
        """Set ``coord``'s code for ``voltage`` (V).  ValueError for a supply channel (no
        voltage reference) or a voltage outside [0, full scale]."""
        full = self._full_scale(coord)
        code = int(float(voltage) / full * DAC_CODE_MAX)
        if not 0 <= code <= DAC_CODE_MAX:
            raise ValueError(f"{coord!r}: {voltage} V out of range [0, {full}] V")
        self._values[coord] = code

    def get_voltage(self, coord) -> float:
        """The voltage (V) of ``coord``'s code; ValueError for a supply channel."""
        return self._values[coord] / DAC_CODE_MAX * self._full_scale(coord)

    @staticmethod
    def _full_scale(coord) -> float:
        full = dac_full_scale_volts(coord)
        if full is None:
            raise ValueError(f"{coord!r} sets a supply regulator: set_voltage/get_voltage only work on "
                             "the channels with a voltage reference")
        return full

    def leaves(self, coord):
        self._check_coord(coord)
        for ch, code in zip(halco.iter_all(halco.DACChannelOnBoard), self._values):
            yield ch, haldls.DACChannel(value=code)

    # the supply settings of the two xBoard revisions (codes of the public xBoard table)
    default_ldo_1 = _Preset(lambda cls: cls._supplies(4095 - 3820, 4095 - 3820, 4095 - 3780, 4095 - 3780,
                                                     4095 - 3655, 4095 - 3655))
    default_ldo_2 = _Preset(lambda cls: cls._supplies(4095 - 3487, 4095 - 3487, 4095 - 2005, 4095 - 2465,
                                                     4095 - 3655, 4095 - 3655))

    @classmethod
    def _supplies(cls, vdd25_digital, vdd25_analog, vdd12_digital, vdd12_analog, vdd12_madc, vdd12_pll):
        block = cls()
        for name, code in (("vdd25_digital", vdd25_digital), ("vdd25_analog", vdd25_analog),
                           ("vdd12_digital", vdd12_digital), ("vdd12_analog", vdd12_analog),
                           ("vdd12_madc", vdd12_madc), ("vdd12_pll", vdd12_pll)):
            block.value[getattr(halco.DACChannelOnBoard, name)] = code
        return block


class DACControlBlock(_BoardBlock):
    """The 16 board DAC channel enables (``enable[halco.DACChannelOnBoard]``, default all on) at
    ``halco.DACControlBlockOnBoard``; a disabled channel drives nothing."""

    coordinate_name = "DACControlBlockOnBoard"
    _field = "enable"
    _check = staticmethod(_check_enable)
    _default = True

    @property
    def enable(self) -> LaneArray:
        """Channel enables, indexed by ``halco.DACChannelOnBoard``."""
        return self._values

    def leaves(self, coord):
        self._check_coord(coord)
        values = self._values.tolist()
        for dac in halco.iter_all(halco.DACOnBoard):
            d = int(dac.toEnum())
            yield dac, haldls.DACControl(enable_channel=values[d * _PER_DAC:(d + 1) * _PER_DAC])


for _cls in (DACChannelBlock, DACControlBlock):
    haldls.register_type(_cls)
del _cls
