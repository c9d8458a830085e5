"""Targets and options of the hagen-mode calibration (public names, defaults, units).

Hagen mode uses the neurons as integrators: synaptic events charge the
membrane, nothing discharges it (the leak is switched off after the
calibration), and the membrane never fires. A matrix multiplication is then
"send the vector entries as events, read the membranes with the CADC".

Units as in :mod:`calix.spiking.targets`: potentials in CADC LSB, times in
seconds of hardware time, biases in CapMem LSB. ``check()`` raises
:class:`~calix.common.exceptions.InfeasibleTargetError` naming the field, the
offending entries and the feasible range, before anything is measured.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..common.exceptions import InfeasibleTargetError
from ..common.runners import runner_for
from ..common.serial import register
from ..spiking.targets import CADCCalibOptions, CADCCalibTarget, N_NEURONS, NeuronCalibOptions

__all__ = ["HagenNeuronCalibTarget", "HagenCalibTarget", "HagenCalibOptions", "SynapseDriverCalibOptions",
           "HagenSyninCalibTarget", "HagenSyninCalibOptions", "FEASIBLE_RANGES", "TAU_SYN_MINIMUM"]

#: field -> (low, high, unit): the public hagen ranges (calix ``hagen.neuron.calibrate``)
FEASIBLE_RANGES = {
    "leak": (100, 140, "CADC LSB"),
    "tau_mem": (20e-6, 100e-6, "s"),
    "tau_syn": (0.3e-6, 20e-6, "s"),
    "i_synin_gm": (30, 600, "CapMem LSB"),
    "synapse_dac_bias": (30, 1022, "CapMem LSB"),
}

#: Shortest synaptic time constant the emulated chip reaches at every neuron (3 sigma of
#: mismatch; i_bias_tau 1022 gives ~1 us nominal). Targets below it, like the public value 0,
#: mean "as fast as the circuit allows": i_bias_tau at its maximum, not calibrated (the
#: synaptic-strength step equalises the charge per event, which is what an integrator sees).
TAU_SYN_MINIMUM = 1.2e-6

_NEURON_SHAPES = [(), (N_NEURONS,)]
_SYNIN_SHAPES = [(), (2,), (N_NEURONS,), (2, N_NEURONS)]


def _array(name, value, shapes):
    a = np.asarray(value, dtype=float)
    if a.shape not in shapes:
        raise ValueError(f"target {name} has shape {a.shape}; allowed shapes: {', '.join(map(str, shapes))}")
    lo, hi, unit = FEASIBLE_RANGES[name]
    bad = ~np.isfinite(a.reshape(-1))
    if bad.any():
        raise InfeasibleTargetError(name, a, (lo, hi), unit, indices=np.flatnonzero(bad), detail="not finite")
    return a


def _check(name, a, allow_zero=False):
    lo, hi, unit = FEASIBLE_RANGES[name]
    flat = a.reshape(-1)
    ok = (flat >= lo) & (flat <= hi)
    if allow_zero:
        ok |= flat == 0
    if not ok.all():
        raise InfeasibleTargetError(name, a, (lo, hi), unit, indices=np.flatnonzero(~ok),
                                    detail="or 0 for the shortest" if allow_zero else "")


@register
@dataclass
class HagenNeuronCalibTarget:
    """Neuron targets of the hagen calibration (public ``HagenNeuronCalibTarget``).

    - ``leak``: resting level of the integrators, CADC LSB, scalar or (512,):
      the leak potential while the leak is on and the reset potential (the
      start of every integration)
    - ``tau_mem``: membrane time constant while the leak is on (one value for
      all neurons), s. With ``HagenCalibOptions.neuron_disable_leakage`` (the
      default) the leak is switched off at the end and the value only matters
      if that option is off.
    - ``tau_syn``: synaptic time constant, s; scalar, (2,) exc/inh, (512,) or
      (2, 512). 0 or anything below :data:`TAU_SYN_MINIMUM` (the public
      default 0.32 us is) = as fast as the circuit allows, uncalibrated.
    - ``i_synin_gm``: synaptic input bias at which the median neuron's charge
      per event is taken as the target of all neurons and both receptors,
      CapMem LSB
    - ``target_noise``: public option (leak bias for a readout noise); only
      None is supported
    - ``synapse_dac_bias``: synapse DAC bias, CapMem LSB (the quadrants are
      matched to the weakest)
    """

    leak: object = 120
    tau_mem: object = 60e-6
    tau_syn: object = 0.32e-6
    i_synin_gm: int = 450
    target_noise: Optional[float] = None
    synapse_dac_bias: int = 1022

    def check(self) -> None:
        """Raise InfeasibleTargetError (ValueError for bad shapes, NotImplementedError
        for ``target_noise``)."""
        _check("leak", _array("leak", self.leak, _NEURON_SHAPES))
        tau_mem = _array("tau_mem", self.tau_mem, _NEURON_SHAPES)
        _check("tau_mem", tau_mem)
        if np.ptp(tau_mem) != 0:
            raise ValueError("target tau_mem must be one value for all neurons (public hagen calibration)")
        _check("tau_syn", _array("tau_syn", self.tau_syn, _SYNIN_SHAPES), allow_zero=True)
        _check("i_synin_gm", _array("i_synin_gm", self.i_synin_gm, [()]))
        _check("synapse_dac_bias", _array("synapse_dac_bias", self.synapse_dac_bias, [()]))
        if self.target_noise is not None:
            raise NotImplementedError(
                "HagenNeuronCalibTarget.target_noise (leak bias chosen for a readout noise) is not "
                "supported on the emulated chip yet; use target_noise=None")


@register
@dataclass
class HagenCalibTarget:
    """Target of the hagen calibration (public ``calix.hagen.HagenCalibTarget``):
    CADC range (public default 150..500 CapMem LSB) and neuron targets."""

    cadc_target: CADCCalibTarget = field(default_factory=lambda: CADCCalibTarget(dynamic_range=(150, 500)))
    neuron_target: HagenNeuronCalibTarget = field(default_factory=HagenNeuronCalibTarget)

    def check(self) -> None:
        self.cadc_target.check()
        self.neuron_target.check()

    def calibrate(self, connection, options=None, progress=None):
        """Run the hagen calibration on ``connection`` (no cache; see :func:`calix.calibrate`)."""
        return runner_for(self)(connection, self, options, progress=progress)


@register
@dataclass
class SynapseDriverCalibOptions:
    """Public option of the hagen synapse-driver calibration: the activation
    used to align the drivers' hagen DAC offsets. Recorded, no effect: the
    emulated chip does not model hagen-mode activations (no driver step)."""

    offset_test_activation: int = 3


@register
@dataclass
class HagenCalibOptions:
    """Options of the hagen calibration (public names).

    - ``neuron_disable_leakage``: switch the leak off at the end (integrators)
    - ``neurons``: calibrate only these neurons (indices; None = all 512); the
      others keep nominal settings and count as failed. For tests.
    """

    cadc_options: CADCCalibOptions = field(default_factory=CADCCalibOptions)
    neuron_options: NeuronCalibOptions = field(default_factory=NeuronCalibOptions)
    neuron_disable_leakage: bool = True
    synapse_driver_options: SynapseDriverCalibOptions = field(default_factory=SynapseDriverCalibOptions)
    neurons: Optional[tuple] = None

    def __post_init__(self):
        if self.neurons is not None:
            n = tuple(sorted({int(i) for i in np.asarray(self.neurons).reshape(-1)}))
            if not n or n[0] < 0 or n[-1] >= N_NEURONS:
                raise ValueError(f"options.neurons must be indices in [0, {N_NEURONS}), got {self.neurons!r}")
            self.neurons = n


@register
@dataclass
class HagenSyninCalibTarget:
    """Public target of hagen mode with integration on the synaptic input lines.
    Not supported: the emulated chip does not model the synaptic input lines as
    integrators (``calibrate`` raises NotImplementedError)."""

    cadc_target: CADCCalibTarget = field(default_factory=lambda: CADCCalibTarget(dynamic_range=(150, 340)))
    synapse_dac_bias: int = 800

    def check(self) -> None:
        self.cadc_target.check()

    def calibrate(self, connection, options=None, progress=None):
        raise NotImplementedError("hagen mode with integration on the synaptic input lines "
                                  "(HagenSyninCalibTarget) is not modelled by the emulated chip; "
                                  "use HagenCalibTarget (integration on the membranes)")


@register
@dataclass
class HagenSyninCalibOptions:
    """Public options of :class:`HagenSyninCalibTarget` (not supported)."""

    cadc_options: CADCCalibOptions = field(default_factory=CADCCalibOptions)
    synapse_driver_options: SynapseDriverCalibOptions = field(default_factory=SynapseDriverCalibOptions)
