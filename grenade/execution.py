"""Execution: network + routing + inputs -> playback programs -> results.

A :class:`JITGraphExecutor` owns a connection and the chip configuration it
believes is on that chip (:class:`grenade.chip.ChipState`); ``run(connection, ...)``
uses the connection's default executor.  The first run on a connection sends
``SystemInit`` and the whole configuration; later runs send only the words that
differ.  Each batch entry is one playback program:

1. (first entry) configuration writes, then a CapMem settling wait if any;
2. optional spike-counter resets, MADC wake-up;
3. timer reset + systime sync (event times count from here), MADC start;
4. per snippet: the configuration difference to the previous snippet (at the
   snippet's start time), input spikes, timed writes (:mod:`grenade.timed_writes`)
   and CADC reads at their times, wait until the snippet's end;
5. MADC stop, spike-counter reads; with several snippets the configuration
   goes back to the first snippet's for the next entry.
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import numpy as np

import halco
import haldls
from haldls.register_map import REGISTERS_BY_NAME

from .chip import ChipState, _as_chip, chip_spec, default_chip
from .inputs import FPGA_CYCLES_PER_MS, InputData, InputGenerator, ms_to_cycles, spike_words
from .network import Network, Population
from .results import SAMPLE_DTYPE, SPIKE_DTYPE, ExecutionTimeInfo, Results, SnippetResult
from .routing import RoutingResult, requires_routing, route, update_routing
from .timed_writes import TimedWrites, append_realtime


@dataclass
class Snippet:
    """One realtime section of a run: its network (same routing structure as the
    other snippets: only weights / parameters differ), optional routing, inputs and
    runtime (ms)."""

    network: Network
    inputs: Optional[Union[InputData, InputGenerator]] = None
    runtime: Optional[float] = None
    routing: Optional[RoutingResult] = None
    #: configuration writes at times of this snippet (:class:`grenade.TimedWrites`; times in
    #: hardware ms from the snippet start, before its runtime)
    timed_writes: Optional[TimedWrites] = None


class JITGraphExecutor:
    """Runs networks on one connection and owns the chip configuration it believes is there.

    The first :meth:`run` initialises the chip (``SystemInit``) and writes the whole
    configuration; later runs write only the words that differ from the believed
    configuration (``enable_differential_config=False`` always writes everything).
    Programs run on the connection by other means invalidate the belief: call
    :meth:`forget` afterwards.  The module-level :func:`run`, :func:`forget` and
    :func:`believed_chip` use one default executor per connection
    (:func:`executor_for`).
    """

    def __init__(self, connection, enable_differential_config: bool = True):
        self._connection = connection
        self.enable_differential_config = bool(enable_differential_config)
        self._chip: Optional[ChipState] = None      # configuration believed on the chip
        self._base_obj = None                       # the initial_config it was built on
        self._initialized = False                   # SystemInit has run on the chip
        self._parts: Optional[_RunParts] = None     # what the last run derived from its arguments

    @property
    def connection(self):
        """The connection this executor runs on."""
        if isinstance(self._connection, weakref.ref):   # a default executor (executor_for)
            return self._connection()
        return self._connection

    @property
    def believed_chip(self):
        """The ``lola.Chip`` this executor believes is on the chip (None before a run)."""
        return None if self._chip is None else self._chip.chip

    def forget(self) -> None:
        """Drop the believed configuration: the next run initialises the chip and
        writes the whole configuration."""
        self._chip = None
        self._base_obj = None
        self._initialized = False
        self._parts = None

    def run(self, network, routing: Optional[RoutingResult] = None, inputs=None, initial_config=None,
            runtime: Optional[float] = None, *, read_spike_counters: bool = False,
            differential: Optional[bool] = None, inter_batch_entry_wait: float = 0.0,
            hooks=None) -> Results:
        """Run ``network`` on this executor's connection; arguments as :func:`run`
        (``differential=None`` follows ``enable_differential_config``)."""
        if differential is None:
            differential = self.enable_differential_config
        return _run(self, network, routing, inputs, initial_config, runtime, read_spike_counters,
                    differential, inter_batch_entry_wait, hooks)

    def __repr__(self):
        state = "uninitialised" if not self._initialized else "chip configured"
        return f"JITGraphExecutor({type(self.connection).__name__}, {state})"


_DEFAULT_EXECUTORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def executor_for(connection) -> JITGraphExecutor:
    """The default :class:`JITGraphExecutor` of ``connection`` (created on first use,
    dropped with the connection); an executor is returned as it is.

    Raises TypeError for a connection that cannot be weakly referenced (create a
    ``JITGraphExecutor(connection)`` and keep it instead)."""
    if isinstance(connection, JITGraphExecutor):
        return connection
    try:
        executor = _DEFAULT_EXECUTORS.get(connection)
        if executor is None:
            executor = JITGraphExecutor(connection)
            # held weakly: the connection's entry (and executor) go when the connection goes
            executor._connection = weakref.ref(connection)
            _DEFAULT_EXECUTORS[connection] = executor
    except TypeError:
        raise TypeError(f"{type(connection).__name__} cannot hold a default grenade executor (not weakly "
                        "referenceable); run through an explicit grenade.JITGraphExecutor(connection)") from None
    return executor


def forget(connection) -> None:
    """Drop what grenade believes is on ``connection``'s chip (a connection or a
    :class:`JITGraphExecutor`): the next run initialises the chip and writes the whole
    configuration (use this after running other programs on the connection)."""
    executor_for(connection).forget()


def believed_chip(connection):
    """The ``lola.Chip`` grenade believes is on ``connection`` (a connection or a
    :class:`JITGraphExecutor`; None before a run)."""
    return executor_for(connection).believed_chip


# ------------------------------------------------------------------------------------------

class _RunParts:
    """What a run derives from its snippets' networks, routings and inputs and the executor's
    base configuration alone: each snippet's :class:`~grenade.chip.ChipSpec`, and the encoded
    input spikes (``stadls.TimedSpikes``) of each (batch entry, snippet, start cycle).

    Validity: parts are reused only for the very same objects (compared by identity, never by
    content): the specs while the networks, routings and base are the same, the spikes of a
    snippet while its ``InputData`` is the same too.  That is sound because all of them are
    immutable: a ``Network`` (frozen, with frozen populations and read-only arrays), a
    ``RoutingResult`` (frozen, read-only arrays), ``InputData`` (frozen, read-only arrays; an
    ``InputGenerator`` gives new ``InputData`` after ``add()``), and the base is the executor's
    private copy of ``initial_config`` (a new ``ChipState`` with a new base whenever another
    ``initial_config`` object is given, or after ``forget()``).  A network with other weights or
    parameters, new inputs or another initial configuration are new objects, so their parts are
    derived anew (new inputs for the same network: only the spikes).  An executor keeps the
    specs of its last configuration and the spikes of its last run."""

    def __init__(self, base, configs):
        self.base = base
        self.configs = configs                  # [(network, routing)] per snippet
        self.specs = [chip_spec(net, r, base) for net, r in configs]
        self._spikes = {}                       # (entry, snippet, offset) -> (InputData, TimedSpikes)
        self._previous = {}                     # the same, of the run before

    @classmethod
    def for_run(cls, parts: Optional["_RunParts"], base, prepared) -> "_RunParts":
        """``parts`` if a run of ``prepared`` on ``base`` has its specs (the same objects), else
        new parts; ready for the run's spikes."""
        configs = [(net, r) for net, r, _ in prepared]
        if parts is None or parts.base is not base or len(configs) != len(parts.configs) or any(
                a is not b for new, old in zip(configs, parts.configs) for a, b in zip(new, old)):
            return cls(base, configs)
        parts._previous, parts._spikes = parts._spikes, {}
        return parts

    def spikes(self, inputs: Optional[InputData], entry: int, snippet: int, offset: int):
        """The spikes of ``inputs`` for one batch entry's snippet starting at cycle ``offset`` of
        the entry's timer (encoded unless the previous run had them)."""
        import stadls
        key = (entry, snippet, offset)
        hit = self._spikes.get(key) or self._previous.get(key)
        if hit is None or hit[0] is not inputs:
            r = self.configs[snippet][1]
            t, labels = spike_words(inputs, entry, r, offset) if inputs is not None else ((), ())
            hit = (inputs, stadls.TimedSpikes(t, labels))
        self._spikes[key] = hit
        return hit[1]


def _normalize(network, routing, inputs, runtime) -> List[Snippet]:
    if isinstance(network, Network):
        return [Snippet(network, inputs, runtime, routing)]
    snippets = list(network)
    if not snippets or not all(isinstance(s, Snippet) for s in snippets):
        raise TypeError("run() takes a Network or a list of Snippets")
    if routing is not None or inputs is not None:
        raise TypeError("with snippets, give routing and inputs per Snippet")
    return snippets


def _cadc_quads(atoms) -> Tuple[List, List[Tuple[int, int]]]:
    """CADC sample quads covering ``atoms`` and, per atom, (quad index, entry)."""
    quads, where = [], []
    index = {}
    for a in atoms:
        col = halco.SynapseOnSynapseRow(int(a) % 256)
        q = col.toSynapseQuadColumnOnDLS()
        key = (int(a) // 256, int(q.toEnum()))
        if key not in index:
            sq = halco.SynapseQuadOnSynram(q, halco.SynapseRowOnSynram(0))
            c = halco.CADCSampleQuadOnSynram(sq, halco.CADCChannelType.causal, halco.CADCReadoutType.trigger_read)
            index[key] = len(quads)
            quads.append(halco.CADCSampleQuadOnDLS(c, halco.SynramOnDLS(key[0])))
        where.append((index[key], int(col.toEntryOnQuad().toEnum())))
    return quads, where


def _madc_control(**fields) -> haldls.MADCControl:
    return haldls.MADCControl(enable_pre_amplifier=True, **fields)


def run(connection, network, routing: Optional[RoutingResult] = None, inputs=None, initial_config=None,
        runtime: Optional[float] = None, *, read_spike_counters: bool = False, differential: bool = True,
        inter_batch_entry_wait: float = 0.0, hooks=None) -> Results:
    """Run ``network`` on ``connection`` and return its :class:`Results`.

    ``network``: a Network, or a list of :class:`Snippet` (realtime sections
    with configuration changes between them); ``routing``: from
    ``grenade.route`` (None: route now; a routing of an equally structured
    network is updated in place); ``inputs``: an ``InputGenerator`` /
    ``InputData`` (its batch size sets the number of batch entries); 
    ``initial_config``: a ``lola.Chip`` or calibration result (with
    ``to_chip()``) the network is written on top of; ``runtime``: hardware ms
    per batch entry (default: the inputs' runtime).  ``differential=False``
    writes the whole configuration; ``inter_batch_entry_wait`` (ms) idles
    before each entry; ``hooks``: optional dict of ``stadls`` builders merged
    into the first entry (and emptied): ``pre_realtime`` (after the configuration,
    before the realtime section), ``inside_realtime_begin`` (right after the timer
    reset that starts it, before the first input spike), ``inside_realtime_end``
    (at its end, before the MADC stops), ``post_realtime`` (after it).

    ``connection`` may be a :class:`JITGraphExecutor`; a plain connection runs
    through its default executor (:func:`executor_for`), which keeps the configuration
    believed on its chip between runs.

    Raises ValueError for inconsistent arguments, ``RoutingError`` when routing
    fails, and the connection's errors (``hxcomm.ExecutorError``, ...).
    """
    return executor_for(connection).run(network, routing, inputs, initial_config, runtime,
                                        read_spike_counters=read_spike_counters, differential=differential,
                                        inter_batch_entry_wait=inter_batch_entry_wait, hooks=hooks)


def _run(executor: JITGraphExecutor, network, routing, inputs, initial_config, runtime, read_spike_counters,
         differential, inter_batch_entry_wait, hooks) -> Results:
    import stadls
    t_start = time.perf_counter()
    snippets = _normalize(network, routing, inputs, runtime)
    route_s = 0.0
    prepared = []
    first_net = snippets[0].network
    for k, s in enumerate(snippets):
        r = s.routing
        if r is None and k > 0:
            r = prepared[0][1]
        if r is None:
            t0 = time.perf_counter()
            r = route(s.network)
            route_s += time.perf_counter() - t0
        elif r.network is not s.network:
            if requires_routing(r.network, s.network):
                raise ValueError(f"snippet {k}: the routing was made for a network with other populations or "
                                 "connections; route this network (grenade.route) or change only "
                                 "weights/parameters")
            r = update_routing(r, s.network)
        if k > 0 and requires_routing(first_net, s.network):
            raise ValueError(f"snippet {k} differs from snippet 0 in more than weights/parameters")
        inp = s.inputs
        if isinstance(inp, InputGenerator):
            inp = inp.done()
        prepared.append((s.network, r, inp))
    batch = max([p[2].batch_size for p in prepared if p[2] is not None] or [1])
    for k, (_, _, inp) in enumerate(prepared):
        if inp is not None and inp.batch_size != batch:
            raise ValueError(f"snippet {k}: inputs have batch size {inp.batch_size}, expected {batch}")
    runtimes = np.zeros((batch, len(snippets)), dtype=np.int64)
    for k, (s, (_, _, inp)) in enumerate(zip(snippets, prepared)):
        rt = s.runtime if s.runtime is not None else (None if inp is None or inp.runtime is None else inp.runtime)
        if rt is None:
            raise ValueError(f"snippet {k}: no runtime (give runtime= to run() or to the InputGenerator)")
        rt = np.broadcast_to(np.asarray(rt, dtype=float), (batch,))
        if np.any(rt <= 0):
            raise ValueError("runtime must be positive (hardware ms)")
        runtimes[:, k] = ms_to_cycles(rt)
        tw = s.timed_writes
        if tw is not None:
            if not isinstance(tw, TimedWrites):
                raise TypeError(f"snippet {k}: timed_writes must be a grenade.TimedWrites, got {type(tw).__name__}")
            if len(tw) and np.any(tw.cycles()[-1] >= runtimes[:, k]):
                raise ValueError(f"snippet {k}: timed write at {tw.times[-1]} ms is not before the runtime "
                                 f"{rt.min()} ms")
        if inp is not None:
            for b in range(batch):
                if len(inp.times[b]) and ms_to_cycles(inp.times[b][-1]) >= runtimes[b, k]:
                    raise ValueError(f"snippet {k}, batch entry {b}: input spike at {inp.times[b][-1]} ms is not "
                                     f"before the runtime {rt[b]} ms")
    if np.any(runtimes.sum(axis=1) >= 2**32 - 1):
        raise ValueError("total runtime of a batch entry exceeds the 32-bit FPGA timer (about 34 s)")

    # -- configuration state ------------------------------------------------------------------
    t_build = time.perf_counter()
    if executor._chip is None or executor._base_obj is not initial_config:
        base = default_chip() if initial_config is None else _as_chip(initial_config).copy()
        old = executor._chip
        executor._chip = ChipState(base)
        if old is not None:
            executor._chip.words = old.words          # the chip still holds the old words
        executor._base_obj = initial_config
    cs = executor._chip
    parts = executor._parts = _RunParts.for_run(executor._parts, cs.base, prepared)
    full = not executor._initialized or not differential
    try:
        ppu_image = _ppu_image(prepared[0][0], prepared[0][1], prepared, runtimes[0])
        programs, meta, config_words = _build_programs(stadls, cs, parts, prepared, runtimes, batch,
                                                        full, executor._initialized, read_spike_counters,
                                                        inter_batch_entry_wait, hooks,
                                                        [s.timed_writes for s in snippets], ppu_image)
    except BaseException:
        executor.forget()
        raise
    build_s = time.perf_counter() - t_build

    t_run = time.perf_counter()
    try:
        stadls.run(executor.connection, programs)
    except BaseException:
        executor.forget()
        raise
    executor._initialized = True
    run_s = time.perf_counter() - t_run
    if ppu_image is not None:
        # the kernels changed weights the configuration does not know: the next run writes them
        addrs = _plastic_weight_addresses(ppu_image[0])
        cs.note_written(addrs, np.full(len(addrs), 0xFFFFFFFF, dtype=np.uint32))

    t_dec = time.perf_counter()
    entries = [_decode(programs[b], meta[b], prepared, runtimes[b]) for b in range(batch)]
    decode_s = time.perf_counter() - t_dec
    timing = ExecutionTimeInfo(route_s=route_s, build_s=build_s, run_s=run_s, decode_s=decode_s,
                               total_s=time.perf_counter() - t_start, config_words=config_words,
                               program_words=int(sum(p.size_to_fpga() for p in programs)))
    return Results(prepared[0][0], entries, timing, prepared[0][1])


def _calls_within(start: float, period: float, num: int, length: float) -> int:
    """How many of the calls start + k * period (k < num) lie before ``length`` (ms)."""
    k = 0 if start >= length else int(np.ceil((length - start) / period))
    while k > 0 and start + (k - 1) * period >= length:
        k -= 1
    return min(num, k)


def _ppu_image(network, routing, prepared=(), runtimes=()):
    """(content, words) of the network's plasticity rules as a PPU program image, or None.
    With several snippets (``prepared``, their ``runtimes`` in FPGA cycles) the PPUs run through
    all of them: each rule gets the timers of all snippets (``timers``: [start ms from the
    realtime start, period ms, count] per snippet)."""
    rules = getattr(network, "plasticity_rules", ())
    if not rules:
        return None
    from haldls.ppu_program import encode_image
    from .plasticity import ppu_program
    content = ppu_program(network, routing, rules)
    if len(prepared) > 1:
        per_snippet = [getattr(net, "plasticity_rules", ()) for net, _, _ in prepared]
        if all(len(x) == len(rules) for x in per_snippet):
            offsets_ms = np.concatenate([[0], np.cumsum(runtimes)[:-1]]) / FPGA_CYCLES_PER_MS
            lengths_ms = np.asarray(runtimes) / FPGA_CYCLES_PER_MS
            for i, spec in enumerate(content["rules"]):
                spec["timers"] = [[float(off + start), float(period), _calls_within(start, period, int(num), length)]
                                  for off, length, x in zip(offsets_ms, lengths_ms, per_snippet)
                                  for start, period, num in [x[i].timer]]
    return content, encode_image(content)


def _ppu_addresses(name, h, index):
    r = REGISTERS_BY_NAME[name]
    return r.base + h * r.strides[0] + np.asarray(index, dtype=np.int64) * r.strides[-1]


def _plastic_weight_addresses(content) -> np.ndarray:
    out = []
    r = REGISTERS_BY_NAME["SynapseWeightQuad"]
    for rule in content["rules"]:
        for hnd in rule["synapse_handles"]:
            rows = np.asarray(hnd["rows"], dtype=np.int64)
            out.append((r.base + hnd["hemisphere"] * r.strides[0] + rows[:, None] * r.strides[1]
                        + np.arange(64)[None, :] * r.strides[2]).ravel())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _correlation_reset_addresses(network, routing) -> np.ndarray:
    from .plasticity import correlation_rows
    r = REGISTERS_BY_NAME["CorrelationReset"]
    out = [(r.base + h * r.strides[0] + np.asarray(rows, np.int64)[:, None] * r.strides[1]
            + np.arange(64)[None, :] * r.strides[2]).ravel()
           for h, rows in correlation_rows(network, routing) if len(rows)]
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _rule_atoms(network) -> List[int]:
    """AtomicNeuronOnDLS enums of the populations the plasticity rules see (sorted)."""
    atoms = set()
    for rule in getattr(network, "plasticity_rules", ()):
        for d in rule.populations:
            atoms.update(int(a) for a in np.asarray(network.placement[d.index]).ravel())
    return sorted(atoms)


def _read_plastic_weights(builder, content, rules) -> list:
    """Reads of the weight rows of the rules with ``read_weights``: [(rule, hemisphere, rows, ticket)]."""
    wanted = {r.name for r in rules if r.read_weights}
    r = REGISTERS_BY_NAME["SynapseWeightQuad"]
    out = []
    for rule in content["rules"]:
        if rule["name"] not in wanted:
            continue
        for hnd in rule["synapse_handles"]:
            rows = [int(x) for x in hnd["rows"]]
            if not rows:
                continue
            addrs = (r.base + hnd["hemisphere"] * r.strides[0] + np.asarray(rows, np.int64)[:, None] * r.strides[1]
                     + np.arange(64)[None, :] * r.strides[2]).ravel()
            out.append((rule["name"], int(hnd["hemisphere"]), rows, builder.read_words(addrs)))
    return out


def _ppu_control(builder, run: bool) -> None:
    for h in (0, 1):
        builder.write(halco.PPUControlRegisterOnDLS(h), haldls.PPUControlRegister(inhibit_reset=run))


def _build_programs(stadls, cs: ChipState, parts: _RunParts, prepared, runtimes, batch, full, initialized,
                    read_spike_counters, gap_ms, hooks, timed_writes=None, ppu_image=None):
    specs = parts.specs
    programs, meta = [], []
    config_words = 0
    net0 = prepared[0][0]
    atoms_all = np.concatenate([net0.placement[i] for i, p in enumerate(net0.populations)
                                if isinstance(p, Population)] or [np.zeros(0, np.int64)])
    madc = net0.madc_recording
    n_snip = len(specs)
    timed_writes = timed_writes or [None] * n_snip
    any_timed = any(tw is not None and len(tw) for tw in timed_writes)
    for b in range(batch):
        builder = stadls.PlaybackProgramBuilder()
        m = {"cadc": [], "counters": None}
        # events of the neurons while the chip settles or idles before the realtime section are
        # not results: event recording is off until the realtime section starts
        gated = False
        if b > 0 and any_timed and n_snip == 1:
            # the previous entry's timed writes left their words on the chip: the configuration back
            addrs, words = cs.diff(cs.update(specs[0]))
            config_words += len(addrs)
            if len(addrs):
                builder.write(halco.EventRecordingConfigOnFPGA(), haldls.EventRecordingConfig(enable_event_recording=False))
                gated = True
                builder.write_words(addrs, words)
                builder.write(halco.TimerOnDLS(), haldls.Timer())
                builder.wait_until(stadls.init.CAPMEM_SETTLING_CYCLES)
        if b == 0:
            if not initialized:
                init, _ = stadls.generate(stadls.SystemInit(read_jtag_id=False))
                builder.merge_back(init)
            changed = cs.update(specs[0])
            addrs, words = cs.diff(changed, full=full)
            config_words += len(addrs)
            if len(addrs):
                builder.write(halco.EventRecordingConfigOnFPGA(), haldls.EventRecordingConfig(enable_event_recording=False))
                gated = True
                builder.write_words(addrs, words)
                builder.write(halco.TimerOnDLS(), haldls.Timer())
                builder.wait_until(stadls.init.CAPMEM_SETTLING_CYCLES)
            if hooks and hooks.get("pre_realtime") is not None:
                builder.merge_back(hooks["pre_realtime"])
        if gap_ms > 0:
            if not gated:
                builder.write(halco.EventRecordingConfigOnFPGA(), haldls.EventRecordingConfig(enable_event_recording=False))
                gated = True
            builder.write(halco.TimerOnDLS(), haldls.Timer())
            builder.wait_until(int(ms_to_cycles(gap_ms)))
        if gated:
            builder.write(halco.EventRecordingConfigOnFPGA(), haldls.EventRecordingConfig(enable_event_recording=True))
        if read_spike_counters:
            for a in atoms_all:
                builder.write(halco.AtomicNeuronOnDLS.from_enum(int(a)).toSpikeCounterResetOnDLS(),
                              haldls.SpikeCounterReset())
        if madc is not None:
            builder.write(halco.MADCControlOnDLS(), _madc_control(wake_up=True))
        builder.write(halco.TimerOnDLS(), haldls.Timer())
        builder.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync(True))
        if madc is not None:
            builder.write(halco.MADCControlOnDLS(), _madc_control(start_recording=True,
                                                                  enable_continuous_sampling=True))
        if ppu_image is not None:
            # stop, load the program, start both PPUs with the realtime section (their timers
            # count from here)
            _ppu_control(builder, False)
            for h in (0, 1):
                builder.write_words(_ppu_addresses("PPUMemoryWord", h, np.arange(len(ppu_image[1]))),
                                    ppu_image[1])
            # the correlation sensors a rule reads start empty with the realtime section (the
            # chip, or the emulator shared by a process's experiments, keeps an earlier
            # experiment's pairs: a kernel taking its baseline at the first call saw those)
            addrs = _correlation_reset_addresses(net0, prepared[0][1])
            if len(addrs):
                builder.write_words(addrs, np.zeros(len(addrs), np.uint32))
            # so do the spike counters of the rules' neuron handles (a kernel's rate counts are
            # this run's, not those of an earlier experiment on the same circuits)
            for atom in _rule_atoms(net0):
                builder.write(halco.AtomicNeuronOnDLS.from_enum(int(atom)).toSpikeCounterResetOnDLS(),
                              haldls.SpikeCounterReset())
            _ppu_control(builder, True)
        if b == 0 and hooks and hooks.get("inside_realtime_begin") is not None:
            builder.merge_back(hooks["inside_realtime_begin"])
        offset = 0
        for k in range(n_snip):
            net, _, inp = prepared[k]
            if k > 0:
                builder.wait_until(offset)
                changed = cs.update(specs[k])
                addrs, words = cs.diff(changed)
                config_words += len(addrs)
                if len(addrs):
                    builder.write_words(addrs, words)
            cadc_times = []
            if net.cadc_recording is not None:
                ts = net.cadc_recording.times
                cadc_times = (ms_to_cycles(ts) + offset).tolist() if ts is not None else [offset + runtimes[b, k] - 1]
                cadc_times = [t for t in cadc_times if t < offset + runtimes[b, k]]
            read_addrs, where = None, None
            if cadc_times:
                atoms = list(net.cadc_atoms)
                quads, where = _cadc_quads(atoms)
                # the same quads at every sample time: their addresses once, one bulk read per time
                read_addrs = np.concatenate([haldls.CADCSampleQuad.read_plan(q) for q in quads])
            tw = timed_writes[k]
            w_args = (None, None, None)
            if tw is not None and len(tw):
                # masked writes keep the configured bits outside their masks
                words = cs.resolve_masked(tw.addresses, tw.words, tw.masks) if tw.masked else tw.words
                w_args = (tw.cycles() + offset, tw.addresses, words)
            tickets = append_realtime(builder, parts.spikes(inp, b, k, offset), *w_args, read_cycles=cadc_times,
                                      read_addresses=read_addrs)
            if cadc_times:
                m["cadc"].append((k, np.asarray(cadc_times, np.int64) - offset, tickets, where))
            if w_args[0] is not None:
                cs.note_written(w_args[1], w_args[2])
            offset += int(runtimes[b, k])
        builder.wait_until(offset)
        if ppu_image is not None:
            _ppu_control(builder, False)
            if any(r.read_symbols or r.observables for r in prepared[0][0].plasticity_rules):
                m["ppu_symbols"] = [builder.read_words(_ppu_addresses("PPUMemoryWord", h, np.arange(4096)))
                                    for h in (0, 1)]
            m["plastic_weights"] = _read_plastic_weights(builder, ppu_image[0], prepared[0][0].plasticity_rules)
        if b == 0 and hooks and hooks.get("inside_realtime_end") is not None:
            builder.merge_back(hooks["inside_realtime_end"])
        if madc is not None:
            builder.write(halco.MADCControlOnDLS(), _madc_control(stop_recording=True))
        if read_spike_counters:
            m["counters"] = [builder.read(halco.AtomicNeuronOnDLS.from_enum(int(a)).toSpikeCounterReadOnDLS())
                             for a in atoms_all]
        if n_snip > 1:
            changed = cs.update(specs[0])
            addrs, words = cs.diff(changed)
            config_words += len(addrs)
            if len(addrs):
                builder.write_words(addrs, words)
        if b == 0 and hooks and hooks.get("post_realtime") is not None:
            builder.merge_back(hooks["post_realtime"])
        programs.append(builder.done())
        meta.append(m)
    return programs, meta, config_words


def _decode(program, m, prepared, runtimes) -> List[SnippetResult]:
    net0, r0, _ = prepared[0]
    n_snip = len(prepared)
    ends = np.cumsum(runtimes)
    starts = ends - runtimes
    out = [SnippetResult() for _ in range(n_snip)]
    spikes = program.spikes
    if len(spikes):
        labels = spikes["label"].astype(np.int64)
        t = spikes["chip_time"].astype(np.int64)
        pop = r0.recorded_population[labels]
        idx = r0.recorded_neuron[labels]
        keep = (pop >= 0) & (t < ends[-1])
        if not keep.all():
            pop, idx, t = pop[keep], idx[keep], t[keep]
        # one group per (snippet, population), in time order; often there is only one
        n_pop = len(net0.populations)
        group = np.searchsorted(ends, t, side="right") * n_pop + pop
        sizes = np.bincount(group, minlength=n_snip * n_pop)
        nonempty = np.flatnonzero(sizes)
        for gr in nonempty.tolist():
            k, p = divmod(gr, n_pop)
            sel = slice(None) if len(nonempty) == 1 else group == gr
            arr = np.zeros(int(sizes[gr]), SPIKE_DTYPE)
            arr["time"] = (t[sel] - starts[k]) / FPGA_CYCLES_PER_MS
            arr["neuron"] = idx[sel]
            out[k].spikes[p] = arr
    rec = net0.madc_recording
    if rec is not None and len(program.madc_samples):
        s = program.madc_samples
        t = s["chip_time"].astype(np.int64)
        keep = t < ends[-1]
        s, t = s[keep], t[keep]
        # channel c reads the c-th recorded neuron, even column first (see grenade.chip)
        order = sorted(range(len(rec.neurons)), key=lambda j: net0.madc_atoms[j] % 2)
        snip = np.searchsorted(ends, t, side="right")
        for ch, j in enumerate(order):
            p, i = rec.neurons[j]
            c = rec.compartments[j]
            for k in range(n_snip):
                sel = (s["channel"] == ch) & (snip == k)
                arr = np.zeros(int(sel.sum()), SAMPLE_DTYPE)
                arr["time"] = (t[sel] - starts[k]) / FPGA_CYCLES_PER_MS
                arr["value"] = s["value"][sel]
                out[k].madc[(p.index, i, c)] = arr
    for k, t_rel, tickets, where in m["cadc"]:
        words = np.stack([tk.get() for tk in tickets])                   # (times, quads)
        samples = haldls.CADCSampleQuad.decode_array(words.reshape(-1, 1))["samples"]
        samples = samples.reshape(len(tickets), words.shape[1], -1)       # (times, quads, 4)
        net = prepared[k][0]
        for (p, i), c, (q, e) in zip(net.cadc_recording.neurons, net.cadc_recording.compartments, where):
            arr = np.zeros(len(t_rel), SAMPLE_DTYPE)
            arr["time"] = t_rel / FPGA_CYCLES_PER_MS
            arr["value"] = samples[:, q, e]
            out[k].cadc[(p.index, i, c)] = arr
    if m.get("ppu_symbols") is not None:
        from haldls.ppu_program import SYMBOLS_MAGIC, decode_image
        for h, tk in enumerate(m["ppu_symbols"]):
            content = decode_image(tk.get(), magic=SYMBOLS_MAGIC)
            if content is not None:
                if content.get("error"):
                    raise RuntimeError(f"PPU {h}: {content['error']}")
                out[-1].ppu_symbols[h] = {rule: {k: bytes.fromhex(v) for k, v in syms.items()}
                                          for rule, syms in content.get("symbols", {}).items()}
                out[-1].ppu_recordings[h] = content.get("recordings", {})
    for name, h, rows, tk in m.get("plastic_weights", ()):
        from lola.synapse import quad_columns
        lanes = haldls.SynapseWeightQuad.decode_array(np.asarray(tk.get(), np.uint32).reshape(-1, 1))["values"]
        w = np.zeros((len(rows), 256), np.uint8)
        w[:, quad_columns()] = lanes.reshape(len(rows), 64, 4)
        out[-1].plastic_weights.setdefault(name, {}).setdefault(h, {}).update(zip(rows, w))
    if m["counters"] is not None:
        counts = [tk.get() for tk in m["counters"]]
        pos = 0
        for i, pop in enumerate(net0.populations):
            if isinstance(pop, Population):
                c = counts[pos:pos + pop.size]
                pos += pop.size
                out[-1].spike_counts[i] = (np.array([x.count for x in c], dtype=np.int64),
                                           np.array([x.overflow for x in c], dtype=bool))
    return out
