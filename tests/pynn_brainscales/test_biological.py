"""PyNN standard cells in biological units (IF_curr_exp, IF_cond_exp, EIF_cond_exp_isfa_ista) on the
emulated chip, against independent numpy references with NEST semantics (0.1 ms grid, threshold
checked at the end of each step, reset and refractory clamp).

Rates are counted from T0 = 300 ms on (the onset transient is not compared; it also keeps the
comparison clear of the chip's first RELAX_MS after a reset).  Tolerances: 20 % per neuron for the
LIF rates (measured: i_offset drive within ~12 %, the nominal constant-current transfer has 5 %
mismatch; Poisson drive within ~13 % CUBA, ~3 % COBA), 35 % on the mean rate of 8 EIF neurons
(their adaptation and exponential circuits are not calibrated).
"""
import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import biological, simulator

DT = 0.1
T0 = 300.0


# -- references ---------------------------------------------------------------------------------
def _binned(duration, times, weights, dt=DT):
    n = int(round(duration / dt))
    out = np.zeros(n + 1)
    times = np.asarray(times, float)
    k = np.floor(times / dt + 1e-9).astype(np.int64) + 1          # an input acts from the next step on
    keep = k <= n
    np.add.at(out, k[keep], np.broadcast_to(np.asarray(weights, float), times.shape)[keep])
    return out


def lif_cuba(duration, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0, tau_m=20.0, cm=1.0, tau_refrac=0.1,
             tau_syn_E=5.0, tau_syn_I=5.0, i_offset=0.0, exc=((), 0.0), inh=((), 0.0), dt=DT):
    """IF_curr_exp as NEST's iaf_psc_exp: exact exponential integration on the dt grid.
    Returns (spike times, v at every step)."""
    n = int(round(duration / dt))
    pm = np.exp(-dt / tau_m)
    pse, psi = np.exp(-dt / tau_syn_E), np.exp(-dt / tau_syn_I)
    p21e = tau_m * tau_syn_E / (cm * (tau_m - tau_syn_E)) * (pm - pse)
    p21i = tau_m * tau_syn_I / (cm * (tau_m - tau_syn_I)) * (pm - psi)
    p20 = tau_m / cm * (1 - pm)
    add_e, add_i = _binned(duration, *exc), _binned(duration, *inh)
    refractory = int(round(tau_refrac / dt))
    v, ie, ii, r = v_rest, 0.0, 0.0, 0
    spikes, trace = [], np.empty(n + 1)
    trace[0] = v
    for k in range(1, n + 1):
        if r == 0:
            v = v_rest + (v - v_rest) * pm + p21e * ie + p21i * ii + p20 * i_offset
        else:
            r -= 1
        ie = ie * pse + add_e[k]
        ii = ii * psi + add_i[k]
        if v >= v_thresh:
            spikes.append(k * dt)
            v, r = v_reset, refractory
        trace[k] = v
    return np.array(spikes), trace


def lif_coba(duration, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0, tau_m=20.0, cm=1.0, tau_refrac=0.1,
             tau_syn_E=5.0, tau_syn_I=5.0, e_rev_E=0.0, e_rev_I=-70.0, exc=((), 0.0), inh=((), 0.0),
             dt=DT, substeps=10):
    """IF_cond_exp as NEST's iaf_cond_exp: V by RK2 in substeps, exact conductance decay, threshold
    on the dt grid."""
    n = int(round(duration / dt))
    gl, h = cm / tau_m, dt / substeps
    de, di = np.exp(-h / tau_syn_E), np.exp(-h / tau_syn_I)
    add_e, add_i = _binned(duration, *exc), _binned(duration, *inh)
    refractory = int(round(tau_refrac / dt))

    def f(v, ge, gi):
        return (gl * (v_rest - v) + ge * (e_rev_E - v) + gi * (e_rev_I - v)) / cm

    v, ge, gi, r = v_rest, 0.0, 0.0, 0
    spikes = []
    for k in range(1, n + 1):
        for _ in range(substeps):
            if r == 0:
                k1 = f(v, ge, gi)
                v = v + h * f(v + 0.5 * h * k1, ge * np.sqrt(de), gi * np.sqrt(di))
            ge, gi = ge * de, gi * di
        if r > 0:
            r -= 1
        ge, gi = ge + add_e[k], gi + add_i[k]
        if v >= v_thresh:
            spikes.append(k * dt)
            v, r = v_reset, refractory
    return np.array(spikes)


def adex(duration, i_offset, cm=0.281, tau_refrac=0.1, v_spike=-40.0, v_reset=-70.6, v_rest=-70.6, tau_m=9.3667,
         a=4.0, b=0.0805, delta_T=2.0, tau_w=144.0, v_thresh=-50.4, dt=DT, substeps=20):
    """EIF_cond_exp_isfa_ista (NEST aeif_cond_exp) without synaptic input: RK2 substeps, spike at
    v >= v_spike on the dt grid, then v = v_reset, w += b."""
    n = int(round(duration / dt))
    gl, h, a_us = cm / tau_m, dt / substeps, a * 1e-3
    refractory = int(round(tau_refrac / dt))

    def f(v, w):
        return ((-gl * (v - v_rest) + gl * delta_T * np.exp(min((v - v_thresh) / delta_T, 50.0)) - w + i_offset) / cm,
                (a_us * (v - v_rest) - w) / tau_w)

    v, w, r = v_rest, 0.0, 0
    spikes = []
    for k in range(1, n + 1):
        for _ in range(substeps):
            dv1, dw1 = f(v, w)
            dv2, dw2 = f(v + 0.5 * h * dv1, w + 0.5 * h * dw1)
            if r == 0:
                v = min(v + h * dv2, 0.0)
            w = w + h * dw2
        if r > 0:
            r -= 1
        if v >= v_spike:
            spikes.append(k * dt)
            v, w, r = v_reset, w + b, refractory
    return np.array(spikes)


def rate(times, t_stop, t_start=T0):
    t = np.asarray(times, float)
    return np.sum((t >= t_start) & (t < t_stop)) / (t_stop - t_start) * 1e3


def merged(population):
    return np.concatenate([np.asarray(s, float) for s in population.get_data().segments[-1].spiketrains])


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("calix_bio"))


@pytest.fixture
def bio(cache):
    pynn.setup(units="biological", calibration_cache=cache)
    yield pynn
    pynn.end()


# -- (a) parameter ranges in model units --------------------------------------------------------
def test_parameter_ranges_are_model_units(bio):
    lo, hi, unit, _ = biological.model_ranges()["v_rest"]
    assert unit == "mV" and -80 < lo < -65 < hi < -25          # calix leak 50..160 LSB through ModelMapping
    with pytest.raises(ValueError, match=rf"v_rest = -90 mV is infeasible.*\[{lo:.4g}, {hi:.4g}\] mV"):
        pynn.Population(1, pynn.IF_curr_exp(v_rest=-90.0))
    with pytest.raises(ValueError, match=r"tau_m = 100 ms .*\[0.5, 60\] ms"):
        pynn.Population(1, pynn.IF_cond_exp(tau_m=100.0))
    with pytest.raises(ValueError, match=r"tau_refrac = 0 ms .*\[0.04, 32\] ms"):
        pynn.Population(1, pynn.IF_curr_exp(tau_refrac=0.0))
    # 51.1 nA of the constant-current cell / (6.86 hw mV per mV * 2.3 pF / 1 nF * 1000)
    with pytest.raises(ValueError, match=r"i_offset = 4 nA .*cm = 1 nF.*\[-3.24, 3.24\] nA"):
        pynn.Population(1, pynn.IF_curr_exp(i_offset=4.0))
    pynn.Population(1, pynn.IF_curr_exp(i_offset=4.0, cm=2.0))   # the current range scales with cm
    with pytest.raises(ValueError, match=r"delta_T = 1 mV .*2 mV only"):
        pynn.Population(1, pynn.EIF_cond_exp_isfa_ista(delta_T=1.0))
    with pytest.raises(ValueError, match=r"a = 100 nS .*cm = 0.281 nF"):
        pynn.Population(1, pynn.EIF_cond_exp_isfa_ista(a=100.0))
    with pytest.raises(ValueError, match=r"tau_w = 5000 ms .*\[10, 1000\] ms"):
        pynn.Population(1, pynn.EIF_cond_exp_isfa_ista(tau_w=5000.0))
    p = pynn.Population(2, pynn.IF_curr_exp())
    with pytest.raises(ValueError, match=r"v_reset = -100 mV"):
        p.set(v_reset=-100.0)
    pynn.setup(units="biological")
    p = pynn.Population(2, pynn.IF_cond_exp())
    p.set(e_rev_I=-50.0)                                          # too close to (v_rest + v_thresh) / 2:
    with pytest.raises(ValueError, match=r"e_rev_I = -50 mV is infeasible.*<= -59.5 mV"):
        pynn.run(10.0)                                            # checked at run (depends on 3 parameters)


# -- (b) biological units only with setup(units="biological"), one target per chip ---------------
def test_needs_biological_units_and_one_kind_of_synapse(cache):
    pynn.setup()
    with pytest.raises(ValueError, match=r"setup\(units='biological'\)"):
        pynn.Population(1, pynn.IF_curr_exp())
    pynn.reset()                                                  # the failed population left nothing behind
    pynn.end()
    pynn.setup(units="biological", calibration_cache=cache)
    pynn.Population(1, pynn.IF_curr_exp())
    pynn.Population(1, pynn.IF_cond_exp())
    with pytest.raises(ValueError, match="cannot be mixed"):
        pynn.run(10.0)
    pynn.setup(units="biological", calibration_cache=cache)
    pynn.Population(1, pynn.IF_curr_exp())
    pynn.Population(1, pynn.CalibHXNeuronCuba())
    with pytest.raises(ValueError, match="cannot be mixed"):
        pynn.run(10.0)
    pynn.setup(units="biological", calibration_cache=cache)
    cuba, coba = pynn.Population(1, pynn.IF_curr_exp()), pynn.Population(1, pynn.IF_cond_exp())
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[1.0]))
    with pytest.raises(Exception, match="negative"):
        pynn.Projection(src, cuba, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=0.5), receptor_type="inhibitory")
    pynn.Projection(src, coba, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=0.01), receptor_type="inhibitory")
    pynn.end()
    assert {"IF_curr_exp", "IF_cond_exp", "EIF_cond_exp_isfa_ista"} <= set(pynn.list_standard_models())


def test_weight_scale_follows_cm_and_tau(bio):
    """Without running: the hardware weight is |w| f / I_lsb, f = 23 / cm (nA per nA), and calix's
    matching of every neuron's mean response makes the LSB current ~ 1 / (tau_syn tau_m)."""
    a = pynn.Population(1, pynn.IF_curr_exp(cm=1.0))
    b = pynn.Population(1, pynn.IF_curr_exp(cm=2.0))
    c = pynn.Population(1, pynn.IF_curr_exp(tau_m=10.0))
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[1.0]))
    prjs = [pynn.Projection(src, p, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=1.0),
                            receptor_type="excitatory") for p in (a, b, c)]
    _, scale = biological.calibration_target([(a, np.array([0])), (b, np.array([1])), (c, np.array([2]))],
                                             simulator.state.projections)
    simulator.state.bio_scale = scale
    hw = [int(biological.hardware_weights(prj, prj._weight)[0]) for prj in prjs]
    assert 50 <= hw[0] <= 63                                     # the largest weight uses the 6 bit
    assert abs(hw[1] - hw[0] / 2) <= 1 and abs(hw[2] - hw[0] / 2) <= 1
    assert np.isclose(scale.weight_lsb(a, "excitatory")[0], 1.0 / hw[0], rtol=0.02)
    prjs[0].set(weight=0.001)
    with pytest.warns(biological.BiologicalWeightWarning, match="below half a hardware weight LSB"):
        assert biological.hardware_weights(prjs[0], prjs[0]._weight)[0] == 0
    assert prjs[0].get("weight", format="list")[0][2] == 0.001   # get() gives the model weight


# -- (c) firing rates against the references ----------------------------------------------------
def test_if_curr_exp_rate_under_constant_current(bio):
    levels, t_stop = [1.25, 1.6, 2.0], 2000.0
    cells = pynn.Population(3, pynn.IF_curr_exp(i_offset=levels, tau_refrac=2.0))
    cells.record("spikes")
    pynn.run(t_stop)
    trains = cells.get_data().segments[-1].spiketrains
    for level, train in zip(levels, trains):
        ref = rate(lif_cuba(t_stop, i_offset=level, tau_refrac=2.0)[0], t_stop)
        assert rate(train, t_stop) == pytest.approx(ref, rel=0.2), level


def _poisson_network(cell, w_exc, w_inh, rates=(12.0, 16.0, 20.0), n_exc=50, n_inh=20):
    cells = pynn.Population(len(rates), cell)
    cells.record("spikes")
    inh = pynn.Population(n_inh, pynn.SpikeSourcePoisson(rate=10.0))
    inh.record("spikes")
    pynn.Projection(inh, cells, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=w_inh), receptor_type="inhibitory")
    exc = []
    for i, r in enumerate(rates):
        s = pynn.Population(n_exc, pynn.SpikeSourcePoisson(rate=r))
        s.record("spikes")
        pynn.Projection(s, cells[i:i + 1], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=w_exc),
                        receptor_type="excitatory")
        exc.append(s)
    return cells, inh, exc


def test_if_curr_exp_rate_under_poisson_input(bio):
    t_stop = 3000.0
    cells, inh, exc = _poisson_network(pynn.IF_curr_exp(tau_refrac=2.0), 0.3, -0.3)
    pynn.run(t_stop)
    trains = cells.get_data().segments[-1].spiketrains
    for i, s in enumerate(exc):
        spikes, _ = lif_cuba(t_stop, tau_refrac=2.0, exc=(merged(s), 0.3), inh=(merged(inh), -0.3))
        ref = rate(spikes, t_stop)
        assert ref > 3
        assert rate(trains[i], t_stop) == pytest.approx(ref, rel=0.2), i


def test_if_cond_exp_rate_under_poisson_input(bio):
    import calix
    t_stop = 3000.0
    cells, inh, exc = _poisson_network(pynn.IF_cond_exp(tau_refrac=2.0), 0.006, 0.01)
    try:
        pynn.run(t_stop)
    except calix.CalibNotSuccessful as err:                  # calix's COBA calibration, not this mapping
        pytest.xfail(f"calix COBA calibration failed: {str(err)[:300]}")
    trains = cells.get_data().segments[-1].spiketrains
    for i, s in enumerate(exc):
        ref = rate(lif_coba(t_stop, tau_refrac=2.0, exc=(merged(s), 0.006), inh=(merged(inh), 0.01)), t_stop)
        assert ref > 3
        assert rate(trains[i], t_stop) == pytest.approx(ref, rel=0.2), i


def test_eif_rate_and_adaptation(bio):
    """EIF with i_offset (tau_m = 20 ms: the default 9.37 ms puts the rheobase at the top of the
    constant-current range); the mean rate of 8 neurons against the reference; spike-triggered
    adaptation lowers it."""
    t_stop, n, level = 2000.0, 8, 0.6
    kw = dict(tau_m=20.0, i_offset=level)
    cells = pynn.Population(n, pynn.EIF_cond_exp_isfa_ista(**kw))
    cells.record("spikes")
    pynn.run(t_stop)
    adapted = np.mean([rate(s, t_stop) for s in cells.get_data().segments[-1].spiketrains])
    assert adapted == pytest.approx(rate(adex(t_stop, **kw), t_stop), rel=0.35)
    cells.set(b=0.0)
    pynn.reset()
    pynn.run(t_stop)                                          # same calibration target: no new calibration
    free = np.mean([rate(s, t_stop) for s in cells.get_data().segments[-1].spiketrains])
    assert free > 1.15 * adapted
    assert free == pytest.approx(rate(adex(t_stop, b=0.0, **kw), t_stop), rel=0.35)


# -- (d) the membrane in mV ---------------------------------------------------------------------
def test_membrane_rests_at_v_rest_in_mv(bio):
    cells = pynn.Population(2, pynn.IF_curr_exp(v_rest=[-65.0, -55.0], v_thresh=-45.0))
    cells.record("v")
    pynn.run(100.0)
    (sig,) = cells.get_data().segments[-1].analogsignals                        # PyNN's format
    assert sig.shape == (1001, 2) and str(sig.units.dimensionality) == "mV"
    assert float(sig.sampling_period) == pytest.approx(0.1) and np.asarray(sig.times)[-1] == pytest.approx(100.0)
    for v, v_rest in zip(np.asarray(sig).T, (-65.0, -55.0)):
        assert np.median(v) == pytest.approx(v_rest, abs=1.5)


# -- (e) PSPs -------------------------------------------------------------------------------------
def test_psp_grows_with_weight(bio):
    weights = [0.3, 1.0]
    cells = pynn.Population(2, pynn.IF_curr_exp(v_thresh=-40.0))
    cells.record("v")
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[20.0]))
    for i, w in enumerate(weights):
        pynn.Projection(src, cells[i:i + 1], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=w),
                        receptor_type="excitatory")
    pynn.run(100.0)
    amps = []
    (sig,) = cells.get_data().segments[-1].analogsignals
    for v, w in zip(np.asarray(sig).T, weights):
        t = np.asarray(sig.times)
        base = np.median(v[t < 19.0])
        amp = v.max() - base
        ref = lif_cuba(100.0, v_thresh=-40.0, exc=([20.0], w))[1] + 65.0
        assert amp == pytest.approx(ref.max(), rel=0.25, abs=0.2), w   # 0.1 mV MADC LSB, 5 % synapse mismatch
        shape = np.interp(t, np.arange(len(ref)) * DT, ref)            # the time course, too
        assert np.sqrt(np.mean((v - base - shape) ** 2)) < 0.15 * ref.max() + 0.1, w
        amps.append(amp)
    assert amps[1] > 2.5 * amps[0]


def test_v_of_many_standard_cells_goes_to_the_cadc(bio):
    few = pynn.Population(2, pynn.IF_curr_exp(v_rest=-60.0))
    many = pynn.Population(20, pynn.IF_curr_exp(v_rest=-60.0))
    few.record("v")                                   # fits the MADC: even + odd column
    many.record("v")                                  # does not: the CADC, every 0.1 ms
    pynn.run(50.0)
    (f,) = few.get_data().segments[0].analogsignals
    (m,) = many.get_data().segments[0].analogsignals
    assert f.annotations["device"] == "madc" and f.shape == (501, 2)
    assert m.annotations["device"] == "cadc" and m.shape == (501, 20)     # 0, 0.1, ..., 50 ms
    assert not np.isnan(np.asarray(m)).any()                              # a CADC read at every grid point
    rest = np.median(np.asarray(m), axis=0)
    assert np.all(np.abs(rest + 60.0) < 3.0), rest                  # mV, through the CADC calibration
    assert str(m[0].units.dimensionality) == "mV"
