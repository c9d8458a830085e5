"""Multi-compartment neurons: direct membrane switches merge circuits into one
node; the inter-compartment conductance couples a membrane to the somatic line."""
from __future__ import annotations

import numpy as np
import pytest


from .test_analog_chip import Setup, atomic, padi_label

COND = dict(i_bias_nmda=150)  # g_c = 0.6 uS, comparable to the leak (0.25 uS)

#: A(0) -g- B(1,2) -g- C(3,4) -g- D(5): a conductance from a membrane to its
#: somatic-line segment, the segment joined to the right neighbour's segment,
#: which is shorted to that neighbour's membrane.
CHAIN_SWITCHES = {
    0: dict(enable_multicomp_conductance=True, connect_soma_right=True),
    1: dict(connect_soma=True, connect_membrane_right=True),
    2: dict(enable_multicomp_conductance=True, connect_soma_right=True),
    3: dict(connect_soma=True, connect_membrane_right=True),
    4: dict(enable_multicomp_conductance=True, connect_soma_right=True),
    5: dict(connect_soma=True),
}


def chain_setup(readout_col, switches, inject_col=0, weight=63):
    """Neurons in columns 0..5 with the given NeuronConfig switches; one PSP into
    ``inject_col``; the MADC records ``readout_col``."""
    s = Setup()
    ns = []
    for col in range(6):
        cfg = dict(switches.get(col, {}))
        cfg.setdefault("enable_threshold_comparator", False)
        ns.append(s.neuron(atomic(col), cells=COND, enable_readout=(col == readout_col),
                           enable_synaptic_input_excitatory=(col == inject_col), **cfg))
    s.dac()
    s.driver(5)
    s.synapse(10, inject_col, weight, 7)
    s.column_switch(ns[inject_col])
    s.madc(ns[readout_col], 1500)
    s.start()
    s.wait(150)
    s.start()
    s.madc_start()
    s.wait(5)
    s.spike(padi_label(5, 7))
    s.wait(50)
    return s


def deflection(s) -> float:
    v = s.run(ideal=True).madc_samples["value"].astype(float)
    return float(v.max() - np.median(v[:100]))


def test_direct_membrane_switch_merges_circuits():
    merged = {0: dict(connect_membrane_right=True)}
    a = deflection(chain_setup(0, merged))
    b = deflection(chain_setup(1, merged))
    alone = deflection(chain_setup(0, {}))
    neighbour = deflection(chain_setup(1, {}))
    assert a == pytest.approx(b, abs=1.0)         # one membrane
    assert a < 0.75 * alone                       # twice the capacitance and leak
    assert neighbour <= 1.0                       # unconnected: nothing arrives


def test_psp_attenuates_along_a_chain_of_compartments():
    sw = CHAIN_SWITCHES
    d = [deflection(chain_setup(col, sw)) for col in (0, 1, 3, 5)]
    assert d[0] > d[1] > d[2] > d[3] > 0.5
    # B's two circuits are one membrane
    assert deflection(chain_setup(2, sw)) == pytest.approx(d[1], abs=1.0)
    # without the conductances nothing spreads
    cut = {c: {k: v for k, v in x.items() if k != "enable_multicomp_conductance"} for c, x in sw.items()}
    assert deflection(chain_setup(1, cut)) <= 1.0


def test_multicomp_conductance_scales_coupling():
    sw = {0: dict(enable_multicomp_conductance=True, connect_soma_right=True), 1: dict(connect_soma=True)}
    normal = deflection(chain_setup(1, sw))
    weak = deflection(chain_setup(1, {0: dict(sw[0], enable_multicomp_conductance_division=True),
                                      1: sw[1]}))
    strong = deflection(chain_setup(1, {0: dict(sw[0], enable_multicomp_conductance_multiplication=True),
                                        1: sw[1]}))
    assert weak < 0.7 * normal < 0.7 * strong


def test_merged_compartment_fires_as_one():
    # Two circuits on one membrane: a current into one of them makes the node
    # cross the threshold of the other's comparator.
    s = Setup()
    s.neuron(atomic(8), cells=dict(i_mem_offset=1000, v_threshold=1000), enable_membrane_offset=True,
             connect_membrane_right=True, enable_threshold_comparator=False)
    s.neuron(atomic(9), cells=dict(v_threshold=250), address=0x44)
    s.start()
    s.wait(100)
    sp = s.run(ideal=True).spikes
    assert len(sp) > 2 and set((sp["label"] & 0xff).tolist()) == {0x44}


def _chain_reference(g_leak, cap, g_c, tau_syn, dt=0.01, t_end=50.0):
    """Independent passive compartment model of the chain A -g- B -g- C -g- D
    (B and C are two circuits each): relative peak deflections after an
    exponentially decaying current pulse into A."""
    from chipmodel.transfer import TRANSFERS_BY_NAME  # noqa: F401  (documents where the numbers come from)

    n_circuits = np.array([1, 2, 2, 1])
    c = cap * n_circuits
    gl = g_leak * n_circuits
    coupling = np.zeros((4, 4))
    for a in range(3):
        coupling[a, a + 1] = coupling[a + 1, a] = g_c
    v = np.zeros(4)
    peak = np.zeros(4)
    for k in range(int(t_end / dt)):
        t = k * dt
        i_in = np.array([np.exp(-t / tau_syn), 0.0, 0.0, 0.0])
        i_c = coupling @ v - coupling.sum(axis=1) * v
        v = v + dt * (-gl * v + i_c + i_in) / c
        peak = np.maximum(peak, v)
    return peak / peak[0]


def test_chain_attenuation_matches_compartment_reference():
    from chipmodel.transfer import TRANSFERS_BY_NAME as T

    sw = CHAIN_SWITCHES
    measured = np.array([deflection(chain_setup(col, sw)) for col in (0, 1, 3)])
    cells = dict(__import__("tests.hxsim.test_analog_chip", fromlist=["QUIET"]).QUIET, **COND)
    expected = _chain_reference(
        g_leak=float(T["i_bias_leak"].nominal(cells["i_bias_leak"])),
        cap=float(T["membrane_capacitor_size"].nominal(63)),
        g_c=float(T["i_bias_nmda"].nominal(cells["i_bias_nmda"])),
        tau_syn=float(T["i_bias_synin_exc_tau"].nominal(cells["i_bias_synin_exc_tau"])))
    ratios = measured / measured[0]
    # MADC quantisation is 1 LSB on a deflection of a few 10 LSB
    assert ratios[1:] == pytest.approx(expected[1:3], abs=0.06, rel=0.1)
