"""PyNN backend for BrainScaleS-2 on the openhx emulator: ``import pynn_brainscales.brainscales2 as pynn``.

Time is hardware time in ms (``run(0.2)`` = 0.2 ms on the chip, 1000x faster than biology),
or biological time with ``setup(units="biological")``.  See docs/pynn.md.
"""
import builtins     # the module's own ``set`` is PyNN's set(), as public
import os

import numpy as np
from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY  # noqa: F401  (public names)
from pyNN import errors, random, space  # noqa: F401
from pyNN.network import Network  # noqa: F401
from pyNN.space import Space  # noqa: F401
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.recording import get_io
from pyNN.standardmodels import StandardCellType

from . import simulator
from .simulator import RunCommand  # noqa: F401
from . import injection
from .injection import InjectedConfiguration, InjectedReadout  # noqa: F401
from . import helper  # noqa: F401
from . import setup_options
from .setup_options import SetupOptionWarning  # noqa: F401
from . import utils  # noqa: F401  (public: pynn.utils.chip_plotter)
from . import partitioning  # noqa: F401
from .standardmodels import cells, synapses  # noqa: F401
from .standardmodels.cells import (CalibHXNeuronCoba, CalibHXNeuronCuba, HXNeuron, SpikeSourceArray,  # noqa: F401
                                   SpikeSourcePoisson, SpikeSourceGamma, SpikeSourcePoissonRefractory,
                                   SpikeSourcePoissonOnChip,
                                   EIF_cond_exp_isfa_ista, IF_cond_exp, IF_curr_exp)
from .standardmodels.synapses import StaticSynapse, TsodyksMarkramSynapse  # noqa: F401
from .standardmodels.synapses import (AdditiveWeightDependence, MultiplicativeWeightDependence,  # noqa: F401
                                      SpikePairRule, STDPMechanism)
from .stdp import STDPWarning  # noqa: F401
from .short_term_plasticity import TsodyksMarkramWarning  # noqa: F401
from .standardmodels.electrodes import ACSource, DCSource, NoisyCurrentSource, StepCurrentSource  # noqa: F401
from .plasticity_rules import PlasticityRule, Timer  # noqa: F401
import pylogging as logger  # noqa: F401  (public: pynn.logger)
# the lower layers under their public names, as scripts reach them through the backend
from dlens_vx_v3 import hal, halco, lola, sta  # noqa: F401
import grenade  # noqa: F401
from . import grenade_common  # noqa: F401  (public name; the topology API is not emulated)
from calix.spiking import SpikingCalibOptions, SpikingCalibTarget  # noqa: F401
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .projections import DelayReplacedWarning, Projection  # noqa: F401
from . import morphology  # noqa: F401,E402  (pynn.morphology: multicompartment neurons)
from pyNN.connectors import FixedProbabilityConnector

_SETUP_OPTIONS = ("initial_config", "neuronPermutation", "backgroundPermutation", "enable_neuron_bypass",
                  "connection", "calibration_cache", "injected_config", "injected_readout",
                  "injected_calib_target", "injected_calib_options", "rng_seed", "units", "on_chip_delays",
                  "target", "lava_mode", "lava_timeout", "stdp_time_constants")


# the timestep in biological units when setup() is not given one: PyNN's default (ms)
BIOLOGICAL_TIMESTEP_MS = 0.1


def setup(timestep=simulator.MADC_SAMPLE_INTERVAL_MS, min_delay="auto", **extra_params):
    """Set up the backend.  Options: ``initial_config`` (lola.Chip or calibration result the network
    is written on), ``neuronPermutation`` (AtomicNeuronOnDLS enums in the order on-chip neurons are
    placed), ``enable_neuron_bypass``, ``connection`` (an open hxcomm connection, else one is opened),
    ``calibration_cache`` (directory of the calix cache used for calibrated cell types; default
    ``$CALIX_CACHE_DIR`` or ``~/.cache/openhx/calix``), ``injected_config``
    (``InjectedConfiguration``: containers written at fixed points of every program),
    ``injected_readout`` (``InjectedReadout``: coordinates read there, see ``get_*_read()``),
    ``backgroundPermutation`` (PADI bus 0..3 of each SpikeSourcePoissonOnChip population, in creation
    order: population k uses bus ``backgroundPermutation[k]`` in both hemispheres),
    ``injected_calib_target`` (``SpikingCalibTarget``: the calibration target of the neurons outside
    calibrated populations and the CADC / STP targets; the populations' parameters overwrite it),
    ``injected_calib_options`` (``SpikingCalibOptions`` of that calibration),
    ``rng_seed`` (host-side Poisson generation), ``units`` (``"hardware"``, the default: hardware
    ms and raw hardware values as the public backend; ``"biological"``: biological ms, mV, nA, uS
    for the PyNN standard cells, hardware time = biological time / 1000).  ``timestep`` (ms, in the
    chosen units) is the time grid of the current sources (``StepCurrentSource`` times are rounded
    to it; ``ACSource`` / ``NoisyCurrentSource`` staircases and source recordings use it, at least
    0.1 us of hardware time); the neurons are time-continuous.  In hardware units
    ``get_time_step()`` is the MADC sample interval (the default timestep); in biological units the
    timestep (default 0.1 ms, PyNN's) is also the grid of the standard cells' recorded signals
    (``get_time_step()``).  Unknown keys
    raise KeyError; in biological units the options of other backends
    (``threads``, ``t_flush``, ``spike_precision``, ``verbosity``, ...: ``setup_options.FOREIGN_SETUP_OPTIONS``)
    are accepted with a ``SetupOptionWarning`` saying why they have no effect.  ``on_chip_delays``: ``"reject"`` (default) or ``"latency"`` (delays between
    on-chip neurons above the chip's latency are realised as that latency, with a
    ``DelayReplacedWarning``: for scripts written for simulators with delay lines).  ``target``:
    ``"chip"`` (default: the emulated BrainScaleS-2) or ``"lava"`` (with ``units="biological"``:
    the same network on Lava's bit-accurate Loihi fixed-point models, run in the Lava worker; see
    docs/lava.md "PyNN on Lava"); with it ``lava_mode`` (``"fixed_pt"`` default, ``"floating_pt"``,
    or ``"reference"``: the numpy reference of the fixed-point semantics, no Lava process) and
    ``lava_timeout`` (wall-clock seconds per run; default 60 s + 5 ms per step and Lava process).
    ``stdp_time_constants``: ``"reject"`` (default) or ``"nearest"`` (SpikePairRule time
    constants outside the correlation sensors' calibrated range 2..30 ms, or unequal tau_plus /
    tau_minus, are realised as the nearest feasible value of their mean, with an
    ``STDPWarning``; docs/pynn.md "STDP")."""
    extra_params = setup_options.drop_foreign_options(extra_params, extra_params.get("units", "hardware"))
    for key in extra_params:
        if key not in _SETUP_OPTIONS + ("max_delay",):
            raise KeyError(f"unknown setup() option {key!r}; supported: {', '.join(_SETUP_OPTIONS)}")
    _check_setup_options(min_delay, extra_params)
    # PyNN's consistency checks (min_delay <= max_delay, min_delay >= timestep)
    common.setup(timestep, min_delay, max_delay=extra_params.get("max_delay", "auto"))
    st = simulator.state
    st.close_connection()
    st.connection = extra_params.get("connection")
    st.initial_config = extra_params.get("initial_config")
    perm = extra_params.get("neuronPermutation")
    if perm is not None:
        perm = [_permutation_entry(p) for p in perm]
        if len(builtins.set(perm)) != len(perm) or any(not 0 <= p < simulator.NEURONS_ON_CHIP for p in perm):
            raise ValueError("neuronPermutation must list distinct neuron indices in [0, 511]")
    st.neuron_permutation = perm
    st.background_permutation = _background_permutation(extra_params.get("backgroundPermutation"))
    st.injected_calib_target = extra_params.get("injected_calib_target")
    st.injected_calib_options = extra_params.get("injected_calib_options")
    st.enable_neuron_bypass = bool(extra_params.get("enable_neuron_bypass", False))
    st.calibration_cache = extra_params.get("calibration_cache")
    st.injected_config = injection.as_configuration(extra_params.get("injected_config"))
    st.injected_readout = injection.as_readout(extra_params.get("injected_readout"))
    st.injected_reads = {}
    st.rng_seed = int(extra_params.get("rng_seed", 1234))
    units = extra_params.get("units", "hardware")
    if units not in simulator.UNITS:
        raise ValueError(f"setup(units={units!r}): supported are {', '.join(map(repr, simulator.UNITS))}")
    st.units = units
    st.on_chip_delays = _reject_or(extra_params, "on_chip_delays", "latency",
                                   "'reject' (default: delays above the chip's latency between on-chip neurons raise "
                                   "ValueError) or 'latency' (they are realised as the latency, with a "
                                   "DelayReplacedWarning)")
    st.target, st.lava_mode, st.lava_timeout = _target_options(units, extra_params)
    st.lava_run = None
    st.stdp_time_constants = _reject_or(extra_params, "stdp_time_constants", "nearest",
                                        "'reject' (default: SpikePairRule time constants outside the correlation "
                                        "sensors' range 2..30 ms or unequal tau_plus / tau_minus raise ValueError) "
                                        "or 'nearest' (realised as the nearest feasible value, with an STDPWarning)")
    st.speedup = simulator.SPEEDUP if units == "biological" else 1.0
    if units == "biological" and timestep == simulator.MADC_SAMPLE_INTERVAL_MS:
        timestep = BIOLOGICAL_TIMESTEP_MS     # not given: PyNN's default resolution
    st.timestep = float(timestep)
    st.write_on_end = []
    # hardware units: the mean MADC sample interval (public); biological units: the timestep, the
    # grid of the standard cells' recordings (PyNN's get_time_step())
    st.dt = st.timestep if units == "biological" else simulator.MADC_SAMPLE_INTERVAL_MS
    st.clear()
    # on-chip connections take one integration step; host inputs may be delayed arbitrarily
    st.min_delay = st.on_chip_latency if units == "biological" else 0.0
    if min_delay != "auto":
        # PyNN semantics: the default delay of new connections (on-chip connections still accept
        # only delays up to the chip's latency, see docs/pynn.md "Delays")
        st.min_delay = float(min_delay)
    st.max_delay = float(extra_params.get("max_delay", simulator.MAX_RUNTIME_MS * st.speedup)) \
        if units == "biological" else 0.0
    return 0


def _check_setup_options(min_delay, options):
    """TypeError / ValueError naming the option and the value for setup() options of the wrong type
    (checked before anything changes: a wrong option would otherwise fail later, deep inside numpy,
    pathlib or hxcomm, or be silently reinterpreted, e.g. bool("no") is True)."""
    seed = options.get("rng_seed", 1234)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"setup(rng_seed={seed!r}): the seed must be a non-negative integer")
    bypass = options.get("enable_neuron_bypass", False)
    if not isinstance(bypass, (bool, np.bool_)):
        raise TypeError(f"setup(enable_neuron_bypass={bypass!r}): must be True or False")
    init = options.get("initial_config")
    if init is not None and not hasattr(init, "neuron_block") and not hasattr(init, "to_chip"):
        raise TypeError(f"setup(initial_config=...) must be a lola.Chip or a calibration result with to_chip(), "
                        f"got {type(init).__name__}")
    conn = options.get("connection")
    if conn is not None and not callable(getattr(conn, "execute", None)):
        raise TypeError(f"setup(connection=...) must be an open hxcomm connection (e.g. from "
                        f"hxcomm.ManagedConnection()), got {type(conn).__name__}")
    cache = options.get("calibration_cache")
    if cache is not None and not isinstance(cache, (str, os.PathLike)):
        raise TypeError(f"setup(calibration_cache={cache!r}) must be a directory path (str or os.PathLike)")
    target = options.get("injected_calib_target")
    if target is not None and not isinstance(target, SpikingCalibTarget):
        raise TypeError(f"setup(injected_calib_target=...) must be a calix.spiking.SpikingCalibTarget, "
                        f"got {type(target).__name__}")
    calib_options = options.get("injected_calib_options")
    if calib_options is not None and not isinstance(calib_options, SpikingCalibOptions):
        raise TypeError(f"setup(injected_calib_options=...) must be a calix.spiking.SpikingCalibOptions, "
                        f"got {type(calib_options).__name__}")
    perm = options.get("neuronPermutation")
    if perm is not None and (isinstance(perm, (str, bytes)) or not hasattr(perm, "__iter__")):
        raise TypeError(f"setup(neuronPermutation={perm!r}) must be a sequence of neuron indices in [0, 511]")
    if min_delay != "auto":
        try:
            ok = np.isfinite(float(min_delay)) and float(min_delay) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"setup(min_delay={min_delay!r}) must be 'auto' or a finite delay >= 0 ms")


def _reject_or(options, name, alternative, explanation):
    """The value of a setup() option that is "reject" (default) or ``alternative``; ValueError
    naming the option, the value and ``explanation`` otherwise."""
    value = options.get(name, "reject")
    if value not in ("reject", alternative):
        raise ValueError(f"setup({name}={value!r}): {explanation}")
    return value


def _target_options(units, options):
    """(target, lava_mode, lava_timeout) of setup(); ValueError naming the option for a bad value,
    a Lava target in hardware units, Lava options without the Lava target, or chip-only options
    that would change the run on Lava silently."""
    from . import lava_target
    target = options.get("target", "chip")
    if target not in lava_target.TARGETS:
        raise ValueError(f"setup(target={target!r}): supported are {', '.join(map(repr, lava_target.TARGETS))}")
    mode, timeout = options.get("lava_mode", "fixed_pt"), options.get("lava_timeout")
    if target != "lava":
        extra = [k for k in ("lava_mode", "lava_timeout") if k in options]
        if extra:
            raise ValueError(f"setup({extra[0]}=...) applies to target='lava' only (target={target!r})")
        return target, mode, timeout
    if units != "biological":
        raise ValueError(f"setup(target='lava') needs units='biological' (got units={units!r}): Lava runs the PyNN "
                         f"standard cells in model units; hardware units are the chip's raw values")
    if mode not in lava_target.LAVA_MODES:
        raise ValueError(f"setup(lava_mode={mode!r}): supported are {', '.join(map(repr, lava_target.LAVA_MODES))}")
    if timeout is not None:
        try:
            ok = float(timeout) > 0 and np.isfinite(float(timeout))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"setup(lava_timeout={timeout!r}) must be a positive number of seconds (or None)")
    for key in ("injected_config", "injected_readout", "injected_calib_target", "injected_calib_options",
                "initial_config"):
        if options.get(key) is not None:
            raise ValueError(f"setup({key}=...) configures the chip; it has no meaning on target='lava'")
    if options.get("enable_neuron_bypass"):
        raise ValueError("setup(enable_neuron_bypass=True) is a mode of the chip's neurons; it has no meaning on "
                         "target='lava'")
    return target, mode, timeout


def _background_permutation(perm):
    """backgroundPermutation as a list of PADI bus indices 0..3 (None: automatic placement)."""
    if perm is None:
        return None
    if isinstance(perm, (str, bytes)) or not hasattr(perm, "__iter__"):
        raise TypeError(f"setup(backgroundPermutation={perm!r}) must be a sequence of PADI bus indices in [0, 3]")
    buses = []
    for p in perm:
        try:
            b = int(p)
        except (TypeError, ValueError):
            raise ValueError(f"backgroundPermutation entry {p!r} is not a PADI bus index in [0, 3]") from None
        if isinstance(p, (float, np.floating)) and b != p or not 0 <= b <= 3:
            raise ValueError(f"backgroundPermutation entry {p!r} is not a PADI bus index in [0, 3] "
                             f"(PADIBusOnPADIBusBlock)")
        buses.append(b)
    if len(builtins.set(buses)) != len(buses):
        raise ValueError(f"backgroundPermutation {buses} must list distinct PADI buses (one generator per bus)")
    return buses


def _permutation_entry(p):
    """A neuronPermutation entry (int or AtomicNeuronOnDLS enum) as an int; 1.5 or "a" raise ValueError."""
    try:
        v = int(p)
    except (TypeError, ValueError):
        raise ValueError(f"neuronPermutation entry {p!r} is not a neuron index in [0, 511]") from None
    if isinstance(p, (float, np.floating)) and v != p:
        raise ValueError(f"neuronPermutation entry {p!r} is not an integer neuron index in [0, 511]")
    return v


def end(compatible_output=True):
    """Write pending data and close the connection opened by setup()."""
    st = simulator.state
    for (population, variables, filename) in getattr(st, "write_on_end", []):
        population.write_data(get_io(filename), variables)
    st.write_on_end = []
    st.close_connection()


_run, _run_until = common.build_run(simulator)


def run(simtime, command=RunCommand.EXECUTE, callbacks=None):
    """Run for ``simtime`` ms (hardware ms; biological with ``setup(units="biological")``).

    ``command``: ``RunCommand.EXECUTE`` (default: append a snippet of ``simtime`` and execute
    every pending snippet), ``RunCommand.APPEND`` (only append: the network as it is now, for
    ``simtime``), ``RunCommand.PREPARE`` (``simtime`` None: calibrate and route only); with
    ``simtime`` None, EXECUTE runs the pending snippets.  Runs without ``reset()`` in between
    continue the network's state; their data go to the same segment.  Returns the current time.
    """
    command = RunCommand(command)
    st = simulator.state
    if command is RunCommand.EXECUTE and simtime is not None:
        if callbacks:
            if st.pending:
                raise ValueError("run(..., callbacks=...) with pending APPEND snippets: EXECUTE them first")
            return _run(simtime, callbacks)
        st.run_until(st.t + simtime, command)
    else:
        if callbacks:
            raise ValueError(f"callbacks need RunCommand.EXECUTE, got {command}")
        st.run_until(None if simtime is None else st.t + simtime, command)
    return st.t


def run_until(tstop, command=RunCommand.EXECUTE, callbacks=None):
    """Run until ``tstop`` ms (see ``run``)."""
    if RunCommand(command) is RunCommand.EXECUTE and tstop is not None and callbacks:
        return _run_until(tstop, callbacks)
    st = simulator.state
    return run(None if tstop is None else tstop - st.t, command)


run_for = run


def preprocess():
    """Calibrate and route only: the same as ``run(None, RunCommand.PREPARE)`` (kept for older scripts)."""
    import warnings
    warnings.warn("preprocess() is deprecated: use run(None, RunCommand.PREPARE)", DeprecationWarning, stacklevel=2)
    simulator.state.run_until(None, RunCommand.PREPARE)
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)

set = common.set  # noqa: A001  (PyNN's module-level set(), as public)
create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
record = common.build_record(simulator)


def _reads(point):
    def get():
        return dict(simulator.state.injected_reads.get(point, {}))
    get.__name__ = f"get_{point}_read"
    get.__doc__ = (f"{{coordinate: container}} read at the {point.replace('_', ' ')} point of the last executed "
                   "program (setup(injected_readout=InjectedReadout(...)))")
    return get


get_pre_realtime_read = _reads("pre_realtime")
get_inside_realtime_begin_read = _reads("inside_realtime_begin")
get_inside_realtime_end_read = _reads("inside_realtime_end")
get_post_realtime_read = _reads("post_realtime")


def get_post_realtime_read_ppu_symbols():
    """Public: the PPU symbols (kernel globals) read after the realtime section of the last run,
    ``{ChipOnConnection(): {name: {HemisphereOnDLS: PPUMemoryBlock}}}`` (names as requested by
    ``setup(injected_readout=InjectedReadout(ppu_symbols={...}))``; empty if none)."""
    from grenade.common import ChipOnConnection
    wanted = list(getattr(simulator.state.injected_readout, "ppu_symbols", None) or ())
    got = getattr(simulator.state, "ppu_symbols_read", {}) or {}
    missing = sorted(k for k in wanted if k not in got)     # (``set`` is PyNN's here)
    if missing:
        raise KeyError(f"PPU symbols {missing} were not read: no plasticity kernel of the last run defines them "
                       f"(read: {sorted(got)})")
    return {ChipOnConnection(): {k: v for k, v in got.items() if k in wanted}}


def get_execution_instance_data():
    """The executions of the last run: a list of ``simulator.ExecutionInstanceData`` (index, the
    (population, start, stop) neuron slices it ran, its grenade ``results``, ``routing`` and
    ``timing``); one entry, or several for a network larger than the chip (partitioned, see
    docs/pynn.md).  RuntimeError before anything was executed since setup()."""
    data = simulator.state.execution_instances
    if not data and simulator.state.target == "lava":
        raise RuntimeError("target='lava' runs no chip executions: the last Lava run is pynn.simulator.state.lava_run")
    if not data:
        raise RuntimeError("execution instance data are available after an executed pynn.run(...)")
    return list(data)


def get_backend_statistics():
    """Routing statistics (grenade.RoutingStatistics) and timing (grenade.ExecutionTimeInfo) of the last run."""
    return dict(simulator.state.statistics)


def list_standard_models():
    """The cell types of this backend."""
    return [obj.__name__ for obj in (HXNeuron, CalibHXNeuronCuba, CalibHXNeuronCoba, SpikeSourceArray, SpikeSourcePoisson,
                              SpikeSourceGamma, SpikeSourcePoissonRefractory, SpikeSourcePoissonOnChip, IF_curr_exp, IF_cond_exp, EIF_cond_exp_isfa_ista)
            if isinstance(obj, type) and issubclass(obj, StandardCellType)]
