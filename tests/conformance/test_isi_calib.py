"""pynn-brainscales:brainscales2/pynn_brainscales/brainscales2/examples/isi_calib.py — the
refractory time of a leak-over-threshold neuron is swept to reach a target inter-spike interval of
0.01 ms (also test/hw/pynn_brainscales2_test_isi_calib.py: the best ISI within 0.001 ms).

The example repeats every point five times; the emulator is deterministic, so the test measures
each refractory setting once (the same sweep, range(5, 256, 10))."""
import numpy as np

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import lola, halco

cell_params = {"threshold_v_threshold": 400,
               "leak_v_leak": 1022,
               "leak_i_bias": 950,
               "reset_v_reset": 400,
               "reset_i_bias": 950,
               "threshold_enable": True,
               "membrane_capacitance_capacitance": 32}


def get_isi(tau_ref: int):
    initial_config = lola.Chip()
    for coord in halco.iter_all(halco.CommonNeuronBackendConfigOnDLS):
        initial_config.neuron_block.backends[coord].enable_clocks = True
        initial_config.neuron_block.backends[coord].clock_scale_slow = 3
        initial_config.neuron_block.backends[coord].clock_scale_fast = 3

    pynn.setup(initial_config=initial_config)
    cell_params.update({"refractory_period_refractory_time": tau_ref})
    pop = pynn.Population(1, pynn.cells.HXNeuron(**cell_params))
    pop.record("spikes")
    pynn.run(0.2)

    spikes = pop.get_data("spikes").segments[0].spiketrains[0]
    if len(spikes) == 0:
        return 0
    isi = np.zeros(len(spikes) - 1)
    for i in range(len(spikes) - 1):
        isi[i] = spikes[i + 1] - spikes[i]

    pynn.end()

    return np.mean(isi)


def test_isi_grows_with_refractory_time_and_reaches_the_target():
    target_isi = 0.01
    taus = list(range(5, 256, 10))
    isis = np.array([get_isi(tau_ref) for tau_ref in taus])
    assert np.all(isis > 0)
    assert np.all(np.diff(isis) >= -1e-9)          # longer refractory time, longer ISI
    assert isis[-1] > 5 * isis[0]
    best = isis[np.argmin(np.abs(isis - target_isi))]
    assert abs(target_isi - best) <= 0.001
