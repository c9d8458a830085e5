"""Targets and options of the spiking calibration (public names, defaults, units).

Units are hardware units, as in the public calix: potentials in CADC LSB
(after the CADC calibration, 0..255), times in seconds of *hardware* time
(10e-6 s on the chip = 10 ms of biology at the 1000x speed-up), currents and
biases in CapMem LSB (0..1022), the membrane capacitance in LSB (0..63).
Model units (mV, biological ms, nA, uS) are :mod:`calix.spiking.model_units`.

Every array field takes a scalar or a per-neuron array of shape (512,)
(synaptic fields: also (2,) for exc/inh or (2, 512)). ``check()`` raises
:class:`~calix.common.exceptions.InfeasibleTargetError` naming the field,
the offending neurons and the feasible range; it runs before anything is
measured.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

from chipmodel.ranges import FEASIBLE_RANGES, NEURON_TARGET_DEFAULTS
from chipmodel.transfer import NUM_NEURONS, TRANSFERS_BY_NAME

from ..common.exceptions import InfeasibleTargetError
from ..common.runners import runner_for
from ..common.serial import register

__all__ = ["NeuronCalibTarget", "NeuronCalibOptions", "CADCCalibTarget", "CADCCalibOptions",
           "STPCalibTarget", "STPCalibOptions", "SpikingCalibTarget", "SpikingCalibOptions",
           "FEASIBLE_RANGES", "N_NEURONS", "coba_min_distance"]

N_NEURONS = NUM_NEURONS

def coba_min_distance(i_synin_gm) -> np.ndarray:
    """Smallest |e_coba_reversal - e_coba_reference| (CADC LSB, (exc, inh)) at
    which the COBA conductance cell can match the CUBA strength of ``i_synin_gm``
    (nominal transfers; the cell's 5 % gain mismatch taken at 3 sigma)."""
    t = TRANSFERS_BY_NAME
    g_max = t["i_bias_synin_exc_coba"].c1 * 1022 / (1 + 3 * t["i_bias_synin_exc_coba"].gain_sigma)
    i_cuba = t["i_bias_synin_exc_gm"].c1 * np.broadcast_to(np.asarray(i_synin_gm, float), (2,))
    return np.maximum(5.0, i_cuba / g_max / t["cadc"].c1)


def _as_array(name, value, shapes) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if a.shape not in shapes:
        allowed = ", ".join(str(s) for s in shapes)
        raise ValueError(f"target {name} has shape {a.shape}; allowed shapes: {allowed}")
    if not np.all(np.isfinite(a)):
        raise InfeasibleTargetError(name, a, FEASIBLE_RANGES[name][:2], FEASIBLE_RANGES[name][2],
                                    indices=np.flatnonzero(~np.isfinite(a.reshape(-1))), detail="not finite")
    return a


def _check_range(name, a):
    lo, hi, unit = FEASIBLE_RANGES[name]
    bad = np.flatnonzero(~((a.reshape(-1) >= lo) & (a.reshape(-1) <= hi)))
    if bad.size:
        raise InfeasibleTargetError(name, a, (lo, hi), unit, indices=bad)


_NEURON_SHAPES = [(), (N_NEURONS,)]
_SYNIN_SHAPES = [(), (2,), (N_NEURONS,), (2, N_NEURONS)]


def per_neuron(value) -> np.ndarray:
    """Broadcast a scalar or (512,) value to (512,) floats."""
    return np.broadcast_to(np.asarray(value, float), (N_NEURONS,)).copy()


def per_synin(value) -> np.ndarray:
    """Broadcast a synaptic target to (2, 512): row 0 excitatory, row 1 inhibitory."""
    a = np.asarray(value, float)
    if a.shape == (2,):
        a = a[:, None]
    return np.broadcast_to(a, (2, N_NEURONS)).copy()


@register
@dataclass
class NeuronCalibTarget:
    """Targets of the neuron calibration (public ``calix.spiking.neuron.NeuronCalibTarget``).

    - ``leak``: resting potential, CADC LSB
    - ``reset``: reset potential, CADC LSB
    - ``threshold``: spike threshold, CADC LSB
    - ``tau_mem``: membrane time constant, s (hardware)
    - ``tau_syn``: synaptic time constant, s; (2,) = (exc, inh), or per neuron
    - ``i_synin_gm``: synaptic input OTA bias (sets the synaptic strength),
      CapMem LSB, (exc, inh); the CUBA strengths of all neurons are matched
      to the median neuron at this bias
    - ``e_coba_reversal``: COBA reversal potentials (exc, inh), CADC LSB, or
      None for current-based synapses
    - ``e_coba_reference``: potential at which the COBA strength equals the
      CUBA one (exc, inh), CADC LSB; None: the midpoint of leak and threshold
    - ``membrane_capacitance``: LSB 0..63 (63 ~ 2.2 pF)
    - ``refractory_time``: s
    - ``synapse_dac_bias``: synapse DAC bias (scales all weights), CapMem LSB
    - ``holdoff_time``: time the reset is held after the refractory period
      ends (public "holdoff"), s
    """

    leak: object = NEURON_TARGET_DEFAULTS["leak"]
    reset: object = NEURON_TARGET_DEFAULTS["reset"]
    threshold: object = NEURON_TARGET_DEFAULTS["threshold"]
    tau_mem: object = NEURON_TARGET_DEFAULTS["tau_mem"]
    tau_syn: object = NEURON_TARGET_DEFAULTS["tau_syn"]
    i_synin_gm: object = field(default_factory=lambda: np.array([500, 500]))
    e_coba_reversal: object = None
    e_coba_reference: object = None
    membrane_capacitance: object = 63
    refractory_time: object = 2e-6
    synapse_dac_bias: int = 600
    holdoff_time: object = 0.0

    def check(self) -> None:
        """Raise InfeasibleTargetError (or ValueError for bad shapes)."""
        for name in ("leak", "reset", "threshold", "tau_mem", "membrane_capacitance", "refractory_time",
                     "holdoff_time"):
            _check_range(name, _as_array(name, getattr(self, name), _NEURON_SHAPES))
        _check_range("tau_syn", _as_array("tau_syn", self.tau_syn, _SYNIN_SHAPES))
        gm = _as_array("i_synin_gm", self.i_synin_gm, [(), (2,)])
        _check_range("i_synin_gm", gm)
        _check_range("synapse_dac_bias", _as_array("synapse_dac_bias", self.synapse_dac_bias, [()]))
        cap = np.asarray(self.membrane_capacitance, float)
        if np.any(cap != np.round(cap)):
            raise ValueError("target membrane_capacitance must be integer (LSB 0..63)")
        if self.e_coba_reversal is None and self.e_coba_reference is not None:
            raise ValueError("e_coba_reference is set but e_coba_reversal is None (CUBA): set both for COBA")
        if self.e_coba_reversal is not None:
            rev = _as_array("e_coba_reversal", self.e_coba_reversal, _SYNIN_SHAPES)
            _check_range("e_coba_reversal", rev)
            rev2 = per_synin(rev)
            if self.e_coba_reference is not None:
                ref = _as_array("e_coba_reference", self.e_coba_reference, _SYNIN_SHAPES)
                _check_range("e_coba_reference", ref)
                ref2 = per_synin(ref)
            else:
                mid = 0.5 * (per_neuron(self.leak) + per_neuron(self.threshold))
                ref2 = np.stack([mid, mid])
            too_close = np.abs(rev2 - ref2) < 5
            if too_close.any():
                raise InfeasibleTargetError(
                    "e_coba_reversal", rev2, FEASIBLE_RANGES["e_coba_reversal"][:2], "CADC LSB",
                    indices=np.flatnonzero(too_close),
                    detail="within 5 LSB of the COBA reference potential: the conductance would be infinite")
            # the COBA strength equals the CUBA one at the reference: g (E - V_ref) = I_cuba,
            # so E must be far enough from V_ref for the largest conductance of the cell
            need = coba_min_distance(gm)
            short = np.abs(rev2 - ref2) < need[:, None]
            if short.any():
                r = int(np.flatnonzero(short.any(axis=1))[0])
                raise InfeasibleTargetError(
                    "e_coba_reversal", rev2, FEASIBLE_RANGES["e_coba_reversal"][:2], "CADC LSB",
                    indices=np.flatnonzero(short),
                    detail=f"{('excitatory', 'inhibitory')[r]} reversal closer than {need[r]:.3g} LSB to the COBA "
                           f"reference: at i_synin_gm = {np.broadcast_to(gm, (2,))[r]:g} the largest COBA "
                           "conductance (i_bias_coba 1022, less 3 sigma mismatch) cannot give the CUBA "
                           "strength there; lower i_synin_gm or move the reversal away")
            wrong_side = (rev2[0] < ref2[0]) | (rev2[1] > ref2[1])
            if wrong_side.any():
                raise InfeasibleTargetError(
                    "e_coba_reversal", rev2, FEASIBLE_RANGES["e_coba_reversal"][:2], "CADC LSB",
                    indices=np.flatnonzero(np.stack([rev2[0] < ref2[0], rev2[1] > ref2[1]])),
                    detail="the excitatory reversal must lie above and the inhibitory below the reference")

    @property
    def coba(self) -> bool:
        return self.e_coba_reversal is not None


@register
@dataclass
class NeuronCalibOptions:
    """Options of the neuron calibration.

    - ``readout_neuron``: neuron whose membrane goes to the readout pads
      (public option; no effect on the emulator)
    - ``refine_potentials``: repeat leak/reset/threshold after the others
    - ``tolerance_potential``: |error| above this (CADC LSB) marks a neuron failed
    - ``tolerance_time``: relative error of tau_mem/tau_syn above this fails
    - ``tolerance_synin``: relative deviation of the synaptic strength above this fails
    - ``reads``: CADC reads averaged per potential measurement
    """

    readout_neuron: Optional[int] = None
    refine_potentials: bool = True
    tolerance_potential: float = 2.0
    tolerance_time: float = 0.05
    tolerance_synin: float = 0.05
    reads: int = 4


@register
@dataclass
class CADCCalibTarget:
    """CADC calibration target (public): ``dynamic_range`` of CapMem voltages
    (LSB) mapped onto CADC ``read_range`` (LSB)."""

    dynamic_range: Tuple[int, int] = (70, 550)
    read_range: Tuple[int, int] = (20, 220)

    def check(self) -> None:
        lo, hi = self.dynamic_range
        if not (0 <= lo < hi <= 1022):
            raise InfeasibleTargetError("cadc dynamic_range", np.array([lo, hi]), (0, 1022), "CapMem LSB",
                                        detail="need 0 <= low < high <= 1022")
        rlo, rhi = self.read_range
        if not (0 <= rlo < rhi <= 255) or rhi - rlo < 32:
            raise InfeasibleTargetError("cadc read_range", np.array([rlo, rhi]), (0, 255), "CADC LSB",
                                        detail="need 0 <= low, low + 32 <= high <= 255")


@register
@dataclass
class CADCCalibOptions:
    """:ivar calibrate_offsets: per-channel digital offsets (else only the ramp)."""

    calibrate_offsets: bool = True


@register
@dataclass
class STPCalibTarget:
    """STP voltages (CapMem LSB), public defaults."""

    v_charge_0: int = 100
    v_recover_0: int = 400
    v_charge_1: int = 330
    v_recover_1: int = 50

    def check(self) -> None:
        for name in ("v_charge_0", "v_recover_0", "v_charge_1", "v_recover_1"):
            v = getattr(self, name)
            if not (0 <= v <= 1022):
                raise InfeasibleTargetError(f"stp {name}", v, (0, 1022), "CapMem LSB")


@register
@dataclass
class STPCalibOptions:
    """STP ramp current and comparator voltage (CapMem LSB), public defaults."""

    i_ramp: int = 600
    v_stp: int = 180


@register
@dataclass
class SpikingCalibTarget:
    """Target of the spiking calibration (public ``calix.spiking.SpikingCalibTarget``)."""

    cadc_target: CADCCalibTarget = field(default_factory=CADCCalibTarget)
    neuron_target: NeuronCalibTarget = field(default_factory=NeuronCalibTarget)
    stp_target: STPCalibTarget = field(default_factory=STPCalibTarget)

    def __post_init__(self):
        # a model-unit neuron target is converted once, here (nominal mapping)
        if hasattr(self.neuron_target, "to_hardware"):
            self.neuron_target = self.neuron_target.to_hardware()

    @classmethod
    def from_mapping(cls, target) -> "SpikingCalibTarget":
        """The target a plain mapping describes: ``{"neuron_target": {field: value}}`` and
        optionally ``"cadc_target"`` and ``"stp_target"`` the same way (field names and units
        of the three target classes). Lets a layer beside calix (grenade's NIR importer) hand
        over its targets without importing calix. Raises TypeError naming an unknown key or
        field."""
        parts = {"cadc_target": CADCCalibTarget, "neuron_target": NeuronCalibTarget, "stp_target": STPCalibTarget}
        unknown = sorted(set(target) - set(parts))
        if unknown:
            raise TypeError(f"a spiking calibration target mapping has no {unknown}; valid keys: {sorted(parts)}")
        return cls(**{k: parts[k](**dict(v)) for k, v in target.items()})

    def check(self) -> None:
        self.cadc_target.check()
        self.neuron_target.check()
        self.stp_target.check()

    def calibrate(self, connection, options=None, progress=None):
        """Run the spiking calibration on ``connection`` (no cache; see :func:`calix.calibrate`)."""
        return runner_for(self)(connection, self, options, progress=progress)


@register
@dataclass
class SpikingCalibOptions:
    """Options of the spiking calibration (public names).

    - ``refine_potentials``: None = as the public stack (refine unless COBA)
    - ``neurons``: calibrate only these neurons (indices; None = all 512). The
      others keep uncalibrated defaults and count as failed. For tests.
    - ``calibrate_stp``: run the STP offset step
    """

    cadc_options: CADCCalibOptions = field(default_factory=CADCCalibOptions)
    neuron_options: NeuronCalibOptions = field(default_factory=NeuronCalibOptions)
    stp_options: STPCalibOptions = field(default_factory=STPCalibOptions)
    refine_potentials: Optional[bool] = None
    neurons: Optional[Tuple[int, ...]] = None
    calibrate_stp: bool = True

    def __post_init__(self):
        if self.neurons is not None:
            n = tuple(sorted({int(i) for i in np.asarray(self.neurons).reshape(-1)}))
            if not n or n[0] < 0 or n[-1] >= N_NEURONS:
                raise ValueError(f"options.neurons must be indices in [0, {N_NEURONS}), got {self.neurons!r}")
            self.neurons = n
