"""The chip's analog core, driven like a user does: halco/haldls containers in
stadls programs on hxcomm.EmulatorConnection.

Helpers at the top (`Setup`) build the usual pieces: a neuron with CapMem
values, a synapse driver + synapse + column switch for the PSP path, MADC
recording. Other test_analog_* files import them.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import halco
import haldls
import hxcomm
import stadls
from chipmodel import transfer as tr

US = 125  # FPGA cycles per us
ROW = halco.CapMemRowOnCapMemBlock
T = tr.TRANSFERS_BY_NAME


def cadc_code(mv):
    """Nominal CADC code of a voltage (mV)."""
    return (mv - T["cadc"].c0) / T["cadc"].c1


def madc_code(mv):
    """Nominal MADC code of a voltage (mV)."""
    return (mv - T["madc"].c0) / T["madc"].c1

#: A quiet neuron: leak at ~370 mV (the leak cell sits ~320 LSB below the threshold cell),
#: threshold far above, tau_mem ~15 us.
QUIET = dict(v_leak=500, v_reset=400, v_threshold=1000, i_bias_leak=100, i_bias_synin_exc_tau=200,
             i_bias_synin_inh_tau=200, i_bias_synin_exc_gm=800, i_bias_synin_inh_gm=800,
             e_synin_exc_rev=900, e_synin_inh_rev=100, i_bias_synin_exc_coba=600,
             i_bias_synin_inh_coba=600)


def atomic(col: int, row: int = 0) -> halco.AtomicNeuronOnDLS:
    return halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(col), halco.NeuronRowOnDLS(row))


class Setup:
    """A PlaybackProgramBuilder after SystemInit, with helpers for analog experiments."""

    def __init__(self):
        self.b, _ = stadls.generate(stadls.SystemInit())
        self.t = 0  # current program time in FPGA cycles since the last timer reset

    def neuron(self, n, cells=None, address=0x2a, refractory=0, holdoff=15, **config):
        cells = dict(QUIET, **(cells or {}))
        for name, value in cells.items():
            self.b.write(n.toCapMemCellOnDLS(getattr(ROW, name)), haldls.CapMemCell(value=value))
        cfg = dict(enable_fire=True, enable_threshold_comparator=True, membrane_capacitor_size=63)
        cfg.update(config)
        self.b.write(n.toNeuronConfigOnDLS(), haldls.NeuronConfig(**cfg))
        self.b.write(n.toNeuronBackendConfigOnDLS(), haldls.NeuronBackendConfig(
            address_out=address, enable_spike_out=True, refractory_time=refractory,
            reset_holdoff=holdoff))
        return n

    def dac(self, value=1000):
        for blk in range(4):
            self.b.write(halco.CapMemCellOnDLS(halco.CapMemCellOnCapMemBlock.syn_i_bias_dac,
                                               halco.CapMemBlockOnDLS(blk)), haldls.CapMemCell(value=value))

    def driver(self, index, hemisphere=0, top=haldls.RowMode.excitatory,
               bottom=haldls.RowMode.disabled, **kw):
        d = halco.SynapseDriverOnDLS(halco.SynapseDriverOnSynapseDriverBlock(index),
                                     halco.SynapseDriverBlockOnDLS(hemisphere))
        self.b.write(d, haldls.SynapseDriverConfig(enable_receiver=True, row_mode_top=top,
                                                   row_mode_bottom=bottom, **kw))
        return d

    def synapse(self, row, col, weight, label, hemisphere=0):
        syn = halco.SynapseOnDLS(halco.SynapseOnSynram(halco.SynapseOnSynapseRow(col),
                                                       halco.SynapseRowOnSynram(row)),
                                 halco.SynramOnDLS(hemisphere))
        q, e = syn.toSynapseQuadOnDLS(), int(syn.toEntryOnQuad())
        w, lab = [0] * 4, [0] * 4
        w[e], lab[e] = weight, label
        self.b.write(halco.SynapseWeightQuadOnDLS(q.toEnum()), haldls.SynapseWeightQuad(values=w))
        self.b.write(halco.SynapseLabelQuadOnDLS(q.toEnum()), haldls.SynapseLabelQuad(values=lab))

    def weight(self, row, col, weight, hemisphere=0):
        syn = halco.SynapseOnDLS(halco.SynapseOnSynram(halco.SynapseOnSynapseRow(col),
                                                       halco.SynapseRowOnSynram(row)),
                                 halco.SynramOnDLS(hemisphere))
        q, e = syn.toSynapseQuadOnDLS(), int(syn.toEntryOnQuad())
        w = [0] * 4
        w[e] = weight
        self.b.write(halco.SynapseWeightQuadOnDLS(q.toEnum()), haldls.SynapseWeightQuad(values=w))

    def column_switch(self, n, exc=True, inh=False):
        e = int(n.toEntryOnQuad())
        ex, ih = [False] * 4, [False] * 4
        ex[e], ih[e] = exc, inh
        self.b.write(n.toColumnCurrentQuadOnDLS(), haldls.ColumnCurrentQuad(
            enable_synaptic_current_excitatory=ex, enable_synaptic_current_inhibitory=ih))

    def madc(self, n, samples, mux=0, **config):
        col = int(n.toNeuronColumnOnDLS())
        even, odd = [False, False], [False, False]
        (even if col % 2 == 0 else odd)[mux] = True
        self.b.write(halco.ReadoutSourceSelectionOnDLS(),
                     haldls.ReadoutSourceSelection(neuron_even=even, neuron_odd=odd))
        self.b.write(halco.MADCConfigOnDLS(), haldls.MADCConfig(
            number_of_samples=samples, active_mux_initially_selected_input=mux, **config))

    def madc_start(self):
        self.b.write(halco.MADCControlOnDLS(), haldls.MADCControl(wake_up=True, start_recording=True))

    def start(self):
        """Timer and systime to 0 (event times count from here)."""
        self.b.write(halco.TimerOnDLS(), haldls.Timer())
        self.b.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync())
        self.t = 0

    def wait(self, us):
        self.t += int(round(us * US))
        self.b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(self.t))

    def spike(self, label):
        self.b.write(halco.SpikePack1ToChipOnDLS(), haldls.SpikePack1ToChip([halco.SpikeLabel(label)]))

    def run(self, **options):
        program = self.b.done()
        self.connection = hxcomm.EmulatorConnection(**options)
        stadls.run(self.connection, program)
        return program


def padi_label(driver: int, address: int, spl1: int = 1) -> int:
    """Host spike label that reaches driver ``driver`` (of every hemisphere) with ``address``."""
    return (spl1 << 14) | ((driver // 4) << 6) | address


def psp_setup(weight, col=3, drv=5, addr=7, settle=150.0, **neuron):
    s = Setup()
    n = s.neuron(atomic(col), enable_synaptic_input_excitatory=True, enable_readout=True, **neuron)
    s.dac()
    s.driver(drv)
    s.synapse(2 * drv, col, weight, addr)
    s.column_switch(n)
    s.madc(n, 1200)
    s.start()
    s.wait(settle)           # let the membrane settle at its leak potential
    s.start()
    s.madc_start()
    return s, n


def psp_height(program) -> float:
    v = program.madc_samples["value"].astype(float)
    return float(v.max() - np.median(v[:100]))


# --- neuron, backend, spike output -------------------------------------------------------------


def test_neuron_spikes_above_threshold_with_its_address():
    s = Setup()
    n = s.neuron(atomic(37, 1), cells=dict(i_mem_offset=600, v_threshold=250),
                 enable_membrane_offset=True, address=0x55)
    q = s.neuron(atomic(40, 1), cells=dict(i_mem_offset=600, v_threshold=1000),
                 enable_membrane_offset=True)
    s.start()
    s.wait(200)
    counter = s.b.read(n.toSpikeCounterReadOnDLS())
    quiet_counter = s.b.read(q.toSpikeCounterReadOnDLS())
    p = s.run()
    labels = p.spikes["label"] & 0x3fff
    out = int(n.toNeuronEventOutputOnDLS().toEnum())
    assert len(labels) > 5
    assert set(labels.tolist()) == {(out << 8) | 0x55}     # only the neuron above threshold
    assert counter.get().count == len(labels)              # spike counter agrees
    assert quiet_counter.get().count == 0


def test_threshold_comparator_and_fire_gate_spikes():
    def count(**config):
        s = Setup()
        s.neuron(atomic(5), cells=dict(i_mem_offset=600, v_threshold=250), enable_membrane_offset=True,
                 **config)
        s.start()
        s.wait(100)
        return len(s.run().spikes)
    assert count() > 3
    assert count(enable_threshold_comparator=False) == 0
    assert count(enable_fire=False) == 0


def test_refractory_period_follows_the_counter_and_clock():
    # Strong drive: the interval between spikes is the refractory time plus the
    # (fixed) rise from reset to threshold; changing refractory_time by 60 ticks
    # of the fast clock (250 MHz / 2^4 = 64 ns) changes the interval by 3.84 us.
    def isi(ticks):
        s = Setup()
        s.neuron(atomic(9), cells=dict(i_mem_offset=1000, v_threshold=300, v_reset=450, i_bias_leak=150),
                 enable_membrane_offset=True, refractory=ticks)
        # the neuron's select_input_clock is 0: the slow clock, at scale 3 (the default is 0, 125 MHz)
        s.b.write(halco.CommonNeuronBackendConfigOnDLS(0), haldls.CommonNeuronBackendConfig(
            enable_clocks=True, enable_event_registers=True, clock_scale_fast=3, clock_scale_slow=3))
        s.start()
        s.wait(200)
        t = s.run().spikes["chip_time"].astype(float) / US
        return np.median(np.diff(t))
    d = isi(100) - isi(40)
    assert d == pytest.approx(60 * 16 / 250, abs=0.2)


def test_bypass_fires_once_per_input_event():
    s = Setup()
    n = s.neuron(atomic(12), cells=dict(v_threshold=1000), enable_bypass_excitatory=True,
                 enable_threshold_comparator=False, address=0x11)
    s.dac()
    s.driver(8)
    s.synapse(16, 12, 30, 5)
    s.column_switch(n)
    s.start()
    for k in range(7):
        s.wait(5)
        s.spike(padi_label(8, 5))
    s.wait(10)
    p = s.run()
    own = p.spikes[(p.spikes["label"] & 0xff) == 0x11]
    assert len(own) == 7
    assert np.allclose(np.diff(own["chip_time"].astype(float)) / US, 5.0, atol=0.3)


def test_neuron_reset_trigger_resets_the_membrane():
    s = Setup()
    n = s.neuron(atomic(20), cells=dict(v_leak=700, v_reset=400))
    s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))
    e = int(n.toEntryOnQuad())
    sw = [False] * 4
    sw[e] = True
    s.b.write(n.toColumnCorrelationQuadOnDLS(), haldls.ColumnCorrelationQuad(
        enable_cadc_neuron_readout_causal=sw))
    quad = halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
        halco.SynapseQuadOnSynram(n.toSynapseQuadColumnOnDLS(), halco.SynapseRowOnSynram(0)),
        halco.CADCChannelType(0), halco.CADCReadoutType(0)), halco.SynramOnDLS(0))
    s.start()
    s.wait(100)
    before = s.b.read(quad)
    s.b.write(n.toNeuronResetOnDLS(), haldls.NeuronReset())
    after = s.b.read(quad)
    s.run(ideal=True)
    assert before.get().samples[e] == pytest.approx(cadc_code(T["v_leak"].nominal(700)), abs=2)
    assert after.get().samples[e] == pytest.approx(cadc_code(T["v_reset"].nominal(400)), abs=2)


# --- synaptic input path ------------------------------------------------------------------------


def test_psp_through_crossbar_padi_driver_synapse_grows_with_weight():
    heights = []
    for w in (0, 10, 30, 63):
        s, n = psp_setup(w)
        s.wait(5)
        s.spike(padi_label(5, 7))
        s.wait(40)
        heights.append(psp_height(s.run(ideal=True)))
    assert heights[0] <= 1
    assert 3 < heights[1] < heights[2] < heights[3]
    assert heights[3] / heights[1] == pytest.approx(6.3, rel=0.2)    # ~linear in the weight


def test_events_need_matching_label_row_select_and_switches():
    def height(label_addr=7, row_select_driver=5, switch=True, receiver_mask=0x1f):
        s = Setup()
        n = s.neuron(atomic(3), enable_synaptic_input_excitatory=True, enable_readout=True)
        s.dac()
        s.driver(5, row_address_compare_mask=receiver_mask)
        s.synapse(10, 3, 63, 7)
        if switch:
            s.column_switch(n)
        s.madc(n, 1000)
        s.start()
        s.wait(150)
        s.start()
        s.madc_start()
        s.wait(5)
        s.spike(padi_label(row_select_driver, label_addr))
        s.wait(30)
        return psp_height(s.run(ideal=True))
    assert height() > 20
    assert height(label_addr=8) <= 1           # synapse label differs
    assert height(row_select_driver=9) <= 1    # row select addresses driver 2 on the bus
    assert height(row_select_driver=9, receiver_mask=0) > 20  # mask 0 accepts every row select
    assert height(switch=False) <= 1           # column current switch open


def test_inhibitory_row_and_coba_inputs():
    def trace(mode, coba):
        s = Setup()
        cfg = dict(enable_synaptic_input_excitatory=True, enable_synaptic_input_inhibitory=True,
                   enable_readout=True, enable_synaptic_input_excitatory_coba_mode=coba,
                   enable_synaptic_input_inhibitory_coba_mode=coba)
        n = s.neuron(atomic(3), **cfg)
        s.dac()
        s.driver(5, top=mode)
        s.synapse(10, 3, 63, 7)
        s.column_switch(n, exc=True, inh=True)
        s.madc(n, 1000)
        s.start()
        s.wait(150)
        s.start()
        s.madc_start()
        s.wait(5)
        s.spike(padi_label(5, 7))
        s.wait(30)
        v = s.run(ideal=True).madc_samples["value"].astype(float)
        return v - np.median(v[:100])
    exc, inh = trace(haldls.RowMode.excitatory, False), trace(haldls.RowMode.inhibitory, False)
    assert exc.max() > 20 and inh.min() < -20 and inh.max() <= 1
    both = trace(haldls.RowMode.excitatory_and_inhibitory, False)
    assert np.abs(both).max() < 0.2 * exc.max()          # equal gains cancel
    coba_exc, coba_inh = trace(haldls.RowMode.excitatory, True), trace(haldls.RowMode.inhibitory, True)
    assert coba_exc.max() > 5 and coba_inh.min() < -5


def test_online_weight_change_takes_effect_at_its_time():
    s, n = psp_setup(63)
    s.wait(5)
    s.spike(padi_label(5, 7))       # PSP with weight 63
    s.wait(25)
    s.weight(10, 3, 0)              # weight -> 0 between two inputs
    s.wait(1)
    s.spike(padi_label(5, 7))       # no PSP
    s.wait(15)
    v = s.run(ideal=True).madc_samples["value"].astype(float)
    t = np.arange(v.size) * tr.CONSTANTS["madc_sample_period_ns"] / 1000.0   # us after start
    base = np.median(v[:100])
    assert v[(t > 5) & (t < 20)].max() - base > 20
    second = v[(t > 31) & (t < 38)]
    assert np.all(np.diff(second) <= 0.5)    # only the decay of the first PSP, no new rise


def test_short_term_depression_with_stp():
    def heights(stp):
        s = Setup()
        n = s.neuron(atomic(3), enable_synaptic_input_excitatory=True, enable_readout=True,
                     cells=dict(i_bias_synin_exc_tau=800, i_bias_leak=1000, i_bias_synin_exc_gm=1022))
        s.dac()
        s.driver(5, enable_stp=stp, utilization=7)
        s.synapse(10, 3, 63, 7)
        s.column_switch(n)
        s.madc(n, 1500)
        s.start()
        s.wait(100)
        s.start()
        s.madc_start()
        for k in range(4):
            s.wait(10)
            s.spike(padi_label(5, 7))
        s.wait(9)
        v = s.run(ideal=True).madc_samples["value"].astype(float)
        t = np.arange(v.size) * tr.CONSTANTS["madc_sample_period_ns"] / 1000.0
        base = np.median(v[t < 9])
        return [v[(t > 10 * k + 10) & (t < 10 * k + 19)].max() - base for k in range(4)]
    plain, depressed = heights(False), heights(True)
    assert max(plain) - min(plain) <= max(0.1 * plain[0], 1.0)      # 1 MADC LSB of quantisation
    assert depressed[0] == pytest.approx(plain[0], rel=0.1)
    assert depressed[3] < 0.6 * depressed[0]
    assert all(a > b for a, b in zip(depressed, depressed[1:]))


# --- background sources ---------------------------------------------------------------------------


def test_background_regular_source_rate_and_first_spike():
    s = Setup()
    s.start()
    period = 1000                    # ticks of 250 MHz = 4 us
    s.b.write(halco.BackgroundSpikeSourceOnDLS(2), haldls.BackgroundSpikeSource(
        enable=True, period=period, neuron_label=0x123))
    s.wait(101)
    p = s.run()
    sp = p.spikes
    assert len(sp) == 25                                         # 100 us / 4 us, first at 4 us
    assert set((sp["label"] & 0x3fff).tolist()) == {0x123}
    assert set((sp["label"] >> 14).tolist()) == {2}              # L2 output 2 % 4
    t = sp["chip_time"].astype(float)
    assert t[0] == pytest.approx(4 * US, abs=2)
    assert np.allclose(np.diff(t), 4 * US, atol=1)


def test_background_poisson_source_rate_and_label_mask():
    s = Setup()
    s.start()
    s.b.write(halco.BackgroundSpikeSourceOnDLS(0), haldls.BackgroundSpikeSource(
        enable=True, enable_random=True, period=250, rate=64, mask=0x0f, neuron_label=0x340,
        seed=1234))
    s.wait(2000)
    sp = s.run().spikes
    bins = 2000 / 1.0                                   # 250 ticks = 1 us per bin
    expected = bins * 64 / 255
    assert abs(len(sp) - expected) < 4 * np.sqrt(expected)
    labels = sp["label"].astype(np.int64) & 0x3fff
    assert np.all((labels & ~0x0f) == 0x340) and len(set((labels & 0x0f).tolist())) > 8
    t = sp["chip_time"].astype(np.int64)
    assert np.all((t % US) == 0)                        # on the bin grid (bins start at enable)


def test_background_source_drives_neurons_through_the_crossbar():
    # source 0 -> top PADI bus 0 -> driver 0 (bus 0, index 0) -> synapse -> bypass neuron
    s = Setup()
    n = s.neuron(atomic(30), enable_bypass_excitatory=True, enable_threshold_comparator=False,
                 address=0x77)
    s.dac()
    s.driver(0)
    s.synapse(0, 30, 20, 3)
    s.column_switch(n)
    s.start()
    s.b.write(halco.BackgroundSpikeSourceOnDLS(0), haldls.BackgroundSpikeSource(
        enable=True, period=2500, neuron_label=3))       # every 10 us, row select 0, address 3
    s.wait(55)
    sp = s.run().spikes
    own = sp[(sp["label"] & 0xff) == 0x77]
    assert len(own) == 5


# --- readout -------------------------------------------------------------------------------------


def test_madc_sample_count_rate_channel_and_dummy_data():
    s = Setup()
    n = s.neuron(atomic(4), enable_readout=True)
    s.madc(n, 500, mux=1)
    s.start()
    s.wait(100)
    s.madc_start()
    s.wait(30)
    p = s.run()
    m = p.madc_samples
    assert len(m) == 500
    assert set(m["channel"].tolist()) == {1}
    period_us = np.diff(m["chip_time"].astype(float)).mean() / US
    assert period_us == pytest.approx(tr.CONSTANTS["madc_sample_period_ns"] / 1000, rel=0.01)
    assert np.median(m["value"]) == pytest.approx(madc_code(T["v_leak"].nominal(500)), abs=40)

    s = Setup()
    s.b.write(halco.MADCConfigOnDLS(), haldls.MADCConfig(number_of_samples=300, enable_dummy_data=True,
                                                          enable_madc_clock_scaling=True,
                                                          madc_clock_scale_value=1))
    s.start()
    s.madc_start()
    s.wait(30)
    m = s.run().madc_samples
    assert m["value"].tolist() == list(range(300))                 # sawtooth
    period_us = np.diff(m["chip_time"].astype(float)).mean() / US
    assert period_us == pytest.approx(2 * tr.CONSTANTS["madc_sample_period_ns"] / 1000, rel=0.01)


def test_cadc_reads_membrane_with_channel_offset_and_mismatch():
    def read(chip_id, ideal, offset=0):
        s = Setup()
        ns = [s.neuron(atomic(c), cells=dict(v_leak=560)) for c in range(8)]
        s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))
        for n in ns:
            s.b.write(n.toColumnCorrelationQuadOnDLS(), haldls.ColumnCorrelationQuad(
                enable_cadc_neuron_readout_causal=[True] * 4))
            ch = halco.CADCChannelConfigOnDLS(halco.CADCChannelConfigOnSynram(
                halco.CADCChannelColumnOnSynram(int(n.toNeuronColumnOnDLS())), halco.CADCChannelType(0)),
                halco.SynramOnDLS(0))
            s.b.write(ch, haldls.CADCChannelConfig(offset=offset))
        s.start()
        s.wait(200)
        tickets = [s.b.read(halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
            halco.SynapseQuadOnSynram(n.toSynapseQuadColumnOnDLS(), halco.SynapseRowOnSynram(0)),
            halco.CADCChannelType(0), halco.CADCReadoutType(0)), halco.SynramOnDLS(0))) for n in ns]
        s.run(chip_id=chip_id, ideal=ideal)
        return np.array([t.get().samples[int(n.toEntryOnQuad())] for t, n in zip(tickets, ns)])
    ideal = read(0, True)
    assert np.all(ideal == round(cadc_code(T["v_leak"].nominal(560))))
    assert np.all(read(0, True, offset=-10) == ideal - 10)
    a, b = read(1, False), read(2, False)
    assert not np.array_equal(a, b)                     # mismatch differs between chips
    assert np.array_equal(a, read(1, False))            # and is fixed per chip
    assert np.std(a.astype(float)) > 1.0


def test_correlation_sensors_record_causal_pairs_and_reset():
    s = Setup()
    n = s.neuron(atomic(3), enable_bypass_excitatory=True, enable_threshold_comparator=False)
    s.dac()
    s.driver(5)
    s.synapse(10, 3, 1, 7)           # weak synapse, bypass makes the neuron fire at once
    s.column_switch(n)
    s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))
    syn = halco.SynapseOnDLS(halco.SynapseOnSynram(halco.SynapseOnSynapseRow(3), halco.SynapseRowOnSynram(10)),
                             halco.SynramOnDLS(0))
    q = syn.toSynapseQuadOnDLS()
    e = int(syn.toEntryOnQuad())

    def quad(ct):
        return halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
            q.toSynapseQuadOnSynram(), halco.CADCChannelType(ct), halco.CADCReadoutType(0)), halco.SynramOnDLS(0))
    s.start()
    fresh = s.b.read(quad(0))
    for k in range(5):
        s.wait(20)
        s.spike(padi_label(5, 7))    # pre spike, then the bypass post spike right after
    s.wait(5)
    causal, acausal = s.b.read(quad(0)), s.b.read(quad(1))
    s.b.write(halco.CorrelationResetOnDLS(q.toEnum()), haldls.CorrelationReset())
    after = s.b.read(quad(0))
    s.run(ideal=True)
    reset_code = tr.CONSTANTS["correlation_reset_code"]
    assert fresh.get().samples[e] == reset_code
    assert causal.get().samples[e] < reset_code - 10          # 5 causal pairs at ~0 delay
    assert acausal.get().samples[e] > causal.get().samples[e]  # post -> next pre 20 us later: weak
    assert after.get().samples[e] == reset_code


def _bypass_columns(s: "Setup") -> list:
    """16 columns (0, 4, ..., 60) with neurons on their synaptic input, every other one firing
    through its bypass at each input event (post spikes without threshold dynamics); the DAC
    on. Returns the columns."""
    cols = list(range(0, 64, 4))
    for k, col in enumerate(cols):
        n = s.neuron(atomic(col), enable_bypass_excitatory=bool(k % 2), enable_threshold_comparator=False)
        s.column_switch(n)
    s.dac()
    return cols


def _correlation_experiment(rng_seed=3, long_block=1500):
    """Many pre/post pairs on 16 columns (more spikes than one batch of the correlation
    worker; with a long_block of 6000, several batches queue up for it), correlation reads in
    between and at the end; the read samples."""
    rng = np.random.default_rng(rng_seed)
    s = Setup()
    cols = _bypass_columns(s)
    s.driver(5)
    s.driver(6)
    for col in cols:
        s.synapse(10, col, 3, 7)
        s.synapse(12, col, 5, 9)
    s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))

    def quads(row, ct):
        return [s.b.read(halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
            halco.SynapseQuadOnSynram(halco.SynapseQuadColumnOnDLS(q), halco.SynapseRowOnSynram(row)),
            halco.CADCChannelType(ct), halco.CADCReadoutType(0)), halco.SynramOnDLS(0))) for q in range(16)]
    s.start()
    tickets = []
    for block in range(9):
        # long blocks: more logged spikes than one batch, handed to the worker
        for _ in range(long_block if block % 3 == 0 else 12):
            s.wait(float(rng.uniform(0.5, 8.0)))
            s.spike(padi_label(5, 7) if rng.random() < 0.5 else padi_label(6, 9))
        s.wait(2)
        tickets += [quads(row, ct) for row in (10, 12) for ct in (0, 1)]
        for row in (10, 12):
            for q in range(16):
                s.b.write(halco.CorrelationResetOnDLS(halco.SynapseQuadOnDLS(halco.SynapseQuadOnSynram(
                    halco.SynapseQuadColumnOnDLS(q), halco.SynapseRowOnSynram(row)),
                    halco.SynramOnDLS(0)).toEnum()), haldls.CorrelationReset())
    s.run(ideal=False)
    return np.array([[t.get().samples for t in group] for group in tickets])


@pytest.mark.parametrize("long_block", [1500, 6000])
def test_correlation_worker_thread_gives_the_same_samples_as_applying_in_place(monkeypatch, long_block):
    monkeypatch.setenv("HXSIM_CORRELATION_THREAD", "1")
    threaded = _correlation_experiment(long_block=long_block)
    monkeypatch.setenv("HXSIM_CORRELATION_THREAD", "0")
    in_place = _correlation_experiment(long_block=long_block)
    assert np.array_equal(threaded, in_place)
    reset_code = tr.CONSTANTS["correlation_reset_code"]
    assert (threaded < reset_code - 5).any()     # the sensors did accumulate
    assert len(np.unique(threaded)) > 20          # and differ between synapses and reads


def _fork_experiment(fork: bool):
    """Program A: a load of spikes to 32 rows whose 256 synapses all have the event's label
    (8192 sensors per spike, weight 0: the correlation worker falls far behind the step loop)
    and, every 300th, a probe spike to row 12 whose synapses make 8 neurons fire through their
    bypass. Program B, on the same connection: more probes, then the probed row's sensors read.
    With ``fork``, B runs in a forked child as well as in the parent, right after A (the worker
    still busy with A's batches): both reads."""
    rng = np.random.default_rng(5)
    s = Setup()
    cols = _bypass_columns(s)
    load = range(1, 64, 4)                      # PADI bus 1, any row select (mask 0)
    for d in load:
        s.driver(d, bottom=haldls.RowMode.excitatory, row_address_compare_mask=0)
    for row in [r for d in load for r in (2 * d, 2 * d + 1)]:
        for q in range(64):
            quad = halco.SynapseQuadOnDLS(halco.SynapseQuadOnSynram(
                halco.SynapseQuadColumnOnDLS(q), halco.SynapseRowOnSynram(row)), halco.SynramOnDLS(0)).toEnum()
            s.b.write(halco.SynapseLabelQuadOnDLS(quad), haldls.SynapseLabelQuad(values=[7] * 4))
    s.driver(6)                                  # the probe: row 12, label 9
    for col in cols:
        s.synapse(12, col, 5, 9)
    s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))
    s.start()
    for k in range(3000):
        s.wait(float(rng.uniform(0.1, 0.5)))
        s.spike(padi_label(6, 9) if k % 300 == 299 else padi_label(5, 7))
    b = stadls.PlaybackProgramBuilder()
    b.write(halco.TimerOnDLS(), haldls.Timer())
    t = 0
    for _ in range(10):
        t += int(round(float(rng.uniform(5.0, 20.0)) * US))
        b.block_until(halco.TimerOnDLS(), haldls.Timer.Value(t))
        b.write(halco.SpikePack1ToChipOnDLS(), haldls.SpikePack1ToChip([halco.SpikeLabel(padi_label(6, 9))]))
    tickets = [b.read(halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
        halco.SynapseQuadOnSynram(halco.SynapseQuadColumnOnDLS(q), halco.SynapseRowOnSynram(12)),
        halco.CADCChannelType(ct), halco.CADCReadoutType(0)), halco.SynramOnDLS(0)))
        for ct in (0, 1) for q in range(16)]
    program = b.done()
    s.run(ideal=False)                           # A; B and the fork follow at once

    def samples():
        stadls.run(s.connection, program)
        return np.array([tk.get().samples for tk in tickets])

    if not fork:
        return samples(), None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                 # the child: its reads to the parent, then out
        try:
            os.write(write, samples().astype(np.int64).tobytes())
        finally:
            os._exit(0)
    os.close(write)
    parent = samples()
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return parent, np.frombuffer(data, np.int64).reshape(parent.shape)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_continues_the_correlation_sensors_as_its_parent(monkeypatch):
    """Forked while the correlation worker is busy: the fork waits for it (pthread_atfork), and
    the child, which has no worker, reads the same sensors as the parent; both as the same
    programs applied in place."""
    monkeypatch.setenv("HXSIM_CORRELATION_THREAD", "1")
    parent, child = _fork_experiment(fork=True)
    monkeypatch.setenv("HXSIM_CORRELATION_THREAD", "0")
    in_place, _ = _fork_experiment(fork=False)
    assert child.shape == parent.shape
    np.testing.assert_array_equal(parent, in_place)
    np.testing.assert_array_equal(child, in_place)
    assert len(np.unique(parent)) > 10           # the sensors did accumulate, differently


def test_a_synapse_keeps_its_last_pre_spike_when_its_label_changes():
    """A post spike pairs with the last pre spike each synapse saw, also when its label changed
    in between (the sensors keep the last pre spike per row and label until a label changes)."""
    def causal(change):
        s = Setup()
        n = s.neuron(atomic(3), enable_threshold_comparator=False)
        s.column_switch(n)
        s.dac()
        s.driver(5)
        s.synapse(10, 3, 1, 7)
        s.synapse(10, 9, 1, 9)       # another synapse of the row, with label 9
        s.b.write(halco.CADCConfigOnDLS(0), haldls.CADCConfig(enable=True))
        syn = halco.SynapseOnDLS(halco.SynapseOnSynram(halco.SynapseOnSynapseRow(3),
                                                       halco.SynapseRowOnSynram(10)), halco.SynramOnDLS(0))
        q, e = syn.toSynapseQuadOnDLS(), int(syn.toEntryOnQuad())
        s.start()
        s.wait(10)
        s.spike(padi_label(5, 9))    # label 9 only: not seen by synapse (10, 3)
        s.wait(10)
        s.spike(padi_label(5, 7))    # synapse (10, 3)'s last pre spike, at 20 us
        s.wait(0.5)
        if change:
            s.synapse(10, 3, 1, 9)   # it moves to label 9 (whose last event was at 10 us)
        s.b.write(halco.BlockPostPulseOnDLS(0), haldls.BlockPostPulse())
        s.wait(2)
        ticket = s.b.read(halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
            q.toSynapseQuadOnSynram(), halco.CADCChannelType(0), halco.CADCReadoutType(0)), halco.SynramOnDLS(0)))
        s.run(ideal=True)
        return ticket.get().samples[e]
    same, moved = causal(False), causal(True)
    # one pair 0.5 us apart: ~2.5 LSB at the default calibration (tau 3.5 us, 0.7 x 4 LSB); one
    # 10.5 us apart (with label 9's spike) would add ~0.1 LSB
    assert same <= tr.CONSTANTS["correlation_reset_code"] - 2
    assert moved == same


# --- noise, long waits ---------------------------------------------------------------------------


def test_membrane_noise_is_off_by_default_and_seeded():
    def trace(**opts):
        s = Setup()
        n = s.neuron(atomic(6), enable_readout=True)
        s.madc(n, 300)
        s.start()
        s.wait(200)
        s.madc_start()
        s.wait(12)
        return s.run(**opts).madc_samples["value"].astype(int)
    quiet = trace()
    assert np.ptp(quiet) == 0
    a, b, c = trace(noise=True, noise_seed=1), trace(noise=True, noise_seed=1), trace(noise=True, noise_seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert 0 < np.std(a) < 10


def test_a_long_wait_at_rest_is_fast():
    import time
    s = Setup()
    s.neuron(atomic(6))
    s.start()
    s.wait(10)
    s.wait(2**31 / US)               # ~17 s of hardware time
    t = time.perf_counter()
    s.run()
    assert time.perf_counter() - t < 2.0


def test_exponential_term_and_adaptation_shape_the_firing():
    def spikes(exponential=False, adaptation=False, pulse=False):
        s = Setup()
        n = atomic(14)
        s.neuron(n, cells=dict(i_mem_offset=560, v_threshold=600, v_exp=560, i_bias_exp=150,
                               i_bias_adapt_a=0, i_bias_adapt_b=600, i_bias_adapt_tau=30,
                               v_adapt_ref=500),
                 enable_membrane_offset=True, enable_exponential=exponential,
                 enable_adaptation=adaptation)
        if pulse:
            s.b.write(n.toNeuronBackendConfigOnDLS(), haldls.NeuronBackendConfig(
                address_out=1, enable_spike_out=True, enable_adaptation_pulse=True))
        s.start()
        s.wait(300)
        return s.run(ideal=True).spikes["chip_time"].astype(float) / US
    assert len(spikes()) == 0                          # the offset alone stays below threshold
    tonic = spikes(exponential=True)                   # the exponential current runs away
    assert len(tonic) > 10
    isi = np.diff(tonic)
    assert np.ptp(isi[2:]) < 0.3                       # regular
    adapting = spikes(exponential=True, adaptation=True, pulse=True)
    assert 1 < len(adapting) < 0.7 * len(tonic)
    assert np.diff(adapting)[-1] > 1.5 * np.diff(adapting)[0]     # spike-frequency adaptation
    # b acts only through the backend's adaptation pulse
    assert len(spikes(exponential=True, adaptation=True)) == pytest.approx(len(tonic), abs=1)


def test_neuron_reset_quad_resets_the_four_neurons_of_a_column_quad():
    s = Setup()
    quad = halco.SynapseQuadColumnOnDLS(5)
    cols = [int(c) for c in quad.toNeuronColumnOnDLS()]
    others = [c + 1 for c in cols]   # the odd neighbours sit in another quad
    for c in cols + others:
        s.neuron(atomic(c, 1), cells=dict(v_leak=700, v_reset=400))
    s.start()
    s.wait(200)
    s.b.write(halco.NeuronResetQuadOnDLS(quad, halco.SynramOnDLS(1)), haldls.NeuronResetQuad())
    s.run(ideal=True)
    v = s.connection.emulator.analog_inspect()["v"]
    assert np.allclose(v[[256 + c for c in cols]], T["v_reset"].nominal(400))
    assert np.allclose(v[[256 + c for c in others]], T["v_leak"].nominal(700), atol=0.5)
