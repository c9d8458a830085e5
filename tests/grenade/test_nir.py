"""grenade.nir: NIR graphs onto the chip and back (mapping, quantisation, rejections, round trips
through nir.write/nir.read, and a small imported network on the emulated chip)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nir

import grenade
from grenade import Receptor
from grenade import nir as gnir
from grenade.nir import NIRImportError, from_nir, graphs_equal, to_nir
from calix.spiking import SpikingCalibTarget


def cuba(n, tau_syn=5.0, tau_mem=10.0, v_leak=0.0, v_threshold=1.0, v_reset=0.0, r=1.0, w_in=1.0):
    f = lambda v: np.full(n, float(v))  # noqa: E731
    return nir.CubaLIF(tau_syn=f(tau_syn), tau_mem=f(tau_mem), r=f(r), v_leak=f(v_leak),
                       v_threshold=f(v_threshold), v_reset=f(v_reset), w_in=f(w_in))


def inp(n):
    return nir.Input(input_type={"input": np.array([n])})


def out(n):
    return nir.Output(output_type={"output": np.array([n])})


def feedforward(weight, **lif):
    weight = np.asarray(weight, float)
    n_out, n_in = weight.shape
    return nir.NIRGraph(nodes={"in": inp(n_in), "w": nir.Linear(weight=weight), "lif": cuba(n_out, **lif),
                               "out": out(n_out)},
                        edges=[("in", "w"), ("w", "lif"), ("lif", "out")])


def roundtrip_file(graph, tmp_path):
    path = tmp_path / "graph.nir"
    nir.write(path, graph)
    return nir.read(path)


# -- mapping ---------------------------------------------------------------------------------------
def test_weights_are_split_by_sign_and_scaled_to_six_bits_per_population():
    imp = from_nir(feedforward([[1.0, -0.5], [0.25, 0.0], [0.0, -2.0]]), time_unit=1e-3, dt=0.1)
    q = imp.groups["lif"].quantisation
    assert q.max_abs_weight == 2.0 and q.max_hw_weight == 63
    np.testing.assert_allclose(q.weight_scale, 31.5)            # 63 / max |W|
    np.testing.assert_array_equal(imp.weights[("in", "lif")], [[32, -16], [8, 0], [0, -63]])
    net = imp.network
    exc = net.projection(imp.projections[("in", "lif", "excitatory")])
    inh = net.projection(imp.projections[("in", "lif", "inhibitory")])
    assert exc.receptor is Receptor.excitatory and inh.receptor is Receptor.inhibitory
    assert sorted(zip(exc.pre_indices.tolist(), exc.post_indices.tolist(), exc.weights.tolist())) == \
        [(0, 0, 32), (0, 1, 8)]
    assert sorted(zip(inh.pre_indices.tolist(), inh.post_indices.tolist(), inh.weights.tolist())) == \
        [(1, 0, 16), (1, 2, 63)]
    assert q.relative_error <= 0.5 / 31.5 / 2.0 + 1e-12
    assert imp.outputs == {"out": "lif"} and imp.dt == 0.1 and imp.time_unit == 1e-3


def test_each_population_gets_its_own_scale():
    g = nir.NIRGraph(nodes={"in": inp(1), "a": nir.Linear(weight=np.array([[4.0]])), "b": nir.Linear(
        weight=np.array([[0.5]])), "p": cuba(1), "q": cuba(1)},
        edges=[("in", "a"), ("a", "p"), ("in", "b"), ("b", "q")])
    imp = from_nir(g, time_unit=1e-3)
    assert imp.weights[("in", "p")].tolist() == [[63]] and imp.weights[("in", "q")].tolist() == [[63]]
    assert imp.groups["p"].quantisation.weight_scale[0] * 8 == pytest.approx(
        imp.groups["q"].quantisation.weight_scale[0])


def test_hardware_targets_follow_the_voltage_map_and_time_unit():
    imp = from_nir(feedforward([[1.0]], tau_mem=0.02, tau_syn=0.005, v_leak=-1.0, v_threshold=2.0, v_reset=-0.5),
                   time_unit=1.0)
    g = imp.groups["lif"]
    s, o = g.quantisation.voltage_scale, g.quantisation.voltage_offset
    np.testing.assert_allclose(g.hardware["leak"], o - s)
    np.testing.assert_allclose(g.hardware["threshold"], o + 2 * s)
    np.testing.assert_allclose(g.hardware["reset"], o - 0.5 * s)
    np.testing.assert_allclose(g.hardware["tau_mem"], 20e-6)    # 20 ms model = 20 us on the chip
    np.testing.assert_allclose(g.hardware["tau_syn"], 5e-6)
    assert g.hardware["leak"].min() >= 50 and g.hardware["threshold"].max() <= 220
    # the voltage window binds before the weights here: the threshold sits at its top
    assert g.hardware["threshold"][0] == pytest.approx(210.0)
    # grenade hands calix a plain mapping (siblings: neither imports the other)
    mapping = imp.calib_target()
    assert set(mapping) == {"neuron_target"}
    target = SpikingCalibTarget.from_mapping(mapping).neuron_target
    atom = int(imp.network.placement[g.population.index][0])
    assert target.threshold[atom] == pytest.approx(210.0) and target.tau_mem[atom] == pytest.approx(20e-6)
    assert target.tau_syn.shape == (2, 512) and np.all(target.tau_syn[:, atom] == pytest.approx(5e-6))
    target.check()


def test_weight_scale_maps_nir_drive_onto_membrane_drive():
    # a weight W with r * w_in = 2 drives the membrane by 2 W voltage units: the hardware weight
    # times the nominal drive per weight LSB must be voltage_scale * 2 W
    imp = from_nir(feedforward([[0.3]], r=2.0), time_unit=1e-3)
    g = imp.groups["lif"]
    drive = gnir._drive_per_weight_lsb(g.hardware["tau_mem"], imp.i_synin_gm, imp.synapse_dac_bias)
    hw = imp.weights[("in", "lif")][0, 0]
    assert hw == 63
    assert hw * drive[0] == pytest.approx(g.quantisation.voltage_scale * 2 * 0.3, rel=1e-12)


def test_scale_and_affine_fold_into_weights_and_leak():
    plain = from_nir(feedforward([[0.5, -1.0]]), time_unit=1e-3)
    g = nir.NIRGraph(nodes={"in": inp(2), "s": nir.Scale(scale=np.array([1.0, 2.0])),
                            "w": nir.Affine(weight=np.array([[0.5, -0.5]]), bias=np.array([0.2])),
                            "lif": cuba(1, r=2.0), "out": out(1)},
                     edges=[("in", "s"), ("s", "w"), ("w", "lif"), ("lif", "out")])
    folded = from_nir(g, time_unit=1e-3)
    assert folded.weights[("in", "lif")].tolist() == plain.weights[("in", "lif")].tolist()
    np.testing.assert_allclose(folded.groups["lif"].params["v_leak"], 2.0 * 0.2)
    assert any("bias" in a for a in folded.approximations)
    with pytest.raises(NIRImportError, match="'w'.*bias"):
        from_nir(g, time_unit=1e-3, bias="reject")


def test_recurrent_edges_become_recurrent_projections():
    g = nir.NIRGraph(nodes={"in": inp(2), "w": nir.Linear(weight=np.eye(2)), "lif": cuba(2),
                            "rec": nir.Linear(weight=np.array([[0.0, -0.5], [0.5, 0.0]])), "out": out(2)},
                     edges=[("in", "w"), ("w", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "out")])
    imp = from_nir(g, time_unit=1e-3)
    exc = imp.network.projection(imp.projections[("lif", "lif", "excitatory")])
    inh = imp.network.projection(imp.projections[("lif", "lif", "inhibitory")])
    assert exc.pre == exc.post == imp.groups["lif"].population
    assert (exc.pre_indices.tolist(), exc.post_indices.tolist()) == ([0], [1])
    assert (inh.pre_indices.tolist(), inh.post_indices.tolist()) == ([1], [0])


def test_nested_graph_equals_its_flat_version():
    w1, w2 = np.array([[1.0, -0.5]]), np.array([[0.25], [-1.0]])
    flat = nir.NIRGraph(nodes={"in": inp(2), "w1": nir.Linear(weight=w1), "a": cuba(1),
                               "w2": nir.Linear(weight=w2), "b": cuba(2), "out": out(2)},
                        edges=[("in", "w1"), ("w1", "a"), ("a", "w2"), ("w2", "b"), ("b", "out")])
    sub = nir.NIRGraph(nodes={"input": inp(1), "w2": nir.Linear(weight=w2), "b": cuba(2), "output": out(2)},
                       edges=[("input", "w2"), ("w2", "b"), ("b", "output")])
    nested = nir.NIRGraph(nodes={"in": inp(2), "w1": nir.Linear(weight=w1), "a": cuba(1), "sub": sub,
                                 "out": out(2)},
                          edges=[("in", "w1"), ("w1", "a"), ("a", "sub"), ("sub", "out")])
    a, b = from_nir(flat, time_unit=1e-3), from_nir(nested, time_unit=1e-3)
    assert list(b.groups) == ["a", "sub.b"] and b.outputs == {"out": "sub.b"}
    assert a.weights[("a", "b")].tolist() == b.weights[("a", "sub.b")].tolist()
    assert a.weights[("in", "a")].tolist() == b.weights[("in", "a")].tolist()


def test_cuba_li_is_a_silent_population_and_lif_an_approximation():
    g = nir.NIRGraph(nodes={
        "in": inp(1), "w": nir.Linear(weight=np.array([[1.0]])),
        "li": nir.CubaLI(tau_syn=np.array([5.0]), tau_mem=np.array([10.0]), r=np.array([1.0]),
                         v_leak=np.array([0.0])),
        "w2": nir.Linear(weight=np.array([[1.0]])),
        "lif": nir.LIF(tau=np.array([10.0]), r=np.array([1.0]), v_leak=np.array([0.0]),
                       v_threshold=np.array([1.0]), v_reset=np.array([0.0]))},
        edges=[("in", "w"), ("w", "li"), ("in", "w2"), ("w2", "lif")])
    imp = from_nir(g, time_unit=1e-3)
    li, lif = imp.groups["li"], imp.groups["lif"]
    assert li.kind == "CubaLI" and not imp.network.population(li.population).record_spikes.any()
    assert li.hardware["threshold"][0] == 220.0
    assert lif.kind == "CubaLIF" and lif.hardware["tau_syn"][0] == pytest.approx(1.2e-6)
    assert any(a.startswith("lif: LIF") for a in imp.approximations)


# -- rejections ------------------------------------------------------------------------------------
@pytest.mark.parametrize("node, reason", [
    (nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 1, 2, 2)), stride=1, padding=0, dilation=1, groups=1,
                bias=np.zeros(1)), "convolutions"),
    (nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])), "pooling"),
    (nir.Threshold(threshold=np.ones(2)), "stateless threshold"),
    (nir.Delay(delay=np.ones(2)), "no programmable synaptic delay"),
    (nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2)), "leak-free"),
])
def test_unsupported_nodes_are_rejected_with_name_and_reason(node, reason):
    g = nir.NIRGraph(nodes={"in": inp(2), "bad": node, "lif": cuba(2)},
                     edges=[("in", "bad"), ("bad", "lif")], type_check=False)
    with pytest.raises(NIRImportError, match=f"node 'bad' \\({type(node).__name__}\\).*{reason}"):
        from_nir(g, time_unit=1e-3)


def test_time_unit_is_required_and_checked():
    with pytest.raises(NIRImportError, match="time_unit is required.*ambiguous"):
        from_nir(feedforward([[1.0]]))
    with pytest.raises(NIRImportError, match=r"node 'lif' \(CubaLIF\): tau_mem = 10 .*0.0005..0.06 in time_unit"):
        from_nir(feedforward([[1.0]]), time_unit=1.0)   # 10 s of biology is 10 ms on the chip
    exported = to_nir(from_nir(feedforward([[1.0]]), time_unit=1e-3))
    assert from_nir(exported).time_unit == 1e-3          # read from the metadata
    with pytest.raises(NIRImportError, match="contradicts"):
        from_nir(exported, time_unit=1.0)


def test_weighted_output_and_oversized_networks_are_rejected():
    g = nir.NIRGraph(nodes={"in": inp(1), "lif": cuba(1), "w": nir.Linear(weight=np.array([[1.0]])), "out": out(1)},
                     edges=[("in", "lif"), ("lif", "w"), ("w", "out")])
    with pytest.raises(NIRImportError, match="Output 'out' is fed through \\['w'\\]"):
        from_nir(g, time_unit=1e-3)
    with pytest.raises(grenade.PlacementError, match="does not fit on the chip"):
        from_nir(feedforward(np.ones((600, 1))), time_unit=1e-3)


# -- round trips (hypothesis) ----------------------------------------------------------------------
finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def graphs(draw):
    """Small random graphs within the chip's limits: 1-2 Inputs, 1-3 CubaLIF/CubaLI nodes, Linear
    edges between any source and neuron node (recurrent ones included), random Outputs."""
    nodes, edges = {}, []
    sources = []
    for i in range(draw(st.integers(1, 2))):
        nodes[f"in{i}"] = inp(draw(st.integers(1, 4)))
        sources.append(f"in{i}")
    neurons = []
    for i in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 5))
        vec = lambda lo, hi: np.array(draw(st.lists(st.floats(lo, hi, **finite), min_size=n, max_size=n)))  # noqa
        common = dict(tau_syn=vec(2.0, 25.0), tau_mem=vec(1.0, 50.0), r=vec(0.5, 2.0), v_leak=vec(-1.0, 1.0),
                      w_in=vec(0.5, 2.0))
        if draw(st.booleans()):
            nodes[f"p{i}"] = nir.CubaLIF(v_threshold=common["v_leak"] + vec(0.1, 2.0),
                                         v_reset=common["v_leak"] - vec(0.0, 0.5), **common)
        else:
            nodes[f"p{i}"] = nir.CubaLI(**common)
        neurons.append(f"p{i}")
        if i == 0 or draw(st.booleans()):     # NIR's type inference needs one Output at least
            nodes[f"out{i}"] = out(n)
            edges.append((f"p{i}", f"out{i}"))
    size = {k: int(np.prod(v.input_type["input"])) for k, v in nodes.items() if k in sources + neurons}
    weight = st.one_of(st.just(0.0), st.floats(0.01, 2.0, **finite), st.floats(-2.0, -0.01, **finite))
    for post in neurons:
        # every neuron node is fed by an Input: NIR's type inference starts from the Inputs (and
        # would add an Input of its own to a neuron node without inputs)
        pres = [pre for pre in sources + neurons if draw(st.booleans())]
        if not any(pre in sources for pre in pres):
            pres.append(draw(st.sampled_from(sources)))
        for pre in pres:
            w = draw(st.lists(weight, min_size=size[pre] * size[post], max_size=size[pre] * size[post]))
            nodes[f"{pre}_{post}"] = nir.Linear(weight=np.array(w).reshape(size[post], size[pre]))
            edges += [(pre, f"{pre}_{post}"), (f"{pre}_{post}", post)]
    # type checked: NIR adds Output nodes to leaves and Inputs to unfed Input-less roots
    return nir.NIRGraph(nodes=nodes, edges=edges)


@settings(max_examples=40)
@given(graph=graphs(), dt=st.sampled_from([None, 0.1, 0.025]))
def test_import_export_round_trips(graph, dt, tmp_path_factory):
    imported = from_nir(graph, time_unit=1e-3, dt=dt)
    for g in imported.groups.values():
        q = g.quantisation
        hw = [w for (pre, post), w in imported.weights.items() if post == g.name]
        assert all(np.abs(w).max(initial=0) <= 63 for w in hw)
        if q.max_abs_weight:
            # the scale uses the 6 bits unless the voltage window binds
            assert q.max_hw_weight == 63 or g.hardware["threshold"].max() == pytest.approx(210.0) or \
                g.hardware[("leak")].max() == pytest.approx(155.0) or g.hardware["reset"].max() == pytest.approx(155.0)
            assert q.relative_error <= 0.5 / np.min(q.weight_scale) / q.max_abs_weight + 1e-9
        for key in ("leak", "reset"):
            assert 50 <= g.hardware[key].min() and g.hardware[key].max() <= 160
    exported = to_nir(imported)
    # nir.write / nir.read keeps the exported graph
    again = roundtrip_file(exported, tmp_path_factory.mktemp("nir"))
    assert graphs_equal(exported, again)
    # import(export(x)) == x, also through the file
    assert from_nir(exported) == imported
    assert from_nir(again) == imported
    # export is a fixed point: weights on the quantisation grid come back unchanged
    assert graphs_equal(to_nir(from_nir(exported)), exported)
    assert again.metadata["openhx.dt"] == dt if dt is not None else "openhx.dt" not in again.metadata


def test_equality_sees_a_changed_weight_and_parameter():
    a = from_nir(feedforward([[1.0, 0.5]]), time_unit=1e-3)
    assert a == from_nir(feedforward([[1.0, 0.5]]), time_unit=1e-3)
    assert a != from_nir(feedforward([[1.0, 0.25]]), time_unit=1e-3)
    assert a != from_nir(feedforward([[1.0, 0.5]], tau_mem=11.0), time_unit=1e-3)
    e = to_nir(a)
    b = to_nir(from_nir(feedforward([[1.0, 0.25]]), time_unit=1e-3))
    assert graphs_equal(e, e) and not graphs_equal(e, b)


# -- on the emulated chip --------------------------------------------------------------------------
def reference_spikes(weight, drive_times, runtime, tau_syn=5.0, tau_mem=10.0, threshold=1.0, dt=0.005):
    """The NIR CubaLIF (current jumps by w_in * W per input spike, r = 1, leak = reset = 0),
    forward Euler in ms: spike times per neuron."""
    weight = np.asarray(weight, float)
    n = weight.shape[0]
    v, i = np.zeros(n), np.zeros(n)
    steps = np.rint(np.asarray(drive_times) / dt).astype(int)
    spikes = [[] for _ in range(n)]
    for k in range(int(runtime / dt)):
        i += weight[:, 0] * np.count_nonzero(steps == k)
        v += dt / tau_mem * (-v + i)
        i -= dt / tau_syn * i
        for j in np.flatnonzero(v > threshold):
            spikes[j].append(k * dt)
            v[j] = 0.0
    return [np.array(s) for s in spikes]


def test_imported_network_runs_on_the_emulated_chip(tmp_path, monkeypatch):
    """Through a NIR file onto the calibrated chip: a driven neuron fires about as the NIR model
    says, an inhibited and an unconnected one stay silent, and of neurons given one input spike
    of growing weight those fire whose model PSP crosses the threshold."""
    import calix
    import hxcomm
    monkeypatch.setenv("CALIX_CACHE_DIR", str(tmp_path / "calix"))
    train_w = np.array([[3.0], [-3.0], [0.0]])
    sweep_w = np.linspace(2.25, 8.25, 13)[:, None]    # one PSP peaks at W / 4 (tau_syn 5, tau_mem 10)
    graph = nir.NIRGraph(nodes={
        "train": inp(1), "w_train": nir.Linear(weight=train_w), "a": cuba(3), "out_a": out(3),
        "single": inp(1), "w_sweep": nir.Linear(weight=sweep_w), "b": cuba(13), "out_b": out(13)},
        edges=[("train", "w_train"), ("w_train", "a"), ("a", "out_a"),
               ("single", "w_sweep"), ("w_sweep", "b"), ("b", "out_b")])
    imported = from_nir(roundtrip_file(graph, tmp_path), time_unit=1e-3, dt=0.1)
    drive = np.arange(2.0, 40.0, 4.0)
    with hxcomm.ManagedConnection() as connection:
        calibration = calix.calibrate(imported.calib_target(), connection=connection)
        spikes = imported.run(connection, calibration, {"train": [drive], "single": [[5.0]]}, runtime=50.0)
        grenade.forget(connection)
    expected = reference_spikes(train_w, drive, 50.0)
    a = spikes["a"]
    assert len(expected[0]) >= 5 and len(expected[1]) == len(expected[2]) == 0
    assert len(a[1]) == 0 and len(a[2]) == 0
    assert abs(len(a[0]) - len(expected[0])) <= 0.3 * len(expected[0])
    assert a[0].min() > drive[0]                       # nothing before the first input
    fired = np.array([len(s) > 0 for s in spikes["b"]])
    model = np.array([len(s) > 0 for s in reference_spikes(sweep_w, [5.0], 50.0)])
    assert model.tolist() == (sweep_w[:, 0] > 4.0).tolist()
    # the chip's onset lies within one sweep step (0.5) of the model's
    assert np.count_nonzero(fired != model) <= 1 and fired[-1] and not fired[0]


def test_docs_nir_example_runs(tmp_path, monkeypatch):
    """The example of docs/nir.md runs and prints what its comments say."""
    import contextlib
    import io
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "nir.md").read_text()
    start = text.index("```python\n") + len("```python\n")
    code = text[start:text.index("```", start)]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALIX_CACHE_DIR", str(tmp_path / "calix"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/nir.md", "exec"), {})
    expected = [line.split("# ")[-1].strip() for line in code.splitlines() if line.startswith("print(")]
    assert out.getvalue().splitlines() == expected
