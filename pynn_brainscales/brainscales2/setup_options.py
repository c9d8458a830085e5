"""``setup()`` options of other PyNN backends, accepted in biological units with a warning.

A script written for NEST, NEURON or Brian2 passes options of its simulator to ``setup()``
(``threads=4``, ``spike_precision="off_grid"``, ...).  With ``setup(units="biological")`` such a
script runs with its import changed, so these options are accepted and dropped with a
:class:`SetupOptionWarning` that says why they have no effect on the chip.  In hardware units
(the default, the public backend's behaviour) they stay unknown options (``KeyError``).
"""
from __future__ import annotations

import warnings
from typing import Dict, Tuple

__all__ = ["FOREIGN_SETUP_OPTIONS", "SetupOptionWarning", "drop_foreign_options"]


class SetupOptionWarning(UserWarning):
    """A ``setup()`` option of another PyNN backend that has no effect on BrainScaleS-2."""


#: option -> (backend that defines it, why it has no effect on the chip)
FOREIGN_SETUP_OPTIONS: Dict[str, Tuple[str, str]] = {
    "threads": ("NEST", "the chip evolves all neurons in parallel; the host side of a run is single-threaded"),
    "t_flush": ("NEST", "reset() already lets the chip relax before the next segment starts (docs/pynn.md "
                        "\"Runs\"), so one segment does not influence the next"),
    "spike_precision": ("NEST", "the neurons are time-continuous; spike times are the chip's event time "
                                "stamps (8 ns hardware = 8 us biological)"),
    "recording_precision": ("NEST", "recorded values are what the chip's ADCs and event time stamps give"),
    "verbosity": ("NEST", "the backend logs through pynn.logger (pylogging); set its level there"),
    "rng_type": ("NEST", "host-side random numbers come from numpy, seeded by setup(rng_seed=...)"),
    "use_cvode": ("NEURON", "the chip is time-continuous: there is no numerical solver to choose"),
    "rtol": ("NEURON", "the chip is time-continuous: there is no solver tolerance"),
    "atol": ("NEURON", "the chip is time-continuous: there is no solver tolerance"),
    "default_maxstep": ("NEURON", "the chip is time-continuous: there is no solver step"),
    "native_rng_baseseed": ("NEURON", "host-side random numbers are seeded by setup(rng_seed=...)"),
}


def drop_foreign_options(options: dict, units: str) -> dict:
    """``options`` without the options of other backends, each dropped with a
    :class:`SetupOptionWarning`, when ``units`` is ``"biological"``; unchanged otherwise (then
    ``setup()`` rejects them as unknown)."""
    if units != "biological":
        return options
    kept = {}
    for key, value in options.items():
        if key in FOREIGN_SETUP_OPTIONS:
            backend, why = FOREIGN_SETUP_OPTIONS[key]
            warnings.warn(f"setup({key}={value!r}) is an option of {backend}; it has no effect on BrainScaleS-2: {why}",
                          SetupOptionWarning, stacklevel=3)
        else:
            kept[key] = value
    return kept
