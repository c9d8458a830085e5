"""MADC recordings of more than one pair of neurons (public semantics, docs/pynn.md "Public
semantics"): the MADC reads one even and one odd column per run, so the network is re-run once per
pair, every execution from rest; each neuron's signal comes from its own execution, spikes and
everything else from the first; all of it is merged into one Neo block."""
import numpy as np
import pytest

import grenade
import pynn_brainscales.brainscales2 as pynn

INPUT_TIMES = [[0.02], [0.04], [0.06], [0.08]]


@pytest.fixture(autouse=True)
def session():
    pynn.setup()
    yield
    pynn.end()


def _network(size=5):
    """Neuron k < 4 gets one strong input at INPUT_TIMES[k]; the last one none; threshold off, so the
    membranes show one PSP each, at different times."""
    src = pynn.Population(4, pynn.SpikeSourceArray(spike_times=INPUT_TIMES))
    cells = pynn.Population(size, pynn.HXNeuron.spiking(threshold_v_threshold=300))
    pynn.Projection(src, cells[0:4], pynn.OneToOneConnector(), pynn.StaticSynapse(weight=63))
    return cells


def _by_neuron(segment):
    return {int(s.annotations["source_ids"][0]): s for s in segment.irregularlysampledsignals}


def test_every_neuron_reads_as_if_recorded_alone():
    cells = _network()
    cells.record(["v", "spikes"])
    pynn.run(0.12)
    runs = pynn.get_execution_instance_data()
    assert len(runs) == 3                                   # columns (0, 1), (2, 3), (4)
    assert [r.index for r in runs] == [0, 1, 2]
    assert [r.results.network.madc_recording.neurons for r in runs] == \
        [tuple((grenade.PopulationDescriptor(0), i) for i in pair) for pair in ([0, 1], [2, 3], [4])]
    together = cells.get_data().segments[0]
    spikes = [np.asarray(t) for t in together.spiketrains]
    signals = _by_neuron(together)
    assert sorted(signals) == [int(i) for i in cells.all_cells]
    for k in range(5):
        pynn.reset()
        cells.record(None)
        cells.record("spikes")
        cells[k:k + 1].record("v")
        pynn.run(0.12)
        assert len(pynn.get_execution_instance_data()) == 1
        alone = cells.get_data().segments[-1]
        (single,) = alone.irregularlysampledsignals
        mine = signals[int(cells[k])]
        # with two channels the MADC samples each neuron every other sample: compare at common times
        common, a, b = np.intersect1d(np.round(single.times.magnitude, 9), np.round(mine.times.magnitude, 9),
                                      return_indices=True)
        assert len(common) >= len(mine) - 1 > 1000
        assert np.array_equal(np.asarray(single).ravel()[a], np.asarray(mine).ravel()[b])
        # spikes once, as in a single execution (not once per execution)
        assert all(np.array_equal(np.asarray(x), y) for x, y in zip(alone.spiketrains, spikes))
    psp_times = [float(signals[int(cells[k])].times[np.argmax(np.asarray(signals[int(cells[k])]))])
                 for k in range(4)]
    assert np.all(np.diff(psp_times) > 0.015)               # each signal shows its own neuron's PSP


def test_public_v_recording_of_a_hundred_neurons():
    """pynn-brainscales test/hw pynn_brainscales2_test_partitioning.py (test_v_recording), its run of
    1 ms shortened to 0.2 ms (50 executions)."""
    pynn.setup(enable_neuron_bypass=True)
    pop = pynn.Population(100, pynn.cells.HXNeuron())
    pop.record(["v"])
    pynn.run(0.2)
    signals = pop.get_data().segments[0].irregularlysampledsignals
    assert len(pynn.get_execution_instance_data()) == 50
    assert [int(s.array_annotations["channel_index"][0]) for s in signals] == list(range(100))
    assert all(s.size > 2900 and float(s.times[-1].rescale("ms")) > 0.199 for s in signals)


def test_several_variables_continued_runs_and_snippets():
    cells = _network()
    cells[0:1].record("v")
    cells[1:2].record("exc_synin")
    cells[2:3].record("v")
    cells[3:4].record("adaptation")
    cells[4:5].record("v")
    pynn.run(0.06)
    pynn.run(0.06)                                          # continued: appended to the same signals
    seg = cells.get_data().segments[0]
    names = {int(s.annotations["source_ids"][0]) - 4: s.name for s in seg.irregularlysampledsignals}
    assert names == {0: "v", 1: "exc_synin", 2: "v", 3: "adaptation", 4: "v"}
    for s in seg.irregularlysampledsignals:
        t = s.times.magnitude
        assert t[0] < 0.001 and t[-1] > 0.119 and np.all(np.diff(t) > 0)
        assert np.max(np.diff(t)) < 0.001                   # no gap at the run boundary
    pynn.reset()
    pynn.run(0.05, pynn.RunCommand.APPEND)
    pynn.run(0.05, pynn.RunCommand.APPEND)
    pynn.run(None, pynn.RunCommand.EXECUTE)
    assert len(pynn.get_execution_instance_data()) == 3
    seg = cells.get_data().segments[-1]
    assert len(seg.irregularlysampledsignals) == 10         # per snippet one signal per neuron


def test_biological_cells_on_the_madc_share_one_calibration():
    pynn.setup(units="biological")
    cells = pynn.Population(4, pynn.IF_curr_exp(i_offset=[0.0, 0.2, 0.4, 0.6]))
    cells.record("v", device="madc")
    pynn.run(50.0)
    assert len(pynn.get_execution_instance_data()) == 2
    (v,) = cells.get_data().segments[0].analogsignals       # PyNN's format: one column per neuron
    assert v.shape == (501, 4) and v.annotations["device"] == "madc" and not np.isnan(np.asarray(v)).any()
    final = np.asarray(v)[-100:].mean(axis=0)
    assert np.all(np.diff(final) > 1.0)                     # more current, higher membrane
