"""PyNN 0.13's system scenarios, run against ``pynn_brainscales.brainscales2`` in biological units.

PyNN's scenarios (sdist ``test/system/scenarios``, fetched by ``make install`` into
``.venv/pynn-tests/<version>``, never committed) are plain functions ``test_x(sim)`` that a
simulator module is handed to.  They are written for NEST, NEURON and Brian2; here they get
``SIM``: the backend as a script written for those simulators sees it with its import changed
and ``units="biological"`` added to its ``setup()`` call, nothing else.  PyNN's files are not
changed.  A scenario the chip cannot run is skipped through ``SKIPS`` (one table, scenario id
``<module>.<function>`` -> reason); docs/pynn-scenarios.md lists every scenario with its outcome.
``PYNN_TESTS_DIR`` overrides the location of the extracted sdist ``test/``.
"""
import importlib
import importlib.util
import inspect
import os
import sys
from pathlib import Path

import pytest

import pyNN

PYNN_VERSION = "0.13.0"
ROOT = Path(__file__).resolve().parents[2]
TESTS_DIR = Path(os.environ.get("PYNN_TESTS_DIR", ROOT / ".venv" / "pynn-tests" / PYNN_VERSION / "test"))
SCENARIOS = TESTS_DIR / "system" / "scenarios"

if not (SCENARIOS / "fixtures.py").is_file():
    pytest.skip(f"PyNN {PYNN_VERSION} sdist scenarios not found at {SCENARIOS} (`make install` fetches them; "
                f"after deleting them: rm .venv/.installed && make install)", allow_module_level=True)
if pyNN.__version__ != PYNN_VERSION:
    pytest.skip(f"installed pyNN {pyNN.__version__} != the fetched tests' {PYNN_VERSION}",
                allow_module_level=True)

import pynn_brainscales.brainscales2 as bss2  # noqa: E402


class _BiologicalBackend(type(sys)):
    """``pynn_brainscales.brainscales2`` as a NEST or Brian2 script uses it: every name is the
    backend's own, and ``setup()`` gets ``units="biological"`` unless the script gives units."""

    def __getattr__(self, name):
        return getattr(bss2, name)

    @staticmethod
    def setup(*args, **kwargs):
        kwargs.setdefault("units", "biological")
        return bss2.setup(*args, **kwargs)

    def __str__(self):
        return self.__name__


SIM = _BiologicalBackend("pynn_brainscales.brainscales2")

MODULES = ("test__simulation_control", "test_cell_types", "test_connection_handling", "test_connectors",
           "test_electrodes", "test_issue231", "test_issue274", "test_parameter_handling", "test_procedural_api",
           "test_recording", "test_scenario1", "test_scenario2", "test_scenario3", "test_scenario4",
           "test_scenario5", "test_synapse_types", "test_ticket166")

# scenario id ("<module>.<function>") -> why the chip cannot run it
SKIPS = {}


def _load_package():
    """PyNN's ``test/system/scenarios`` as the private package ``_pynn_scenarios``."""
    name = "_pynn_scenarios"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCENARIOS / "__init__.py",
                                                      submodule_search_locations=[str(SCENARIOS)])
        pkg = importlib.util.module_from_spec(spec)
        sys.modules[name] = pkg
        spec.loader.exec_module(pkg)
    return name


def _scenarios():
    """[(scenario id, function)] of every ``test_*`` function of the scenario modules."""
    pkg = _load_package()
    out = []
    for modname in MODULES:
        mod = importlib.import_module(f"{pkg}.{modname}")
        for name, func in vars(mod).items():
            if name.startswith("test") and inspect.isfunction(func) and func.__module__ == mod.__name__:
                out.append((f"{modname}.{name}", func))
    return out


SCENARIO_FUNCTIONS = _scenarios()


@pytest.fixture
def scenario_dir(tmp_path, monkeypatch):
    """Scenarios write files (pickles, "Results/") into the working directory: a fresh one each."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("scenario_id,func", SCENARIO_FUNCTIONS, ids=[s for s, _ in SCENARIO_FUNCTIONS])
def test_scenario(scenario_id, func, scenario_dir):
    reason = SKIPS.get(scenario_id)
    if reason:
        pytest.skip(reason)
    try:
        func(SIM)
    except BaseException:
        bss2.simulator.state.write_on_end = []      # end() would write files of a failed scenario
        raise
    finally:
        bss2.end()


def test_skip_table_is_current():
    """Every SKIPS entry names an existing scenario."""
    ids = {s for s, _ in SCENARIO_FUNCTIONS}
    stale = [key for key in SKIPS if key not in ids]
    assert not stale, f"SKIPS entries naming no PyNN {PYNN_VERSION} scenario: {stale}"


def test_all_scenarios_found():
    """The 66 scenario functions of PyNN 0.13.0 are all collected."""
    assert len(SCENARIO_FUNCTIONS) == 66
