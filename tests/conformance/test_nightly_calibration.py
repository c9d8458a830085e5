"""The nightly calibration as the public demos load and copy it, API calls unchanged.

Sources: brainscales2-demos:_static/common/helpers.py (``get_nightly_calibration`` and
``save_nightly_calibration``, their branches outside the EBRAINS collaboratory) and
brainscales2-demos:common_nightly_calibration.rst (``calib = get_nightly_calibration()``, then
``pynn.setup(initial_config=calib)`` with ``pynn.cells.HXNeuron()`` populations). The copies are
loaded as the hxtorch and PPU tutorials load them (ts_05 and ts_12 copy
``spiking2_calix-native.pkl`` / ``spiking_calix-native.pkl``, ts_07 copies
``correlation_calix-native.pkl``, unpickles it and calls ``calib_result.apply(builder)`` on a
builder and on a dumper, tp_01 copies ``hagen_cocolist.pbin``); those tutorials themselves are
not ported (tests/conformance/inventory.py says why).
"""
import os
import pickle
import shutil
from pathlib import Path
from typing import Optional

import numpy as np

import pynn_brainscales.brainscales2 as pynn
from dlens_vx_v3 import halco, hxcomm, sta


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    calib_path = pynn.helper.nightly_calib_path().parent
    path_to_calib = calib_path.joinpath(filename)
    chip = pynn.helper.chip_from_file(path_to_calib)
    return chip


def save_nightly_calibration(filename: str = "spiking_cocolist.pbin", source_folder: Optional[str] = None,
                             folder: Optional[str] = None):
    folder = Path() if folder is None else Path(folder)
    output_file = folder.joinpath(filename)
    if source_folder is None:
        source_folder = "latest-weekly"
    calib_path = pynn.helper.nightly_calib_path().parent.parent
    path_to_calib = calib_path.joinpath(source_folder, filename)
    shutil.copy(path_to_calib, output_file)


def test_hxneurons_take_the_nightly_calibration_and_spike():
    calib = get_nightly_calibration()
    pynn.setup(initial_config=calib)
    pop = pynn.Population(4, pynn.cells.HXNeuron())
    # the populations took the calibrated neurons they are placed on
    for k in range(4):
        assert pop.get("leak_v_leak")[k] == calib.neuron_block.atomic_neurons[k].leak.v_leak
        assert pop.get("threshold_v_threshold")[k] == calib.neuron_block.atomic_neurons[k].threshold.v_threshold
    assert len(set(pop.get("leak_v_leak"))) > 1                # calibrated: the values differ per circuit
    stim = pynn.Population(1, pynn.cells.SpikeSourceArray(spike_times=np.arange(0.01, 0.19, 0.002)))
    pynn.Projection(stim, pop, pynn.AllToAllConnector(), synapse_type=pynn.synapses.StaticSynapse(weight=63),
                    receptor_type="excitatory")
    pop.record(["spikes"])
    pynn.run(0.2)
    counts = [len(s) for s in pop.get_data("spikes").segments[-1].spiketrains]
    pynn.end()
    # equally calibrated neurons answer the same input alike (up to their synapses' mismatch)
    assert min(counts) > 5 and np.std(counts) < 0.2 * np.mean(counts)


def test_save_nightly_calibration_copies_from_latest_weekly(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "nightly").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)              # the helper saves into the working directory by default
    try:
        save_nightly_calibration()                                       # default: spiking_cocolist.pbin
        save_nightly_calibration("hagen_cocolist.pbin")
        save_nightly_calibration("spiking2_calix-native.pkl")
        save_nightly_calibration(filename="correlation_calix-native.pkl")
        save_nightly_calibration("spiking_calix-native.pkl", folder=str(tmp_path / "sub"))
        save_nightly_calibration("spiking_cocolist.pbin", source_folder="latest", folder="nightly")
    finally:
        os.chdir(cwd)
    # the copies are the deployed files, and load as the scripts load them
    assert pynn.helper.chip_from_file(tmp_path / "spiking_cocolist.pbin") == get_nightly_calibration()
    assert pynn.helper.chip_from_file(tmp_path / "nightly" / "spiking_cocolist.pbin") == get_nightly_calibration()
    hagen = pynn.helper.chip_from_file(tmp_path / "hagen_cocolist.pbin")
    assert hagen == get_nightly_calibration("hagen_cocolist.pbin")
    for name in ("spiking2_calix-native.pkl", "correlation_calix-native.pkl", "sub/spiking_calix-native.pkl"):
        with open(tmp_path / name, "rb") as calibfile:
            calib_result = pickle.load(calibfile)
        calib_builder = sta.PlaybackProgramBuilder()
        calib_result.apply(calib_builder)
        calib_dumper = sta.PlaybackProgramBuilderDumper()
        calib_result.apply(calib_dumper)
        writes = dict(calib_dumper.done().squash())
        chip = calib_result.to_chip()
        assert writes[halco.NeuronBlockOnDLS()] == chip.neuron_block
        if name.startswith("spiking2"):
            # the builder's writes bring the chip to the calibrated configuration
            ticket = calib_builder.read(halco.NeuronBlockOnDLS())
            with hxcomm.ManagedConnection() as connection:
                init, _ = sta.generate(sta.SystemInit())
                sta.run(connection, init.done())
                sta.run(connection, calib_builder.done())
            assert ticket.get() == chip.neuron_block
    with open(tmp_path / "spiking2_calix-native.pkl", "rb") as calibfile:
        nt = pickle.load(calibfile).target.neuron_target
    assert (nt.leak, nt.threshold, nt.tau_mem, nt.synapse_dac_bias) == (80, 150, 6e-6, 1000)
