"""haldls: the leaf hardware containers of the HX v3 chip.

Every container is a plain value (typed, range-checked fields; equality;
repr; ``to_dict``/``from_dict``) that encodes to 32-bit omnibus words at the
addresses of its halco coordinate.  The classes are generated from the one
register map in :mod:`haldls.register_map`; see docs/haldls.md.

>>> import halco, haldls
>>> cfg = haldls.NeuronConfig(enable_fire=True)
>>> words = cfg.encode()
>>> haldls.NeuronConfig.decode(words) == cfg
True
"""
from .container import (Container, LaneArray, RangedValue, container_types, from_dict,  # noqa: F401
                         iter_leaves, make_container, ranged_value_type, register_type,
                         visit_preorder)
from .regmap import Access, Field, Register  # noqa: F401
from .register_map import (FPGA_CLOCK_CYCLES_PER_US, REGISTERS, REGISTERS_BY_NAME,  # noqa: F401
                           AnalogReadoutMux1Input, AnalogReadoutMux2Input, AnalogReadoutMux3Input,
                           ReadoutSource, RowMode)
from .fpga import (Barrier, ResetChip, SpikePack1ToChip, SpikePack2ToChip,  # noqa: F401
                   SpikePack3ToChip, SystimeSync)
from .composite import CapMemBlock, Composite, PPUMemory, PPUMemoryBlock, SynapseQuad  # noqa: F401


class _ConstantInstance:
    """Class attribute that hands out a fresh copy of a preset value."""

    def __init__(self, **fields):
        self.fields = fields

    def __get__(self, obj, cls):
        return cls(**self.fields)


def _extras(name):
    if name == "CapMemCell":
        value = ranged_value_type("CapMemCell.Value", 0, 1022, 0, "CapMem DAC value, 0..1022.")

        class DisableRefresh(int):
            """The cell value 1023: the cell is no longer refreshed."""

            def __new__(cls):
                return int.__new__(cls, 1023)

            def __repr__(self):
                return "CapMemCell.DisableRefresh()"

        DisableRefresh.__qualname__ = "CapMemCell.DisableRefresh"
        return {"Value": value, "DisableRefresh": DisableRefresh}
    if name == "Timer":
        value = ranged_value_type("Timer.Value", 0, 2**32 - 1, 0, "FPGA timer value in 8 ns cycles.")
        value.fpga_clock_cycles_per_us = FPGA_CLOCK_CYCLES_PER_US
        return {"Value": value}
    if name == "CrossbarNode":
        return {"drop_all": _ConstantInstance(mask=0, target=1)}
    if name == "ShiftRegister":
        return {"get_enable_led": _lane_getter("enable_led", "LEDOnBoard"),
                "set_enable_led": _lane_setter("enable_led", "LEDOnBoard"),
                "get_enable_vdd": _lane_getter("enable_vdd", "VDDOnBoard"),
                "set_enable_vdd": _lane_setter("enable_vdd", "VDDOnBoard")}
    if name == "DACControl":
        return {"get_enable_channel": _lane_getter("enable_channel", "DACChannelOnDAC"),
                "set_enable_channel": _lane_setter("enable_channel", "DACChannelOnDAC")}
    if name == "ReadoutSourceSelection":
        from .readout import SourceMultiplexer, get_buffer, set_buffer
        return {"SourceMultiplexer": SourceMultiplexer, "get_buffer": get_buffer, "set_buffer": set_buffer}
    return {}


def _lane_getter(field, coordinate):
    def get(self, coord):
        return getattr(self, field)[_typed_index(coord, coordinate)]
    get.__name__ = f"get_{field}"
    get.__doc__ = f"``{field}`` at a ``halco.{coordinate}``."
    return get


def _lane_setter(field, coordinate):
    def set_(self, coord, value):
        getattr(self, field)[_typed_index(coord, coordinate)] = value
    set_.__name__ = f"set_{field}"
    set_.__doc__ = f"Set ``{field}`` at a ``halco.{coordinate}``."
    return set_


def _typed_index(coord, coordinate):
    import halco
    ctype = getattr(halco, coordinate)
    if not isinstance(coord, ctype):
        raise TypeError(f"expected a halco.{coordinate}, got {coord!r}")
    return int(coord.toEnum())


for _reg in REGISTERS:
    globals()[_reg.name] = register_type(make_container(_reg, namespace=_extras(_reg.name)))

# the public per-entry value types of the combined synapse quad
SynapseQuad.Weight = SynapseWeightQuad.Value  # noqa: F821 (generated above)
SynapseQuad.Label = SynapseLabelQuad.Value  # noqa: F821
SynapseQuad.TimeCalib = SynapseCorrelationCalibQuad.TimeCalib  # noqa: F821
SynapseQuad.AmpCalib = SynapseCorrelationCalibQuad.AmpCalib  # noqa: F821

for _cls in (Barrier, ResetChip, SpikePack1ToChip, SpikePack2ToChip, SpikePack3ToChip, SystimeSync,
             CapMemBlock, PPUMemory, PPUMemoryBlock, SynapseQuad):
    register_type(_cls)

del _reg, _cls


def __getattr__(name):
    # a public container that is not emulated yet says so (haldls/public.py)
    from .public import missing
    error = missing(name)
    if error is not None:
        raise error
    raise AttributeError(f"module 'haldls' has no attribute {name!r}")
