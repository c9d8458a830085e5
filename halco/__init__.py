"""halco: typed, range-checked coordinates of the BrainScaleS-2 HX (v3) chip.

Names and conversions follow the public pyhalco API (``pyhalco_hicann_dls_vx_v3``
as re-exported by ``dlens_vx_v3.halco``), flat in one namespace::

    import halco
    n = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(3), halco.NeuronRowOnDLS(1))
    n.toNeuronConfigOnDLS(), n.toCapMemBlockOnDLS()
    for syn in halco.iter_all(halco.SynapseDriverOnDLS): ...

See docs/halco.md for the concepts, the conversion graph and the choices made.
"""
from __future__ import annotations

from . import _base
from ._base import *  # noqa: F401,F403
from .chip import *  # noqa: F401,F403
from .synram import *  # noqa: F401,F403
from .synapse import *  # noqa: F401,F403
from .neuron import *  # noqa: F401,F403
from .correlation import *  # noqa: F401,F403
from .padi import *  # noqa: F401,F403
from .synapse_driver import *  # noqa: F401,F403
from .routing_crossbar import *  # noqa: F401,F403
from .event import *  # noqa: F401,F403
from .background import *  # noqa: F401,F403
from .capmem import *  # noqa: F401,F403
from .cadc import *  # noqa: F401,F403
from .madc import *  # noqa: F401,F403
from .readout import *  # noqa: F401,F403
from .ppu import *  # noqa: F401,F403
from .timing import *  # noqa: F401,F403
from .fpga import *  # noqa: F401,F403
from .bringup import *  # noqa: F401,F403
from .hemisphere import *  # noqa: F401,F403
from .board import *  # noqa: F401,F403
from . import (background, board, bringup, cadc, capmem, chip, common, correlation, event, fpga,  # noqa: F401
               hemisphere, madc, neuron, padi, ppu, readout, routing_crossbar, synapse, synapse_driver,
               synram, timing)


def _finish():
    # conversions added after a mixin was created (hemisphere links, same-enum
    # links) also become available on the mixins built on that type
    for cls in _base._REGISTRY.values():
        if issubclass(cls, _base.Mixin) and not cls._abstract:
            _base._add_delegates(cls)


_finish()
del _finish

__all__ = sorted(name for name, obj in globals().items()
                 if not name.startswith("_") and (
                     (isinstance(obj, type) and issubclass(obj, (_base.Coordinate, _base.Enum)))
                     or name in _base.__all__ or name == "HEMISPHERE_COORDINATES"))

#: public coordinates of parts the emulated setup does not have (name -> reason); asking for
#: one raises NotImplementedError naming it
_JBOA = "a peripheral of the jboa board (the emulated setup carries a Cube board)"
_I2C = "an I2C peripheral of the board that is not emulated"
_SPI = "an FPGA-level SPI word address (the board containers are addressed by their own coordinates)"
NOT_EMULATED = {
    **{n: _I2C for n in ("INA219OnBoard", "INA219ConfigOnBoard", "INA219StatusOnBoard", "TMP112StatusOnBoard",
                         "I2CIdRegisterOnBoard", "I2CTempRegisterOnBoard", "I2CINA219RoRegisterOnINA219",
                         "I2CINA219RwRegisterOnINA219")},
    **{n: _JBOA for n in ("TCA9546OnBoard", "TCA9546ChannelConfigOnBoard", "TCA9554OnBoard",
                          "TCA9554ConfigOnBoard", "TCA9554InputsOnBoard", "AD5252OnBoard", "AD5252ChannelOnAD5252",
                          "AD5252ChannelConfigOnBoard", "AD5252ChannelConfigPersistentOnBoard", "DAC6573OnBoard",
                          "DAC6573ChannelOnDAC6573", "DAC6573ChannelConfigOnBoard", "I2CTCA9546RegisterOnBoard",
                          "I2CTCA9554RoRegisterOnTCA9554", "I2CTCA9554RwRegisterOnTCA9554",
                          "I2CAD5252RwRegisterOnAD5252Channel")},
    **{n: _SPI for n in ("SPIShiftRegisterOnBoard", "SPIDACDataRegisterOnBoard", "SPIDACControlRegisterOnBoard",
                         "SPIDACDataRegisterOnDAC", "SPIDACControlRegisterOnDAC")},
    "CurrentDACOnDLS": "the current DAC (the emulated chip has none)",
    "SpikeIOAddress": "the FPGA's spike I/O to external devices",
    "SpikeIOConfigOnFPGA": "the FPGA's spike I/O to external devices",
    "ExternalPPUDRAMMemoryBlockSize": "external PPU DRAM on the FPGA",
}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"halco.{name} is not emulated: {reason}")
    raise AttributeError(f"module 'halco' has no attribute {name!r}")
