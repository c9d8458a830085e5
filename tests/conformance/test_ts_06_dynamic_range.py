"""brainscales2-demos:ts_06-dynamic_range.rst — the dynamic range of synaptic input: one
calibrated neuron at a time (``neuronPermutation``), one input spike at 0.5 ms through a
projection whose weight is raised from 0 to 288 with ``proj.set`` (beyond 63 the backend adds
synapses), excitatory and inhibitory, the membrane's maximum and minimum over 1 ms.  The
notebook's API calls unchanged, on one kept-open connection as the notebook does; the pandas
aggregation and the plot are done with numpy (same groups: receptor type and weight); three of
its eight neurons.

The solution figure: the excitatory maximum rises linearly with the weight, the inhibitory
minimum falls, both from the resting level at weight 0, with a narrow band over the neurons.
What differs: the figure's excitatory maximum rises by ~230 MADC LSB over the range (0.8 LSB per
weight unit), the emulator's by ~90 (0.31 LSB per unit; gs_02's solution figure, another chip,
has ~0.3); the figure's inhibitory minimum flattens towards ~115 (the chip's synaptic input or
membrane saturating, not modelled), the emulator's falls linearly.
"""
import itertools
from collections import defaultdict

import numpy as np

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import hxcomm


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    calib_path = pynn.helper.nightly_calib_path().parent
    return pynn.helper.chip_from_file(calib_path.joinpath(filename))


def test_membrane_extremes_grow_with_the_weight():
    calib = get_nightly_calibration()

    neurons = range(0, 512, 192)            # the notebook: range(0, 512, 64)
    weights = range(0, 300, 32)
    receptor_types = ["inhibitory", "excitatory"]

    results = defaultdict(list)
    log = pynn.logger.get("dynamic_range")
    pynn.logger.set_loglevel(log, pynn.logger.LogLevel.INFO)

    # to speed things up, we keep the connection alive between experiments
    with hxcomm.ManagedConnection() as connection:

        for neuron, receptor_type in itertools.product(neurons, receptor_types):

            pynn.setup(connection=connection,
                       neuronPermutation=[neuron],
                       initial_config=calib)

            # always have only 1 neuron
            number_of_neurons = 1

            population = pynn.Population(number_of_neurons,
                                         pynn.cells.HXNeuron())

            # disable spiking
            population.set(threshold_enable=False)

            # record the membrane voltage
            population.record("v")

            input_spiketimes = [0.5]
            stimulus = pynn.Population(1,
                                       pynn.cells.SpikeSourceArray(spike_times=input_spiketimes))
            proj = pynn.Projection(stimulus,
                                   population,
                                   pynn.AllToAllConnector(),
                                   receptor_type=receptor_type,
                                   synapse_type=pynn.standardmodels.synapses.StaticSynapse(weight=0))

            # Adjust weights of existing projections and add new projections if the desired weight
            # exceeds the maximum weight which can currently be implemented.
            for w in weights:

                sign = 1 if receptor_type == "excitatory" else -1

                proj.set(weight=sign * w)

                pynn.run(1)  # ms (hw)
                membrane = population.get_data().segments[-1].irregularlysampledsignals[0]

                min_membrane = float(membrane.min())
                max_membrane = float(membrane.max())

                results["weight"].append(w)
                results["receptor_type"].append(receptor_type)
                results["neuron"].append(neuron)
                results["membrane_min"].append(min_membrane)
                results["membrane_max"].append(max_membrane)

                log.info(f"{neuron=} {receptor_type=} {w=} "
                         f"{min_membrane=} {max_membrane=}")

                pynn.reset()

            pynn.end()

        log.info("experiment done")

    # aggregate over the neurons, grouped by receptor type and weight (the notebook's pandas
    # groupby): mean and std of the maximum (excitatory) and of the minimum (inhibitory)
    weight = np.array(results["weight"])
    receptor = np.array(results["receptor_type"])
    column = {"excitatory": np.array(results["membrane_max"]), "inhibitory": np.array(results["membrane_min"])}
    mean = {rt: np.array([column[rt][(receptor == rt) & (weight == w)].mean() for w in weights])
            for rt in receptor_types}
    std = {rt: np.array([column[rt][(receptor == rt) & (weight == w)].std() for w in weights])
           for rt in receptor_types}
    assert len(weight) == len(neurons) * len(receptor_types) * len(weights)

    exc, inh = mean["excitatory"], mean["inhibitory"]
    assert abs(exc[0] - inh[0]) <= 3                       # weight 0: both at the resting level
    assert np.all(np.diff(exc) > 0) and np.all(np.diff(inh) < 0)
    w = np.array(weights, float)
    for curve in (exc, inh):                               # about linear over 0..288
        fit = np.polyval(np.polyfit(w, curve, 1), w)
        assert np.max(np.abs(curve - fit)) < 0.1 * np.ptp(curve)
    assert exc[-1] - exc[0] > 50 and inh[0] - inh[-1] > 50
    # beyond 63 the weight is made of several synapses: 288 gives ~4.5 times the swing of 63
    k63 = list(weights).index(64)
    assert (exc[-1] - exc[0]) > 3.5 * (exc[k63] - exc[0])
    # calibrated neurons: a narrow band over the neurons
    assert np.all(std["excitatory"] < 0.1 * (exc[-1] - exc[0]))
    assert np.all(std["inhibitory"] < 0.1 * (inh[0] - inh[-1]))
