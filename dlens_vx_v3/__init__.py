"""dlens_vx_v3: the public umbrella of the BSS-2 (HX v3) lower stack.

``from dlens_vx_v3 import halco, hal, lola, sta, hxcomm, logger`` gives the layers
under their public names: ``halco`` (coordinates; plus the multi-compartment
coordinates lola defines until halco has them; ``halco.common`` is
``pyhalco_common``), ``hal`` (= ``haldls``), ``lola``, ``sta`` (= ``stadls``),
``hxcomm`` and ``logger`` (= ``pylogging``).  ``import dlens_vx_v3.hal`` etc. work
as well, and so do the public module names (``pyhaldls_vx_v3``, ...), which are
these same modules.  See docs/lola.md ("Umbrella").
"""
from __future__ import annotations

import sys as _sys

import haldls as hal
import hxcomm
import lola
import pylogging as logger
import stadls as sta

from . import halco

for _name, _module in (("hal", hal), ("lola", lola), ("sta", sta), ("hxcomm", hxcomm), ("logger", logger)):
    _sys.modules[f"{__name__}.{_name}"] = _module
del _name, _module

__all__ = ["halco", "hal", "lola", "sta", "hxcomm", "logger"]
