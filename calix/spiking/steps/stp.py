"""Step ``stp``: STP settings and offsets of the synapse drivers (with
``SpikingCalibOptions.calibrate_stp``), by :func:`calix.spiking.stp.calibrate_stp_offsets`."""
from __future__ import annotations

import numpy as np

from ..stp import calibrate_stp_offsets
from .base import Step

__all__ = ["STPStep", "apply_stp_settings"]


def apply_stp_settings(cal) -> None:
    """STP voltages and ramp current of the target and options into ``cal``'s chip state."""
    st, so = cal.target.stp_target, cal.options.stp_options
    for h in range(2):
        blk = cal.session.chip.synapse_driver_blocks[h]
        blk.stp_v_charge_0 = np.full(2, st.v_charge_0)
        blk.stp_v_recover_0 = np.full(2, st.v_recover_0)
        blk.stp_v_charge_1 = np.full(2, st.v_charge_1)
        blk.stp_v_recover_1 = np.full(2, st.v_recover_1)
        blk.stp_i_ramp = np.full(2, so.i_ramp)
        blk.stp_i_bias_comparator = np.full(2, so.v_stp)


class STPStep(Step):
    """STP settings and driver offsets (only when the options ask for it)."""

    name = "stp"

    def run(self) -> None:
        if not self.cal.options.calibrate_stp:
            return
        apply_stp_settings(self.cal)
        calibrate_stp_offsets(self.cal)
