"""PyNN's ``STDPMechanism`` (spike-pair rule; additive or multiplicative weight dependence)
as a PPU kernel over the correlation sensors, in biological units (docs/pynn.md "STDP").

Every synapse of the chip has a causal and an acausal correlation sensor: a post spike adds
``amp exp(-(t_post - t_pre) / tau)`` to the causal one (t_pre the synapse's last pre spike), a
pre spike ``amp exp(-(t_pre - t_post) / tau)`` to the acausal one (t_post the neuron's last
spike): nearest-neighbour spike pairs, one ``tau`` per sensor.  The CADC reads them as
``baseline - accumulation``.  One kernel (:class:`STDPRule`, compiled once: its parameters are
PPU symbols) serves all STDP projections of a network: a call at the start of each run takes
the empty sensors' readings, then a call every ``KERNEL_PERIOD_MS`` (hardware) and one just
before the run ends.  A row of sensors is read out, for every projection on it at once (a
correlation reset acts on whole quads of columns), when one of its sensors holds ``FLUSH_LSB``
or at the last call; then the kernel resets it and adds

* additive (PyNN, NEST ``mu = 0``):  ``dw = A_plus w_max K+ - A_minus w_max K-``
* multiplicative (PyNN):             ``dw = A_plus (w_max - w) K+ - A_minus (w - w_min) K-``,
  per readout ``(w_max - w) f(A_plus K+) - (w - w_min) f(A_minus K-)`` with ``f(x) = x / (1 +
  x / 2)`` (~ ``1 - exp(-x)``, at most 1): the rule pair by pair moves the weight exponentially
  towards its bound, and a readout sums many pairs

with ``K = accumulation / amp`` (the sum of ``exp(-|dt| / tau)`` over the pairs since the last
readout), in hardware weight units (``w_hw = k w``, ``k`` = the hardware LSB per model unit of
the post neuron, :mod:`.biological_weights`), rounded stochastically (a xorshift32 in the
kernel) and clipped to ``[ceil(k w_min), floor(k w_max)]``.  The CADC rounds each reading to an
LSB (~0.23 pair at dt = 0): reading once per many pairs keeps that error small.  The
multiplicative factor uses the weight at the readout.  The call count of a run is a symbol
(``stdp_call``) the host writes 0 at every run: the kernel's globals live on across runs, and
a count over runs made every call of a later run its last (a readout, and a CADC rounding, per
pair).  After the run grenade reads the weights back (``read_weights``) and they become the
projections' model weights.

Time constants: the sensors' ``tau`` is set per CapMem quadrant by the ramp bias
(``syn_i_bias_ramp``), which a correlation calibration (:mod:`calix.spiking.correlation`,
cached) searches for the projections' ``tau`` before the run, together with the store bias
for the amplitude ``STDP_AMPLITUDE_LSB``; the synapses' 2-bit trims stay at ``TIME_CALIB`` /
``AMP_CALIB``.  The calibration reaches 2..30 us hardware (= ms biological at the 1000x
speed-up).  One ramp bias serves the causal and the acausal sensors of a quadrant (as on the
chip, where calix calibrates both branches with one bias), and one calibration all STDP
projections of a network: ``tau_plus`` must equal ``tau_minus``, and all STDP projections
need the same value.  Values outside 2..30 ms, or ``tau_plus != tau_minus``, raise ValueError
unless ``setup(stdp_time_constants="nearest")`` realises the nearest feasible value of their
mean (with an :class:`STDPWarning`).
"""
from __future__ import annotations

import math
import textwrap
import warnings
from typing import Dict, Tuple

import numpy as np

from .plasticity_rules import PlasticityRule, Timer

__all__ = ["STDPWarning", "STDPRule", "PARAMETERS", "KERNEL_PERIOD_MS", "sensor_time_constant",
           "sensor_time_constant_range_us", "sensor_target", "sensor_options", "check", "stdp_reference"]

PARAMETERS = ("tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max", "dendritic_delay_fraction")
#: hardware ms between two kernel calls (100 ms biological): long against tau (few pairs cross a
#: call), short against learning; at 40 Hz pre and post about 16 pairs per period, far from the
#: sensors' saturation (~50 pairs at dt = 0)
KERNEL_PERIOD_MS = 0.1
#: the synapses' correlation trims under STDP: the largest ones, so that the quadrant's ramp
#: bias is largest (its steps are 1 / (bias + 8) of tau: finest) and the store bias reaches
#: STDP_AMPLITUDE_LSB in every quadrant
TIME_CALIB = 3
AMP_CALIB = 3
#: CADC LSB one spike pair at dt = 0 adds to a sensor (the correlation calibration's target)
STDP_AMPLITUDE_LSB = 4.4
#: a row's sensors are applied and reset once one of them holds this many CADC LSB (~14 pairs
#: at dt = 0), or at the last call of a run
FLUSH_LSB = 64
FIXED_ONE = 1 << 8          # weights in the kernel: hardware LSB x 256
COEFF_ONE = 1 << 16         # A / amp in the kernel: x 2^16


class STDPWarning(UserWarning):
    """An STDP time constant realised differently from what was asked (sensor time constants)."""


def sensor_time_constant_range_us() -> Tuple[float, float]:
    """(lowest, highest) sensor time constant (hardware us) the correlation calibration reaches."""
    from calix.spiking.correlation import FEASIBLE_TIME_CONSTANT_US
    return tuple(float(x) for x in FEASIBLE_TIME_CONSTANT_US)


def sensor_amplitude_lsb() -> float:
    """CADC LSB one spike pair at dt = 0 adds to a sensor (calibrated per quadrant)."""
    return STDP_AMPLITUDE_LSB


def sensor_time_constant(tau_plus: float, tau_minus: float, speedup: float, mode: str, what: str) -> float:
    """The sensors' time constant (user ms) for ``tau_plus``/``tau_minus`` (user ms): their value
    if they are equal and within the calibration's range; else ValueError, unless ``mode ==
    "nearest"``: then the nearest feasible value of their mean, with an STDPWarning."""
    lo_us, hi_us = sensor_time_constant_range_us()
    lo, hi = lo_us * speedup / 1000.0, hi_us * speedup / 1000.0          # user ms
    outside = [v for v in (tau_plus, tau_minus) if not lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
    unequal = abs(tau_plus - tau_minus) > 1e-9 * max(tau_plus, tau_minus)
    if mode != "nearest":
        if outside:
            raise ValueError(f"{what}: SpikePairRule tau = {outside[0]:g} ms cannot be realised: the correlation "
                             f"sensors' time constant is calibrated within {lo:g}..{hi:g} ms (the ramp bias of a "
                             f"CapMem quadrant); setup(stdp_time_constants='nearest') realises the nearest end")
        if unequal:
            raise ValueError(f"{what}: SpikePairRule tau_plus = {tau_plus:g} ms and tau_minus = {tau_minus:g} ms "
                             f"differ: the causal and acausal correlation sensors share one time constant (one ramp "
                             f"bias per CapMem quadrant serves both branches); use equal values, or "
                             f"setup(stdp_time_constants='nearest') to realise their mean")
    real = float(min(max(0.5 * (tau_plus + tau_minus), lo), hi))
    if abs(real - tau_plus) > 1e-6 * real or abs(real - tau_minus) > 1e-6 * real:
        warnings.warn(f"{what}: SpikePairRule tau_plus = {tau_plus:g} ms, tau_minus = {tau_minus:g} ms realised as "
                      f"{real:g} ms for both (the correlation sensors' time constant: one per quadrant, "
                      f"{lo:g}..{hi:g} ms)", STDPWarning, stacklevel=4)
    return real


def sensor_target(projections, speedup: float, mode: str):
    """The :class:`calix.spiking.correlation.CorrelationCalibTarget` of the sensors for the STDP
    ``projections`` (None without any): their time constant in hardware us, STDP's amplitude.
    NotImplementedError when the projections need different time constants."""
    from calix.spiking.correlation import CorrelationCalibTarget
    taus = {}
    for prj in projections:
        tau = sensor_time_constant(homogeneous(prj, "tau_plus"), homogeneous(prj, "tau_minus"), speedup, mode,
                                   prj._describe())
        taus.setdefault(round(tau, 9), []).append(prj._describe())
    if not taus:
        return None
    if len(taus) > 1:
        raise NotImplementedError(
            "STDPMechanism projections with different time constants in one network: the sensors' time constant is "
            f"one calibration for all STDP synapses here (asked: {sorted(taus)} ms); use one tau for all")
    tau_user = next(iter(taus))
    return CorrelationCalibTarget(amplitude=STDP_AMPLITUDE_LSB, time_constant=round(tau_user * 1000.0 / speedup, 9))


def sensor_options():
    """The correlation calibration's options under STDP (the trims TIME_CALIB, AMP_CALIB)."""
    from calix.spiking.correlation import CorrelationCalibOptions
    return CorrelationCalibOptions(default_amp_calib=AMP_CALIB, default_time_calib=TIME_CALIB)


def check(what: str, name: str, values) -> np.ndarray:
    """``values`` of STDP parameter ``name`` as floats; ValueError naming the projection."""
    v = np.asarray(values, dtype=float)
    if v.size and not np.all(np.isfinite(v)):
        raise ValueError(f"{what}: STDPMechanism {name} must be finite")
    if name in ("tau_plus", "tau_minus") and v.size and np.any(v <= 0):
        raise ValueError(f"{what}: SpikePairRule {name} = {v[v <= 0].ravel()[0]:g} ms must be positive")
    if name in ("A_plus", "A_minus") and v.size and np.any(v < 0):
        raise ValueError(f"{what}: SpikePairRule {name} = {v[v < 0].ravel()[0]:g} must be >= 0 (the sign of each "
                         f"branch is fixed: A_plus potentiates, A_minus depresses)")
    if name in ("w_min", "w_max") and v.size and np.any(v < 0):
        raise ValueError(f"{what}: weight dependence {name} = {v[v < 0].ravel()[0]:g} must be >= 0 (weights are "
                         f"magnitudes; the receptor gives the sign)")
    if name == "dendritic_delay_fraction" and v.size and np.any((v < 0) | (v > 1)):
        raise ValueError(f"{what}: STDPMechanism dendritic_delay_fraction must lie in [0, 1]")
    return v


def homogeneous(projection, name: str) -> float:
    """The one value of per-connection STDP parameter ``name`` of ``projection``; NotImplementedError
    if the connections differ (one kernel per projection with its constants)."""
    v = np.asarray(projection._stdp[name], float)
    if v.size and np.ptp(v) > 1e-12 * max(1.0, float(np.max(np.abs(v)))):
        raise NotImplementedError(f"{projection._describe()}: STDPMechanism {name} differs between connections "
                                  f"({v.min():g}..{v.max():g}): the kernel of a projection has one value; use one "
                                  f"projection per value")
    return float(v[0]) if v.size else 0.0


class _RunTimer(Timer):
    """A call at the start of each run (the sensors' baseline), then every ``KERNEL_PERIOD_MS``, the
    last one FPGA cycle before the run ends."""

    def __init__(self):
        super().__init__(start=0.0, period=KERNEL_PERIOD_MS, num_periods=1)

    def schedule(self, snippet_begin: float, snippet_end: float):
        begin = self.to_ppu_cycles(snippet_begin)
        span = self.to_ppu_cycles(snippet_end) - begin - 2 * 2        # the last call 2 FPGA cycles before the end
        if span <= 0:
            return begin, 1, 1
        n = max(1, math.ceil(span / self.to_ppu_cycles(KERNEL_PERIOD_MS)))
        return begin, span // n, n + 1


MAX_PROJECTIONS = 4        # the kernel's parameter tables: 2 KiB of PPU memory per projection
RNG_SEED = 2463534242

KERNEL = textwrap.dedent("""
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "grenade/vx/ppu/neuron_view_handle.h"
    #include "libnux/vx/dls.h"
    #include <array>
    #include <cstdint>

    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;

    // PyNN's STDPMechanism (SpikePairRule; additive or multiplicative weight dependence) over the
    // correlation sensors, all STDP projections of a network in one kernel (pynn_brainscales stdp.py).
    // PPU symbols, written before the run: per projection p
    int32_t stdp_a_plus[{P}];                  // A_plus / amp per accumulated CADC LSB, x 2^16
    int32_t stdp_a_minus[{P}];
    uint32_t stdp_multiplicative[{P}];
    int16_t stdp_w_max[{P}][2][256];           // weight bounds per (hemisphere, column): LSB x 256
    int16_t stdp_w_min[{P}][2][256];
    uint8_t stdp_handle_projection[64];        // the projection of each synapse handle
    uint32_t stdp_calls = 0;                   // calls of this run: the last applies what is left
    // calls made in this run: written 0 before every run (the globals live on from run to run,
    // and a count over runs would make every call of a later run its "last": a readout per pair)
    uint32_t stdp_call = 0;
    // readings of the empty sensors per (causal / acausal, column), taken at the first call of a run
    int16_t baseline[2][256];
    uint32_t rng = {seed}u;

    static uint32_t next_random()
    {{
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
    }}

    // 1 - exp(-x) for x >= 0 (both x 2^16) as x / (1 + x / 2) (within 0.04 for x <= 1), at most 1
    static int64_t approach(int64_t x)
    {{
        int64_t const f = (x << 17) / ((1 << 17) + x);
        return f > (1 << 16) ? (1 << 16) : f;
    }}

    template <size_t N, size_t M>
    void PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, N>& synapses, std::array<NeuronViewHandle, M>&)
    {{
        // a correlation reset acts on whole rows of sensors (quads of columns): a row is read out
        // for every projection on it at once, when one of its sensors holds {flush} LSB or at the
        // last call (one CADC rounding per many pairs)
        bool read_out[256] = {{}};
        bool const last = stdp_call + 1 >= stdp_calls;
        if (stdp_call == 0) {{
            for (size_t col = 0; col < 256; ++col) {{
                baseline[0][col] = baseline[1][col] = 0;
            }}
        }}
        for (auto const& syn : synapses) {{
            if (syn.hemisphere != ppu) {{
                continue;
            }}
            for (size_t j = 0; j < syn.rows.size(); ++j) {{
                auto const causal = syn.get_causal_correlation(j);
                auto const acausal = syn.get_acausal_correlation(j);
                for (auto const col : syn.columns) {{
                    if (stdp_call == 0) {{
                        baseline[0][col] = causal[col] > baseline[0][col] ? causal[col] : baseline[0][col];
                        baseline[1][col] = acausal[col] > baseline[1][col] ? acausal[col] : baseline[1][col];
                    }} else if (baseline[0][col] - causal[col] >= {flush} || baseline[1][col] - acausal[col] >= {flush}) {{
                        read_out[syn.rows[j]] = true;
                    }}
                }}
                if (stdp_call == 0) {{
                    syn.reset_correlation(j);
                }}
            }}
        }}
        if (stdp_call++ == 0) {{
            return;
        }}
        size_t k = 0;
        for (auto const& syn : synapses) {{
            size_t const p = stdp_handle_projection[k++];
            if (syn.hemisphere != ppu) {{
                continue;
            }}
            size_t const h = static_cast<size_t>(syn.hemisphere);
            int64_t const a_plus = stdp_a_plus[p], a_minus = stdp_a_minus[p];
            bool const multiplicative = stdp_multiplicative[p] != 0;
            for (size_t j = 0; j < syn.rows.size(); ++j) {{
                if (!last && !read_out[syn.rows[j]]) {{
                    continue;
                }}
                auto const causal = syn.get_causal_correlation(j);
                auto const acausal = syn.get_acausal_correlation(j);
                syn.reset_correlation(j);
                auto w = syn.get_weights(j);
                for (auto const col : syn.columns) {{
                    int64_t const kc = baseline[0][col] > causal[col] ? baseline[0][col] - causal[col] : 0;
                    int64_t const ka = baseline[1][col] > acausal[col] ? baseline[1][col] - acausal[col] : 0;
                    int64_t const w_fix = static_cast<int64_t>(w[col]) * {one};
                    int64_t const w_max = stdp_w_max[p][h][col], w_min = stdp_w_min[p][h][col];
                    // the change in hardware LSB x 2^24; multiplicative: the pairs since the last
                    // readout moved the weight towards its bound by 1 - exp(-A K) of the distance
                    // (pair by pair), not A K of the distance at the readout
                    int64_t const dw = multiplicative
                        ? approach(a_plus * kc) * (w_max - w_fix) - approach(a_minus * ka) * (w_fix - w_min)
                        : (a_plus * kc - a_minus * ka) * w_max;
                    int64_t const r = next_random() >> 8;          // 24 random bits: stochastic rounding
                    int64_t const floor_dw = dw >= 0 ? dw >> 24 : -((-dw + (1 << 24) - 1) >> 24);
                    int64_t updated = static_cast<int64_t>(w[col]) + floor_dw + (r < dw - floor_dw * (1 << 24) ? 1 : 0);
                    int64_t const hi = w_max / {one};                               // floor
                    int64_t const lo = (w_min + {one} - 1) / {one};                 // ceil
                    updated = updated > hi ? hi : (updated < lo ? lo : updated);
                    w[col] = static_cast<uint8_t>(updated);
                }}
                syn.set_weights(w, j);
            }}
        }}
    }}
    """)


def kernel_source() -> str:
    """C++ of the STDP kernel (the same for every network: its parameters are PPU symbols)."""
    return KERNEL.format(P=MAX_PROJECTIONS, seed=RNG_SEED, one=FIXED_ONE, flush=FLUSH_LSB)


def dependence(projection) -> str:
    """"additive" or "multiplicative": the weight dependence of an STDP projection."""
    from pyNN.standardmodels.synapses import MultiplicativeWeightDependence
    wd = projection.synapse_type.weight_dependence
    return "multiplicative" if isinstance(wd, MultiplicativeWeightDependence) else "additive"


class STDPRule(PlasticityRule):
    """The kernel of all STDP projections of a run (see the module doc): one kernel, so that a
    row of sensors shared by several projections is read out for all of them at once."""

    def __init__(self, projections):
        super().__init__(timer=_RunTimer())
        self._stdp_projections = list(projections)
        if len(self._stdp_projections) > MAX_PROJECTIONS:
            raise NotImplementedError(f"{len(self._stdp_projections)} STDPMechanism projections in one network: the "
                                      f"STDP kernel's parameter tables hold {MAX_PROJECTIONS} (PPU memory); merge "
                                      f"projections with equal parameters")

    def generate_kernel(self) -> str:
        return kernel_source()

    def coefficients(self, projection) -> Tuple[int, int]:
        """(A_plus, A_minus) / amp per accumulated CADC LSB, x 2^16 (rounded)."""
        amp = sensor_amplitude_lsb()
        return tuple(int(round(homogeneous(projection, n) / amp * COEFF_ONE)) for n in ("A_plus", "A_minus"))

    def symbols(self, scale, calls: int, descriptors) -> Dict[str, object]:
        """The kernel's PPU symbols for a run of ``calls`` calls under weight scale ``scale``;
        ``descriptors``: {grenade projection index: STDP projection}.  ``stdp_handle_projection``
        is a callable of the routed handles (grenade evaluates it)."""
        n = MAX_PROJECTIONS
        a_plus, a_minus, mult = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
        w_max = np.zeros((n, 2, 256), np.int64)
        w_min = np.zeros((n, 2, 256), np.int64)
        for p, prj in enumerate(self._stdp_projections):
            a_plus[p], a_minus[p] = self.coefficients(prj)
            mult[p] = dependence(prj) == "multiplicative"
            k, atoms = hardware_lsb_per_unit(prj, scale)
            hi = np.rint(k * homogeneous(prj, "w_max") * FIXED_ONE).astype(np.int64)
            lo = np.rint(k * homogeneous(prj, "w_min") * FIXED_ONE).astype(np.int64)
            if len(hi) and hi.max() > 63 * FIXED_ONE + FIXED_ONE // 2:
                raise ValueError(f"{prj._describe()}: w_max = {homogeneous(prj, 'w_max'):g} needs "
                                 f"{hi.max() / FIXED_ONE:.1f} hardware LSB, more than one synapse (63): STDP "
                                 f"connections take one synapse each; lower w_max or the other weights onto these "
                                 f"neurons")
            w_max[p, atoms // 256, atoms % 256] = np.minimum(hi, 63 * FIXED_ONE)
            w_min[p, atoms // 256, atoms % 256] = np.minimum(lo, 63 * FIXED_ONE)
        index = {d: self._stdp_projections.index(prj) for d, prj in descriptors.items()}

        def handle_projection(handles):
            out = np.zeros(64, np.uint8)
            for k, hd in enumerate(handles):
                out[k] = index[hd["projection"]]
            return out.tobytes()

        return {"stdp_a_plus": a_plus.astype("<i4").tobytes(), "stdp_a_minus": a_minus.astype("<i4").tobytes(),
                "stdp_multiplicative": mult.astype("<u4").tobytes(),
                "stdp_w_max": w_max.astype("<i2").tobytes(), "stdp_w_min": w_min.astype("<i2").tobytes(),
                "stdp_calls": np.uint32(calls).astype("<u4").tobytes(), "stdp_call": np.uint32(0).astype("<u4").tobytes(),
                "stdp_handle_projection": handle_projection}


def hardware_lsb_per_unit(projection, scale) -> Tuple[np.ndarray, np.ndarray]:
    """(hardware LSB per model weight unit, AtomicNeuronOnDLS enum) per connection of an STDP
    projection onto biological cells under weight scale ``scale``."""
    from .biological_weights import RECEPTORS, _per_connection, _post_roots
    r = RECEPTORS.index(projection.receptor_type)
    f = _per_connection(projection, scale.factor, r)
    cur = _per_connection(projection, scale.lsb_current, r)
    roots, root_of, idx = _post_roots(projection)
    atoms = np.zeros(len(idx), np.int64)
    for a, root in enumerate(roots):
        sel = root_of == a
        atoms[sel] = np.asarray(scale.atoms[root], np.int64)[idx[sel]]
    return f / cur, atoms


def needs_readout(causal, acausal, baseline, columns) -> bool:
    """Whether the kernel reads a row out at a call (not the first, not the last): one of its
    sensors at ``columns`` holds FLUSH_LSB."""
    c = np.asarray(columns)
    return bool(np.any(np.asarray(baseline[0], np.int64)[c] - np.asarray(causal, np.int64)[c] >= FLUSH_LSB)
                or np.any(np.asarray(baseline[1], np.int64)[c] - np.asarray(acausal, np.int64)[c] >= FLUSH_LSB))


def approach(x: int) -> int:
    """The kernel's ``1 - exp(-x)`` for ``x >= 0`` (both x 2^16): ``x / (1 + x / 2)``, at most 1:
    the fraction of the distance to its bound a multiplicative weight moves over the pairs of one
    readout (A K = x)."""
    return min((x << 17) // ((1 << 17) + x), 1 << 16)


def stdp_reference(w, causal, acausal, baseline, w_max, w_min, a_plus, a_minus, multiplicative, rng, columns):
    """The kernel's readout of one row of one projection in numpy (the same integers and random
    numbers): ``w``, ``causal``, ``acausal`` (256 by column), ``baseline`` ((2, 256)),
    ``w_max``/``w_min`` ((256,), LSB x 256), ``a_plus``/``a_minus`` (x 2^16); ``rng`` the
    xorshift32 state.  Returns (new weights, new state)."""
    w = np.asarray(w, np.int64).copy()
    for col in columns:
        kc = max(int(baseline[0][col]) - int(causal[col]), 0)
        ka = max(int(baseline[1][col]) - int(acausal[col]), 0)
        wf = int(w[col]) * FIXED_ONE
        if multiplicative:
            dw = approach(a_plus * kc) * (int(w_max[col]) - wf) - approach(a_minus * ka) * (wf - int(w_min[col]))
        else:
            dw = (a_plus * kc - a_minus * ka) * int(w_max[col])
        rng ^= (rng << 13) & 0xFFFFFFFF
        rng ^= rng >> 17
        rng ^= (rng << 5) & 0xFFFFFFFF
        fl = dw >> 24                                   # floor, as the kernel's
        up = int(w[col]) + fl + (1 if (rng >> 8) < dw - fl * (1 << 24) else 0)
        w[col] = min(max(up, -(-int(w_min[col]) // FIXED_ONE)), int(w_max[col]) // FIXED_ONE)
    return w, rng
