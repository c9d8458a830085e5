"""Correlation sensors: time constant and amplitude per CapMem quadrant (public
``calix.spiking.correlation``).

Every synapse has a causal and an acausal correlation sensor; a pair of a pre and a post
spike ``dt`` apart adds ``amplitude * exp(-|dt| / tau)`` (CADC LSB) to one of them.  Per
CapMem block (quadrant) the bias ``syn_i_bias_ramp`` sets ``tau`` (a larger bias: a shorter
``tau``) and ``syn_i_bias_store`` the amplitude (a larger bias: a smaller amplitude); the
2-bit ``time_calib`` / ``amp_calib`` of each synapse trim them.  One ramp bias serves both
branches of all synapses of a quadrant: causal and acausal share their time constant.

>>> import calix
>>> from calix.spiking.correlation import CorrelationCalibTarget
>>> result = calix.calibrate(CorrelationCalibTarget(time_constant=20.0))   # doctest: +SKIP
>>> chip = result.to_chip(initial_config=chip)                          # doctest: +SKIP

:class:`CorrelationMeasurement` drives pre/post pairs at several delays into synapse rows
0..7 of both hemispheres (all 256 columns; weights stay as they are, the neurons are not
involved: the post spikes are ``BlockPostPulse`` triggers), reads the sensors through the
CADC and fits ``amplitude * exp(-|dt| / tau)`` to the quadrant's mean per branch, as the
public ``correlation_measurement`` fits per synapse.  :class:`AmplitudeCalib` and
:class:`TimeConstantCalib` search the two biases (binary search, all four quadrants at
once); :func:`calibrate` runs them and returns a :class:`CorrelationCalibResult` whose
values are the ``cadc_readout_chains/<h>/i_bias_ramp`` / ``i_bias_store`` cells (applied
with ``to_chip()`` / ``apply()`` like every result, cached by :func:`calix.calibrate`
with kind ``"correlation"``).

Differences from the public calibration: the amplitude is in CADC LSB per pair (the
emulated sensors' readout, docs/hxsim-raw-behaviour.md "Correlation sensors"), feasible
0.2..4.5 (the public 0.2..2.0 and the 4.4 of STDP's sensors); ``v_res_meas`` and
``v_reset`` are recorded, the emulated sensors have a fixed reset reading; per-synapse
calibration (``calibrate_synapses``) is not offered.
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

import halco
import haldls
import lola
import stadls
from haldls.register_map import REGISTERS_BY_NAME

from ..common import algorithms, base
from ..common.exceptions import CalibNotSupported, InfeasibleTargetError
from ..common.measure import CYCLES_PER_US, read_correlation
from ..common.result import CalibResult
from ..common.runners import runs
from ..common.serial import register
from ..common.session import ChipSession

__all__ = ["CorrelationCalibTarget", "CorrelationCalibOptions", "CorrelationCalibResult",
           "CorrelationMeasurement", "TimeConstantCalib", "AmplitudeCalib", "calibrate",
           "FEASIBLE_TIME_CONSTANT_US", "FEASIBLE_AMPLITUDE"]

#: time constants the ramp bias reaches in every quadrant (us, public range)
FEASIBLE_TIME_CONSTANT_US = (2.0, 30.0)
#: amplitudes (CADC LSB per pair at dt = 0) the store bias reaches at amp_calib 2
FEASIBLE_AMPLITUDE = (0.2, 4.5)
#: synapse drivers (of each hemisphere) whose rows 0..7 carry the measurement
DRIVERS = (0, 1, 2, 3)
ROWS = tuple(range(8))
#: a pair every this long after the previous post spike (us): the causal sensor pairs a post
#: spike with the last pre spike only, so the gap does not enter its reading
GAP_US = 2.0


@register
class Branches(enum.Enum):
    """Which sensors a calibration considers (public ``CorrelationCalibOptions.Branches``)."""
    CAUSAL = 0
    ACAUSAL = 1
    BOTH = 2


def _branch_axis(branches: Branches) -> slice:
    return {Branches.CAUSAL: slice(0, 1), Branches.ACAUSAL: slice(1, 2), Branches.BOTH: slice(0, 2)}[branches]


@register
@dataclass
class CorrelationCalibTarget:
    """Correlation sensor targets (public ``CorrelationCalibTarget``): ``amplitude`` in CADC
    LSB per pre/post pair at dt = 0 (0.2..4.5), ``time_constant`` in us (2..30)."""

    amplitude: float = 0.5
    time_constant: float = 5.0

    def check(self) -> None:
        """InfeasibleTargetError for a value outside its feasible range."""
        if not FEASIBLE_AMPLITUDE[0] <= float(self.amplitude) <= FEASIBLE_AMPLITUDE[1]:
            raise InfeasibleTargetError("correlation amplitude", self.amplitude, FEASIBLE_AMPLITUDE,
                                        "CADC LSB per pair")
        if not FEASIBLE_TIME_CONSTANT_US[0] <= float(self.time_constant) <= FEASIBLE_TIME_CONSTANT_US[1]:
            raise InfeasibleTargetError("correlation time_constant", self.time_constant, FEASIBLE_TIME_CONSTANT_US,
                                        "us", detail="one ramp bias per quadrant (syn_i_bias_ramp)")

    def calibrate(self, connection, options=None, progress=None):
        """Run the correlation calibration on ``connection`` (no cache; see :func:`calix.calibrate`)."""
        return calibrate(connection, self, options, progress=progress)


@register
@dataclass
class CorrelationCalibOptions:
    """Options of the correlation calibration (public ``CorrelationCalibOptions``):
    ``branches`` considered; ``v_res_meas`` / ``v_reset`` (V, recorded: the emulated sensors'
    reset reading is fixed); ``calibrate_synapses`` (per-synapse bits, not offered here);
    ``time_constant_priority`` (0..1, for per-synapse calibration); ``default_amp_calib`` /
    ``default_time_calib`` (0..3): the bits of the measured synapses, applied to all synapses
    by the result."""

    branches: Branches = Branches.BOTH
    v_res_meas: float = 0.9
    v_reset: float = 1.85
    calibrate_synapses: bool = False
    time_constant_priority: float = 0.3
    default_amp_calib: int = 0
    default_time_calib: int = 0

    def check(self) -> None:
        """ValueError for an option outside its range."""
        if not 0.0 <= float(self.time_constant_priority) <= 1.0:
            raise ValueError(f"time_constant_priority = {self.time_constant_priority} must lie in [0, 1]")
        for name in ("default_amp_calib", "default_time_calib"):
            v = getattr(self, name)
            if int(v) != v or not 0 <= v <= 3:
                raise ValueError(f"{name} = {v} must be an integer 0..3 (2-bit synapse calibration)")
        if not isinstance(self.branches, Branches):
            raise ValueError(f"branches = {self.branches!r} must be a Branches value (CAUSAL, ACAUSAL, BOTH)")
        if self.calibrate_synapses:
            raise CalibNotSupported("calibrate_synapses: the per-synapse correlation calibration is not offered "
                                    "(the emulated sensors' per-synapse spread is amplitude only, ~5 %)")


# the public spelling CorrelationCalibOptions.Branches
CorrelationCalibOptions.Branches = Branches


class CorrelationCalibResult(CalibResult, kind="correlation"):
    """Result of the correlation calibration: ``values`` hold the ramp and store biases
    (``cadc_readout_chains/<h>/i_bias_ramp``, ``.../i_bias_store``: 2 per hemisphere, by
    ``CapMemBlockOnHemisphere``); ``info`` the measured ``time_constant`` (us) and
    ``amplitude`` (LSB) per quadrant and branch and the bits they were measured with
    (``time_calib``, ``amp_calib``)."""

    @property
    def i_bias_ramp(self) -> np.ndarray:
        """Ramp bias per CapMemBlockOnDLS (4,)."""
        return np.concatenate([self.values[f"cadc_readout_chains/{h}/i_bias_ramp"] for h in range(2)])

    @property
    def i_bias_store(self) -> np.ndarray:
        """Store bias per CapMemBlockOnDLS (4,)."""
        return np.concatenate([self.values[f"cadc_readout_chains/{h}/i_bias_store"] for h in range(2)])

    def to_chip(self, initial_config=None, chip=None):
        """The chip with the biases and, on every synapse, the bits they were calibrated with."""
        out = super().to_chip(initial_config, chip)
        for h in range(2):
            m = out.synapse_blocks[h].matrix
            m.time_calibs = np.full((256, 256), int(self.info.get("time_calib", 0)))
            m.amp_calibs = np.full((256, 256), int(self.info.get("amp_calib", 0)))
        return out


def _block_index() -> np.ndarray:
    """CapMemBlockOnDLS of each (hemisphere, column): (2, 256)."""
    out = np.zeros((2, 256), np.int64)
    for h in range(2):
        for c in range(256):
            out[h, c] = int(halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(c), halco.NeuronRowOnDLS(h))
                            .toCapMemBlockOnDLS())
    return out


def _reset_addresses() -> np.ndarray:
    r = REGISTERS_BY_NAME["CorrelationReset"]
    rows = np.asarray(ROWS, np.int64)
    return np.concatenate([(r.base + h * r.strides[0] + rows[:, None] * r.strides[1]
                            + np.arange(64)[None, :] * r.strides[2]).ravel() for h in range(2)])


def fit_correlation_decay(delays_us: np.ndarray, amplitudes: np.ndarray, floor: float) -> Tuple[float, float]:
    """(amplitude at dt = 0, tau in us) of ``amplitudes ~ a exp(-|delays| / tau)``: a least-squares
    line through the logarithms of the amplitudes above ``floor`` (the CADC resolution of a
    mean), weighted by the amplitudes (the log's error shrinks with the reading).  NaN where
    fewer than two delays are above the floor.  (Not calix.common.fit.fit_exponential: that fits
    sampled traces with an offset from their first sample; here a few mean readings per delay,
    amplitude wanted at dt = 0.)"""
    d = np.abs(np.asarray(delays_us, float))
    a = np.asarray(amplitudes, float)
    ok = np.isfinite(a) & (a > floor)
    if ok.sum() < 2 or np.ptp(d[ok]) <= 0:
        return float("nan"), float("nan")
    slope, icpt = np.polyfit(d[ok], np.log(a[ok]), 1, w=a[ok])
    tau = -1.0 / slope if slope < 0 else float("inf")
    return float(np.exp(icpt)), float(tau)


class CorrelationMeasurement:
    """Pre/post pairs at ``delays_us`` (positive: causal, pre first; negative: acausal), each
    ``n_events`` times after a correlation reset, on rows 0..7 of both hemispheres with
    time/amp calibration bits ``time_calib`` / ``amp_calib``; :meth:`measure` returns the
    fitted (amplitude (4, 2), tau (4, 2)) per CapMemBlockOnDLS and branch (causal, acausal)."""

    def __init__(self, delays_us: Sequence[float], n_events: int = 20, amp_calib: int = 0, time_calib: int = 0):
        self.delays_us = np.asarray(delays_us, float)
        if np.any(self.delays_us == 0):
            raise ValueError("correlation measurement delays must be nonzero (the sign picks the branch)")
        self.n_events = int(n_events)
        self.amp_calib, self.time_calib = int(amp_calib), int(time_calib)
        self.blocks = _block_index()

    def prelude(self, session: ChipSession) -> None:
        """Configure the chip of ``session``: drivers 0..3 receive, the synapses' bits, the
        CADC channels read the sensors; written in one program."""
        chip = session.chip
        for h in range(2):
            blk = chip.synapse_driver_blocks[h]
            for d in DRIVERS:
                cfg = blk.synapse_drivers[d]
                cfg.enable_receiver = True
                cfg.row_mode_top = haldls.RowMode.excitatory
                cfg.row_mode_bottom = haldls.RowMode.excitatory
            m = chip.synapse_blocks[h].matrix
            tc, ac = np.array(m.time_calibs, copy=True), np.array(m.amp_calibs, copy=True)
            tc[list(ROWS)] = self.time_calib
            ac[list(ROWS)] = self.amp_calib
            m.time_calibs, m.amp_calibs = tc, ac
            ch = chip.cadc_readout_chains[h]
            ch.config.enable = True
            for chans in (ch.channels_causal, ch.channels_acausal):
                chans.enable_connect_neuron[:] = False
                chans.enable_connect_correlation[:] = True
        b = stadls.PlaybackProgramBuilder()
        for h in range(2):
            b.write(halco.SynapseDriverBlockOnDLS(h), chip.synapse_driver_blocks[h])
            b.write(halco.SynapseBlockOnDLS(h), chip.synapse_blocks[h])
        session.write_cadc(b)
        session.run(b)

    def _program(self, builder):
        reset = _reset_addresses()
        padi = [(halco.PADIEventOnDLS(h), haldls.PADIEvent(fire_bus=[True] * 4, event_address=0,
                                                           row_select_address=0)) for h in range(2)]
        post = [halco.BlockPostPulseOnDLS(b) for b in range(2)]     # west and east neuron backends
        builder.write(halco.TimerOnDLS(), haldls.Timer())
        t = 10
        builder.wait_until(t)
        base = [read_correlation(builder, h, ROWS) for h in range(2)]
        tickets, real = [], []
        for d in self.delays_us:
            builder.write_words(reset, np.zeros(len(reset), np.uint32))
            steps = max(1, int(round(abs(d) * CYCLES_PER_US)))
            real.append(np.sign(d) * steps / CYCLES_PER_US)
            for _ in range(self.n_events):
                t += int(GAP_US * CYCLES_PER_US)
                builder.wait_until(t)
                if d > 0:
                    for c, e in padi:
                        builder.write(c, e)
                else:
                    for c in post:
                        builder.write(c, haldls.BlockPostPulse())
                t += steps
                builder.wait_until(t)
                if d > 0:
                    for c in post:
                        builder.write(c, haldls.BlockPostPulse())
                else:
                    for c, e in padi:
                        builder.write(c, e)
            t += int(GAP_US * CYCLES_PER_US)
            builder.wait_until(t)
            tickets.append([read_correlation(builder, h, ROWS) for h in range(2)])
        builder.write_words(reset, np.zeros(len(reset), np.uint32))
        return base, tickets, np.asarray(real)

    def measure(self, session: ChipSession, builder=None) -> Tuple[np.ndarray, np.ndarray]:
        """Run the pairs (after ``builder``'s writes) and fit; (amplitude, tau) each (4, 2):
        CapMemBlockOnDLS x (causal, acausal), amplitude in LSB per pair, tau in us (NaN: not
        measurable, inf: no decay seen)."""
        b = builder if builder is not None else stadls.PlaybackProgramBuilder()
        base, tickets, real = self._program(b)
        session.run(b)
        # per (delay, hemisphere, branch, row, column): the accumulated LSB per pair
        b0 = np.stack([np.stack([t.get().causal, t.get().acausal]) for t in base]).astype(float)
        acc = np.stack([np.stack([np.stack([t.get().causal, t.get().acausal]) for t in pair])
                        for pair in tickets]).astype(float)
        per_pair = (b0[None] - acc) / self.n_events
        amps, taus = np.full((4, 2), np.nan), np.full((4, 2), np.nan)
        for q in range(4):
            h = q // 2
            cols = np.flatnonzero(self.blocks[h] == q)
            for br in range(2):
                sel = real > 0 if br == 0 else real < 0
                mean = per_pair[sel][:, h, br][:, :, cols].mean(axis=(1, 2))
                amps[q, br], taus[q, br] = fit_correlation_decay(real[sel], mean, 1.0 / self.n_events)
        return amps, taus


def _configure_cells(builder, cell: str, parameters: np.ndarray, chip: lola.Chip) -> None:
    for q in range(4):
        builder.write(halco.CapMemCellOnDLS(getattr(halco.CapMemCellOnCapMemBlock, cell), halco.CapMemBlockOnDLS(q)),
                      haldls.CapMemCell(value=int(parameters[q])))
    key = {"syn_i_bias_ramp": "i_bias_ramp", "syn_i_bias_store": "i_bias_store"}[cell]
    for h in range(2):
        setattr(chip.cadc_readout_chains[h], key, np.asarray(parameters[2 * h:2 * h + 2], np.int64))
    builder.wait_until(int(20 * CYCLES_PER_US))     # the cells settle


class _BiasCalib(base.Calib):
    cell = ""

    def __init__(self, session: ChipSession, target, measurement: CorrelationMeasurement, branches: Branches):
        super().__init__((0, 1022), 4, inverted=True)
        self.session, self.target, self.measurement, self.branches = session, target, measurement, branches
        self.last = None

    def configure_parameters(self, builder, parameters):
        _configure_cells(builder, self.cell, parameters, self.session.chip)
        return builder

    def measure_results(self, connection, builder):
        amps, taus = self.measurement.measure(self.session, builder)
        self.last = amps, taus
        return self.pick(amps, taus)


class TimeConstantCalib(_BiasCalib):
    """Searches ``syn_i_bias_ramp`` per quadrant for ``target`` (us): the median time constant
    of the considered branches (a trace that decays before its second delay counts as 0: the
    bias goes down)."""

    cell = "syn_i_bias_ramp"

    def __init__(self, session: ChipSession, target: float = 5.0, *, branches: Branches = Branches.BOTH,
                 amp_calib: int = 0, time_calib: int = 0, n_events: int = 20):
        t = float(target)
        # delays spanning the target's decay, both branches
        delays = t * np.array([0.1, 0.3, 0.6, 1.0, 1.5])
        super().__init__(session, t, CorrelationMeasurement(np.concatenate([delays, -delays]), n_events,
                                                            amp_calib, time_calib), branches)

    def pick(self, amps, taus):
        taus = np.where(np.isnan(taus), 0.0, taus)
        return np.median(taus[:, _branch_axis(self.branches)], axis=1)


class AmplitudeCalib(_BiasCalib):
    """Searches ``syn_i_bias_store`` per quadrant for ``target`` (CADC LSB per pair at dt = 0):
    the median amplitude of the considered branches."""

    cell = "syn_i_bias_store"

    def __init__(self, session: ChipSession, target: float = 0.5, *, branches: Branches = Branches.BOTH,
                 amp_calib: int = 0, time_calib: int = 0, tau_us: float = 5.0):
        delays = float(tau_us) * np.array([0.1, 0.3, 0.6])
        # ~100 LSB at dt = 0: far from the sensors' floor, many LSB of resolution
        n = int(np.clip(100.0 / float(target), 10, 400))
        super().__init__(session, float(target), CorrelationMeasurement(np.concatenate([delays, -delays]), n,
                                                                        amp_calib, time_calib), branches)

    def pick(self, amps, taus):
        amps = np.where(np.isnan(amps), -np.inf, amps)
        return np.median(amps[:, _branch_axis(self.branches)], axis=1)


@runs(CorrelationCalibTarget)
def calibrate(connection, target: Optional[CorrelationCalibTarget] = None,
              options: Optional[CorrelationCalibOptions] = None, progress=None) -> CorrelationCalibResult:
    """Calibrate the correlation sensors' time constant and amplitude per quadrant on
    ``connection`` (no cache; :func:`calix.calibrate` caches).  Raises InfeasibleTargetError
    for targets outside their range; quadrants that miss their target are marked in
    ``result.failures`` (the time constant within 10 %, the amplitude within 10 %)."""
    target = target or CorrelationCalibTarget()
    options = options or CorrelationCalibOptions()
    target.check()
    options.check()
    session = ChipSession(connection)
    session.init()
    t0 = time.perf_counter()
    kw = dict(branches=options.branches, amp_calib=options.default_amp_calib,
              time_calib=options.default_time_calib)
    tcal = TimeConstantCalib(session, target.time_constant, **kw)
    tcal.measurement.prelude(session)
    ramp = tcal.run(connection, algorithms.BinarySearch())
    b = stadls.PlaybackProgramBuilder()
    _configure_cells(b, "syn_i_bias_ramp", ramp.calibrated_parameters, session.chip)
    session.run(b)
    t1 = time.perf_counter()
    acal = AmplitudeCalib(session, target.amplitude, tau_us=target.time_constant, **kw)
    store = acal.run(connection, algorithms.BinarySearch())
    b = stadls.PlaybackProgramBuilder()
    _configure_cells(b, "syn_i_bias_store", store.calibrated_parameters, session.chip)
    amps, taus = CorrelationMeasurement(
        target.time_constant * np.array([0.1, 0.3, 0.6, 1.0, 1.5, -0.1, -0.3, -0.6, -1.0, -1.5]),
        int(np.clip(100.0 / target.amplitude, 10, 400)), options.default_amp_calib,
        options.default_time_calib).measure(session, b)
    t2 = time.perf_counter()
    values = {}
    for h in range(2):
        values[f"cadc_readout_chains/{h}/i_bias_ramp"] = ramp.calibrated_parameters[2 * h:2 * h + 2]
        values[f"cadc_readout_chains/{h}/i_bias_store"] = store.calibrated_parameters[2 * h:2 * h + 2]
    axis = _branch_axis(options.branches)
    tau_q, amp_q = np.median(taus[:, axis], axis=1), np.median(amps[:, axis], axis=1)
    failures = {}
    for name, got, want in (("time_constant", tau_q, target.time_constant), ("amplitude", amp_q, target.amplitude)):
        bad = np.flatnonzero(~(np.abs(got - want) <= 0.1 * want))
        if bad.size:
            failures[f"correlation {name}"] = {f"quadrant misses {want:g} by more than 10 %": bad}
    return CorrelationCalibResult(
        values, target=target, options=options, failures=failures,
        timings={"time_constant": t1 - t0, "amplitude": t2 - t1},
        info={"time_constant": taus, "amplitude": amps, "time_calib": np.int64(options.default_time_calib),
              "amp_calib": np.int64(options.default_amp_calib)})
