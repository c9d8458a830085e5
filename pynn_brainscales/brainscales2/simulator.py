"""Backend state: the network registry, the connection and the runs (grenade).

Run model (see docs/pynn.md "Runs"):

* ``run(t)`` appends a realtime snippet of ``t`` ms (the network as it is now) and executes
  every pending snippet in one program; ``run(t, RunCommand.APPEND)`` only appends,
  ``run(None, RunCommand.EXECUTE)`` executes, ``run(None, RunCommand.PREPARE)`` only
  calibrates and routes.
* A run without ``reset()`` continues: the chip keeps its state between programs (membranes,
  adaptation, synaptic currents), time goes on from ``get_current_time()``, recorded data are
  appended to the current segment.  ``reset()`` starts a new segment at t = 0; its first
  program resets every membrane to its reset potential and lets the chip relax for
  ``RELAX_MS``, so a segment does not depend on what ran before it (also for integrators,
  neurons without leak, which have no rest to relax to).
* Time unit: hardware ms, or biological ms with ``setup(units="biological")`` (hardware time
  = biological time / ``speedup``, 1000).
"""
import atexit
import enum
import os
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Tuple

import numpy as np
from pyNN import common

import grenade
import hxcomm
from grenade.inputs import FPGA_CYCLES_PER_MS, ms_to_cycles
from grenade.network import NEURONS_ON_CHIP  # noqa: F401 - simulator.NEURONS_ON_CHIP for the backend modules

from . import constant_current, short_term_plasticity
from .celltype import NeuronSite

name = "BrainScaleS-2 (openhx emulator)"

MAX_RUNTIME_MS = (2 ** 32 - 1) / FPGA_CYCLES_PER_MS  # 32-bit FPGA timer, ~34.36 s hardware
RECORDABLE_ANALOG = ("v", "exc_synin", "inh_synin", "adaptation")
MADC_SOURCE = {"v": "membrane", "exc_synin": "exc_synin", "inh_synin": "inh_synin",
               "adaptation": "adaptation"}
# hardware ms the chip idles before the first program of a segment (membranes, synaptic
# currents and adaptation relax to rest; a resting chip skips this time at no cost): 50 membrane
# time constants of 20 us, so a repeated segment reads the same MADC codes as the first
RELAX_MS = 1.0
MAX_PROGRAM_WORDS = hxcomm.MAX_PROGRAM_WORDS      # FPGA program memory (words)
# host input spikes one program can carry at best (3 spikes per FPGA program word)
HOST_SPIKES_MAX = 3 * MAX_PROGRAM_WORDS
# latency of an on-chip connection: one integration step of the analog core (0.1 us hardware)
ON_CHIP_LATENCY_MS = 1e-4
SPEEDUP = 1000.0
MADC_SAMPLE_INTERVAL_MS = 3.4e-05     # the mean MADC sample interval, hardware ms (public State.dt)
UNITS = ("hardware", "biological")


class RunCommand(enum.Enum):
    """What ``run()`` does: PREPARE (calibrate + route only), APPEND (add a realtime snippet
    of the given duration, not executed yet), EXECUTE (append if a duration is given, then
    execute all pending snippets)."""

    PREPARE = "prepare"
    APPEND = "append"
    EXECUTE = "execute"


class ID(int, common.IDMixin):
    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


# Backend-owned emulator connections, kept open across setup()/end() within a process (warm
# experiments: no SystemInit and no full chip configuration per setup).  Keyed by the environment
# that selects the connection (HXCOMM_BACKEND, HXCOMM_CHIP_ID).
_POOL = {}


#: {"routing": the grenade routing of the last network routed in this process} (State._route)
_LAST_ROUTING = {}


def _pool_key():
    return (os.environ.get("HXCOMM_BACKEND", "emulator").strip().lower() or "emulator",
            os.environ.get("HXCOMM_CHIP_ID", "0").strip())


def _pooled_connection():
    key = _pool_key()
    conn = _POOL.get(key)
    if conn is None:
        cm = hxcomm.ManagedConnection()
        conn = cm.__enter__()
        _POOL[key] = (cm, conn)
        return conn
    return conn[1]


def release_connections():
    """Close all backend-owned connections (also done at interpreter exit)."""
    while _POOL:
        _, (cm, conn) = _POOL.popitem()
        grenade.forget(conn)
        cm.__exit__(None, None, None)


atexit.register(release_connections)


@dataclass
class ExecutionInstanceData:
    """One execution of the last run (``pynn.get_execution_instance_data()``): a network that fits
    the chip runs as one, a larger one as several (partitioning.py).  ``populations``: the
    (population, first, stop) neuron slices it ran; ``results``: the grenade results of its
    program; ``routing``: its grenade routing."""

    index: int
    populations: List[Tuple[Any, int, int]]
    results: Any
    routing: Any

    @property
    def timing(self):
        """grenade.ExecutionTimeInfo of the program."""
        return self.results.timing


@dataclass
class _Snippet:
    """One appended realtime section: the grenade network as it was at APPEND time."""

    network: Any
    descriptors: Dict[Any, Any]          # PyNN population -> grenade descriptor (on-chip / background)
    inputs: Any                          # grenade.InputGenerator
    source_trains: Dict[Any, List[np.ndarray]]   # source population -> trains in user ms (absolute)
    t_start: float                       # user ms
    t_stop: float
    runtime_hw: float                    # hardware ms
    key: Tuple
    cadc: List[Tuple[Any, int, Any]] = field(default_factory=list)   # (population, index, compartment)
    projection_names: List[str] = field(default_factory=list)   # grenade projection -> PyNN description
    host_spikes: int = 0                 # input spikes sent from the host
    # (population, variable, index, compartment or None) on the MADC
    madc: List[Tuple[Any, str, int, Any]] = field(default_factory=list)
    offsets: Dict[Any, int] = field(default_factory=dict)    # on-chip population -> first neuron here
    replay: Dict[Any, Any] = field(default_factory=dict)     # partitioning.Slice -> host source descriptor
    instances: List[Any] = field(default_factory=list)       # partitioned: one _Snippet per execution
    own_part: bool = False               # an APPEND snippet: its data form a part of their own
    part: int = -1                       # index into State.parts once executed
    timed_writes: Any = None             # grenade.TimedWrites of the current sources (or None)
    source_samples: List[Tuple[Any, Any]] = field(default_factory=list)   # (recorded source, samples)
    constant_current_held: Dict[Any, Dict[int, Tuple]] = field(default_factory=dict)  # at t_stop
    # grenade projection -> (PyNN projection, pre root, post root, pre indices, post indices)
    projection_sources: List[Tuple] = field(default_factory=list)
    # every MADC site of the snippet: grenade MADCRecording entries and the matching
    # (population, variable, index, compartment); ``madc_groups`` (indices into both) lists the sites
    # each execution reads (grenade.madc_groups); ``network`` / ``madc`` hold the first group
    madc_entries: List[Tuple] = field(default_factory=list)
    madc_sites: List[Tuple[Any, str, int, Any]] = field(default_factory=list)
    madc_groups: List[List[int]] = field(default_factory=list)
    cadc_end: bool = False               # the last CADC read is the end of the span (see _cadc_times)

    def madc_execution(self, j):
        """This snippet as execution ``j`` of an MADC recording of more than one pair runs it: the
        same network reading the sites of group ``j`` (none beyond the last group)."""
        group = self.madc_groups[j] if j < len(self.madc_groups) else []
        madc = grenade.MADCRecording([self.madc_entries[x] for x in group]) if group else None
        return replace(self, network=self.network.with_madc_recording(madc),
                       madc=[self.madc_sites[x] for x in group])


class State(common.control.BaseState):
    """Singleton holding the network and the connection."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = MADC_SAMPLE_INTERVAL_MS     # ms: hardware units; biological units: the timestep
        self.timestep = MADC_SAMPLE_INTERVAL_MS   # ms: setup(timestep): the grid of the current sources
        self.min_delay = 0.0
        self.max_delay = 0.0
        self.record_sample_times = True
        self.connection = None
        self._own_connection = None
        self.initial_config = None
        self.neuron_permutation = None
        self.background_permutation = None
        self.injected_calib_target = None
        self.injected_calib_options = None
        self.enable_neuron_bypass = False
        self.injected_config = None
        self.injected_readout = None
        self.injected_reads = {}
        self.calibration_cache = None
        self.rng_seed = 1234
        self.units = "hardware"
        self.on_chip_delays = "reject"
        self.target = "chip"              # setup(target=...): "chip" or "lava" (lava_target.py)
        self.lava_mode = "fixed_pt"
        self.lava_timeout = None
        self.lava_run = None              # lava_target.LavaRun of the last run on Lava
        self.speedup = 1.0
        self.calib_result = None
        self.calib_seconds = 0.0
        self._calib_chip = None
        self.clear()

    @property
    def grenade_chip_config(self):
        """The ``lola.Chip`` the network is written on (public name): a copy of ``initial_config``
        (else a default chip) made at the first access after ``setup``, which then is the initial
        configuration; changes made to it before a run take effect."""
        import lola
        init = self.initial_config
        if init is None or init is not getattr(self, "_own_chip_config", None):
            chip = lola.Chip() if init is None else (init.to_chip() if hasattr(init, "to_chip") else init).copy()
            self.initial_config = self._own_chip_config = chip
        return self.initial_config

    # -- lifecycle ----------------------------------------------------------------------
    def clear(self):
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self._routing = None
        self._routed_snippet = None
        self._instance_routings = {}     # partitioned networks: execution -> (topology key, routing)
        self.execution_instances = []    # ExecutionInstanceData of the last execution
        self.last_results = None
        self.statistics = {}
        self.pending = []
        self.reset()

    def reset(self):
        self.running = False
        # plasticity kernels keep their globals across the runs of one scope (plasticity_run.py)
        self.ppu_state_scope = uuid.uuid4().hex
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1
        self.pending = []
        self._segment_executed = False
        # [(t_start, t_stop, own)] in user ms: the parts of the segment's data (recording.py)
        self.parts = []
        for rec in self.recorders:
            rec._clear_data()
        for source in getattr(self, "current_sources", ()):
            source._clear_samples()
        # the chip relaxes with every neuron's own constant current before a new segment
        self.constant_current_held = {}

    @property
    def on_chip_latency(self):
        """Latency of connections between on-chip neurons, in user ms."""
        return ON_CHIP_LATENCY_MS * self.speedup

    def open_connection(self):
        if self.connection is None:
            self._own_connection = _pooled_connection()
            self.connection = self._own_connection
        return self.connection

    def close_connection(self):
        """Give the backend-owned connection back (it stays open in the process-wide pool, so the
        next setup() reuses the emulator and grenade writes only the changed configuration);
        ``release_connections()`` really closes it."""
        if self._own_connection is not None:
            self._own_connection = None
            self.connection = None

    # -- run ----------------------------------------------------------------------------
    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop, command=RunCommand.EXECUTE):
        """Append the snippet [t, tstop) (unless ``tstop`` is None) and, for EXECUTE, execute all
        pending snippets; PREPARE only calibrates and routes."""
        command = RunCommand(command)
        if self.target == "lava":
            self._run_lava(tstop, command)
            return
        if command is RunCommand.PREPARE:
            if tstop is not None:           # it was ignored: nothing runs, time does not advance
                raise ValueError(f"RunCommand.PREPARE only calibrates and routes: call run(None, "
                                 f"RunCommand.PREPARE), got a runtime ({float(tstop) - self.t:g} ms)")
            self.prepare()
            return
        if tstop is not None and abs(float(tstop) - self.t) <= 1e-9 * max(1.0, abs(self.t)):
            tstop = None                      # run(0): nothing to append
        elif tstop is not None:
            # snippets of a multi-snippet program keep their data apart (public); a plain run(t)
            # continues the data of the previous plain run (PyNN's continued runs)
            self.append(tstop, own_part=command is RunCommand.APPEND or bool(self.pending))
            tstop = 0.0
        if tstop is None and command is RunCommand.APPEND:
            raise ValueError("run(None, RunCommand.APPEND): APPEND needs a runtime")
        if command is RunCommand.EXECUTE:
            self.execute()

    def _run_lava(self, tstop, command):
        """run_until on target='lava' (lava_target.py): one run per segment, EXECUTE (PREPARE:
        lower and validate only)."""
        from . import lava_target
        if command is RunCommand.APPEND:
            raise NotImplementedError("run(..., RunCommand.APPEND) on target='lava': Lava runs one span per "
                                      "segment; use run(t)")
        if command is RunCommand.PREPARE:
            if tstop is not None:
                raise ValueError(f"RunCommand.PREPARE only lowers and validates: call run(None, RunCommand.PREPARE), "
                                 f"got a runtime ({float(tstop) - self.t:g} ms)")
            lava_target.lower(self, self.t, self.t + self.timestep)
            return
        if tstop is None or abs(float(tstop) - self.t) <= 1e-9 * max(1.0, abs(self.t)):
            return
        runtime = float(tstop) - self.t
        if not np.isfinite(runtime) or runtime <= 0:
            raise ValueError(f"runtime must be positive ({self.units} ms), got {runtime}")
        if self._segment_executed:
            raise NotImplementedError(f"target='lava' runs a segment in one run(): this segment already ran until "
                                      f"{self.t:g} ms and the Lava worker does not keep the network's state between "
                                      f"runs; call pynn.reset() and run the whole span at once")
        self.lava_run = lava_target.run(self, self.t, float(tstop))
        self.t = float(tstop)
        self._segment_executed = True
        self.running = True
        t = self.lava_run.timing
        self.statistics = {"timing": grenade.ExecutionTimeInfo(build_s=t["compile_s"], run_s=t["run_s"],
                                                               total_s=t["wall_s"]),
                           "lava": dict(t, mode=self.lava_mode)}

    def _check_span(self, tstop):
        runtime = float(tstop) - self.t
        if not np.isfinite(runtime) or runtime <= 0:
            raise ValueError(f"runtime must be positive ({self.units} ms), got {runtime}")
        pending_hw = sum(s.runtime_hw for s in self.pending)
        runtime_hw = float(self._cycle(tstop) - self._cycle(self.t)) / FPGA_CYCLES_PER_MS
        if runtime_hw + pending_hw > MAX_RUNTIME_MS:
            limit = MAX_RUNTIME_MS * self.speedup
            raise ValueError(f"Total runtime {runtime + pending_hw * self.speedup:g} ms is too long: the 32-bit "
                             f"FPGA timer allows at most {limit:.6g} ms ({self.units} time) per program"
                             + (" (pending APPEND snippets included)" if self.pending else ""))
        if runtime_hw <= 0:
            raise ValueError(f"runtime {runtime:g} ms is shorter than one FPGA clock cycle "
                             f"({self.speedup / FPGA_CYCLES_PER_MS:g} ms)")
        return runtime_hw

    def append(self, tstop, own_part=False):
        """Snapshot the network as a realtime snippet of [t, tstop) (user ms); t becomes tstop.
        ``own_part``: its recorded data form a part of their own (see recording.py)."""
        runtime_hw = self._check_span(tstop)
        self._check_host_spikes(self.t, float(tstop))
        t0, t1 = self.t, float(tstop)
        snip = self._build_snippet(t0, t1, runtime_hw)
        if self.pending and snip.key != self.pending[0].key:
            raise ValueError("run(..., RunCommand.APPEND): the network's populations or connections changed since "
                             "the first pending snippet; only weights and parameters may change between "
                             "snippets of one execution (EXECUTE the pending snippets first)")
        snip.own_part = bool(own_part)
        self.pending.append(snip)
        self.t = t1

    def _build_snippet(self, t0, t1, runtime_hw):
        """The _Snippet of [t0, t1): one grenade network, or, for a network larger than the chip, one
        per execution instance (partitioning.py) in ``instances``."""
        from . import partitioning
        plan = partitioning.plan(self)
        if plan is None:
            return self._build_network(self._calibrate(), t0, t1, runtime_hw)
        subs = [self._build_network(None, t0, t1, runtime_hw, plan, i) for i in range(len(plan.instances))]
        return _Snippet(None, {}, None, {}, t0, t1, runtime_hw, ("partitioned",) + tuple(x.key for x in subs),
                        projection_names=subs[0].projection_names, host_spikes=sum(x.host_spikes for x in subs),
                        instances=subs)

    def _check_host_spikes(self, t0, t1):
        """ValueError before drawing random host trains (SpikeSourcePoisson, SpikeSourceGamma,
        SpikeSourcePoissonRefractory: ``mean_rates``) that can never fit into one program (at best
        3 spikes per FPGA program word): the trains alone would take gigabytes of host memory."""
        expected = []
        for pop in self.populations:
            rate = pop.celltype.mean_rates(pop._parameters, pop.size) if pop.celltype.sends_from_host else None
            if rate is None:
                continue
            pop.celltype.check_population(pop)      # set() may mix values
            p = {k: np.broadcast_to(np.asarray(pop._parameters[k], float), (pop.size,)) for k in ("start", "duration")}
            span = np.clip(np.minimum(p["start"] + p["duration"], t1) - np.maximum(p["start"], t0), 0, None)
            expected.append((float(np.sum(rate * span) / 1000.0), pop))
        total = sum(n for n, _ in expected)
        if total > HOST_SPIKES_MAX:
            n, pop = max(expected, key=lambda e: e[0])
            raise ValueError(f"Random host inputs of this run ({t0:g}..{t1:g} ms) would send about {total:.3g} "
                             f"spikes from the host ({n:.3g} from population {pop.label!r}), more than one program can "
                             f"carry (at most {HOST_SPIKES_MAX} spikes: {MAX_PROGRAM_WORDS} FPGA program words of at "
                             f"most 3 spikes); lower the rates or run shorter spans (consecutive run() calls continue "
                             f"the network)")

    def preprocess(self, snippet_begin_time=0, snippet_end_time=0):
        """Public name of ``prepare()`` (``pynn.simulator.state.preprocess(0, 0)``); the times are
        ignored, as by the public backend's PREPARE."""
        self.prepare()

    def prepare(self):
        """Calibrate and route the network as it is now (nothing runs on the chip)."""
        snip = self._build_snippet(self.t, self.t + self.speedup * 1e-3, 1e-3)
        if snip.instances:
            for i, sub in enumerate(snip.instances):
                self._route(sub, instance=i)
        else:
            self._route(snip)

    def _route(self, snip, instance=None):
        if instance is not None:        # an execution of a partitioned network: cached per execution
            key, routing = self._instance_routings.get(instance, (None, None))
            if routing is None or key != snip.key:
                routing = self._route_network(snip)
                self._instance_routings[instance] = (snip.key, routing)
            self.statistics = {"routing": routing.statistics}
            return routing
        self._routed_snippet = snip            # Projection.placed_connections reads its projections
        # the last routing of this process serves every network that needs no new one (grenade's
        # rule: same populations, placement, recordings and connections; weights and parameters may
        # differ), also after setup(): a re-built experiment is not routed again
        last = self._routing if self._routing is not None else _LAST_ROUTING.get("routing")
        if last is not None and not grenade.requires_routing(last.network, snip.network):
            routing = grenade.update_routing(last, snip.network)
        else:
            routing = self._route_network(snip)
        self._routing = _LAST_ROUTING["routing"] = routing
        self.statistics = {"routing": routing.statistics}
        return routing

    def _route_network(self, snip):
        try:
            routing = grenade.route(snip.network)
        except grenade.RoutingError as err:
            self._reservations_stale = True     # the next network reserves only what the weights need
            names = "; ".join(f"grenade projection {i} = {n}" for i, n in enumerate(snip.projection_names))
            raise grenade.RoutingError(f"{err} [{names}]") from err
        return routing

    def execute(self):
        """Execute all pending snippets in one program on the chip and store their data (a network
        larger than the chip, or an MADC recording of more than one pair of sites, takes several
        executions: ``execution_instances``)."""
        if not self.pending:
            return
        snippets, self.pending = self.pending, []
        try:
            if snippets[0].instances:
                runs = self._execute_partitioned(snippets)
            else:
                pops = [(p, 0, p.size) for p in snippets[0].descriptors if p.celltype.is_on_chip]
                runs = [(0, j, ExecutionInstanceData(j, pops, results, routing))
                        for j, (results, routing) in enumerate(self._execute(snippets))]
        except BaseException:
            # nothing of these snippets ran: time goes back to their start, so the user can change
            # the network and run again without a gap in the segment (earlier data are kept)
            self.t = snippets[0].t_start
            raise
        self.execution_instances = [data for _, _, data in runs]
        results, routing = runs[-1][2].results, runs[-1][2].routing
        self._segment_executed = True
        self.last_results = results
        self._descriptors = snippets[-1].descriptors
        self.statistics = {"routing": routing.statistics, "timing": results.timing}
        if self.calib_result is not None:
            self.statistics["calibration"] = {"result": self.calib_result, "seconds": self.calib_seconds}
        for k, s in enumerate(snippets):
            self._assign_part(s)
            for instance, j, data in runs:
                sub = s.instances[instance] if s.instances else s
                # the first MADC execution gives everything, the further ones their MADC sites
                self._store(data.results, k, sub if j == 0 else sub.madc_execution(j), s.part, madc_only=j > 0)
        self.running = True

    def _execute_partitioned(self, snippets):
        """Run the executions of a partitioned network one after the other, each over all pending
        snippets, the spikes of earlier executions (their first MADC execution) played back into
        later ones; [(plan instance, MADC execution, ExecutionInstanceData)]."""
        runs, first = [], []
        for i in range(len(snippets[0].instances)):
            subs = [s.instances[i] for s in snippets]
            for k, sub in enumerate(subs):
                for sl, d in sub.replay.items():
                    source = first[sl.instance]
                    sp = source.results.spikes(snippets[k].instances[sl.instance].descriptors[sl.population], snippet=k)
                    neuron, t = np.asarray(sp["neuron"], np.int64), np.asarray(sp["time"], float)
                    order = np.argsort(neuron, kind="stable")
                    trains = np.split(t[order], np.cumsum(np.bincount(neuron, minlength=sl.size))[:-1])
                    sub.inputs.add([tr[tr < sub.runtime_hw] for tr in trains], d)
            for j, (results, routing) in enumerate(self._execute(subs, instance=i)):
                data = ExecutionInstanceData(len(runs), [(p, sub.offsets[p], sub.offsets[p] + results.network.populations[
                    d.index].size) for p, d in subs[0].descriptors.items() if p.celltype.is_on_chip], results, routing)
                runs.append((i, j, data))
                if j == 0:
                    first.append(data)
        return runs

    def _execute(self, snippets, instance=None):
        """Run ``snippets`` in one program; [(results, routing)] of its executions: one, or one per
        group of MADC sites when the snippets record more than the MADC reads in one run (the same
        program re-run, each execution reading its sites; all of them start from rest, so that
        every site sees the same run)."""
        routing = self._route(snippets[0], instance=instance)
        executions = max([len(s.madc_groups) for s in snippets] + [1])
        out = []
        for j in range(executions):
            subs = snippets if j == 0 else [s.madc_execution(j) for s in snippets]
            out.append(self._execute_once(subs, routing, instance, fresh=executions > 1))
            if j == 0:
                reads = self.injected_reads
        if executions > 1:
            self.injected_reads = reads         # the injected reads of the first execution
        return out

    def _execute_once(self, snippets, routing, instance=None, fresh=False):
        """One program of ``snippets`` on the chip (``fresh``: starting from rest, also within a
        segment); (results, routing)."""
        init = self.initial_config if self._calib_chip is None else self._calib_chip
        if self.enable_neuron_bypass and init is None:
            import lola
            if getattr(self, "_bypass_chip", None) is None:
                self._bypass_chip = lola.Chip.default_neuron_bypass     # one object: differential writes
            init = self._bypass_chip
        from . import injection
        hooks, tickets, injected_writes = injection.build_hooks(self.injected_config, self.injected_readout)
        user_writes = injection.inside_realtime_writes(self.injected_config, [s.runtime_hw for s in snippets])
        injected_writes = injected_writes or any(w is not None for w in user_writes)
        timed = [grenade.TimedWrites.concatenate([s.timed_writes, w]) if w is not None else s.timed_writes
                 for s, w in zip(snippets, user_writes)]
        # a partitioned network's executions each start from rest (the chip held another one), as do
        # the executions of an MADC recording of several pairs (each sees the same run)
        relax = 0.0 if self._segment_executed and instance is None and not fresh else RELAX_MS
        if relax:
            # a segment starts from a defined state: every membrane at its reset potential (after
            # the injected configuration), then the relaxation; a membrane without leak keeps it
            hooks["pre_realtime"] = injection.reset_all_membranes(hooks.get("pre_realtime"))
        conn = self.open_connection()
        try:
            if len(snippets) == 1 and timed[0] is None:
                s = snippets[0]
                results = grenade.run(conn, s.network, routing, s.inputs, initial_config=init, hooks=hooks,
                                      inter_batch_entry_wait=relax)
            else:
                results = grenade.run(conn, [grenade.Snippet(s.network, s.inputs, s.runtime_hw,
                                                             routing if k == 0 else None, timed[k])
                                             for k, s in enumerate(snippets)],
                                      initial_config=init, hooks=hooks, inter_batch_entry_wait=relax)
        except ValueError as err:
            if "program memory" not in str(err):
                raise
            n = sum(s.host_spikes for s in snippets)
            raise ValueError(f"{err}: this run sends {n} input spikes from the host "
                             f"({snippets[0].t_start:g}..{snippets[-1].t_stop:g} ms, {self.units} time); run "
                             f"shorter spans (consecutive run() calls continue the network) or lower the input "
                             f"rates") from err
        if injected_writes:
            # injected writes change what grenade believes is on the chip
            grenade.forget(self.connection)
        self.injected_reads = injection.collect(tickets)
        self.ppu_symbols_read = _ppu_symbols(results, getattr(self.injected_readout, "ppu_symbols", None) or ())
        if getattr(results, "routing", None) is not None:
            if instance is None:
                self._routing = results.routing
            else:
                self._instance_routings[instance] = (snippets[0].key, results.routing)
        from .plasticity_run import collect_learned_weights, collect_recordings
        collect_recordings(self, results, results.routing if results.routing is not None else routing)
        collect_learned_weights(self, results)
        return results, routing

    def _assign_part(self, s):
        """The part of the segment's data snippet ``s`` belongs to: a new one for an APPEND snippet,
        else the previous plain run's part when ``s`` directly continues it."""
        last = self.parts[-1] if self.parts else None
        if s.own_part or last is None or last[2] or abs(last[1] - s.t_start) > 1e-9 * max(1.0, abs(s.t_start)):
            self.parts.append((s.t_start, s.t_stop, s.own_part))
        else:
            self.parts[-1] = (last[0], s.t_stop, False)
        s.part = len(self.parts) - 1

    def _store(self, results, k, s, part=None, madc_only=False):
        """Hand snippet ``k``'s data to the recorders, in user time from the segment start
        (``madc_only``: only its MADC signals, of a further execution reading other MADC sites)."""
        part = s.part if part is None else part
        for pop, var, i, comp in s.madc:    # as recorded when the snippet was appended
            tr = results.madc(s.descriptors[pop], i - s.offsets.get(pop, 0), snippet=k, compartment=comp or 0)
            pop.recorder._store_signal(var, i, s.t_start + np.asarray(tr["time"], float) * self.speedup,
                                       np.asarray(tr["value"], float), part, compartment=comp)
        if madc_only:
            return
        for pop, d in s.descriptors.items():
            if not pop.celltype.is_on_chip:
                continue
            rec = pop.recorder
            lo = s.offsets.get(pop, 0)
            sp = results.spikes(d, snippet=k)
            rec._store_spikes(np.asarray(sp["neuron"], np.int64) + lo,
                              s.t_start + np.asarray(sp["time"]) * self.speedup, part)
        for pop, i, comp in s.cadc:
            tr = results.cadc(s.descriptors[pop], i - s.offsets.get(pop, 0), snippet=k, compartment=comp or 0)
            times = s.t_start + np.asarray(tr["time"], float) * self.speedup
            if s.cadc_end and len(times):
                times[-1] = s.t_stop            # the end read, one FPGA cycle before the end
            pop.recorder._store_signal("v", i, times, np.asarray(tr["value"], float), part, compartment=comp)
        for pop, trains in s.source_trains.items():
            idx = np.repeat(np.arange(len(trains)), [len(t) for t in trains])
            times = np.concatenate(trains) if trains else np.zeros(0)
            pop.recorder._store_spikes(idx.astype(np.int64), times, part)
        for source, samples in s.source_samples:
            source._store_samples(samples)
        for pop, held in s.constant_current_held.items():
            self.constant_current_held.setdefault(pop, {}).update(held)

    # -- placement and calibration ------------------------------------------------------
    def _on_chip_atoms(self):
        """[(population, AtomicNeuronOnDLS enums)] of the on-chip populations, as grenade places them
        (the permutation, else grenade's placement; a multicompartment neuron: its spike master)."""
        from .morphology.placement import on_chip_atoms
        return on_chip_atoms(self.populations, self.neuron_permutation)

    def next_atoms(self, size):
        """AtomicNeuronOnDLS enums the next on-chip population of ``size`` neurons will occupy."""
        from .morphology.placement import next_atoms
        return next_atoms(self.populations, size, self.neuron_permutation)

    def _calibrate(self):
        """Calibrate (calix, cached) when calibrated populations exist; the calibrated lola.Chip or None."""
        from . import calibration
        pops_atoms = [(p, a) for p, a in self._on_chip_atoms() if p.celltype.calibration_family is not None]
        if not pops_atoms:
            self.calib_result, self.calib_seconds, self._calib_chip = None, 0.0, None
            return None
        # a failing calibration leaves the previous one in place (pending snippets keep theirs)
        result, chip, seconds = calibration.calibrate(self, pops_atoms, self.open_connection())
        # STDP: the correlation sensors' biases for the projections' time constant
        chip = calibration.with_correlation(self, chip, self.open_connection())
        self.calib_result, self.calib_seconds, self._calib_chip = result, seconds, chip
        for pop, atoms in pops_atoms:
            pop.celltype.archive_calibration(pop, atoms, result, chip)
        return chip

    # -- network ------------------------------------------------------------------------
    @staticmethod
    def _topology_key(network):
        parts = []
        for p in network.populations:
            parts.append((type(p).__name__, len(p), None if getattr(p, "placement", None) is None
                          else tuple(p.placement),
                          # background generator registers live in the routing result
                          tuple(getattr(p, k, None) for k in ("period", "rate", "seed", "enable_random"))))
        for pr in network.projections:
            parts.append((pr.receptor, pr.pre.index, pr.post.index, pr.synapses_per_connection, pr.stp,
                          np.asarray(pr.pre_indices).tobytes(), np.asarray(pr.post_indices).tobytes()))
        return tuple(parts)

    def _build_network(self, calib_chip, t0, t1, runtime_hw, plan=None, instance=0):
        """The grenade network of the span [t0, t1) (user ms) with its inputs; with a partition
        ``plan`` (partitioning.py) the network of execution ``instance``: its population slices,
        and a host source per slice of an earlier execution that feeds it (spikes added at
        execution, see ``_execute_partitioned``)."""
        if getattr(self, "_reservations_stale", False):
            for prj in self.projections:
                prj._reset_reservation()
            self._reservations_stale = False
        net = _NetworkBuild(self, calib_chip, t0, t1, plan, instance)
        for pop in self.populations:
            d = pop.celltype.add_to_network(net, pop)
            if d is not None:
                net.descr[pop] = d
        b, descr, madc, cadc, madc_map = net.builder, net.descr, net.madc, net.cadc, net.madc_map
        offsets, sizes, timed, held_after = net.offsets, net.sizes, net.timed, net.held_after
        # external sources: one grenade population per (source population, delay); a delay from
        # the host is realised exactly by sending the spikes later
        sources = {}
        replay = {}                     # Slice of an earlier execution -> its host source here
        names = []
        groups = []
        sources_of = []
        group_index = []            # the group of the projection's connections (plain networks)
        stp_pairs = short_term_plasticity.chip_stp(self)        # TsodyksMarkramSynapse -> grenade.STP
        for n_prj, prj in enumerate(self.projections):
            if getattr(prj, "_stdp", None) and plan is not None:
                raise NotImplementedError(f"{prj._describe()}: STDPMechanism in a network larger than the chip "
                                          f"(partitioned into several executions): the learned weights of one "
                                          f"execution would not reach the next")
            prj._descriptor_connections = {}
            for gi, (pre_root, post_root, pre, post, w, delay, stp) in enumerate(prj._connection_groups(stp_pairs)):
                if post_root not in descr:
                    continue
                if plan is not None:
                    lo = offsets[post_root]
                    here = (post >= lo) & (post < lo + sizes[post_root])
                    pre, post, w = pre[here], post[here] - offsets[post_root], w[here]
                on_chip = not pre_root.celltype.sends_from_host
                if on_chip and stp is not None and len(pre):
                    raise NotImplementedError(
                        f"{prj._describe()}: TsodyksMarkramSynapse from on-chip neurons ({type(pre_root.celltype).__name__} "
                        f"population {pre_root.label!r}): the chip's short-term plasticity lives in the synapse "
                        f"driver and is used up by every event the driver receives; the neurons of one event output "
                        f"share their row-select codes, so their drivers cannot be kept apart.  Short-term "
                        f"plasticity works on connections from SpikeSourceArray / SpikeSourcePoisson")
                if pre_root.celltype.is_on_chip and plan is not None:
                    for sl in plan.slices[pre_root]:
                        sel = (pre >= sl.start) & (pre < sl.stop)
                        if not sel.any():
                            continue
                        if sl.instance == instance:
                            pre_d = descr[pre_root]
                        else:
                            if sl not in replay:
                                replay[sl] = b.add(grenade.ExternalSourcePopulation(sl.size))
                            pre_d = replay[sl]
                        groups.append((prj, pre_d, descr[post_root], pre[sel] - sl.start, post[sel], w[sel], None))
                        sources_of.append((prj, pre_root, post_root, pre[sel], post[sel]))
                    continue
                if on_chip:
                    pre_d = descr[pre_root]
                else:
                    key = (pre_root, float(delay))
                    if key not in sources:
                        sources[key] = b.add(grenade.ExternalSourcePopulation(pre_root.size))
                    pre_d = sources[key]
                groups.append((prj, pre_d, descr[post_root], pre, post, w, stp))
                sources_of.append((prj, pre_root, post_root, pre, post))
                group_index.append(gi)
        projection_sources = []
        grenade_projections = {}
        try:
            for n_group, ((prj, pre_d, post_d, pre, post, w, stp), source) in enumerate(zip(groups, sources_of)):
                if len(pre) == 0:
                    continue
                projection_sources.append(source)
                names.append(prj._describe())
                d = b.add(grenade.Projection(prj.receptor_type, pre_d, post_d, (pre, post, w),
                                             max_weight=prj._max_weight, post_compartment=prj._post_compartment,
                                             stp=stp))
                grenade_projections.setdefault(prj, []).append(d)
                if plan is None and getattr(prj, "_group_selections", None) is not None:
                    prj._descriptor_connections[d.index] = prj._group_selections[group_index[n_group]]
        except grenade.DuplicateConnectionError as err:
            raise self._duplicate_error(err, names) from err
        from .plasticity_run import grenade_rules
        scale = runtime_hw / (t1 - t0) if t1 > t0 else 1.0      # user ms -> hardware ms
        for rule in grenade_rules(self, grenade_projections, descr, t0 * scale, t1 * scale):
            b.add(rule)
        cadc_end = False
        if cadc:
            times, cadc_end = self._cadc_times(t0, t1)
            if len(times):
                b.add(grenade.CADCRecording([(descr[p], i - offsets[p], comp or 0) for p, i, comp in cadc],
                                            times=times))
            else:
                cadc = []
        try:
            network = b.done()
        except grenade.DuplicateConnectionError as err:
            raise self._duplicate_error(err, names) from err
        # the MADC reads two sites per run (one even, one odd column): more sites are read in
        # further executions of the same snippets (public semantics), the first group here
        madc_groups = grenade.madc_groups(network, madc) if madc else []
        if madc_groups:
            network = network.with_madc_recording(grenade.MADCRecording([madc[x] for x in madc_groups[0]]))
        gen = grenade.InputGenerator(network, runtime=runtime_hw)
        # spikes belong to the run whose FPGA-cycle span [c0, c1) holds them, so no spike is lost
        # or sent twice at a run boundary
        c0, c1 = self._cycle(t0), self._cycle(t1)
        pad = 2 * self.speedup / FPGA_CYCLES_PER_MS
        source_trains = {}
        host_spikes = 0
        for pop in self.populations:
            if pop.celltype.sends_from_host:
                trains = pop._spike_trains(t0 - pad, t1 + pad)
                times, owner = _concatenate_trains(trains)
                cyc = self._cycle(times)
                keep = (cyc >= c0) & (cyc < c1)
                source_trains[pop] = _split_trains(times[keep], owner[keep], len(trains))
        for (pop, delay), d in sources.items():
            trains = source_trains[pop] if delay == 0 else pop._spike_trains(t0 - delay - pad, t1 - delay + pad)
            times, owner = _concatenate_trains(trains)
            cyc = self._cycle(times + delay)
            keep = (cyc >= c0) & (cyc < c1)
            hw = _split_trains((cyc[keep] - c0) / FPGA_CYCLES_PER_MS, owner[keep], len(trains))
            gen.add(hw, d)
            host_spikes += sum(len(x) for x in hw)
        for pop in list(source_trains):
            if not pop.recorder.recorded or instance > 0:   # a partitioned network stores them once
                del source_trains[pop]
        # a partitioned network stores the sources' recordings once, too
        samples = [] if instance > 0 else [(src, src._record_span(t0, t1)) for src in self.current_sources
                                           if src._recording]
        return _Snippet(network, descr, gen, source_trains, t0, t1, runtime_hw, self._topology_key(network),
                        cadc, names, host_spikes, offsets=offsets, replay=replay,
                        madc=[madc_map[x] for x in madc_groups[0]] if madc_groups else [],
                        madc_entries=madc, madc_sites=madc_map, madc_groups=madc_groups, cadc_end=cadc_end,
                        timed_writes=grenade.TimedWrites.concatenate(timed) if timed else None,
                        source_samples=samples, constant_current_held=held_after,
                        projection_sources=projection_sources)

    @staticmethod
    def _duplicate_error(err, names):
        """grenade's DuplicateConnectionError (grenade indices) with the PyNN projections named: the chip
        has one synapse per (source, target neuron, receptor), so a pair may be connected once (per delay
        from a host source)."""
        return grenade.DuplicateConnectionError(
            f"{err}; each (pre neuron, post neuron, receptor) pair may be connected only once (one synapse; "
            f"give one connection the summed weight) [" +
            "; ".join(f"grenade projection {i} = {n}" for i, n in enumerate(names)) + "]")

    def _cycle(self, t):
        """User ms -> FPGA cycle on the segment's clock."""
        return ms_to_cycles(np.asarray(t, float) / self.speedup)

    def _cadc_times(self, t0, t1):
        """(CADC sample times of [t0, t1) in hardware ms from t0, whether the last one is the end
        read): the union of the grids of the recording populations (multiples of each one's
        sampling interval from the segment start).  The standard cells in biological units also
        take the end of the span when it is on their grid (the last point of PyNN's regular
        signal), read one FPGA cycle before the end (grenade reads within the runtime) and stored
        at the end."""
        runtime = int(ms_to_cycles((t1 - t0) / self.speedup))
        cycles, end = [], False
        for pop in self.populations:
            if not (pop.celltype.is_on_chip and pop.recorder.cadc_sites()):
                continue
            step = pop.recorder.cadc_interval
            k0 = int(np.ceil(t0 / step - 1e-9))
            k1 = int(np.ceil(t1 / step - 1e-9))
            cycles.append(ms_to_cycles((np.arange(k0, k1) * step - t0) / self.speedup))
            end = end or (pop.recorder._biological and abs(t1 / step - round(t1 / step)) < 1e-6)
        cycles = np.unique(np.concatenate(cycles))
        cycles = cycles[(cycles >= 0) & (cycles < runtime)]
        if end:
            cycles = np.append(cycles, runtime - 1)
        return cycles / FPGA_CYCLES_PER_MS, bool(end)


def _concatenate_trains(trains):
    """(all spike times as one float array, the train of each): one numpy pass for all neurons."""
    trains = [np.asarray(t, float).reshape(-1) for t in trains]
    if not trains:
        return np.zeros(0), np.zeros(0, np.int64)
    lengths = np.fromiter((len(t) for t in trains), dtype=np.int64, count=len(trains))
    return np.concatenate(trains), np.repeat(np.arange(len(trains), dtype=np.int64), lengths)


def _split_trains(values, owner, n):
    """``values`` (grouped by train, ``owner`` ascending) back into ``n`` arrays, one per train."""
    return np.split(values, np.cumsum(np.bincount(owner, minlength=n))[:-1]) if n else []


class _NetworkBuild:
    """The grenade network of one span under construction (``State._build_network``): the cell
    types add their populations to it (celltype.BackendCellType.add_to_network) through
    ``add_neurons`` and ``add_background``; it collects the descriptors, the recording sites, the
    current sources' writes and, for a partitioned network (``plan``), execution ``instance``'s
    slices."""

    def __init__(self, state, calib_chip, t0, t1, plan=None, instance=0):
        self.state, self.calib_chip, self.t0, self.t1 = state, calib_chip, t0, t1
        self.plan, self.instance = plan, instance
        self.speedup = state.speedup
        self.builder = grenade.NetworkBuilder()
        self.descr = {}                 # population -> grenade descriptor
        self.madc, self.cadc = [], []
        self.madc_map = []              # (population, variable, index, compartment): what this snippet records
        self.timed = []                 # grenade.TimedWrites of the current sources
        self.held_after = {}            # population -> constant current each neuron holds at t1
        self.placed = 0                 # neurons placed so far (index into the neuron permutation)
        self.offsets, self.sizes = {}, {}   # on-chip population -> first neuron / size of its slice here
        self.backgrounds = 0            # background generators added so far

    def add_neurons(self, pop):
        """Add on-chip population ``pop`` (its slice in this execution of a partitioned network) with
        the lola neurons its cell type gives (``lola_neurons``); its grenade descriptor, or None
        when no neuron of it runs in this execution."""
        st, plan = self.state, self.plan
        lo, hi = (0, pop.size) if plan is None else (plan.range_in(pop, self.instance) or (0, 0))
        if hi <= lo:
            return None
        placement = None
        if st.neuron_permutation is not None:
            placement = list(st.neuron_permutation[self.placed:self.placed + hi - lo])
        self.placed += hi - lo
        atoms = placement if placement is not None else np.arange(self.placed - (hi - lo), self.placed)
        config = pop.celltype.lola_neurons(pop, NeuronSite(lo, hi, atoms, self.calib_chip, st.initial_config,
                                                           partitioned=plan is not None))
        if st.enable_neuron_bypass:
            # as lola.Chip.default_neuron_bypass: fire on every synaptic input event
            for n in config:
                n.event_routing.enable_bypass_excitatory = True
                n.event_routing.enable_bypass_inhibitory = True
                n.threshold.enable = False
        # the current sources: what the chip holds from the previous run of the segment
        # (executed or pending); each execution of a partitioned network starts from rest
        held = {}
        if plan is None:
            held = dict(st.constant_current_held.get(pop, {}))
            for pending in st.pending:
                held.update(pending.constant_current_held.get(pop, {}))
        config, writes, cc_held = constant_current.plan(st, pop, atoms, config, self.t0, self.t1, held, lo)
        if plan is None:
            self.held_after[pop] = cc_held
        if writes is not None:
            self.timed.append(writes)
        d = self.builder.add(grenade.Population(hi - lo, placement=placement, config=config))
        for var, i, comp in pop.recorder.madc_sites():
            if lo <= i < hi:
                self.madc.append((d, i - lo, MADC_SOURCE[var], comp or 0))
                self.madc_map.append((pop, var, i, comp))
        for i, comp in pop.recorder.cadc_sites():
            if lo <= i < hi:
                self.cadc.append((pop, i, comp))
        self.offsets[pop], self.sizes[pop] = lo, hi - lo
        return d

    def add_background(self, pop, period, rate, seed):
        """Add an on-chip background generator for population ``pop`` (registers ``period``, ``rate``,
        ``seed``); with setup(backgroundPermutation=...) the k-th one takes the permutation's k-th
        PADI bus in both hemispheres (as public), else grenade places it."""
        perm, k = self.state.background_permutation, self.backgrounds
        self.backgrounds += 1
        bus = None
        if perm is not None:
            if k >= len(perm):
                raise ValueError(f"setup(backgroundPermutation={perm}) lists {len(perm)} PADI bus(es), the "
                                 f"network has more SpikeSourcePoissonOnChip populations ({pop.label!r} is number {k})")
            bus = {0: perm[k], 1: perm[k]}
        return self.builder.add(grenade.BackgroundSourcePopulation(pop.size, period=period, rate=rate, seed=seed,
                                                                   enable_random=True, placement=bus))


state = State()


def _ppu_symbols(results, wanted=()) -> dict:
    """{symbol: {HemisphereOnDLS: PPUMemoryBlock}} the PPUs left after the realtime section of
    the last snippet (rules reading symbols only)."""
    import halco
    import haldls
    out = {}
    try:
        last = results._get(0, -1)
    except (IndexError, AttributeError):
        return out
    for h, rules in getattr(last, "ppu_symbols", {}).items():
        for syms in rules.values():
            for name, data in syms.items():
                if name not in wanted:
                    continue
                padded = data + b"\0" * (-len(data) % 4)
                words = np.frombuffer(padded, dtype="<u4") if padded else np.zeros(1, np.uint32)
                out.setdefault(name, {})[halco.HemisphereOnDLS(h)] = haldls.PPUMemoryBlock(words)
    return out
