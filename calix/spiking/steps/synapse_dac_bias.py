"""Step ``synapse_dac_bias``: the synapse DAC bias of each quadrant, matched to the weakest
quadrant from the PSP amplitudes of the ``tau_syn`` step (public ``calix.spiking`` does this with
the synapse DAC bias calibration of ``calix.common.synapse``)."""
from __future__ import annotations

import numpy as np

from .base import Step

__all__ = ["SynapseDACBiasStep"]


class SynapseDACBiasStep(Step):
    """Per-quadrant synapse DAC biases (nothing measured: the ``tau_syn`` amplitudes)."""

    name = "synapse_dac_bias"

    def run(self) -> None:
        cal = self.cal
        amp = cal.info.get("synin_amplitude_fast")
        q = cal._quadrant()
        dac = np.full(4, float(cal.dac_bias))
        if amp is not None:
            # each receptor relative to its median (the receptors' drives differ), then averaged
            rel = amp / np.median(amp[:, cal.mask], axis=1, keepdims=True)
            a = rel.mean(axis=0)
            med = np.array([np.median(a[(q == k) & cal.mask]) if np.any((q == k) & cal.mask) else np.nan
                            for k in range(4)])
            weakest = np.nanmin(med)
            dac = np.where(np.isfinite(med), np.rint(cal.dac_bias * weakest / med), cal.dac_bias)
        dac = np.clip(dac, 0, 1022).astype(np.int64)
        for h in range(2):
            cal.session.chip.synapse_blocks[h].i_bias_dac = dac[2 * h:2 * h + 2]
        cal.info["synapse_dac_bias"] = dac
