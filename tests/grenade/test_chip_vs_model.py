"""The chip path and hxsim.ModelSimulator agree on spikes, with recurrent connections.

A small recurrent network (external inputs, excitatory and inhibitory recurrent projections)
runs through grenade on the ideal emulated chip (configured by programs, input through the FPGA,
spikes read back as events) and on ModelSimulator with the parameters the nominal transfer
functions give for the chip's CapMem values (tests/grenade/test_emulator_reference.py has the
mapping and the timing of host input; feed-forward networks agree exactly there). A neuron's
spike acts on its targets on the chip from the next integration step, in ModelSimulator (whose
delays are at least one step) from the step after: one step (0.1 us) of extra latency in the
model per recurrent hop. The spikes therefore agree per neuron in count (within 2 of up to ~140)
and, pair by pair for the neurons of equal counts, in time (the median difference at most three
steps).
"""
from __future__ import annotations

import numpy as np
import pytest

import hxcomm
import hxsim
import grenade

from .test_emulator_reference import (CYCLES_PER_STEP, DT_US, RUNTIME_MS, SETTLE_MS, neuron_config,
                                      reference_parameters, weight_gain)

#: ModelSimulator's shortest delay (the chip's recurrent latency is one step shorter)
RECURRENT_DELAY_US = DT_US


def recurrent(seed, n_in=6, n_out=12, p_in=0.5, p_rec=0.25):
    rng = np.random.default_rng(seed)
    b = grenade.NetworkBuilder()
    inp = b.add(grenade.ExternalSourcePopulation(n_in))
    out = b.add(grenade.Population(n_out, config=neuron_config()))
    pre, post = np.nonzero(rng.random((n_in, n_out)) < p_in)
    w = rng.integers(30, 64, len(pre))
    b.add(grenade.Projection("excitatory", inp, out, (pre, post, w)))
    mask = rng.random((n_out, n_out)) < p_rec
    np.fill_diagonal(mask, False)
    rpre, rpost = np.nonzero(mask)
    rw = rng.integers(20, 64, len(rpre))
    inh = rpre >= n_out - 3                     # the last three neurons inhibit
    b.add(grenade.Projection("excitatory", out, out, (rpre[~inh], rpost[~inh], rw[~inh])))
    b.add(grenade.Projection("inhibitory", out, out, (rpre[inh], rpost[inh], rw[inh])))
    network = b.done()
    times = [np.sort(rng.uniform(0.005, 0.09, 10)) for _ in range(n_in)]
    return network, inp, out, (pre, post, w), (rpre, rpost, rw, inh), times


def run_model(inputs, rec, times, n_out):
    pre, post, w = inputs
    rpre, rpost, rw, inh = rec
    n_in = len(times)
    k0 = -2                                     # model step 0 = chip step k0 (see the reference test)
    in_t, in_s = [], []
    for i, t in enumerate(times):
        cycles = np.rint(np.asarray(t) * 125_000).astype(np.int64)
        k = np.ceil((cycles + 1) / CYCLES_PER_STEP).astype(np.int64)
        in_t.append((k - k0 - 2) * DT_US + 1e-6)
        in_s.append(np.full(len(k), i))
    sim = hxsim.ModelSimulator(n_neurons=n_out, n_inputs=n_in, dt=DT_US)
    sim.set_parameters(**reference_parameters())
    g = weight_gain()
    sim.connect(pre=np.concatenate([pre + n_out, rpre]), post=np.concatenate([post, rpost]),
                weight=np.concatenate([w, rw]) * g,
                receptor=np.concatenate([np.zeros(len(pre), int), inh.astype(int)]),
                delay=np.concatenate([np.full(len(pre), DT_US), np.full(len(rpre), RECURRENT_DELAY_US)]))
    res = sim.run(RUNTIME_MS * 1000 + 3 * DT_US, input_times=np.concatenate(in_t),
                  input_sources=np.concatenate(in_s))
    cycles = np.floor((k0 + res.spike_times / DT_US) * CYCLES_PER_STEP + 1e-9)
    keep = cycles < RUNTIME_MS * 125_000
    return np.asarray(res.spike_neurons)[keep], cycles[keep]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_recurrent_network_spikes_agree_with_model_simulator(seed):
    network, inp, out, inputs, rec, times = recurrent(seed)
    gen = grenade.InputGenerator(network, runtime=RUNTIME_MS).add(times, inp)
    with hxcomm.EmulatorConnection(ideal=True) as conn:
        res = grenade.run(conn, network, None, gen, inter_batch_entry_wait=SETTLE_MS)
        grenade.forget(conn)
    chip = res.spikes(out)
    n_out = len(network.placement[1])
    neurons, cycles = run_model(inputs, rec, times, n_out)
    assert len(chip) > 100, "the network should spike"
    c_chip = np.bincount(chip["neuron"], minlength=n_out)
    c_model = np.bincount(neurons, minlength=n_out)
    assert np.abs(c_chip - c_model).max() <= 2, (c_chip, c_model)
    assert abs(int(c_chip.sum()) - int(c_model.sum())) <= 0.02 * c_model.sum()
    # the spikes of neurons with equal counts, pair by pair: mostly the same step or a few earlier
    d = np.concatenate([np.sort(cycles[neurons == j]) - np.sort(chip["time"][chip["neuron"] == j] * 125_000)
                        for j in np.flatnonzero((c_chip == c_model) & (c_model > 0))])
    assert d.size > 0.25 * len(chip)
    assert np.median(np.abs(d)) <= 3 * CYCLES_PER_STEP + 1, np.median(np.abs(d))


def test_without_recurrence_the_spikes_agree_exactly():
    """The same network with its recurrent projections emptied: chip and model agree spike by spike."""
    network, inp, out, inputs, rec, times = recurrent(5, p_rec=0.0)
    gen = grenade.InputGenerator(network, runtime=RUNTIME_MS).add(times, inp)
    with hxcomm.EmulatorConnection(ideal=True) as conn:
        res = grenade.run(conn, network, None, gen, inter_batch_entry_wait=SETTLE_MS)
        grenade.forget(conn)
    chip = res.spikes(out)
    neurons, cycles = run_model(inputs, rec, times, len(network.placement[1]))
    assert len(chip) > 20
    np.testing.assert_array_equal(chip["neuron"], neurons)
    np.testing.assert_allclose(chip["time"] * 125_000, cycles, atol=1)
