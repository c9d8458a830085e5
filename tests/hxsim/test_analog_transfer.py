"""The transfer table (chipmodel.transfer): forward/inverse maps, ranges, mismatch,
the C++ core using exactly these coefficients, and the generated doc table."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import hxsim
from chipmodel import transfer as tr

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "hxsim-analog.md"


@pytest.mark.parametrize("t", tr.TRANSFERS, ids=lambda t: t.name)
def test_round_trip_over_the_range(t):
    if t.source == "constant":
        return
    x = np.arange(t.lo, t.hi + 1)
    if t.form == "linear":
        x = x[x > 0] if t.c0 == 0 else x
    # inside the saturation limits (a buffer's rails) the map is one to one
    x = x[(t._f(x) > t.y_min) & (t._f(x) < t.y_max)]
    y = t.forward(x)
    np.testing.assert_array_equal(t.to_dac(y), x)
    # with an instance's mismatch too
    x = x[(t._f(x) * 1.03 + 2.0 > t.y_min) & (t._f(x) * 1.03 + 2.0 < t.y_max)]
    np.testing.assert_array_equal(t.to_dac(t.forward(x, 1.03, 2.0), 1.03, 2.0), x)


def test_buffered_cells_saturate_at_their_rails():
    t = tr.TRANSFERS_BY_NAME["v_leak"]
    lo, hi = tr.BUFFER_RAILS_MV
    assert t.forward(0) == lo and t.forward(1022) == hi
    assert t.forward(0, 1.0, -30.0) == lo and t.forward(1022, 1.02, 40.0) == hi
    with pytest.raises(ValueError, match="v_leak"):
        t.to_dac(lo - 1.0)


def test_inverse_rejects_infeasible_values_by_name():
    t = tr.TRANSFERS_BY_NAME["v_leak"]
    with pytest.raises(ValueError, match=r"E_leak = 2000.0 mV .* outside the reachable range "
                                         r"\[50, 900\] mV of v_leak"):
        t.to_dac([500.0, 2000.0])
    assert t.to_dac([2000.0, -5.0], clip=True).tolist() == [1022, 0]
    tau = tr.TRANSFERS_BY_NAME["i_bias_synin_exc_tau"]
    with pytest.raises(ValueError, match="tau_exc"):
        tau.to_dac(0.5)
    assert tau.to_dac(0.5, clip=True) == 1022


def test_ranges_are_physically_plausible():
    T = tr.TRANSFERS_BY_NAME
    lo, hi = T["v_threshold"].range()
    assert 100 < lo < 200 and 1200 < hi < 1400                # the CapMem voltage, ~0.16..1.33 V
    assert T["v_leak"].range() == tr.BUFFER_RAILS_MV
    assert T["membrane_capacitor_size"].range()[1] == pytest.approx(2.3)
    c = T["membrane_capacitor_size"].forward(63)
    g_lo, g_hi = T["i_bias_leak"].forward(1), T["i_bias_leak"].forward(1022)
    assert c / g_hi < 2.0 and c / g_lo > 100.0                 # tau_mem 2..100 us reachable
    assert c / (4 * g_hi) < 0.5                                # 0.5 us with multiplication
    t_lo, t_hi = T["i_bias_synin_exc_tau"].range()
    assert t_lo <= 1.0 and t_hi >= 100.0
    # the public calibration targets (CADC LSB) lie inside the reachable voltages
    cadc = T["cadc"]
    for target, cell in ((80, "v_leak"), (70, "v_reset"), (125, "v_threshold")):
        mv = cadc.forward(target)
        assert 0 < T[cell].to_dac(mv) < 1022


def test_mismatch_is_deterministic_per_chip_and_absent_when_ideal():
    a, b, c = tr.draw_mismatch(7), tr.draw_mismatch(7), tr.draw_mismatch(8)
    assert set(a) == set(b) == set(c)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["v_leak.offset"], c["v_leak.offset"])
    assert not np.array_equal(a["synapse_gain"], c["synapse_gain"])
    ideal = tr.draw_mismatch(7, ideal=True)
    for k, v in ideal.items():
        expected = 0.0 if k.endswith(".offset") or k in ("cadc_offset", "madc_offset") else 1.0
        assert np.all(v == expected), k


def test_mismatch_magnitudes_are_the_documented_ones():
    m = tr.draw_mismatch(123)
    for t in tr.TRANSFERS:
        if t.count < 100:
            continue
        if t.gain_sigma:
            s = np.std(m[f"{t.name}.gain"])
            assert 0.8 * t.gain_sigma < s < 1.2 * t.gain_sigma, t.name
        if t.offset_sigma:
            s = np.std(m[f"{t.name}.offset"])
            assert 0.8 * t.offset_sigma < s < 1.2 * t.offset_sigma, t.name
    for name, shape, kind, sigma, _ in tr.MISMATCH_EXTRA:
        a = m[name]
        assert a.shape == shape
        if a.size > 100:
            d = a - 1 if kind == "gain" else a
            assert 0.8 * sigma < np.std(d) < 1.2 * sigma, name
            assert np.max(np.abs(d)) <= 3 * sigma + 1e-12


def test_emulator_mismatch_and_options():
    e = hxsim.Emulator(chip_id=5)
    m = e.mismatch()
    ref = tr.draw_mismatch(5)
    np.testing.assert_array_equal(m["i_bias_leak.gain"], ref["i_bias_leak.gain"])
    m["i_bias_leak.gain"][:] = 0          # a copy: the chip keeps its identity
    assert np.all(e.mismatch()["i_bias_leak.gain"] > 0)
    ideal = hxsim.Emulator(chip_id=5, ideal=True)
    assert np.all(ideal.mismatch()["v_leak.offset"] == 0)
    assert ideal.options["ideal"] and not e.options["ideal"]
    assert hxsim.Emulator(noise=True).options["noise"] == tr.CONSTANTS["default_noise_mv_per_sqrt_us"]
    with pytest.raises(ValueError, match="noise"):
        hxsim.Emulator(noise=-1.0)
    with pytest.raises(ValueError, match="dt"):
        hxsim.Emulator(dt=0.0)
    assert hxsim.Emulator(analog=False).core_name == "digital-only"
    assert e.core_name == "adex"


def _write_cells(emu, neuron: int, values: dict):
    """Poke CapMem cells of AtomicNeuronOnDLS ``neuron`` and enable CapMem (test aid)."""
    import halco
    import haldls
    from haldls.register_map import REGISTERS_BY_NAME
    cell_reg = REGISTERS_BY_NAME["CapMemCell"]
    n = halco.AtomicNeuronOnDLS(halco.Enum(neuron))
    for name, x in values.items():
        c = n.toCapMemCellOnDLS(getattr(halco.CapMemRowOnCapMemBlock, name))
        emu.poke(int(cell_reg.addresses([int(c.toEnum())])[0, 0]), int(x))
    cfg = REGISTERS_BY_NAME["CapMemBlockConfig"]
    for b in range(4):
        words = haldls.CapMemBlockConfig(enable_capmem=True).encode()
        for w, a in zip(words, cfg.addresses([b])[0]):
            emu.poke(int(a), int(w))


def test_core_decodes_with_the_table_coefficients():
    # The C++ core evaluates exactly f(x) * gain + offset of this table.
    e = hxsim.Emulator(chip_id=11)
    mm = e.mismatch()
    n = 300
    values = dict(v_leak=512, v_reset=300, v_threshold=700, i_bias_leak=321,
                  i_bias_synin_exc_tau=77, v_exp=640, i_bias_adapt_tau=123)
    _write_cells(e, n, values)
    d = e.analog_inspect()
    T = tr.TRANSFERS_BY_NAME

    def expect(name, x):
        return T[name].forward(x, mm[f"{name}.gain"][n], mm[f"{name}.offset"][n])
    assert d["g_leak"][n] == pytest.approx(expect("i_bias_leak", 321), rel=1e-12)
    assert d["V_reset"][n] == pytest.approx(expect("v_reset", 300), rel=1e-12)
    assert d["E_leak"][n] == pytest.approx(expect("v_leak", 512), rel=1e-12)
    assert d["tau_exc"][n] == pytest.approx(expect("i_bias_synin_exc_tau", 77), rel=1e-9)
    assert d["V_T"][n] == pytest.approx(expect("v_exp", 640), rel=1e-12)
    assert d["C"][n] == pytest.approx(expect("membrane_capacitor_size", 63), rel=1e-12)
    assert d["delta_T"][n] == pytest.approx(expect("delta_T", 0), rel=1e-12)


def test_doc_table_is_in_sync():
    text = DOC.read_text()
    begin, end = "<!-- transfer-table:begin -->\n", "<!-- transfer-table:end -->"
    assert begin in text and end in text, "docs/hxsim-analog.md lacks the transfer table markers"
    table = text.split(begin)[1].split(end)[0]
    expected = tr.transfer_table_markdown() + "\n" + tr.constants_table_markdown()
    assert table == expected, ("docs/hxsim-analog.md is out of date: run "
                               "`python -m chipmodel.transfer --update-doc`")
