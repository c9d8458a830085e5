"""PyNN 0.13's own backend-independent unit tests, run against ``pynn_brainscales.brainscales2``.

PyNN's test classes (sdist ``test/unittests``, fetched by ``make install`` into
``.venv/pynn-tests/<version>``, never committed) take the backend as a default argument
``sim=pyNN.mock`` of ``setUp``/``tearDown``/the test methods.  Each class is subclassed here
with every such method bound to ``sim=pynn_brainscales.brainscales2`` (and the modules' global
``sim`` replaced), under the name ``Test_<module>__<Class>``.  test_projection and
test_connectors_serial get ``SIM_PROXY`` instead: the backend with HH_cond_exp / IF_cond_alpha /
IF_curr_alpha pointing to our IF_cond_exp / IF_curr_exp (SUBSTITUTES; these modules test connections,
weights and delays, not cell dynamics).  Tests
that cannot apply to the chip are skipped through ``SKIPS`` (one table, PyNN test id -> reason);
docs/pynn-unittests.md summarises it.  ``PYNN_TESTS_DIR`` overrides the location of the extracted
sdist ``test/``.
"""
import fnmatch
import functools
import importlib
import importlib.util
import inspect
import os
import re
import sys
import unittest
from pathlib import Path

import pytest

import pyNN

PYNN_VERSION = "0.13.0"
ROOT = Path(__file__).resolve().parents[2]
TESTS_DIR = Path(os.environ.get("PYNN_TESTS_DIR", ROOT / ".venv" / "pynn-tests" / PYNN_VERSION / "test"))
UNITTESTS = TESTS_DIR / "unittests"

if not (UNITTESTS / "__init__.py").is_file():
    pytest.skip(f"PyNN {PYNN_VERSION} sdist tests not found at {UNITTESTS} (`make install` fetches them; "
                f"after deleting them: rm .venv/.installed && make install)", allow_module_level=True)
if pyNN.__version__ != PYNN_VERSION:
    pytest.skip(f"installed pyNN {pyNN.__version__} != the fetched tests' {PYNN_VERSION}",
                allow_module_level=True)

import pyNN.random  # noqa: E402
import pynn_brainscales.brainscales2 as bss2  # noqa: E402

_GET_MPI_CONFIG = pyNN.random.get_mpi_config


# -- the cell-type substitution of test_projection and test_connectors_serial ------------------
# PyNN name -> our cell in the two connectivity modules: they test connections,
# weights and delays, not the dynamics of these cells
SUBSTITUTES = {
    "HH_cond_exp": "IF_cond_exp",
    "IF_cond_alpha": "IF_cond_exp",
    "IF_curr_alpha": "IF_curr_exp",
}
SUBSTITUTED_MODULES = ("test_projection", "test_connectors_serial")


class _SimProxy(type(sys)):
    """``pynn_brainscales.brainscales2`` with the names of SUBSTITUTES pointing to our cells."""

    def __getattr__(self, name):
        if name in SUBSTITUTES:
            return getattr(bss2, SUBSTITUTES[name])
        return getattr(bss2, name)


SIM_PROXY = _SimProxy("pynn_brainscales.brainscales2[PyNN unittest substitutes]")

MODULES = ("test_population", "test_populationview", "test_assembly", "test_projection",
           "test_simulation_control", "test_connectors_serial", "test_connectors_parallel")

# setup() options every PyNN test gets: PyNN's tests are written in biological units
# (ms, mV, nA, uS; run(100.0), delays of 0.5 ms)
# delays replaced by the chip latency are reported per projection; expected in these tests
pytestmark = pytest.mark.filterwarnings("ignore::pynn_brainscales.brainscales2.DelayReplacedWarning")
SETUP_EXTRA = {"units": "biological"} if "units" in getattr(bss2, "_SETUP_OPTIONS", ()) else {}
# the projection and connector tests check bookkeeping with delays of 0.1-8 ms between on-chip
# neurons: the documented option for scripts written for simulators with delay lines accepts them
# (realised as the chip's latency; get("delay") keeps the requested values)
SETUP_EXTRA_SUBSTITUTED = dict(SETUP_EXTRA, on_chip_delays="latency") \
    if "on_chip_delays" in getattr(bss2, "_SETUP_OPTIONS", ()) else SETUP_EXTRA

# -- why tests are skipped ---------------------------------------------------------------------
NO_CELL = ("uses %s: not a BrainScaleS-2 cell type (the chip's AdEx circuits give IF_curr_exp, "
           "IF_cond_exp, EIF_cond_exp_isfa_ista: no alpha-shaped synapses, no Hodgkin-Huxley)")
MPI = ("fakes a distributed run (setup(num_processes=..., rank=...) or state.num_processes = 2 with a "
       "patched pyNN.random.get_mpi_config): the backend is single-process")
RANGE = ("parameter values outside the chip's feasible range (tau_syn_E/I 0.5..0.99 ms; the chip "
         "calibrates 1.2..30 ms): the backend raises ValueError at create")
RECORDABLE = ("records w or gsyn_exc/gsyn_inh: the biological cells record spikes and v only (no "
              "conductance readout; adaptation has no model-unit conversion to w yet)")
MOCKDATA = "asserts pyNN.mock's fake data (2 spikes per neuron without any input)"
STP_U = ("connects TsodyksMarkramSynapse with U = 100 from its connection list (arbitrary test values): U is "
         "a fraction of the resources in (0, 1], the backend raises ValueError (NEST rejects it as well)")

# PyNN test id ("<module>.<Class>.<test>", fnmatch patterns allowed) -> reason
SKIPS = {
    # whole classes whose setUp cannot run on the chip
    "test_connectors_parallel.*": MPI,
    "test_projection.CheckTest.*": MPI,
    "test_connectors_serial.TestFixedTotalNumberConnector.*": (
        "setUp calls pyNN.mock's setup(num_processes=1, rank=0, ...) (not setup() options of a real backend) and "
        "takes no **extra, so the standard cells get no setup(units='biological')"),
    "test_connectors_serial.TestIndexBasedProbabilityConnector.*": (
        "setUp passes the misspelt option setup(nmin_delay=...) (pyNN.mock ignores it, this backend rejects "
        "unknown setup() options); all its tests also use on-chip delays of 1-7 ms"),
    # test_connectors_serial
    "test_connectors_serial.TestFromListConnector.test_with_plastic_synapse": STP_U,
    "test_connectors_serial.TestFromFileConnector.test_with_plastic_synapses_not_distributed": STP_U,
    # single tests
    "test_population.PopulationTest.test___add__three": NO_CELL % "HH_cond_exp",
    "test_population.PopulationTest.test__getitem__list": NO_CELL % "HH_cond_exp",
    "test_population.PopulationTest.test__getitem__slice": NO_CELL % "HH_cond_exp",
    "test_population.PopulationTest.test__getitem__tuple": NO_CELL % "HH_cond_exp",
    "test_population.PopulationTest.test_set_invalid_name": NO_CELL % "HH_cond_exp",
    "test_populationview.PopulationViewTest.test___add__three": NO_CELL % "HH_cond_exp",
    "test_populationview.PopulationViewTest.test__getitem__list": NO_CELL % "HH_cond_exp",
    "test_populationview.PopulationViewTest.test__getitem__slice": NO_CELL % "HH_cond_exp",
    "test_populationview.PopulationViewTest.test__getitem__tuple": NO_CELL % "HH_cond_exp",
    "test_populationview.PopulationViewTest.test_create_with_slice_selector": NO_CELL % "HH_cond_exp",
    "test_populationview.PopulationViewTest.test_set_invalid_name": NO_CELL % "HH_cond_exp",
    "test_assembly.AssemblyTest.test__homogeneous_synapses": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_all_iterator": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_conductance_based": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_first_and_last_id": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_get_data_with_gather": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_getitem_array": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_getitem_int": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_getitem_slice": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_id_to_index": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_id_to_index_with_nonexistent_id": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_mean_spike_count": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_sample": NO_CELL % "IF_cond_alpha",
    "test_population.PopulationTest.test_get_gsyn": NO_CELL % "IF_cond_alpha",
    "test_population.PopulationTest.test_nearest": NO_CELL % "IF_cond_alpha",
    "test_population.PopulationTest.test_print_gsyn": NO_CELL % "IF_cond_alpha",
    "test_population.PopulationTest.test_rset": NO_CELL % "IF_cond_alpha",
    "test_population.PopulationTest.test_tset": NO_CELL % "IF_cond_alpha",
    "test_populationview.PopulationViewTest.test_create_with_index_array_selector": NO_CELL % "IF_cond_alpha",
    "test_populationview.PopulationViewTest.test_rset": NO_CELL % "IF_cond_alpha",
    "test_populationview.PopulationViewTest.test_tset": NO_CELL % "IF_cond_alpha",
    "test_assembly.AssemblyTest.test_inject": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test__getitem__invalid": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_getSpikes": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_get_v": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_id_to_index": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_id_to_index_with_array": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_id_to_index_with_invalid_id": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_id_to_index_with_invalid_ids": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_id_to_index_with_populationview": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_inject": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_printSpikes": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_print_v": NO_CELL % "IF_curr_alpha",
    "test_population.PopulationTest.test_record_invalid_variable": NO_CELL % "IF_curr_alpha",
    "test_populationview.PopulationViewTest.test__getitem__invalid": NO_CELL % "IF_curr_alpha",
    "test_populationview.PopulationViewTest.test_id_to_index": NO_CELL % "IF_curr_alpha",
    "test_populationview.PopulationViewTest.test_id_to_index_with_array": NO_CELL % "IF_curr_alpha",
    "test_populationview.PopulationViewTest.test_id_to_index_with_invalid_id": NO_CELL % "IF_curr_alpha",
    "test_populationview.PopulationViewTest.test_inject": NO_CELL % "IF_curr_alpha",
    "test_populationview.PopulationViewTest.test_record_invalid_variable": NO_CELL % "IF_curr_alpha",
    "test_assembly.AssemblyTest.test_get_multiple_homogeneous_params_with_gather": RANGE,
    "test_assembly.AssemblyTest.test_get_multiple_inhomogeneous_params_with_gather": RANGE,
    "test_assembly.AssemblyTest.test_get_single_param_with_gather": RANGE,
    "test_population.PopulationTest.test_create_with_parameters": RANGE,
    "test_population.PopulationTest.test_get_multiple_homogeneous_params_with_gather": RANGE,
    "test_population.PopulationTest.test_get_multiple_inhomogeneous_params_with_gather": RANGE,
    "test_population.PopulationTest.test_get_single_param_with_gather": RANGE,
    "test_population.PopulationTest.test_set": RANGE,
    "test_populationview.PopulationViewTest.test_get_multiple_homogeneous_params_with_gather": RANGE,
    "test_populationview.PopulationViewTest.test_get_multiple_inhomogeneous_params_with_gather": RANGE,
    "test_populationview.PopulationViewTest.test_get_single_homogeneous_param_with_gather": RANGE,
    "test_populationview.PopulationViewTest.test_set": RANGE,
    "test_assembly.AssemblyTest.test_get_multiple_params_no_gather": MPI,
    "test_population.PopulationTest.test_get_multiple_params_no_gather": MPI,
    "test_population.PopulationTest.test_set_random_distribution_parallel_safe": MPI,
    "test_population.PopulationTest.test_set_random_distribution_parallel_unsafe": MPI,
    "test_population.PopulationTest.test_get_data_with_gather": RECORDABLE,
    "test_populationview.PopulationViewTest.test_get_data_with_gather": RECORDABLE,
    "test_population.PopulationTest.test_get_spikes_with_gather": RECORDABLE,
    "test_assembly.AssemblyTest.test_get_gsyn": RECORDABLE,
    "test_assembly.AssemblyTest.test_print_gsyn": RECORDABLE,
    "test_population.PopulationTest.test_can_record": RECORDABLE,
    "test_population.PopulationTest.test_record_with_multiple_variables": RECORDABLE,
    "test_populationview.PopulationViewTest.test_can_record": RECORDABLE,
    "test_populationview.PopulationViewTest.test_record_with_multiple_variables": RECORDABLE,
    "test_population.PopulationTest.test_get_spike_counts": MOCKDATA,
    "test_population.PopulationTest.test_mean_spike_count": MOCKDATA,
    "test_populationview.PopulationViewTest.test_get_spike_counts": MOCKDATA,
    "test_populationview.PopulationViewTest.test_mean_spike_count": MOCKDATA,
}

# Standard cells being added (biological.py): while the backend lacks one, the tests using it
# (in the test or its setUp) are skipped with "needs standard cell X".
PENDING_CELLS = ("IF_cond_exp", "IF_curr_exp", "EIF_cond_exp_isfa_ista")


def _load_package():
    """PyNN's ``test/unittests`` as the private package ``_pynn_unittests`` (not ``test``: that is
    the standard library's test package)."""
    name = "_pynn_unittests"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, UNITTESTS / "__init__.py",
                                                      submodule_search_locations=[str(UNITTESTS)])
        pkg = importlib.util.module_from_spec(spec)
        sys.modules[name] = pkg
        spec.loader.exec_module(pkg)
    return name


def _takes_sim(func):
    try:
        return "sim" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _bind(func, sim, extra=None):
    """``func`` with ``sim`` (and, for ``setUp(self, sim, **extra)``, the setup options ``extra``)."""
    accepts_kwargs = any(p.kind is p.VAR_KEYWORD for p in inspect.signature(func).parameters.values())

    @functools.wraps(func)
    def bound(self, *args, **kwargs):
        kwargs.setdefault("sim", sim)
        if extra and accepts_kwargs:
            for k, v in extra.items():
                kwargs.setdefault(k, v)
        return func(self, *args, **kwargs)
    return bound


def _reason(test_id, sources=(), substitutes=None):
    """The skip reason of a test: its SKIPS entry (exact id first, then the first matching pattern),
    else "needs standard cell X" for a pending cell it uses that the backend lacks."""
    substitutes = substitutes or {}
    if test_id in SKIPS:
        return SKIPS[test_id]
    for pattern, reason in SKIPS.items():
        if fnmatch.fnmatchcase(test_id, pattern):
            return reason
    missing = [c for c in PENDING_CELLS if not hasattr(bss2, c)
               and any(re.search(rf"\bsim\.({'|'.join([c] + [k for k, v in substitutes.items() if v == c])})\b", src)
                       for src in sources)]
    if missing:
        return "needs standard cell " + ", ".join(missing)
    return None


def _source(func):
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def _isolated(teardown):
    """tearDown that also undoes the fake MPI some PyNN tests set on the state and in pyNN.random
    (state.num_processes = 2, random.get_mpi_config patched) when they fail half-way."""
    @functools.wraps(teardown)
    def wrapped(self):
        try:
            teardown(self)
        finally:
            bss2.simulator.state.num_processes = 1
            bss2.simulator.state.mpi_rank = 0
            pyNN.random.get_mpi_config = _GET_MPI_CONFIG
    return wrapped


def _subclass(modname, cls):
    sim = SIM_PROXY if modname in SUBSTITUTED_MODULES else bss2
    ns = {"__module__": __name__, "__doc__": cls.__doc__}
    for attr in dir(cls):
        func = getattr(cls, attr)
        if not callable(func) or not inspect.isfunction(func) or not _takes_sim(func):
            continue
        options = SETUP_EXTRA_SUBSTITUTED if modname in SUBSTITUTED_MODULES else SETUP_EXTRA
        ns[attr] = _bind(func, sim, extra=options if attr == "setUp" else None)
    for attr in dir(cls):
        if attr.startswith("test"):
            _TEST_IDS.append(f"{modname}.{cls.__name__}.{attr}")
            reason = _reason(f"{modname}.{cls.__name__}.{attr}",
                             (_source(getattr(cls, attr)), _source(getattr(cls, "setUp", None))),
                             SUBSTITUTES if modname in SUBSTITUTED_MODULES else None)
            if reason:
                ns[attr] = unittest.skip(reason)(ns.get(attr, getattr(cls, attr)))
    ns["tearDown"] = _isolated(ns.get("tearDown", cls.tearDown))
    name = f"Test_{modname[len('test_'):]}__{cls.__name__}"
    ns["__qualname__"] = name
    return name, type(name, (cls,), ns)


_TEST_IDS = []


def _build():
    pkg = _load_package()
    out = {}
    for modname in MODULES:
        mod = importlib.import_module(f"{pkg}.{modname}")
        mod.sim = SIM_PROXY if modname in SUBSTITUTED_MODULES else bss2
        for cls in vars(mod).values():
            if isinstance(cls, type) and issubclass(cls, unittest.TestCase) and cls.__module__ == mod.__name__:
                name, sub = _subclass(modname, cls)
                out[name] = sub
    return out


globals().update(_build())


def test_skip_table_is_current():
    """Every SKIPS entry names existing PyNN tests (a renamed or removed test leaves no stale entry)."""
    stale = [key for key in SKIPS if not any(fnmatch.fnmatchcase(t, key) for t in _TEST_IDS)]
    assert not stale, f"SKIPS entries matching no PyNN {PYNN_VERSION} test: {stale}"
