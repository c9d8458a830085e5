"""``dlens_vx_v3.halco``: everything of :mod:`halco`, plus the multi-compartment
coordinates (``AtomicNeuronOnLogicalNeuron``, ``NeuronColumnOnLogicalNeuron``,
``NeuronRowOnLogicalNeuron``, ``CompartmentOnLogicalNeuron``,
``LogicalNeuronCompartments``, ``LogicalNeuronOnDLS``) that lola defines until
halco has them.  Names not listed in ``halco.__all__`` (submodules, helpers) are
forwarded to halco as well.
"""
from __future__ import annotations

import halco as _halco
from halco import *  # noqa: F401,F403
from halco import common  # noqa: F401  (public: pyhalco_common)
from lola.morphology_coordinates import (AtomicNeuronOnLogicalNeuron, CompartmentOnLogicalNeuron,  # noqa: F401
                                         LogicalNeuronCompartments, LogicalNeuronOnDLS,
                                         NeuronColumnOnLogicalNeuron, NeuronRowOnLogicalNeuron)

__all__ = sorted(set(_halco.__all__) | {
    "AtomicNeuronOnLogicalNeuron", "CompartmentOnLogicalNeuron", "LogicalNeuronCompartments",
    "LogicalNeuronOnDLS", "NeuronColumnOnLogicalNeuron", "NeuronRowOnLogicalNeuron"})


def __getattr__(name):
    try:
        return getattr(_halco, name)
    except AttributeError:
        raise AttributeError(f"module 'dlens_vx_v3.halco' has no attribute {name!r}") from None


def __dir__():
    return sorted(set(globals()) | set(dir(_halco)))
