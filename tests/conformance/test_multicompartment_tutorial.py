"""brainscales2-demos:common_task_multicompartment.rst (the body of ts_03-multicompartment.rst and
fp_multicompartment.rst) — a chain of four compartments joined by conductances; ten inputs are
injected into one compartment after another, and the membrane of each compartment is recorded in a
run of its own (one MADC).

The tutorial's calls run unchanged; its nightly calibration (``get_nightly_calibration``, lab
infrastructure) is ``pynn.helper.chip_from_nightly()`` and its plot is replaced by the EPSP
amplitudes the plot shows (the same time slices and baseline).  The sliders' defaults (weight 31,
conductance 500) and, for the questions the tutorial asks, a low and a high conductance and a
larger weight.  What it shows: an EPSP is largest where it is injected and attenuates
monotonically along the chain; a lower conductance attenuates more and keeps the EPSP at the
injection site larger."""
from typing import List

import numpy as np
import pytest
import quantities as pq

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.morphology import create_mc_neuron, \
    Compartment, SharedLineConnection


@pytest.fixture(scope="module")
def tutorial():
    """The tutorial's network and its ``record_membrane_traces``; runs of several settings."""
    calib = pynn.helper.chip_from_nightly()
    pynn.setup(initial_config=calib)

    length = 4      # compartments
    inputs = 10     # sources spiking together

    assert length >= 2
    compartments = []
    for n_comp in range(length):
        positions = [2 * n_comp, 2 * n_comp + 1]
        # the first circuit taps the line of the left neighbour directly
        connect_shared_line = None if n_comp == 0 else [positions[0]]
        # the second one reaches the right neighbour through its conductance
        connect_conductance = None if n_comp == (length - 1) else \
            [(positions[1], 200)]
        compartments.append(
            Compartment(positions=positions,
                        label=f'comp_{n_comp}',
                        connect_conductance=connect_conductance,
                        connect_shared_line=connect_shared_line))

    # the shared line from each compartment's second circuit to the next one's first
    connections = []
    for n_comp in range(length - 1):
        start = 2 * n_comp + 1
        connections.append(
            SharedLineConnection(start=start, stop=start + 1, row=0))

    CompartmentChain = create_mc_neuron('CompartmentChain',
                                        compartments=compartments,
                                        connections=connections,
                                        single_active_circuit=True)

    # no spikes: only the PSPs are of interest
    pop = pynn.Population(1, CompartmentChain(threshold_enable=False))

    isi = 0.2                                               # hardware ms between the inputs
    spike_times = np.arange(length) * isi + 0.5 * isi       # one input per compartment, in turn
    projections = []
    for n_comp, spike_time in enumerate(spike_times):
        pop_in = pynn.Population(inputs, pynn.cells.SpikeSourceArray(
            spike_times=[spike_time]))

        # weights come with each setting below
        synapse_type = pynn.standardmodels.synapses.StaticSynapse()
        projections.append(
            pynn.Projection(pop_in, pop,
                            pynn.AllToAllConnector(location_selector=f'comp_{n_comp}'),
                            synapse_type=synapse_type))

    def record_membrane_traces(weight: int, conductance: int) -> List:
        """One run per compartment (one MADC): its membrane trace, for the given input weight
        (0..63) and inter-compartment conductance (CapMem LSB 0..1022)."""
        pop.set(multicompartment_i_bias_nmda=conductance)
        for proj in projections:
            proj.set(weight=weight)

        membrane_traces = []
        for n_comp in range(length):
            pop.record(['v'], locations=[f'comp_{n_comp}'])

            pynn.run(length * isi)

            membrane_traces.append(pop.get_data(clear=True).segments[-1].irregularlysampledsignals[0])

            pop.record(None)
            pynn.reset()

        return membrane_traces

    def amplitudes(membrane_traces: List) -> np.ndarray:
        """The plot's grid as numbers: [injection site, recording site] -> EPSP amplitude, from the
        plot's time slice around each input and its baseline (the slice's first 100 samples)."""
        out = np.zeros((length, length))
        for injected in range(length):
            for measured in range(length):
                input_time = spike_times[injected] * pq.ms
                signal = membrane_traces[measured].time_slice(
                    t_start=input_time - 0.01 * pq.ms, t_stop=input_time + 0.06 * pq.ms)
                signal = signal - signal[:100].mean()
                out[injected, measured] = float(signal.max())
        return out

    runs = {}
    for weight, conductance in [(31, 500), (31, 100), (31, 1000), (63, 500)]:
        traces = record_membrane_traces(weight, conductance)
        assert [t.annotations["source_locations"] for t in traces] == [[f"comp_{k}"] for k in range(length)]
        runs[(weight, conductance)] = amplitudes(traces)
    yield runs
    pynn.end()


@pytest.mark.parametrize("setting", [(31, 500), (31, 100), (31, 1000), (63, 500)])
def test_epsp_attenuates_monotonically_along_the_chain(tutorial, setting):
    amp = tutorial[setting]
    for injected in range(4):
        left, right = amp[injected, :injected + 1], amp[injected, injected:]
        assert np.all(np.diff(left) > 0) and np.all(np.diff(right) < 0), (setting, injected, amp[injected])
    assert np.all(np.argmax(amp, axis=1) == np.arange(4))
    assert amp.min() > 3                                          # every compartment sees every input


def test_lower_conductance_attenuates_more_and_keeps_the_local_epsp_larger(tutorial):
    weak, default, strong = tutorial[(31, 100)], tutorial[(31, 500)], tutorial[(31, 1000)]
    # far end relative to the injection site, for an input at either end of the chain
    reach = {g: (a[0, 3] / a[0, 0], a[3, 0] / a[3, 3]) for g, a in ((100, weak), (500, default), (1000, strong))}
    for end in range(2):
        assert reach[100][end] < reach[500][end] < reach[1000][end]
    assert np.all(np.diag(weak) > np.diag(default)) and np.all(np.diag(default) > np.diag(strong))


def test_larger_weight_gives_larger_epsps(tutorial):
    assert np.all(tutorial[(63, 500)] > 1.5 * tutorial[(31, 500)])
