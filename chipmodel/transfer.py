"""Nominal transfer functions of the chip's analog parameters, written once.

One declarative table (:data:`TRANSFERS`) says, for every analog parameter,
which CapMem cell or digital field sets it, which model quantity of the neuron
kernel it becomes, in which unit, by which form and coefficients, over which
input range, and how large the fixed-pattern mismatch of that transfer is.
The emulator's C++ analog core loads exactly these coefficients (and the named
:data:`CONSTANTS`) when an emulator is built; nothing of it is repeated in C++. calix and
PyNN map model values onto the chip with the same table.

Forms (x = the DAC value or digital setting, y = the model quantity):

* ``affine``:     y = c0 + c1 * x
* ``linear``:     y = c1 * x
* ``reciprocal``: y = c1 / (x + c0)      (time constants set by a bias current)

Mismatch: instance i of a transfer gives ``y_i = f(x) * gain_i + offset_i`` with
``gain_i = 1 + N(0, gain_sigma)`` and ``offset_i = N(0, offset_sigma)`` (both
clipped at 3 sigma), drawn deterministically from the chip id
(:func:`draw_mismatch`). Units: V mV, t us, C pF, g uS, I nA (hardware time and
hardware voltages: a membrane lives between ~300 and ~1000 mV).

Inverse maps (:meth:`Transfer.to_dac`) go from a model value to the DAC value
(CapMem 0..1022), rounding, and raise ValueError naming the parameter and the
reachable range when the value is infeasible (or clip when asked to).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Tuple

import numpy as np
from halco.capmem import CapMemBlockOnDLS
from halco.neuron import AtomicNeuronOnDLS

__all__ = ["Transfer", "TRANSFERS", "TRANSFERS_BY_NAME", "CONSTANTS", "draw_mismatch", "chip_model_digest",
           "transfer_table_markdown", "constants_table_markdown", "refractory_ticks",
           "refractory_time_us", "NUM_NEURONS", "NUM_QUADRANTS", "CAPMEM_MAX", "MISMATCH_EXTRA"]

NUM_NEURONS = AtomicNeuronOnDLS.size
#: one shared CapMem block per quadrant
NUM_QUADRANTS = CapMemBlockOnDLS.size
CAPMEM_MAX = 1022

_FORMS = ("affine", "linear", "reciprocal")


@dataclass(frozen=True)
class Transfer:
    """One analog parameter: source -> model quantity (see the module doc)."""

    name: str            # unique key (the CapMem row name where there is one)
    source: str          # "capmem" (per-neuron row), "shared" (shared cell per quadrant),
                         # "field" (digital register field), "constant" (no input), "adc"
    cell: str            # CapMem row / shared cell / "Register.field" / "-"
    parameter: str       # model quantity of the kernel
    unit: str
    form: str
    c0: float
    c1: float
    lo: int = 0          # valid input range
    hi: int = CAPMEM_MAX
    gain_sigma: float = 0.0
    offset_sigma: float = 0.0
    instances: str = "neuron"   # "neuron" (512), "quadrant" (4), "chip" (1)
    doc: str = ""
    y_min: float = -np.inf      # output saturation (a buffer's rails), applied after mismatch
    y_max: float = np.inf

    def __post_init__(self):
        if self.form not in _FORMS:
            raise ValueError(f"{self.name}: unknown form {self.form!r}")
        if self.instances not in ("neuron", "quadrant", "chip"):
            raise ValueError(f"{self.name}: unknown instances {self.instances!r}")

    @property
    def count(self) -> int:
        return {"neuron": NUM_NEURONS, "quadrant": NUM_QUADRANTS, "chip": 1}[self.instances]

    def _f(self, x):
        x = np.asarray(x, dtype=np.float64)
        if self.form == "affine":
            return self.c0 + self.c1 * x
        if self.form == "linear":
            return self.c1 * x
        return self.c1 / (x + self.c0)

    @property
    def saturates(self) -> bool:
        return bool(np.isfinite(self.y_min) or np.isfinite(self.y_max))

    def nominal(self, x):
        """f(x) without mismatch, within the saturation limits (array-friendly)."""
        return np.clip(self._f(x), self.y_min, self.y_max)

    def forward(self, x, gain=1.0, offset=0.0):
        """Model value of input ``x`` for an instance with ``gain`` and ``offset``
        (saturated at ``y_min`` / ``y_max``)."""
        return np.clip(self._f(x) * gain + offset, self.y_min, self.y_max)

    def _inverse_nominal(self, y):
        y = np.asarray(y, dtype=np.float64)
        if self.form == "affine":
            return (y - self.c0) / self.c1
        if self.form == "linear":
            return y / self.c1
        with np.errstate(divide="ignore"):
            return self.c1 / y - self.c0

    def range(self, gain=1.0, offset=0.0) -> Tuple[float, float]:
        """Reachable (min, max) model value over the valid inputs."""
        a, b = self.forward(self.lo, gain, offset), self.forward(self.hi, gain, offset)
        return (float(np.minimum(a, b)), float(np.maximum(a, b)))

    def to_dac(self, y, gain=1.0, offset=0.0, clip: bool = False):
        """Input (DAC value / setting, int) that gives model value ``y``.

        Raises ValueError naming the parameter and its reachable range if some
        value is infeasible (outside the input range or the saturation limits),
        unless ``clip`` (then the nearest valid input).
        """
        y = np.asarray(y, dtype=np.float64)
        x = np.rint(self._inverse_nominal((y - offset) / gain))
        bad = ~np.isfinite(x) | (x < self.lo) | (x > self.hi) | (y < self.y_min) | (y > self.y_max)
        if np.any(bad) and not clip:
            i = int(np.flatnonzero(np.atleast_1d(bad))[0])
            lo, hi = self.range(np.atleast_1d(np.broadcast_to(gain, y.shape))[i] if np.ndim(gain) else gain,
                                np.atleast_1d(np.broadcast_to(offset, y.shape))[i] if np.ndim(offset) else offset)
            val = np.atleast_1d(y)[i]
            raise ValueError(f"{self.parameter} = {val} {self.unit} (index {i}) is outside the reachable "
                             f"range [{lo:.6g}, {hi:.6g}] {self.unit} of {self.cell}")
        x = np.where(np.isfinite(x), x, self.hi)
        if self.saturates:
            # beyond a rail every input past it gives the rail: take the end of the input range
            rising = self._f(self.hi) >= self._f(self.lo)
            x = np.where(y <= self.y_min, self.lo if rising else self.hi, x)
            x = np.where(y >= self.y_max, self.hi if rising else self.lo, x)
        return np.clip(x, self.lo, self.hi).astype(np.int64)


# --- voltage cells -------------------------------------------------------------------------
# A CapMem voltage cell drives the threshold comparator (and the COBA reversal inputs)
# directly: CAPMEM_MV_PER_LSB per step above CAPMEM_MV_AT_ZERO.  The leak, reset, exponential
# and adaptation references reach the membrane through a source-follower buffer: the same
# step, BUFFER_DROP_LSB lower, held within the buffer's rails BUFFER_RAILS_MV.  Equal LSB in
# a threshold and a leak cell are therefore NOT equal voltages: threshold 300 ~ leak 620 (the
# public tutorials: "a lower threshold setting of 300 may correspond to a higher leak
# potential of 700"; leak 530 rests at MADC ~300 below threshold 250 read at ~350; threshold
# 600 fires at MADC ~750; docs/hxsim-raw-behaviour.md derives every number).
CAPMEM_MV_PER_LSB = 1.143
CAPMEM_MV_AT_ZERO = 164.0
BUFFER_DROP_LSB = 320.0
BUFFER_RAILS_MV = (50.0, 900.0)
#: (CapMem LSB of a plain voltage cell, CADC code) the CADC ramp is calibrated to (public calix:
#: the dynamic range CapMem 70..550 reads 20..220)
CADC_ANCHORS = ((70.0, 20.0), (550.0, 220.0))


def _cadc_coefficients() -> Tuple[float, float]:
    (x0, k0), (x1, k1) = CADC_ANCHORS
    v0, v1 = CAPMEM_MV_AT_ZERO + CAPMEM_MV_PER_LSB * x0, CAPMEM_MV_AT_ZERO + CAPMEM_MV_PER_LSB * x1
    mv_per_code = (v1 - v0) / (k1 - k0)
    return v0 - k0 * mv_per_code, mv_per_code


_CADC_C0, _CADC_C1 = _cadc_coefficients()
#: The synaptic strength, anchored on the chip: with the default spiking calibration
#: (tau_mem = tau_syn = 10 us, membrane capacitor 63 = 2.3 pF, i_synin_gm 500, synapse DAC
#: bias 600) one input of weight w lifts the membrane by about 0.78 w MADC LSB = mV, linearly
#: up to weight 288 (the solution figure of brainscales2-demos ts_06-dynamic_range.rst: +226 at
#: 288; the calibrated DAC biases sit a few percent below 600, as calix matches the quadrants
#: to the weakest, hence 0.80 nominal). The tutorials' networks need that strength: four
#: coincident weight-63 inputs fire a calibrated neuron (gs_06's OR gate), five of weight 30
#: fire the synfire chain's inhibitory groups (gs_04-1), the sudoku's noise drives its
#: winner-take-all (fp_sudoku).
PSP_ANCHOR = dict(mv_per_weight=0.80, tau_us=10.0, capacitance_pf=2.3, i_synin_gm=500.0, dac_bias=600.0)
#: CUBA current jump per weight LSB and gm LSB (nA, full synapse DAC bias): a CUBA PSP with
#: tau_syn = tau_mem = tau peaks at I0 tau / (e C), so I0 = e C PSP / tau (1.70 pA)
_SYNIN_GM_NA = (np.e * PSP_ANCHOR["capacitance_pf"] * PSP_ANCHOR["mv_per_weight"] / PSP_ANCHOR["tau_us"]
                / (PSP_ANCHOR["i_synin_gm"] * PSP_ANCHOR["dac_bias"] / 1022.0))
#: COBA conductance jump per weight LSB and COBA-bias LSB (uS): the CUBA jump's charge at a
#: driving force of 274 mV (the ratio calix's COBA ranges are sized for)
_SYNIN_COBA_US = _SYNIN_GM_NA / 274.3
_V_DIRECT = dict(form="affine", c0=CAPMEM_MV_AT_ZERO, c1=CAPMEM_MV_PER_LSB, gain_sigma=0.02,
                 offset_sigma=15.0, unit="mV")
_V_BUFFERED = dict(_V_DIRECT, c0=CAPMEM_MV_AT_ZERO - CAPMEM_MV_PER_LSB * BUFFER_DROP_LSB,
                   y_min=BUFFER_RAILS_MV[0], y_max=BUFFER_RAILS_MV[1])

#: The transfer table. Order does not matter; names are unique.
TRANSFERS: Tuple[Transfer, ...] = (
    # --- voltages (per-neuron CapMem rows) ----------------------------------------------------
    Transfer("v_leak", "capmem", "v_leak", "E_leak", **_V_BUFFERED,
             doc="leak (resting) potential, through the reference buffer"),
    Transfer("v_reset", "capmem", "v_reset", "V_reset", **_V_BUFFERED,
             doc="reset potential, through the reference buffer"),
    Transfer("v_threshold", "capmem", "v_threshold", "V_threshold", **_V_DIRECT,
             doc="spike threshold of the comparator (the kernel's V_peak), the CapMem voltage itself"),
    Transfer("e_synin_exc_rev", "capmem", "e_synin_exc_rev", "E_exc", **_V_DIRECT,
             doc="excitatory reversal potential (COBA)"),
    Transfer("e_synin_inh_rev", "capmem", "e_synin_inh_rev", "E_inh", **_V_DIRECT,
             doc="inhibitory reversal potential (COBA)"),
    Transfer("v_exp", "capmem", "v_exp", "V_T", **_V_BUFFERED,
             doc="onset of the exponential term, through the reference buffer"),
    Transfer("v_adapt_ref", "capmem", "v_adapt_ref", "E_w", **_V_BUFFERED,
             doc="reference potential of the subthreshold adaptation a (V - E_w) and the "
             "baseline of the adaptation readout, through the reference buffer"),
    # --- currents -> conductances, time constants, strengths -----------------------------
    Transfer("i_bias_leak", "capmem", "i_bias_leak", "g_leak", "uS", "linear", 0.0, 0.0015,
             gain_sigma=0.05, doc="leak conductance; x0.25 with enable_leak_division, x4 with "
             "enable_leak_multiplication (tau_mem = C / g_leak: 10 us at 150 and C = 2.3 pF, "
             "~2-1000 us over the range, 0.4 us with multiplication)"),
    Transfer("i_bias_synin_exc_tau", "capmem", "i_bias_synin_exc_tau", "tau_exc", "us",
             "reciprocal", 0.2222, 1022.2, gain_sigma=0.05,
             doc="excitatory synaptic time constant (1 us at 1022, 100 us at 10); "
             "x4 with enable_synaptic_input_excitatory_high_resistance"),
    Transfer("i_bias_synin_inh_tau", "capmem", "i_bias_synin_inh_tau", "tau_inh", "us",
             "reciprocal", 0.2222, 1022.2, gain_sigma=0.05,
             doc="inhibitory synaptic time constant (as excitatory)"),
    Transfer("i_bias_synin_exc_gm", "capmem", "i_bias_synin_exc_gm", "cuba_gain_exc", "nA",
             "linear", 0.0, _SYNIN_GM_NA, gain_sigma=0.05,
             doc="CUBA: current jump per weight LSB at full synapse DAC bias (x0.25 without "
             "enable_synaptic_input_excitatory_small_capacitance)"),
    Transfer("i_bias_synin_inh_gm", "capmem", "i_bias_synin_inh_gm", "cuba_gain_inh", "nA",
             "linear", 0.0, _SYNIN_GM_NA, gain_sigma=0.05, doc="CUBA inhibitory (as excitatory)"),
    Transfer("i_bias_synin_exc_coba", "capmem", "i_bias_synin_exc_coba", "coba_gain_exc", "uS",
             "linear", 0.0, _SYNIN_COBA_US, gain_sigma=0.05,
             doc="COBA: conductance jump per weight LSB at full synapse DAC bias (x0.25 "
             "without small capacitance)"),
    Transfer("i_bias_synin_inh_coba", "capmem", "i_bias_synin_inh_coba", "coba_gain_inh", "uS",
             "linear", 0.0, _SYNIN_COBA_US, gain_sigma=0.05, doc="COBA inhibitory (as excitatory)"),
    Transfer("i_bias_adapt_tau", "capmem", "i_bias_adapt_tau", "tau_w", "us", "reciprocal",
             0.2222, 10222.0, gain_sigma=0.05,
             doc="adaptation time constant (10 us at 1022, 1000 us at 10)"),
    Transfer("i_bias_adapt_a", "capmem", "i_bias_adapt_a", "a", "uS", "linear", 0.0, 0.0002,
             gain_sigma=0.05, doc="subthreshold adaptation (sign flipped by invert_adaptation_a)"),
    Transfer("i_bias_adapt_b", "capmem", "i_bias_adapt_b", "b", "nA", "linear", 0.0, 0.01,
             gain_sigma=0.05, doc="spike-triggered adaptation, applied with "
             "NeuronBackendConfig.enable_adaptation_pulse (sign flipped by invert_adaptation_b)"),
    Transfer("i_bias_exp", "capmem", "i_bias_exp", "I_T", "nA", "linear", 0.0, 0.05,
             gain_sigma=0.05, doc="strength of the exponential current I_T exp((V - V_T)/delta_T)"),
    Transfer("i_mem_offset", "capmem", "i_mem_offset", "I_offset", "nA", "linear", 0.0, 0.05,
             gain_sigma=0.05, doc="constant current with enable_membrane_offset (a sink with "
             "invert_membrane_offset)"),
    Transfer("i_bias_nmda", "capmem", "i_bias_nmda", "g_mc", "uS", "linear", 0.0, 0.004,
             gain_sigma=0.05, doc="inter-compartment conductance with enable_multicomp_conductance "
             "(x4 with ..._multiplication, x0.25 with ..._division)"),
    Transfer("membrane_capacitor_size", "field", "NeuronConfig.membrane_capacitor_size", "C", "pF",
             "affine", 0.3, 2.0 / 63, lo=0, hi=63, gain_sigma=0.02,
             doc="membrane capacitance (0.3 pF parasitic + 63 steps up to 2.3 pF)"),
    Transfer("delta_T", "constant", "-", "delta_T", "mV", "affine", 2.0 * 2.5 * _CADC_C1, 0.0, lo=0, hi=0,
             gain_sigma=0.05, doc="slope factor of the exponential term (fixed by the circuit; "
             "2 mV of PyNN's AdEx at the biological mapping of 6.86 hardware mV per mV)"),
    # --- shared cells (one per CapMem block = quadrant) ------------------------------------
    Transfer("syn_i_bias_dac", "shared", "syn_i_bias_dac", "synapse_dac", "1", "linear", 0.0,
             1.0 / 1022, gain_sigma=0.03, instances="quadrant",
             doc="synapse DAC bias of the 128 columns of a quadrant: the PSP scale "
             "(weight x this x the neuron's gain)"),
    Transfer("syn_i_bias_ramp", "shared", "syn_i_bias_ramp", "correlation_tau", "us", "reciprocal", 8.0,
             440.0, gain_sigma=0.05, instances="quadrant",
             doc="correlation sensors' time constant at time_calib 1.5 (x (1 + 0.2 (time_calib - 1.5)) per "
             "synapse): a larger ramp bias discharges faster; 5 us at 80 (the public default), 30 us at 6.7, "
             "55 us at 0 (an unwritten cell), 2 us at 212; one LSB is 1 / (bias + 8) of tau (coarse at long tau)"),
    Transfer("syn_i_bias_store", "shared", "syn_i_bias_store", "correlation_amplitude", "LSB", "affine", 4.28,
             -0.004, gain_sigma=0.05, instances="quadrant", y_min=0.0,
             doc="CADC LSB one pre/post pair at dt = 0 adds to a correlation sensor at amp_calib 1.5 (x (1 + 0.2 "
             "(amp_calib - 1.5)) and the synapse's correlation_gain): 4 at 70 (the public default), 0.19 at 1022, "
             "4.28 at 0"),
    # --- ADCs (code -> mV) -------------------------------------------------------------------
    Transfer("cadc", "adc", "CADCSampleQuad", "V_cadc", "mV", "affine", _CADC_C0, _CADC_C1, lo=0,
             hi=255, gain_sigma=0.0, instances="chip",
             doc=f"CADC: code = (V - {_CADC_C0:.4g} mV) / {_CADC_C1:.4g} mV + channel offset (mismatch + "
             "CADCChannelConfig.offset), clipped to 0..255; a plain CapMem voltage cell at 70 reads 20, "
             "at 550 reads 220 (calix's CADC calibration range)"),
    Transfer("madc", "adc", "MADCSample", "V_madc", "mV", "affine", 100.0, 1.0, lo=0, hi=1023,
             gain_sigma=0.0, instances="chip",
             doc="MADC: code = (V - 100 mV) / 1 mV, clipped to 0..1023"),
)

TRANSFERS_BY_NAME: Dict[str, Transfer] = {t.name: t for t in TRANSFERS}
if len(TRANSFERS_BY_NAME) != len(TRANSFERS):
    raise ValueError("transfer names must be unique")

#: Named constants of the analog model (loaded by the C++ core by name).
CONSTANTS: Dict[str, float] = {
    "leak_division_factor": 0.25,
    "leak_multiplication_factor": 4.0,
    "synin_large_capacitance_gain": 0.25,
    "synin_high_resistance_tau_factor": 4.0,
    "multicomp_multiplication_factor": 4.0,
    "multicomp_division_factor": 0.25,
    "backend_clock_mhz": 250.0,            # refractory clock = this / 2^(scale+1)
    "background_clock_mhz": 250.0,         # BackgroundSpikeSource.period counts these ticks
    "madc_sample_period_ns": 34.0,         # ~29.4 MSa/s; x (madc_clock_scale_value+1) when scaled
    "madc_cadc_noise_lsb": 0.0,            # ADC quantisation only (no extra ADC noise)
    "readout_synin_baseline_mv": 300.0,    # synaptic-input readout: baseline + scale * g
    "readout_synin_mv_per_na": 10.0,       # CUBA (g in nA)
    "readout_synin_mv_per_us": 5000.0,     # COBA (g in uS)
    "readout_adaptation_mv_per_na": 10.0,
    "stp_tau_rec_unit_us": 1.0,            # tau_rec = unit * (recovery+1) * (recovery_clock_speed+1)
    "correlation_reset_code": 220.0,       # CADC code of a freshly reset sensor
    "correlation_calib_step": 0.2,         # relative change per time_calib / amp_calib step
                                           # (tau and amplitude per block: syn_i_bias_ramp/_store)
    "default_noise_mv_per_sqrt_us": 0.5,   # membrane noise with noise=True
}

#: Mismatch arrays that are not per-transfer: (name, shape, kind, sigma, doc)
MISMATCH_EXTRA = (
    ("synapse_gain", (2, 256, 256), "gain", 0.05, "weight gain per synapse (hemisphere, row, column)"),
    ("correlation_gain", (2, 256, 256), "gain", 0.05, "correlation sensor amplitude per synapse"),
    ("cadc_gain", (2, 2, 256), "gain", 0.01, "CADC gain per channel (hemisphere, causal/acausal, column)"),
    ("cadc_offset", (2, 2, 256), "offset", 3.0, "CADC offset per channel, LSB"),
    ("madc_gain", (1,), "gain", 0.01, "MADC gain"),
    ("madc_offset", (1,), "offset", 2.0, "MADC offset, LSB"),
)


@lru_cache(maxsize=1)
def chip_model_digest() -> str:
    """sha256 (hex) of the nominal chip model: every transfer (coefficients, ranges,
    saturation, mismatch sigmas), the constants and the extra mismatch arrays.
    Anything calibrated against one model is stale under another (calix keys its
    result cache with it)."""
    import hashlib
    import json
    from dataclasses import asdict

    def _plain(v):
        return repr(float(v)) if isinstance(v, float) else v

    model = {"transfers": [{k: _plain(v) for k, v in asdict(t).items()} for t in TRANSFERS],
             "constants": {k: repr(float(v)) for k, v in CONSTANTS.items()},
             "mismatch_extra": [[n, list(s), k, repr(float(sig))] for n, s, k, sig, _ in MISMATCH_EXTRA]}
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()


def refractory_time_us(ticks, clock_scale) -> np.ndarray:
    """Refractory time (us) of ``ticks`` of a backend clock with ``clock_scale``."""
    f = CONSTANTS["backend_clock_mhz"] / 2.0 ** (np.asarray(clock_scale) + 1)
    return np.asarray(ticks) / f


def refractory_ticks(t_ref_us, clock_scale) -> np.ndarray:
    """NeuronBackendConfig.refractory_time for ``t_ref_us`` (rounded); ValueError if > 255."""
    f = CONSTANTS["backend_clock_mhz"] / 2.0 ** (np.asarray(clock_scale) + 1)
    t = np.rint(np.asarray(t_ref_us) * f).astype(np.int64)
    if np.any((t < 0) | (t > 255)):
        raise ValueError(f"t_ref = {t_ref_us} us needs {t} ticks at clock_scale {clock_scale}; "
                         f"the counter holds 0..255 (use a slower clock)")
    return t


def _rng(chip_id: int, tag: str) -> np.random.Generator:
    # One independent stream per (chip, quantity): adding a quantity never changes the others.
    return np.random.default_rng(np.random.SeedSequence(
        entropy=int(chip_id) & (2**64 - 1), spawn_key=(zlib.crc32(tag.encode()),)))


def _draw(chip_id, tag, shape, sigma):
    if sigma == 0:
        return np.zeros(shape)
    return np.clip(_rng(chip_id, tag).standard_normal(shape), -3.0, 3.0) * sigma


def draw_mismatch(chip_id: int, ideal: bool = False) -> Dict[str, np.ndarray]:
    """The fixed-pattern mismatch of chip ``chip_id`` (deterministic).

    Keys ``"<transfer>.gain"`` / ``"<transfer>.offset"`` (per instance: 512
    neurons in AtomicNeuronOnDLS order, 4 quadrants or 1) and the extra arrays
    of :data:`MISMATCH_EXTRA`. Gains are factors around 1, offsets are in the
    transfer's unit (LSB for the ADCs). ``ideal``: gains 1, offsets 0.
    """
    out: Dict[str, np.ndarray] = {}
    for t in TRANSFERS:
        n = t.count
        out[f"{t.name}.gain"] = 1.0 + (0.0 if ideal else _draw(chip_id, t.name + ".gain", n, t.gain_sigma)) * np.ones(n)
        out[f"{t.name}.offset"] = (0.0 if ideal else _draw(chip_id, t.name + ".offset", n, t.offset_sigma)) * np.ones(n)
    for name, shape, kind, sigma, _ in MISMATCH_EXTRA:
        d = np.zeros(shape) if ideal else _draw(chip_id, name, shape, sigma)
        out[name] = 1.0 + d if kind == "gain" else d
    return out


_FORM_TEXT = {"affine": "c0 + c1·x", "linear": "c1·x", "reciprocal": "c1 / (x + c0)"}


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def transfer_table_markdown() -> str:
    """The transfer table as a markdown table (docs/hxsim-analog.md embeds it)."""
    rows = ["| name | source | cell / field | model quantity | unit | form | c0 | c1 | input range "
            "| reachable (nominal) | mismatch gain σ | offset σ | per |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in TRANSFERS:
        lo, hi = t.range()
        rows.append(f"| `{t.name}` | {t.source} | `{t.cell}` | {t.parameter} | {t.unit} | "
                    f"{_FORM_TEXT[t.form]} | {_fmt(t.c0)} | {_fmt(t.c1)} | {t.lo}..{t.hi} | "
                    f"{_fmt(lo)} .. {_fmt(hi)} | "
                    f"{f'{_fmt(100 * t.gain_sigma)} %' if t.gain_sigma else '–'} | "
                    f"{f'{_fmt(t.offset_sigma)} {t.unit}' if t.offset_sigma else '–'} | {t.instances} |")
    rows.append("")
    for t in TRANSFERS:
        rows.append(f"* `{t.name}`: {t.doc}.")
    return "\n".join(rows) + "\n"


def constants_table_markdown() -> str:
    rows = ["| constant | value |", "|---|---|"]
    rows += [f"| `{k}` | {_fmt(v)} |" for k, v in CONSTANTS.items()]
    rows.append("")
    rows += ["| mismatch array | shape | kind | σ | |", "|---|---|---|---|---|"]
    rows += [f"| `{n}` | {s} | {k} | {_fmt(sig)} | {d} |" for n, s, k, sig, d in MISMATCH_EXTRA]
    return "\n".join(rows) + "\n"


DOC_BEGIN = "<!-- transfer-table:begin -->\n"
DOC_END = "<!-- transfer-table:end -->"


def update_doc(path) -> bool:
    """Rewrite the generated table section of docs/hxsim-analog.md; True if it changed."""
    import pathlib
    path = pathlib.Path(path)
    text = path.read_text()
    if DOC_BEGIN not in text or DOC_END not in text:
        raise ValueError(f"{path} lacks the markers {DOC_BEGIN.strip()} / {DOC_END}")
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    new = head + DOC_BEGIN + transfer_table_markdown() + "\n" + constants_table_markdown() + DOC_END + tail
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":  # python -m chipmodel.transfer --update-doc
    import pathlib
    import sys
    if sys.argv[1:] == ["--update-doc"]:
        doc = pathlib.Path(__file__).resolve().parents[1] / "docs" / "hxsim-analog.md"
        print(("updated " if update_doc(doc) else "unchanged ") + str(doc))
    else:
        print(transfer_table_markdown())
        print(constants_table_markdown())
