"""TsodyksMarkramSynapse on the synapse drivers' short-term plasticity, against a numpy
Tsodyks-Markram reference (depression only: the n-th spike of a regular train transmits
weight x U x R_n, R_{n+1} = 1 - (1 - R_n (1 - U)) exp(-interval / tau_rec)).

* Hardware units (HXNeuron): the jumps of the excitatory synaptic input (MADC "exc_synin", linear
  in the transmitted charge) follow R_n within 0.04 (MADC quantisation of ~40 LSB jumps).
* Biological units (IF_curr_exp): the PSP heights of the recorded membrane, measured the same
  way on the chip and on the exact LIF response to jumps weight x U x R_n, agree within 12 % of
  the first PSP (calibrated tau_m and tau_syn, nominal weight scale) and the depression ratios
  within 0.08.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import grenade
import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import short_term_plasticity as stp

from .test_biological import lif_cuba


def tm_resources(n, interval, U, tau_rec):
    """R_n of a regular train (R_1 = 1): numpy Tsodyks-Markram reference without facilitation."""
    r, out = 1.0, []
    for _ in range(n):
        out.append(r)
        r = 1.0 - (1.0 - r * (1.0 - U)) * np.exp(-interval / tau_rec)
    return np.array(out)


def _jumps(t, v, spikes, before=0.0004, after=(0.0002, 0.0006)):
    """Jump of a trace at each spike: mean just before vs. maximum just after."""
    return np.array([v[(t > s + after[0]) & (t < s + after[1])].max() - v[(t > s - before) & (t < s)].mean()
                     for s in spikes])


def _signal(pop, name):
    """(times, values) of the first recorded neuron: HXNeuron's IrregularlySampledSignal, or the
    first column of a standard cell's AnalogSignal (biological units)."""
    seg = pop.get_data().segments[0]
    s = [x for x in seg.irregularlysampledsignals + list(seg.analogsignals) if x.name == name][0]
    return np.asarray(s.times, float), np.asarray(s, float)[:, 0]


@pytest.mark.parametrize("U,tau_rec,interval", [(0.375, 20.0, 0.01), (0.75, 40.0, 0.008), (0.125, 10.0, 0.005)])
def test_synaptic_input_jumps_follow_tsodyks_markram(U, tau_rec, interval):
    """Hardware units: times in hardware ms, tau_rec in hardware ms (20 us = 0.02 ms)."""
    pynn.setup()
    try:
        spikes = 0.01 + np.arange(12) * interval
        src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=spikes.tolist()))
        nrn = pynn.Population(1, pynn.HXNeuron(leak_v_leak=400, leak_i_bias=200, threshold_enable=False,
                                               excitatory_input_enable=True, excitatory_input_i_bias_tau=1000,
                                               excitatory_input_i_bias_gm=300))
        pynn.Projection(src, nrn, pynn.AllToAllConnector(),
                        pynn.TsodyksMarkramSynapse(weight=63 / U, U=U, tau_rec=tau_rec * 1e-3),
                        receptor_type="excitatory")
        nrn.record("exc_synin")
        pynn.run(0.01 + 12 * interval + 0.01)
        t, v = _signal(nrn, "exc_synin")
        jumps = _jumps(t, v, spikes)
        assert jumps[0] > 20
        ref = tm_resources(len(spikes), interval * 1e3, U, tau_rec)
        assert np.max(np.abs(jumps / jumps[0] - ref)) < 0.04, (jumps / jumps[0], ref)
    finally:
        pynn.end()


def test_psp_heights_in_biological_units_follow_tsodyks_markram():
    pynn.setup(timestep=0.1, units="biological")
    try:
        interval, U, tau_rec, weight = 25.0, 0.5, 100.0, 8.0
        spikes = 20.0 + np.arange(10) * interval
        cell = dict(tau_m=10.0, tau_syn_E=2.0, v_thresh=-40.0, v_rest=-65.0, v_reset=-65.0, cm=1.0)
        src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=spikes.tolist()))
        nrn = pynn.Population(1, pynn.IF_curr_exp(**cell))
        prj = pynn.Projection(src, nrn, pynn.AllToAllConnector(),
                              pynn.TsodyksMarkramSynapse(weight=weight, U=U, tau_rec=tau_rec))
        nrn.record("v")
        pynn.run(300.0)
        t, v = _signal(nrn, "v")
        assert prj.get(["U", "tau_rec", "tau_facil"], format="list")[0][2:] == (U, tau_rec, 0.0)
    finally:
        pynn.end()
    r = tm_resources(len(spikes), interval, U, tau_rec)
    _, ref_v = lif_cuba(300.0, tau_m=10.0, tau_syn_E=2.0, v_thresh=100.0, exc=(spikes, weight * U * r))
    ref_t = np.arange(len(ref_v)) * 0.1
    amp = _jumps(t, v, spikes, before=1.0, after=(0.0, 15.0))
    ref_amp = _jumps(ref_t, ref_v, spikes, before=1.0, after=(0.0, 15.0))
    assert ref_amp[0] > 3
    assert abs(amp[0] - ref_amp[0]) < 0.12 * ref_amp[0]
    assert np.max(np.abs(amp / amp[0] - ref_amp / ref_amp[0])) < 0.08, (amp / amp[0], ref_amp / ref_amp[0])
    # the depression is real: late PSPs are well below the first
    assert amp[-1] < 0.6 * amp[0]


def test_sources_keep_their_own_resources():
    """Two sources on one neuron: each source's train depresses only its own drivers."""
    pynn.setup()
    try:
        a = 0.01 + np.arange(8) * 0.01
        b = a[-1] + 0.02                                  # one spike of the second source, late
        src = pynn.Population(2, pynn.SpikeSourceArray(spike_times=[a.tolist(), [b]]))
        nrn = pynn.Population(1, pynn.HXNeuron(leak_v_leak=400, leak_i_bias=200, threshold_enable=False,
                                               excitatory_input_enable=True, excitatory_input_i_bias_tau=1000,
                                               excitatory_input_i_bias_gm=300))
        pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.TsodyksMarkramSynapse(weight=63, U=0.5,
                                                                                      tau_rec=0.05),
                        receptor_type="excitatory")
        nrn.record("exc_synin")
        pynn.run(b + 0.01)
        t, v = _signal(nrn, "exc_synin")
        ja, jb = _jumps(t, v, a), _jumps(t, v, [b])
        # the second source arrives fresh (R = 1) although the first is depressed (the synapses
        # differ by their gain mismatch, 5 %)
        assert ja[-1] < 0.6 * ja[0]
        assert jb[0] > 0.8 * ja[0]
        groups = [g for g in pynn.simulator.state._routing.label_groups if g.kind == "external"]
        assert len(groups) == 2 and all(g.sources == 1 for g in groups)
    finally:
        pynn.end()


def test_parameters_round_to_the_chip_with_a_warning():
    pynn.setup(units="biological")
    try:
        src = pynn.Population(2, pynn.SpikeSourceArray(spike_times=[[10.0], [12.0]]))
        nrn = pynn.Population(1, pynn.IF_curr_exp())
        prj = pynn.Projection(src, nrn, pynn.AllToAllConnector(),
                              pynn.TsodyksMarkramSynapse(weight=0.5, U=0.543, tau_rec=150.0))
        with pytest.warns(stp.TsodyksMarkramWarning, match=r"U 0.543 -> 0.5625"):
            pynn.run(20.0)
        # get() keeps the requested values
        assert [c[2] for c in prj.get("U", format="list")] == [0.543, 0.543]
        prj.set(U=np.array([[0.25], [0.75]]))
        pynn.run(20.0)
        cfg = {g.description for g in pynn.simulator.state._routing.label_groups}
        assert any("utilization=3" in d for d in cfg) and any("utilization=11" in d for d in cfg)
    finally:
        pynn.end()


def _state_with(taus):
    class P:
        _pre = np.arange(len(taus))
        _stp = {"U": np.full(len(taus), 0.5), "tau_rec": np.asarray(taus, float), "tau_facil": np.zeros(len(taus))}

        @staticmethod
        def _describe():
            return "P"
    state = type("S", (), {"speedup": 1000.0, "units": "biological", "projections": [P]})()
    return state


def test_recovery_clock_is_shared_and_exact_where_possible():
    """100, 20 and 50 ms are (r + 1)(s + 1) us with s = 9 for all: exact."""
    pairs = stp.chip_stp(_state_with([100.0, 20.0, 50.0]))
    assert {c.recovery_clock_speed for c in pairs.values()} == {9}
    for (_, tau), c in pairs.items():
        assert (c.recovery + 1) * (c.recovery_clock_speed + 1) == tau


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1.0, 256.0), min_size=1, max_size=5, unique=True))
def test_recovery_clock_choice_is_optimal(taus):
    """The chosen s gives the smallest worst relative error any s could give."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stp.TsodyksMarkramWarning)
        pairs = stp.chip_stp(_state_with(taus))
    speeds = {c.recovery_clock_speed for c in pairs.values()}
    assert len(speeds) == 1
    s = speeds.pop()
    err = max(abs((c.recovery + 1) * (s + 1) - tau) / tau for (_, tau), c in pairs.items())
    best = min(max(abs(np.clip(np.rint(t / (k + 1)), 1, 16) * (k + 1) - t) / t for t in taus) for k in range(16))
    assert err <= best + 1e-12


def test_errors():
    pynn.setup(units="biological")
    try:
        src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[10.0]))
        a = pynn.Population(2, pynn.IF_curr_exp())
        with pytest.raises(NotImplementedError, match="facilitation"):
            pynn.Projection(src, a, pynn.AllToAllConnector(),
                            pynn.TsodyksMarkramSynapse(weight=0.5, U=0.04, tau_rec=100.0, tau_facil=1000.0))
        with pytest.raises(ValueError, match=r"U = 1.5 must lie in \(0, 1\]"):
            pynn.Projection(src, a, pynn.AllToAllConnector(), pynn.TsodyksMarkramSynapse(weight=0.5, U=1.5))
        prj = pynn.Projection(src, a, pynn.AllToAllConnector(), pynn.TsodyksMarkramSynapse(weight=0.5, U=0.5))
        with pytest.raises(NotImplementedError, match="facilitation"):
            prj.set(tau_facil=20.0)
        prj.set(tau_rec=900.0)
        with pytest.raises(ValueError, match=r"tau_rec = 900 ms cannot be realised.*1..256 ms"):
            pynn.run(10.0)
        prj.set(tau_rec=100.0, U=0.01)
        with pytest.raises(ValueError, match="below the chip's smallest utilisation"):
            pynn.run(10.0)
        prj.set(U=0.5)
        # from on-chip neurons: the drivers cannot be kept apart
        pynn.Projection(a, a, pynn.AllToAllConnector(allow_self_connections=False),
                        pynn.TsodyksMarkramSynapse(weight=0.5, U=0.5))
        with pytest.raises(NotImplementedError, match="TsodyksMarkramSynapse from on-chip neurons"):
            pynn.run(10.0)
    finally:
        pynn.end()


def test_grenade_rejects_stp_from_on_chip_neurons_and_mixed_clocks():
    b = grenade.NetworkBuilder()
    ext = b.add(grenade.ExternalSourcePopulation(2))
    pop = b.add(grenade.Population(2))
    b.add(grenade.Projection("excitatory", pop, pop, [(0, 1, 10)], stp=grenade.STP(3, 3)))
    with pytest.raises(grenade.RoutingError, match="only connections from external sources"):
        grenade.route(b.done())
    b = grenade.NetworkBuilder()
    ext = b.add(grenade.ExternalSourcePopulation(2))
    pop = b.add(grenade.Population(2))
    b.add(grenade.Projection("excitatory", ext, pop, [(0, 0, 10)], stp=grenade.STP(3, 3, 1)))
    b.add(grenade.Projection("excitatory", ext, pop, [(1, 1, 10)], stp=grenade.STP(3, 3, 2)))
    with pytest.raises(grenade.RoutingError, match="different recovery clock speeds"):
        grenade.route(b.done())
    with pytest.raises(grenade.NetworkError, match="0..15"):
        grenade.STP(16, 0)
