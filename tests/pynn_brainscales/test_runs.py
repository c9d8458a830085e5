"""Runs: continued runs, RunCommand snippets, CADC recording, Assembly endpoints, delays from
host sources, routing errors naming the projection, biological time."""
import numpy as np
import pytest

import grenade
import pynn_brainscales.brainscales2 as pynn

DRIVE = list(np.arange(0.01, 0.39, 0.005))


@pytest.fixture(autouse=True)
def session():
    pynn.setup()
    yield
    pynn.end()


def _driven(times=DRIVE, weight=63, threshold=True):
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=times), label="src")
    n = pynn.Population(1, pynn.HXNeuron.spiking(threshold_enable=threshold), label="nrn")
    n.record(["spikes"])
    prj = pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=weight),
                          receptor_type="excitatory", label="drive")
    return src, n, prj


def _spikes(pop, segment=-1):
    return np.asarray(pop.get_data().segments[segment].spiketrains[0]).ravel()


def test_continued_runs_equal_one_long_run():
    _, n, _ = _driven()
    pynn.run(0.2)
    assert pynn.run(0.2) == pytest.approx(0.4)
    assert pynn.get_current_time() == pytest.approx(0.4)
    block = n.get_data()
    assert len(block.segments) == 1                               # one segment for both runs
    split = _spikes(n)
    assert split.max() > 0.2 and split.min() < 0.2
    pynn.reset()
    pynn.run(0.4)
    whole = _spikes(n)
    assert len(n.get_data().segments) == 2
    assert abs(len(split) - len(whole)) <= 1
    m = min(len(split), len(whole))
    assert np.abs(split[:m] - whole[:m]).max() < 2e-3            # ms


def test_continued_run_keeps_the_membrane_state():
    # a burst at the end of run 1 charges the membrane; run 2 (no input) starts charged,
    # a run after reset() starts at rest
    src, n, _ = _driven(times=list(np.arange(0.08, 0.1, 0.001)), threshold=False)
    n.record("v")
    pynn.run(0.1)
    first = n.get_data().segments[0].irregularlysampledsignals[0]
    rest = np.median(np.asarray(first).ravel()[:200])
    pynn.run(0.05)
    sig = n.get_data().segments[0].irregularlysampledsignals[0]
    t = np.asarray(sig.times).ravel()
    v = np.asarray(sig).ravel()
    start_of_second = v[(t >= 0.1) & (t < 0.101)]
    assert len(start_of_second) > 5
    assert start_of_second.mean() - rest > 10
    pynn.reset()
    src.set(spike_times=[])
    pynn.run(0.05)
    v0 = np.asarray(n.get_data().segments[-1].irregularlysampledsignals[0]).ravel()
    assert abs(v0[:30].mean() - rest) < 5


def test_append_execute_snippets_with_weight_change():
    _, n, prj = _driven()
    pynn.run(0.2, pynn.RunCommand.APPEND)
    prj.set(weight=20)
    pynn.run(0.2, pynn.RunCommand.APPEND)
    assert pynn.simulator.state.last_results is None            # nothing ran yet
    assert pynn.get_current_time() == pytest.approx(0.4)
    pynn.run(None, pynn.RunCommand.EXECUTE)
    sp = _spikes(n)
    strong, weak = (sp < 0.2).sum(), (sp >= 0.2).sum()
    assert strong > weak and strong > 5
    assert len(pynn.simulator.state.last_results.entries[0]) == 2   # one program, two snippets
    with pytest.raises(ValueError, match="APPEND needs a runtime"):
        pynn.run(None, pynn.RunCommand.APPEND)


def test_append_rejects_topology_change():
    src, n, _ = _driven()
    pynn.run(0.1, pynn.RunCommand.APPEND)
    pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=-10),
                    receptor_type="inhibitory")
    with pytest.raises(ValueError, match="populations or connections changed"):
        pynn.run(0.1, pynn.RunCommand.APPEND)


def test_prepare_routes_without_running():
    _driven()
    pynn.run(None, pynn.RunCommand.PREPARE)
    assert pynn.get_backend_statistics()["routing"].synapses >= 1
    assert pynn.simulator.state.last_results is None and pynn.get_current_time() == 0


def test_a_rebuilt_network_reuses_the_last_routing(monkeypatch):
    """After setup() the same network is not routed again (its weights may differ); a network that
    needs another routing (one more projection here) is routed, and each runs as if routed anew."""
    calls = []
    route = grenade.route
    monkeypatch.setattr(grenade, "route", lambda net: calls.append(net) or route(net))
    monkeypatch.setattr(pynn.simulator, "_LAST_ROUTING", {})    # not the routing of an earlier test

    def experiment(weight, inhibition=False):
        pynn.end()
        pynn.setup()
        src, n, prj = _driven(weight=weight)
        if inhibition:
            pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=-63),
                            receptor_type="inhibitory")
        pynn.run(0.2)
        return _spikes(n), prj.placed_connections
    first, _ = experiment(63)
    assert len(calls) == 1
    again, placed = experiment(20)
    assert len(calls) == 1 and placed[0][0].weight == 20
    assert 0 < len(again) < len(first)
    assert np.array_equal(experiment(63)[0], first)
    assert len(calls) == 1
    assert len(experiment(63, inhibition=True)[0]) < len(first)
    assert len(calls) == 2
    monkeypatch.setattr(grenade, "route", route)
    pynn.simulator._LAST_ROUTING.clear()
    assert np.array_equal(experiment(20)[0], again)


def test_cadc_records_many_neurons():
    leaks = np.linspace(300, 700, 24)
    n = pynn.Population(24, pynn.HXNeuron.spiking(leak_v_leak=leaks, threshold_enable=False))
    n.record("v", device="cadc", sampling_interval=0.005)
    pynn.run(0.1)
    sigs = n.get_data().segments[0].irregularlysampledsignals
    assert len(sigs) == 24
    assert all(len(s) == 20 for s in sigs)                          # 0.1 ms / 0.005 ms
    assert sigs[0].annotations["device"] == "cadc"
    medians = np.array([np.median(np.asarray(s)) for s in sigs])
    assert np.corrcoef(leaks, medians)[0, 1] > 0.95                 # follows the leak potentials
    assert medians[-1] - medians[0] > 80
    assert np.allclose(np.diff(np.asarray(sigs[3].times)), 0.005)
    with pytest.raises(ValueError, match="membrane only"):
        n.record("adaptation", device="cadc")
    with pytest.raises(ValueError, match="unknown recording device"):
        n.record("v", device="oscilloscope")


def test_assembly_endpoints():
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=DRIVE[:30]))
    a = pynn.Population(2, pynn.HXNeuron.spiking(), label="a")
    b = pynn.Population(1, pynn.HXNeuron.spiking(), label="b")
    c = pynn.Population(1, pynn.HXNeuron.spiking(), label="c")
    for p in (a, b, c):
        p.record("spikes")
    pynn.Projection(src, a + b[0:1], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63))
    prj = pynn.Projection(a + src, c, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=40))
    assert len(prj) == 3
    pynn.run(0.2)
    counts = [len(s) for p in (a, b, c) for s in p.get_data().segments[0].spiketrains]
    assert all(x > 3 for x in counts), counts
    w = prj.get("weight", format="array")
    assert w.shape == (3, 1) and np.all(w == 40)


def test_delay_from_host_source_shifts_spikes():
    times = list(np.arange(0.01, 0.05, 0.002))

    def first_spike(delay):
        pynn.setup()
        src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=times))
        n = pynn.Population(1, pynn.HXNeuron.spiking())
        n.record("spikes")
        prj = pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63, delay=delay))
        pynn.run(0.1)
        assert prj.get("delay", format="list", with_address=False) == [delay]
        return _spikes(n)

    undelayed, delayed = first_spike(0.0), first_spike(0.02)
    assert len(undelayed) == len(delayed) > 0
    assert np.allclose(delayed - undelayed, 0.02, atol=2e-4)


def test_delayed_spikes_carry_over_into_the_next_run():
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=list(np.arange(0.01, 0.1, 0.002))))
    n = pynn.Population(1, pynn.HXNeuron.spiking())
    n.record("spikes")
    pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63, delay=0.05))
    pynn.run(0.1)
    pynn.run(0.1)
    sp = _spikes(n)
    assert (sp > 0.1).sum() > 0 and sp.min() > 0.06


def test_poisson_split_runs_give_the_same_spikes():
    src = pynn.Population(8, pynn.SpikeSourcePoisson(rate=2e5, start=0.0, duration=1.0))
    src.record("spikes")
    pynn.run(0.13)
    pynn.run(0.17)
    split = [np.asarray(s) for s in src.get_data().segments[0].spiketrains]
    pynn.reset()
    pynn.run(0.3)
    whole = [np.asarray(s) for s in src.get_data().segments[1].spiketrains]
    assert sum(len(s) for s in whole) > 200
    assert all(np.array_equal(a, b) for a, b in zip(split, whole))


def test_unroutable_network_names_the_projection():
    src = pynn.Population(300, pynn.SpikeSourceArray(spike_times=[0.01]), label="wide")
    n = pynn.Population(1, pynn.HXNeuron.spiking(), label="target")
    pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63), label="too-many")
    with pytest.raises(grenade.RoutingError, match="'too-many' \\(wide -> target"):
        pynn.run(0.1)


def test_biological_time_scales_the_hardware_run():
    _, n, _ = _driven(times=DRIVE[:30])
    pynn.run(0.2)
    hw = _spikes(n)
    pynn.end()
    pynn.setup(units="biological")
    assert pynn.get_min_delay() == pytest.approx(0.1)
    _, n, _ = _driven(times=[t * 1000 for t in DRIVE[:30]])
    pynn.run(200.0)
    bio = _spikes(n)
    assert len(bio) == len(hw) > 3
    assert np.allclose(bio, hw * 1000, atol=1.0)
    with pytest.raises(ValueError, match="too long"):
        pynn.run(4e7)
    with pytest.raises(ValueError, match="units"):
        pynn.setup(units="seconds")


def test_neuron_bypass_fires_on_every_input():
    pynn.end()
    pynn.setup(enable_neuron_bypass=True)
    times = list(np.arange(0.01, 0.1, 0.01))
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=times))
    n = pynn.Population(2, pynn.HXNeuron.spiking())
    n.record("spikes")
    pynn.Projection(src, n, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=10))
    pynn.run(0.1)
    for train in n.get_data().segments[0].spiketrains:
        t = np.asarray(train).ravel()
        assert len(t) == len(times)
        assert np.all((t - times >= 0) & (t - times < 2e-3))


def test_rejected_population_leaves_no_trace():
    with pytest.raises(ValueError, match="out of range"):
        pynn.Population(2, pynn.HXNeuron.spiking(leak_v_leak=5000))
    ok = pynn.Population(12, pynn.HXNeuron.spiking())
    ok.record("spikes")
    pynn.run(0.01)
    pynn.reset()                                    # no recorder of a rejected population left
    pynn.run(0.01)
    assert len(ok.get_data().segments) == 2


def test_on_chip_delays_latency_option():
    n = pynn.Population(2, pynn.HXNeuron.spiking())
    with pytest.raises(ValueError, match="on_chip_delays='latency'"):
        pynn.Projection(n[0:1], n[1:2], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63, delay=0.5))
    pynn.end()
    pynn.setup(on_chip_delays="latency")
    src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=list(np.arange(0.01, 0.1, 0.004))))
    n = pynn.Population(2, pynn.HXNeuron.spiking())
    n.record("spikes")
    pynn.Projection(src, n[0:1], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63))
    with pytest.warns(pynn.DelayReplacedWarning, match="realised as the chip's latency"):
        prj = pynn.Projection(n[0:1], n[1:2], pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63, delay=0.5))
    assert prj.get("delay", format="list", with_address=False) == [0.5]     # the request is kept
    pynn.run(0.1)
    pre, post = (np.asarray(s).ravel() for s in n.get_data().segments[0].spiketrains)
    assert len(pre) > 3 and len(post) > 0
    assert post.min() - pre.min() < 0.01                    # driven within the latency, not 0.5 ms later
    with pytest.raises(ValueError, match="on_chip_delays"):
        pynn.setup(on_chip_delays="maybe")


def test_injected_configuration_and_readout_every_run():
    import halco
    import haldls
    import lola
    from grenade.inputs import FPGA_CYCLES_PER_MS
    pynn.end()
    silent = lola.AtomicNeuron()                       # threshold off: the placed neuron cannot fire
    atom = halco.AtomicNeuronOnDLS.from_enum(0)
    timer = halco.TimerOnDLS()
    pynn.setup(injected_config=pynn.InjectedConfiguration(pre_realtime={atom: silent}),
               injected_readout=pynn.InjectedReadout(pre_realtime={timer}, inside_realtime_end={timer},
                                                     post_realtime={atom.toNeuronBackendConfigOnDLS()}))
    _, n, _ = _driven(times=DRIVE[:30])
    for _ in range(2):                                  # applied in every execution
        pynn.run(0.1)
        assert len(_spikes(n)) == 0
        end = int(pynn.get_inside_realtime_end_read()[timer].value)
        assert end >= 0.1 * FPGA_CYCLES_PER_MS                  # read after the whole realtime section
        assert int(pynn.get_pre_realtime_read()[timer].value) < end
        assert isinstance(pynn.get_post_realtime_read()[atom.toNeuronBackendConfigOnDLS()],
                          haldls.NeuronBackendConfig)
    pynn.end()
    pynn.setup()
    _, n, _ = _driven(times=DRIVE[:30])
    pynn.run(0.1)
    assert len(_spikes(n)) > 3                          # without the injection it fires
    with pytest.raises(KeyError, match="unknown point"):
        pynn.setup(injected_config={"during": {}})
    with pytest.raises(TypeError, match=r"ppu_symbols\['x'\]"):
        pynn.setup(injected_config=pynn.InjectedConfiguration(ppu_symbols={"x": 1}))
    with pytest.raises(TypeError, match="injected_config.post_realtime"):
        pynn.setup(injected_config={"post_realtime": 5})
