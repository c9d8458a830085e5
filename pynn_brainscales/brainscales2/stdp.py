"""PyNN's ``STDPMechanism`` (spike-pair rule; additive or multiplicative weight dependence)
as a PPU kernel over the correlation sensors, in biological units (docs/pynn.md "STDP").

Every synapse of the chip has a causal and an acausal correlation sensor: a post spike adds
``amp exp(-(t_post - t_pre) / tau)`` to the causal one (t_pre the synapse's last pre spike), a
pre spike ``amp exp(-(t_pre - t_post) / tau)`` to the acausal one (t_post the neuron's last
spike): nearest-neighbour spike pairs, one ``tau`` per sensor.  The CADC reads them as
``baseline - accumulation``.  Per STDP projection a generated kernel (:class:`STDPRule`) reads
the sensors of its synapses every ``KERNEL_PERIOD_MS`` (hardware; a final call just before the
run ends); once a sensor of a row holds ``FLUSH_LSB`` (or at the last call) it resets the row's
sensors and adds

* additive (PyNN, NEST ``mu = 0``):  ``dw = A_plus w_max K+ - A_minus w_max K-``
* multiplicative (PyNN):             ``dw = A_plus (w_max - w) K+ - A_minus (w - w_min) K-``

with ``K = accumulation / amp`` (the sum of ``exp(-|dt| / tau)`` over the period's pairs), in
hardware weight units (``w_hw = k w``, ``k`` = the projection's hardware LSB per model unit of
the post neuron, :mod:`.biological_weights`), rounded stochastically (a xorshift32 in the
kernel) and clipped to ``[ceil(k w_min), floor(k w_max)]``.  The CADC rounds each reading to
an LSB (~0.23 pair at dt = 0): reading once per many pairs keeps that error small.  The
multiplicative factor uses the weight at the readout.

Time constants: the sensors' ``tau`` is set by their 2-bit time calibration,
``tau = 5 us (1 + 0.2 (time_calib - 1.5))``: 3.5, 4.5, 5.5, 6.5 us hardware = ms biological.
One value serves both branches.  ``tau_plus``/``tau_minus`` are realised by the nearest code of
their mean (:func:`sensor_time_calib`), with an :class:`STDPWarning` when that is not what was
asked; values outside 3.5..6.5 ms raise ValueError unless ``setup(stdp_time_constants="nearest")``
accepts the nearest end of the range.
"""
from __future__ import annotations

import math
import textwrap
import warnings
from functools import lru_cache
from typing import Dict, Tuple

import numpy as np

from .plasticity_rules import PlasticityRule, Timer

__all__ = ["STDPWarning", "STDPRule", "PARAMETERS", "KERNEL_PERIOD_MS", "sensor_time_constants_us",
           "sensor_time_calib", "check", "stdp_reference"]

PARAMETERS = ("tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max", "dendritic_delay_fraction")
#: hardware ms between two kernel calls (100 ms biological): long against tau (few pairs cross a
#: call), short against learning; at 40 Hz pre and post about 16 pairs per period, far from the
#: sensors' saturation (~50 pairs at dt = 0)
KERNEL_PERIOD_MS = 0.1
#: amplitude calibration code of the STDP sensors (the nominal 1.5 is not a code; 2: 4.4 LSB/pair)
AMP_CALIB = 2
#: a row's sensors are applied and reset once one of them holds this many CADC LSB (~14 pairs
#: at dt = 0), or at the last call of a run
FLUSH_LSB = 64
FIXED_ONE = 1 << 8          # weights in the kernel: hardware LSB x 256
COEFF_ONE = 1 << 16         # A / amp in the kernel: x 2^16


class STDPWarning(UserWarning):
    """An STDP time constant realised differently from what was asked (sensor time constants)."""


@lru_cache(maxsize=None)
def _sensor_constants():
    from chipmodel import transfer
    c = transfer.CONSTANTS
    return (float(c["correlation_tau_us"]), float(c["correlation_calib_step"]), float(c["correlation_lsb_per_pair"]))


def sensor_time_constants_us() -> np.ndarray:
    """The sensors' time constants (hardware us) of time_calib 0..3."""
    tau, step, _ = _sensor_constants()
    return tau * (1 + step * (np.arange(4) - 1.5))


def sensor_amplitude_lsb(amp_calib: int = AMP_CALIB) -> float:
    """Nominal CADC LSB one spike pair at dt = 0 adds to a sensor."""
    _, step, lsb = _sensor_constants()
    return lsb * (1 + step * (amp_calib - 1.5))


def sensor_time_calib(tau_plus: float, tau_minus: float, speedup: float, mode: str, what: str) -> Tuple[int, float]:
    """(time_calib code, realised tau in the user's ms) for ``tau_plus``/``tau_minus`` (user ms).
    ValueError outside the sensors' range unless ``mode == "nearest"``; STDPWarning when the
    realised value differs from either."""
    taus = sensor_time_constants_us() * speedup / 1000.0          # user ms
    want = 0.5 * (tau_plus + tau_minus)
    lo, hi = taus[0], taus[-1]
    outside = [v for v in (tau_plus, tau_minus) if not lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
    if outside and mode != "nearest":
        raise ValueError(f"{what}: SpikePairRule tau = {outside[0]:g} ms cannot be realised: the correlation sensors' "
                         f"time constant is {lo:g}..{hi:g} ms (2-bit time calibration, {taus.round(3).tolist()} ms); "
                         f"setup(stdp_time_constants='nearest') realises it as the nearest of these")
    code = int(np.argmin(np.abs(taus - want)))
    real = float(taus[code])
    if abs(real - tau_plus) > 1e-6 * real or abs(real - tau_minus) > 1e-6 * real:
        warnings.warn(f"{what}: SpikePairRule tau_plus = {tau_plus:g} ms, tau_minus = {tau_minus:g} ms realised as "
                      f"{real:g} ms for both (the correlation sensors' time constants: {taus.round(3).tolist()} ms)",
                      STDPWarning, stacklevel=4)
    return code, real


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


KERNEL = textwrap.dedent("""
    #include "grenade/vx/ppu/synapse_array_view_handle.h"
    #include "grenade/vx/ppu/neuron_view_handle.h"
    #include "libnux/vx/dls.h"
    #include <array>
    #include <cstdint>

    using namespace grenade::vx::ppu;
    using namespace libnux::vx;
    extern volatile PPUOnDLS ppu;

    // STDPMechanism of {what}: SpikePairRule, {dependence} weight dependence
    // weight bounds per (hemisphere, column), hardware LSB x 256 (PPU symbols set before the run)
    int32_t stdp_w_max[2][256];
    int32_t stdp_w_min[2][256];
    // readings of the empty sensors per (causal / acausal, column), taken at the first call
    int32_t baseline[2][256];
    // calls of this run (PPU symbol): the last one applies what the sensors hold
    uint32_t stdp_calls = 0;
    uint32_t calls = 0;
    uint32_t rng = {seed}u;

    static uint32_t next_random()
    {{
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        return rng;
    }}

    template <size_t N, size_t M>
    void PLASTICITY_RULE_KERNEL(std::array<SynapseArrayViewHandle, N>& synapses, std::array<NeuronViewHandle, M>&)
    {{
        // A / amp per accumulated CADC LSB, x 2^16
        constexpr int64_t a_plus = {a_plus};
        constexpr int64_t a_minus = {a_minus};
        for (auto const& syn : synapses) {{
            if (syn.hemisphere != ppu) {{
                continue;
            }}
            size_t const h = static_cast<size_t>(syn.hemisphere);
            for (size_t j = 0; j < syn.rows.size(); ++j) {{
                auto const causal = syn.get_causal_correlation(j);
                auto const acausal = syn.get_acausal_correlation(j);
                if (calls == 0) {{
                    syn.reset_correlation(j);
                    for (auto const col : syn.columns) {{
                        baseline[0][col] = causal[col] > baseline[0][col] ? causal[col] : baseline[0][col];
                        baseline[1][col] = acausal[col] > baseline[1][col] ? acausal[col] : baseline[1][col];
                    }}
                    continue;
                }}
                // a row's sensors are read out (and reset) once one holds {flush} LSB, or at the
                // last call: one rounding per many pairs, not per pair
                bool flush = calls + 1 >= stdp_calls;
                for (auto const col : syn.columns) {{
                    flush = flush || baseline[0][col] - causal[col] >= {flush} || baseline[1][col] - acausal[col] >= {flush};
                }}
                if (!flush) {{
                    continue;
                }}
                syn.reset_correlation(j);
                auto w = syn.get_weights(j);
                for (auto const col : syn.columns) {{
                    int64_t const kc = baseline[0][col] > causal[col] ? baseline[0][col] - causal[col] : 0;
                    int64_t const ka = baseline[1][col] > acausal[col] ? baseline[1][col] - acausal[col] : 0;
                    int64_t const w_fix = static_cast<int64_t>(w[col]) * {one};
                    int64_t const w_max = stdp_w_max[h][col], w_min = stdp_w_min[h][col];
                    // change in hardware LSB x 2^24
                    int64_t const dw = {potentiation} - {depression};
                    uint32_t const r = next_random() >> 8;          // 24 random bits: stochastic rounding
                    int64_t const floor_dw = dw >= 0 ? dw >> 24 : -((-dw + (1 << 24) - 1) >> 24);
                    int64_t const frac = dw - floor_dw * (1 << 24);
                    int64_t updated = static_cast<int64_t>(w[col]) + floor_dw + (static_cast<int64_t>(r) < frac ? 1 : 0);
                    int64_t const hi = w_max / {one};                               // floor
                    int64_t const lo = (w_min + {one} - 1) / {one};                 // ceil
                    updated = updated > hi ? hi : (updated < lo ? lo : updated);
                    w[col] = static_cast<uint8_t>(updated);
                }}
                syn.set_weights(w, j);
            }}
        }}
        calls++;
    }}
    """)

_TERMS = {
    "additive": ("a_plus * kc * w_max", "a_minus * ka * w_max"),
    "multiplicative": ("a_plus * kc * (w_max - w_fix)", "a_minus * ka * (w_fix - w_min)"),
}


RNG_SEED = 2463534242


def kernel_source(a_plus: int, a_minus: int, dependence: str, what: str = "a projection") -> str:
    """C++ of the STDP kernel: ``a_plus``/``a_minus`` = A / amp per CADC LSB x 2^16,
    ``dependence`` "additive" or "multiplicative"."""
    pot, dep = _TERMS[dependence]
    return KERNEL.format(what=what.replace("*/", "").replace("\n", " "), dependence=dependence, seed=RNG_SEED,
                         a_plus=int(a_plus), a_minus=int(a_minus), one=FIXED_ONE, potentiation=pot, depression=dep,
                         flush=FLUSH_LSB)


class STDPRule(PlasticityRule):
    """The kernel of one STDP projection (see the module doc), built from its parameters at run."""

    def __init__(self, projection):
        super().__init__(timer=_RunTimer())
        self._projection = projection

    @property
    def dependence(self) -> str:
        from .standardmodels.synapses import MultiplicativeWeightDependence
        wd = self._projection.synapse_type.weight_dependence
        return "multiplicative" if isinstance(wd, MultiplicativeWeightDependence) else "additive"

    def coefficients(self) -> Tuple[int, int]:
        """(A_plus, A_minus) / amp per accumulated CADC LSB, x 2^16 (rounded)."""
        amp = sensor_amplitude_lsb()
        prj = self._projection
        return tuple(int(round(homogeneous(prj, n) / amp * COEFF_ONE)) for n in ("A_plus", "A_minus"))

    def generate_kernel(self) -> str:
        a_plus, a_minus = self.coefficients()
        return kernel_source(a_plus, a_minus, self.dependence, self._projection._describe())

    def symbols(self, scale, calls: int) -> Dict[str, bytes]:
        """PPU symbols ``stdp_w_max`` / ``stdp_w_min`` (int32 [2][256], hardware LSB x 256) of the
        projection's post neurons under the weight scale of this run, ``stdp_calls`` the number of
        calls of the run."""
        prj = self._projection
        k, atoms = hardware_lsb_per_unit(prj, scale)
        w_max = np.zeros((2, 256), np.int64)
        w_min = np.zeros((2, 256), np.int64)
        hi = np.rint(k * homogeneous(prj, "w_max") * FIXED_ONE).astype(np.int64)
        lo = np.rint(k * homogeneous(prj, "w_min") * FIXED_ONE).astype(np.int64)
        w_max[atoms // 256, atoms % 256] = hi
        w_min[atoms // 256, atoms % 256] = lo
        top = int(w_max.max()) if len(atoms) else 0
        if top > 63 * FIXED_ONE + FIXED_ONE // 2:
            raise ValueError(f"{prj._describe()}: w_max = {homogeneous(prj, 'w_max'):g} needs "
                             f"{top / FIXED_ONE:.1f} hardware LSB, more than one synapse (63): STDP connections "
                             f"take one synapse each; lower w_max or the other weights onto these neurons")
        w_max = np.minimum(w_max, 63 * FIXED_ONE)
        return {"stdp_w_max": w_max.astype("<i4").tobytes(), "stdp_w_min": w_min.astype("<i4").tobytes(),
                "stdp_calls": np.uint32(calls).astype("<u4").tobytes()}


def hardware_lsb_per_unit(projection, scale) -> Tuple[np.ndarray, np.ndarray]:
    """(hardware LSB per model weight unit, AtomicNeuronOnDLS enum) per connection of an STDP
    projection onto biological cells under weight scale ``scale``."""
    from .biological_weights import RECEPTORS, _per_connection, _post_roots
    r = RECEPTORS.index(projection.receptor_type)
    f = _per_connection(projection, scale.factor, r)
    cur = _per_connection(projection, scale.lsb_current, r)
    roots, root_of, idx = _post_roots(projection)
    atoms = np.array([int(np.asarray(scale.atoms[roots[a]])[i]) for a, i in zip(root_of.tolist(), idx.tolist())],
                     dtype=np.int64)
    return f / cur, atoms


def stdp_reference(w, causal, acausal, baseline, w_max, w_min, a_plus, a_minus, multiplicative, rng, columns,
                   last=False):
    """The kernel's treatment of one row at a call after the first, in numpy (same integers,
    same random numbers): ``w``, ``causal``, ``acausal``, ``baseline`` ((2, 256)),
    ``w_max``/``w_min`` ((256,), LSB x 256) by column; ``rng`` the xorshift32 state; ``last``:
    the run's last call.  Returns (new weights, new state, whether the row was read out)."""
    w = np.asarray(w, np.int64).copy()
    kc_all = np.asarray(baseline[0], np.int64)[columns] - np.asarray(causal, np.int64)[columns]
    ka_all = np.asarray(baseline[1], np.int64)[columns] - np.asarray(acausal, np.int64)[columns]
    if not (last or np.any(kc_all >= FLUSH_LSB) or np.any(ka_all >= FLUSH_LSB)):
        return w, rng, False
    for col in columns:
        kc = max(int(baseline[0][col]) - int(causal[col]), 0)
        ka = max(int(baseline[1][col]) - int(acausal[col]), 0)
        wf = int(w[col]) * FIXED_ONE
        if multiplicative:
            dw = a_plus * kc * (int(w_max[col]) - wf) - a_minus * ka * (wf - int(w_min[col]))
        else:
            dw = a_plus * kc * int(w_max[col]) - a_minus * ka * int(w_max[col])
        rng ^= (rng << 13) & 0xFFFFFFFF
        rng ^= rng >> 17
        rng ^= (rng << 5) & 0xFFFFFFFF
        r = rng >> 8
        fl = dw >> 24                                   # floor, as the kernel's
        up = int(w[col]) + fl + (1 if r < dw - fl * (1 << 24) else 0)
        w[col] = min(max(up, -(-int(w_min[col]) // FIXED_ONE)), int(w_max[col]) // FIXED_ONE)
    return w, rng, True
