"""The correlation sensors' time constant and amplitude follow the CapMem biases of their
quadrant (syn_i_bias_ramp, syn_i_bias_store; docs/hxsim-raw-behaviour.md "Correlation
sensors"), measured with raw containers: pre spikes through a synapse driver, post spikes as
BlockPostPulse triggers, the sensors read by the CADC."""
from __future__ import annotations

import numpy as np
import pytest

import halco
import haldls
from chipmodel import transfer as tr

from .test_analog_chip import US, Setup, padi_label

T = tr.TRANSFERS_BY_NAME
STEP = tr.CONSTANTS["correlation_calib_step"]
ROW, DRIVER, ADDRESS = 10, 5, 7
COLUMNS = (3, 200)          # west and east quadrant of the top hemisphere


def _cell(name, quadrant):
    return halco.CapMemCellOnDLS(getattr(halco.CapMemCellOnCapMemBlock, name), halco.CapMemBlockOnDLS(quadrant))


def _quadrant(col):
    return int(halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(col), halco.NeuronRowOnDLS(0)).toCapMemBlockOnDLS())


def measure(ramp, store, delays_us, pairs=10, ideal=True, chip_id=0):
    """Per column of COLUMNS: the causal reading per pair (LSB) at each delay."""
    s = Setup()
    for col in COLUMNS:
        s.b.write(_cell("syn_i_bias_ramp", _quadrant(col)), haldls.CapMemCell(value=ramp))
        s.b.write(_cell("syn_i_bias_store", _quadrant(col)), haldls.CapMemCell(value=store))
        s.synapse(ROW, col, 0, ADDRESS)
    s.driver(DRIVER)
    s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))
    quads = [halco.SynapseOnDLS(halco.SynapseOnSynram(halco.SynapseOnSynapseRow(c), halco.SynapseRowOnSynram(ROW)),
                                halco.SynramOnDLS(0)) for c in COLUMNS]

    def read():
        return [s.b.read(halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
            q.toSynapseQuadOnDLS().toSynapseQuadOnSynram(), halco.CADCChannelType(0), halco.CADCReadoutType(0)),
            halco.SynramOnDLS(0))) for q in quads]
    s.start()
    s.wait(30)                                  # the cells settle
    base = read()
    tickets = []
    for d in delays_us:
        for q in quads:
            s.b.write(halco.CorrelationResetOnDLS(q.toSynapseQuadOnDLS().toEnum()), haldls.CorrelationReset())
        for _ in range(pairs):
            s.wait(2)
            s.spike(padi_label(DRIVER, ADDRESS))
            s.wait(d)
            for blk in range(2):            # a post pulse per neuron backend block (128 columns each)
                s.b.write(halco.BlockPostPulseOnDLS(blk), haldls.BlockPostPulse())
        s.wait(2)
        tickets.append(read())
    s.run(ideal=ideal, chip_id=chip_id)
    e = [int(q.toEntryOnQuad()) for q in quads]
    b0 = np.array([t.get().samples[i] for t, i in zip(base, e)], float)
    return np.array([[b0[k] - ts[k].get().samples[e[k]] for k in range(len(e))] for ts in tickets]) / pairs


def fit(delays, per_pair):
    """(amplitude, tau) of per_pair ~ a exp(-d / tau), per column."""
    out = []
    for k in range(per_pair.shape[1]):
        slope, icpt = np.polyfit(delays, np.log(per_pair[:, k]), 1, w=per_pair[:, k])
        out.append((np.exp(icpt), -1.0 / slope))
    return np.array(out)


@pytest.mark.parametrize("ramp", [5, 20, 80, 200])
def test_time_constant_follows_the_ramp_bias(ramp):
    tau = T["syn_i_bias_ramp"].nominal(ramp) * (1 + STEP * (0 - 1.5))      # time_calib 0
    delays = np.round(tau * np.array([0.1, 0.4, 0.8, 1.2]) * US) / US     # whole FPGA cycles
    got = fit(delays, measure(ramp, 70, delays, pairs=30))
    # the spike reaches the sensor a step after the write; CADC rounding at the longest delay
    assert got[:, 1] == pytest.approx(np.full(2, tau), rel=0.04)
    assert np.all(np.diff(got[:, 1]) == pytest.approx(0.0, abs=0.03 * tau))   # ideal chip: both quadrants alike


def test_amplitude_follows_the_store_bias():
    amps = []
    for store in (0, 70, 500):
        got = fit(np.array([0.5, 1.0, 2.0]), measure(80, store, [0.5, 1.0, 2.0], pairs=20))
        amps.append(got[:, 0].mean())
    nominal = [T["syn_i_bias_store"].nominal(x) * (1 + STEP * (0 - 1.5)) for x in (0, 70, 500)]
    assert amps == pytest.approx(nominal, rel=0.08)          # per-synapse gain (5 %) and CADC rounding
    assert amps[0] > amps[1] > amps[2]


def test_quadrants_differ_on_a_real_chip_and_keep_the_order():
    """Mismatch: each quadrant has its own gain; the time constant still falls with the bias."""
    delays = np.array([1.0, 3.0, 6.0])
    long = fit(delays, measure(10, 70, delays, ideal=False, chip_id=3))[:, 1]
    short = fit(delays, measure(60, 70, delays, ideal=False, chip_id=3))[:, 1]
    assert np.all(long > 1.5 * short)
    assert abs(long[0] - long[1]) > 0.01 * long.mean()
