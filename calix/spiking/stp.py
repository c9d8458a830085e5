"""STP offsets of the synapse drivers.

The public ``STPOffsetCalib`` equalises the STP-modulated efficacy of the
synapse drivers, which differs on silicon through per-driver mismatch of the
STP ramp. The emulator models no per-driver STP mismatch (docs/hxsim-analog.md:
efficacy ``m = R + (1 - R) * offset / 30`` with the same parameters for every
driver), so the offset that equalises all drivers is known exactly: all
drivers get the same offset (0: no efficacy floor) and the STP voltages and
ramp current of the target/options. A measurement-based step can replace this
function once the emulator models driver mismatch.
"""
from __future__ import annotations

import numpy as np

__all__ = ["calibrate_stp_offsets"]


def calibrate_stp_offsets(calib) -> None:
    for h in range(2):
        blk = calib.session.chip.synapse_driver_blocks[h]
        for d in blk.synapse_drivers:
            d.offset = 0
    calib.info["stp_offsets"] = np.zeros(256)
