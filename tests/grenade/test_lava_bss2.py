"""The chip inside Lava: grenade.lava.chunked.ChunkedChip (chunked runs equal one run), the
BrainScaleS2 Lava process in .venv-lava (its errors come back, bounded in time), and
run_lava_script (timeouts and tracebacks).  The example's end-to-end run is in
tests/examples/test_examples.py."""
import os
import textwrap

import numpy as np
import pytest

from grenade.lava import LavaError, LavaTimeoutError, lava_python, run_lava_script
from grenade.lava.chunked import ChunkedChip
from tests.lava_marks import lava_available, needs_lava




def small_graph(seed=5, n_in=4, n=8):
    import nir
    rng = np.random.default_rng(seed)
    f = lambda v: np.full(n, float(v))   # noqa: E731
    return nir.NIRGraph(nodes={
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "fc": nir.Linear(weight=rng.uniform(0.5, 1.5, (n, n_in))),
        "lif": nir.CubaLIF(tau_syn=f(0.005), tau_mem=f(0.01), r=f(1.0), v_leak=f(0.0), v_threshold=f(1.0),
                           v_reset=f(0.0), w_in=f(1.0)),
        "rec": nir.Linear(weight=(rng.random((n, n)) < 0.3) * rng.uniform(-0.5, 0.4, (n, n))),
        "output": nir.Output(output_type={"output": np.array([n])})},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")])


@pytest.fixture(scope="module")
def imported_and_calibration():
    import calix
    import hxcomm
    from calix.common.exceptions import CalibNotSuccessful
    from grenade.nir import from_nir
    imported = from_nir(small_graph(), time_unit=1.0, dt=1e-4)
    with hxcomm.ManagedConnection() as connection:
        try:
            calibration = calix.calibrate(imported.calib_target(), connection=connection)
        except CalibNotSuccessful as e:
            calibration = e.result
    return imported, calibration


def chunked(imported, calibration, **kw):
    return ChunkedChip(imported.network, [imported.inputs["input"][0]], [imported.groups["lif"].population],
                       calibration, step_ms=float(imported.to_hardware_ms(1e-4)), settle_ms=0.1, **kw)


def test_chunked_runs_equal_one_run_spike_for_spike(imported_and_calibration):
    imported, calibration = imported_and_calibration
    rng = np.random.default_rng(2)
    steps = 600
    raster = rng.random((steps, 4)) < 0.01
    whole = chunked(imported, calibration)
    ref = whole.run_chunk(raster)
    whole.close()
    assert ref.shape == (steps, 8) and ref.sum() > 20          # the network is active
    for chunk in (2, 30, 100):
        chip = chunked(imported, calibration)
        out = np.concatenate([chip.run_chunk(raster[i:i + chunk]) for i in range(0, steps, chunk)])
        chip.close()
        assert np.array_equal(out, ref), f"chunk {chunk}: {int(out.sum())} spikes vs {int(ref.sum())}"
        assert chip.chunks == steps // chunk and chip.steps_run == steps
        if chip.gap_ms is not None:                          # in-process emulator: its clock is visible
            assert chip.gap_ms == 0.0
    # the input matters: without it the same chip stays silent
    silent = chunked(imported, calibration)
    assert not silent.run_chunk(np.zeros((100, 4), bool)).any()
    silent.close()


def test_chunked_chip_rejects_bad_arguments_by_name(imported_and_calibration):
    imported, calibration = imported_and_calibration
    lif = imported.groups["lif"].population
    with pytest.raises(ValueError, match=r"step_ms must be at least one FPGA cycle \(8e-06 hardware ms\), got 1e-06"):
        ChunkedChip(imported.network, [imported.inputs["input"][0]], [lif], calibration, step_ms=1e-6)
    with pytest.raises(ValueError, match=r"settle_ms must be >= 0"):
        ChunkedChip(imported.network, [], [lif], calibration, step_ms=1e-4, settle_ms=-1)
    with pytest.raises(ValueError, match=r"inputs: .* is not a ExternalSourcePopulation of the network"):
        ChunkedChip(imported.network, [lif], [lif], calibration, step_ms=1e-4)
    with pytest.raises(ValueError, match=r"outputs: .* is not a Population of the network"):
        ChunkedChip(imported.network, [], [imported.inputs["input"][0]], calibration, step_ms=1e-4)
    chip = chunked(imported, calibration)
    with pytest.raises(ValueError, match=r"input raster must have shape \(steps >= 1, 4\), got \(10, 3\)"):
        chip.run_chunk(np.zeros((10, 3), bool))
    # 7 steps of 0.1 us end between two FPGA cycles: off the grid
    with pytest.raises(ValueError, match=r"chunk ending after 0.7 us .* integration grid \(0.1 us"):
        chip.run_chunk(np.zeros((7, 4), bool))
    with pytest.raises(ValueError, match=r"integration grid"):
        chip.check_chunk(3)
    chip.check_chunk(100)
    chip.close()
    loose = chunked(imported, calibration, strict=False)
    assert loose.run_chunk(np.zeros((7, 4), bool)).shape == (7, 8)
    loose.close()


def test_run_lava_script_returns_output_errors_and_timeouts(tmp_path):
    if not lava_available():
        pytest.skip(".venv-lava missing (make install)")
    ok = tmp_path / "ok.py"
    ok.write_text("import sys, numpy, lava, grenade.lava.chunked\nprint('numpy', numpy.__version__, sys.argv[1:])\n")
    out = run_lava_script(ok, ["a", 2], timeout=60)
    assert out.startswith("numpy 1.") and "['a', '2']" in out     # the project, in Lava's numpy-1 environment
    bad = tmp_path / "bad.py"
    bad.write_text("def inner():\n    raise KeyError('no such chip')\ninner()\n")
    with pytest.raises(LavaError, match=r"bad.py failed \(status 1\): KeyError: 'no such chip'") as e:
        run_lava_script(bad, timeout=60)
    assert "in inner" in e.value.worker_traceback
    hang = tmp_path / "hang.py"
    hang.write_text("import os, time\nif os.fork() == 0:\n    time.sleep(600)\ntime.sleep(600)\n")
    with pytest.raises(LavaTimeoutError, match=r"did not finish within 2 s"):
        run_lava_script(hang, timeout=2)
    with pytest.raises(FileNotFoundError, match="no script"):
        run_lava_script(tmp_path / "missing.py")
    with pytest.raises(ValueError, match="timeout must be a positive"):
        run_lava_script(ok, timeout=0)


FAILING_CHIP = """
import sys
import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.source import RingBuffer
from grenade.lava.bss2 import BrainScaleS2, stopping
from grenade.network import NetworkBuilder, ExternalSourcePopulation, Population

builder = NetworkBuilder()
src = builder.add(ExternalSourcePopulation(2))
pop = builder.add(Population(2))
net = builder.done()

class NoChip:
    def __enter__(self):
        raise ConnectionError("no chip behind this connection")
    def __exit__(self, *a):
        return False

if sys.argv[1] == "chunk":
    try:
        BrainScaleS2(network=net, inputs=[src], outputs=[pop], step_ms=1e-4, chunk=7)
    except ValueError as e:
        print("rejected:", e)
    sys.exit(0)
chip = BrainScaleS2(network=net, inputs=[src], outputs=[pop], step_ms=1e-4, chunk=4, connect=NoChip)
source = RingBuffer(data=np.ones((2, 8), np.int32))
source.s_out.connect(chip.s_in)
with stopping(chip):
    chip.run(condition=RunSteps(num_steps=8), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
"""


@needs_lava
def test_brainscales2_process_errors_come_back_instead_of_hanging(tmp_path):
    """An exception in the process model (here: the chip's connection fails when the first
    chunk runs, in Lava's child process) ends the run as a LavaError with its message."""
    script = tmp_path / "failing_chip.py"
    script.write_text(textwrap.dedent(FAILING_CHIP))
    out = run_lava_script(script, ["chunk"], timeout=120)
    assert "rejected: a chunk ending after 0.7 us" in out
    with pytest.raises(LavaError) as e:
        run_lava_script(script, ["run"], timeout=120)
    assert "ConnectionError: no chip behind this connection" in e.value.worker_traceback
    assert "BrainScaleS2 process model, time step 4" in e.value.worker_traceback
    assert not isinstance(e.value, LavaTimeoutError)


def test_bss2_package_needs_lava():
    if lava_available() and os.path.realpath(lava_python()) == os.path.realpath(os.sys.executable):
        pytest.skip("running inside Lava's environment")
    with pytest.raises(ImportError, match=r"grenade.lava.bss2 needs lava-nc 0.10"):
        import grenade.lava.bss2  # noqa: F401


SAME_RUN = """
import json, sys
import numpy as np
import calix, hxcomm, nir
from calix.common.exceptions import CalibNotSuccessful
from grenade.lava.chunked import ChunkedChip
from grenade.nir import from_nir
imported = from_nir(nir.read(sys.argv[1]), time_unit=1.0, dt=1e-4)
with hxcomm.ManagedConnection() as connection:
    try:
        calibration = calix.calibrate(imported.calib_target(), connection=connection)
    except CalibNotSuccessful as e:
        calibration = e.result
chip = ChunkedChip(imported.network, [imported.inputs["input"][0]], [imported.groups["lif"].population],
                   calibration, step_ms=float(imported.to_hardware_ms(1e-4)), settle_ms=0.1)
out = chip.run_chunk(np.random.default_rng(2).random((600, 4)) < 0.01)
chip.close()
print(json.dumps({"numpy": np.__version__, "python": sys.version_info[:2], "spikes": np.argwhere(out).tolist()}))
"""


@needs_lava
def test_the_project_in_lavas_environment_gives_the_same_chip_spikes(imported_and_calibration, tmp_path):
    """.venv-lava holds the project (Python 3.10, numpy 1.26): the emulated chip there gives the
    spikes it gives here."""
    import json
    import nir
    imported, calibration = imported_and_calibration
    nir.write(tmp_path / "graph.nir", small_graph())
    chip = chunked(imported, calibration)
    here = chip.run_chunk(np.random.default_rng(2).random((600, 4)) < 0.01)
    chip.close()
    script = tmp_path / "same_run.py"
    script.write_text(textwrap.dedent(SAME_RUN))
    there = json.loads(run_lava_script(script, [tmp_path / "graph.nir"], timeout=180).strip().splitlines()[-1])
    assert there["numpy"].startswith("1.") and tuple(there["python"]) == (3, 10)
    assert here.sum() > 20 and np.argwhere(here).tolist() == there["spikes"]
