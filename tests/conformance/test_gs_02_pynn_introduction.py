"""brainscales2-demos:gs_02_pynn_introduction.rst — the German introduction to PyNN (the same
network as fp_pynn_introduction): one ``HXNeuron`` with raw parameters on top of the nightly
calibration, five ``SpikeSourceArray`` neurons at 10, 30, ..., 90 us through weight-63
synapses, 0.1 ms.  The notebook's API calls unchanged; ``setup_hardware_client()`` is lab
infrastructure, ``get_nightly_calibration()`` the demos' helper outside the collaboratory.

The solution figure (girlsday_pynn_output.png): "Das Neuron hat 0 mal gefeuert", five EPSPs
from a rest of ~190, the first to ~290, the later ones stacking to ~325, each decaying by
~75 LSB before the next.  The emulator: rest 166, first peak 375, stacked 465, no spike (its
threshold 400 reads ~545); its EPSPs are twice the figure's: the figure's peak ~6 us after
the input and fall to a quarter before the next, a synaptic time constant of ~3 us, where
the nightly calibration has 10 us (docs/hxsim-raw-behaviour.md, synaptic input).
"""
import numpy as np

import pynn_brainscales.brainscales2 as pynn


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    calib_path = pynn.helper.nightly_calib_path().parent
    return pynn.helper.chip_from_file(calib_path.joinpath(filename))


def test_five_stacking_psps_below_threshold():
    calib = get_nightly_calibration()
    pynn.setup(initial_config=calib)

    # Die Parameter der Population werden definiert.
    numb_neurons = 1
    neuron_parameters = {                          #                         Bereich
        "leak_v_leak": 400,                        # Ruhepotential          (300-1000)
        "leak_i_bias": 200,                        # Ruhestrom              (0-1022)
        "threshold_v_threshold": 400,              # Schwellenspannung      (0-600)
        "threshold_enable": True,                  # Vergleichsaktivierung
        "refractory_period_refractory_time": 100,  # Refraktärzeit          (0-255)
        "reset_v_reset": 300,                      # Umkehrspannung         (300-1000)
        "reset_i_bias": 1000,                      # Umkehrstrom            (0-1022)
        "membrane_capacitance_capacitance": 63     # Membrankapazität       (0-63)
        }
    neuron_type = pynn.cells.HXNeuron(**neuron_parameters)
    pop = pynn.Population(numb_neurons, neuron_type)
    pop.record(["spikes", "v"])

    spike_times = [0.01, 0.03, 0.05, 0.07, 0.09]
    src = pynn.Population(5, pynn.cells.SpikeSourceArray(spike_times=spike_times))
    synapse_weight = 63
    synapse = pynn.synapses.StaticSynapse(weight=synapse_weight)
    pynn.Projection(src, pop, pynn.AllToAllConnector(),
                    synapse_type=synapse, receptor_type="excitatory")

    duration = 0.1
    pynn.run(duration)

    spiketrain = pop.get_data("spikes").segments[0].spiketrains[0]
    print(f"Das Neuron hat {len(spiketrain)} mal gefeuert.")
    print(f"Die Zeitpunkte der Spikes waren: {spiketrain}")
    mem_v = pop.get_data("v").segments[0].irregularlysampledsignals[0]
    pynn.end()

    t, v = mem_v.times.magnitude, mem_v.magnitude.ravel()
    assert t[0] < 0.001 and t[-1] > 0.099
    assert len(spiketrain) == 0                         # the figure: "0 mal gefeuert"
    rest = np.median(v[t < 0.01])
    assert np.ptp(v[t < 0.0095]) <= 2                   # quiet until the first input
    peaks, peak_delay, troughs = [], [], []
    for k, onset in enumerate(spike_times):
        window = (t > onset) & (t < onset + 0.02)
        peaks.append(v[window].max() - rest)
        peak_delay.append(t[window][np.argmax(v[window])] - onset)
        if k:
            troughs.append(v[(t > onset - 0.002) & (t <= onset + 0.0005)].min() - rest)
    peaks, troughs = np.array(peaks), np.array(troughs)
    assert peaks[0] > 40                                # a clear EPSP from five weight-63 inputs
    assert np.all(np.array(peak_delay) < 0.012)         # rising within a few microseconds
    assert np.all(troughs > 0) and np.all(troughs < 0.8 * peaks[:-1])  # decays between the inputs
    assert peaks[-1] > peaks[0] * 1.05                  # and stacks on what is left of the last
    assert np.all(np.diff(peaks) > -3)
