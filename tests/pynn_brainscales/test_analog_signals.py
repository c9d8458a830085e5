"""PyNN's AnalogSignal for the standard cells in biological units (docs/pynn.md "Recording"): one
signal per variable, a column per recorded neuron, on the grid of the sampling interval (default
the timestep); CADC samples are read on the grid, MADC samples interpolated onto it.  BSS-2's own
cell types keep one IrregularlySampledSignal per neuron (the public format)."""
import warnings

import numpy as np
import pytest
import quantities as pq
from hypothesis import given, settings, strategies as st

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.recording import _interpolated, _on_grid

warnings.filterwarnings("ignore", category=pynn.SetupOptionWarning)


@pytest.fixture(autouse=True)
def bio():
    pynn.setup(units="biological")
    yield
    pynn.end()


# -- the two mappings onto the grid, on their own ------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), slope=st.floats(-5.0, 5.0), step=st.sampled_from([0.1, 0.25, 1.0]))
def test_interpolation_of_irregular_samples(seed, slope, step):
    """Samples about every 0.034 ms (the MADC's, jittered): a grid point between two samples takes
    their linear interpolation (a linear trace comes out exactly), one just beyond the first or
    last sample takes that sample."""
    rng = np.random.default_rng(seed)
    times = np.unique(np.arange(300) * 0.034 + rng.uniform(0.0, 0.02, 300))
    values = rng.uniform(-80.0, 0.0, len(times))
    grid = np.arange(0.0, 10.5, step)
    got = _interpolated(times, values, grid)
    near = grid <= times[-1] + 0.05
    assert np.all(np.isfinite(got[near])) and np.all(np.isnan(got[grid > times[-1] + 0.2]))
    assert np.allclose(got[near], np.interp(grid[near], times, values), atol=1e-9)
    line = _interpolated(times, -65.0 + slope * times, grid)
    inside = (grid >= times[0]) & (grid <= times[-1])
    assert np.allclose(line[inside], -65.0 + slope * grid[inside], atol=1e-9)


def test_interpolation_leaves_unrecorded_spans_empty():
    times = np.concatenate([np.arange(0.0, 5.0, 0.034), np.arange(9.0, 12.0, 0.034)])
    values = times * 2.0
    got = _interpolated(times, values, np.arange(0.0, 13.01, 0.1))
    grid = np.arange(0.0, 13.01, 0.1)
    assert np.isnan(got[(grid > 5.2) & (grid < 8.8)]).all()             # a gap of 4 ms: not recorded
    assert np.isnan(got[grid > 12.2]).all()                             # after the recording
    ok = ~np.isnan(got) & (grid <= times[-1])
    assert np.allclose(got[ok], 2.0 * grid[ok], atol=1e-9)
    assert got[grid > times[-1]][0] == values[-1]                      # just after the end: the last sample


def test_cadc_samples_land_on_their_grid_points_only():
    step = 0.5
    # reads on a 0.25 grid (another population's), rounded to FPGA cycles (8 us biological)
    times = np.arange(0, 41) * 0.25 + np.tile([0.004, -0.004], 21)[:41]
    got = _on_grid(times, times.copy(), step, 0, 21, tolerance=0.012)
    assert np.allclose(got, np.arange(21) * step, atol=0.005)            # every other read, on the grid
    assert np.isnan(_on_grid(times[:10], times[:10], step, 0, 21, 0.012)[5:]).all()


# -- end to end -------------------------------------------------------------------------------
def test_pynn_format_shape_grid_and_annotations():
    assert pynn.get_time_step() == pytest.approx(0.1)                   # PyNN's default resolution
    cells = pynn.Population(3, pynn.IF_curr_exp(i_offset=[0.0, 0.3, 0.6]), label="cells")
    cells[0:2].record("v")                                               # fits the MADC
    cells.record("spikes")
    pynn.run(12.3)
    seg = cells.get_data().segments[0]
    assert len(seg.irregularlysampledsignals) == 0
    (v,) = seg.analogsignals
    assert v.name == "v" and v.units == pq.mV and v.annotations["device"] == "madc"
    assert v.shape == (124, 2) and v.t_start == 0 * pq.ms and v.sampling_period == 0.1 * pq.ms
    assert list(v.annotations["channel_ids"]) == [int(cells[0]), int(cells[1])]
    assert list(v.array_annotations["channel_index"]) == [0, 1]
    assert not np.isnan(np.asarray(v)).any()
    assert np.all(np.asarray(v)[-1, 1] > np.asarray(v)[-1, 0] + 3.0)     # 0.3 nA x 20 MOhm = 6 mV
    pynn.setup(units="biological", timestep=0.25)
    assert pynn.get_time_step() == 0.25


def test_madc_and_cadc_signals_of_the_same_neuron_agree():
    """The same PSPs read by the MADC (interpolated onto the grid) and by the CADC (read on the
    grid): they agree within the CADC's resolution, in time and in height."""
    def record(device):
        pynn.setup(units="biological")
        src = pynn.Population(1, pynn.SpikeSourceArray(spike_times=[10.0, 30.0, 32.0]))
        cell = pynn.Population(1, pynn.IF_curr_exp(tau_syn_E=2.0, v_thresh=-40.0))
        pynn.Projection(src, cell, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=3.0))
        cell.record("v", device=device)
        pynn.run(60.0)
        (v,) = cell.get_data().segments[0].analogsignals
        assert v.annotations["device"] == device and v.shape == (601, 1)
        return np.asarray(v)[:, 0]

    madc, cadc = record("madc"), record("cadc")
    assert madc.max() - madc[:90].mean() > 5.0                            # PSPs of several mV
    assert np.max(np.abs(madc - cadc)) < 0.8                              # CADC LSB ~0.4 mV (model)

    def half_rise(v, start):                                              # grid index: half the first PSP
        base = v[start - 10:start].mean()
        return start + int(np.argmax(v[start:] > base + 0.5 * (v[start:start + 100].max() - base)))

    assert abs(half_rise(madc, 100) - half_rise(cadc, 100)) <= 1          # at the same time (0.1 ms)
    assert 100 < half_rise(madc, 100) < 120                                # within 2 ms of the 10 ms input


def test_sampling_intervals_continued_runs_clear_and_unrecorded_snippets():
    coarse = pynn.Population(3, pynn.IF_curr_exp(i_offset=0.4))
    fine = pynn.Population(4, pynn.IF_curr_exp(i_offset=0.2))
    coarse.record("v", sampling_interval=1.0)                             # the CADC reads both grids
    fine.record("v", sampling_interval=0.25)
    with pytest.raises(ValueError, match="same sampling interval"):
        coarse.record("v", sampling_interval=0.5)
    pynn.run(7.0)
    pynn.run(3.0)                                                          # continued: one signal
    (c,) = coarse.get_data().segments[0].analogsignals
    (f,) = fine.get_data().segments[0].analogsignals
    assert c.shape == (11, 3) and c.sampling_period == 1.0 * pq.ms
    assert f.shape == (41, 4) and f.sampling_period == 0.25 * pq.ms
    assert not np.isnan(np.asarray(c)).any() and not np.isnan(np.asarray(f)).any()   # the end point too
    # get_data(clear=True): the next signal starts at the clear time
    fine.get_data(clear=True)
    pynn.run(5.0)
    (f,) = fine.get_data().segments[0].analogsignals
    assert f.t_start == 10.0 * pq.ms and f.shape == (21, 4)
    # a snippet that does not record: NaN there
    pynn.reset()
    pynn.run(5.0, pynn.RunCommand.APPEND)
    fine.record(None)
    pynn.run(5.0, pynn.RunCommand.APPEND)
    fine.record("v", sampling_interval=0.25)
    pynn.run(5.0, pynn.RunCommand.APPEND)
    pynn.run(None, pynn.RunCommand.EXECUTE)
    (f,) = fine.get_data().segments[-1].analogsignals
    missing = np.isnan(np.asarray(f)[:, 0])
    times = np.asarray(f.times)
    assert f.shape == (61, 4) and np.array_equal(missing, (times > 5.0) & (times < 10.0))


def test_assemblies_merge_the_columns_and_bss2_cells_keep_the_public_format():
    a, b = pynn.Population(2, pynn.IF_curr_exp()), pynn.Population(3, pynn.IF_curr_exp())
    both = a + b
    both.record("v")
    raw = pynn.Population(1, pynn.HXNeuron.spiking())
    raw.record("v", device="cadc", sampling_interval=0.5)
    pynn.run(5.0)
    (v,) = both.get_data().segments[0].analogsignals
    assert v.shape == (51, 5) and list(v.array_annotations["channel_index"]) == [0, 1, 2, 3, 4]
    seg = raw.get_data().segments[0]
    assert len(seg.analogsignals) == 0 and len(seg.irregularlysampledsignals) == 1   # raw LSB, per neuron


def test_a_grid_finer_than_two_fpga_cycles_keeps_its_end_point():
    """timestep 0.01 ms (10 ns of hardware time, 1.25 FPGA cycles): the read of the end of the run
    (one cycle before it) is the last grid point, not the one before."""
    pynn.setup(units="biological", timestep=0.01)
    cells = pynn.Population(3, pynn.IF_curr_exp(i_offset=[0.0, 0.5, 1.0]))
    cells.record("v")
    pynn.run(5.0)
    (v,) = cells.get_data().segments[0].analogsignals
    assert v.annotations["device"] == "cadc" and v.shape == (501, 3)
    assert not np.isnan(np.asarray(v)).any()
