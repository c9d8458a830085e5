"""Feasible ranges of the calibration targets (hardware units).

What the chip can be calibrated to, as the public calix checks it (``check_target`` and
ccalix; reference section 4.5), adapted where the emulated chip's nominal transfers
(:mod:`chipmodel.transfer`) reach less. calix checks its targets against them, PyNN's unit
mapping and the NIR importer stay inside them.
"""
from __future__ import annotations

__all__ = ["FEASIBLE_RANGES", "NEURON_TARGET_DEFAULTS"]

#: field -> (low, high, unit): the feasible ranges checked before a calibration
#: (public calix ``check_target`` and ccalix; reference section 4.5).
FEASIBLE_RANGES = {
    "leak": (50, 160, "CADC LSB"),
    "reset": (50, 160, "CADC LSB"),
    "threshold": (50, 220, "CADC LSB"),
    "tau_mem": (0.5e-6, 60e-6, "s"),
    # public 0.3..30 us; the emulator's synaptic time constant bottoms out at ~1 us
    # (CapMem 1022, nominal), 1.2 us is reachable for every neuron within 3 sigma of mismatch
    "tau_syn": (1.2e-6, 30e-6, "s"),
    "i_synin_gm": (30, 800, "CapMem LSB"),
    # the reversal cells reach 164..1332 mV, i.e. CADC -9..415 LSB (nominal); 3 sigma of
    # mismatch (45 mV offset, 6 % gain) lifts the bottom to ~11 LSB; the top is what the
    # CADC can read (with room for its channel offsets)
    "e_coba_reversal": (12, 245, "CADC LSB"),
    "e_coba_reference": (60, 160, "CADC LSB"),
    "membrane_capacitance": (0, 63, "LSB"),
    "refractory_time": (40e-9, 32e-6, "s"),
    "holdoff_time": (0.0, 4e-6, "s"),
    "synapse_dac_bias": (30, 1022, "CapMem LSB"),
}

#: the neuron calibration's default targets (public calix ``NeuronCalibTarget`` defaults, hardware
#: units): calix's target and the circuits the NIR importer leaves unused take them
NEURON_TARGET_DEFAULTS = {
    "leak": 80,             # CADC LSB
    "reset": 70,            # CADC LSB
    "threshold": 125,       # CADC LSB
    "tau_mem": 10e-6,       # s
    "tau_syn": 10e-6,       # s
}
