"""PyNN Projection on grenade projections.

Endpoints may be Populations, PopulationViews or Assemblies: the connections are split into
one grenade projection per (pre root population, post root population[, delay]).  Delays:
connections from host sources (SpikeSourceArray, SpikeSourcePoisson) take any delay >= 0 (their
spikes are sent later); connections from on-chip neurons have the chip's fixed latency of one
integration step (0.1 us hardware), so they accept only delays up to it (0 = "as fast as the
chip").
"""
from copy import deepcopy

import warnings

import numpy as np
from pyNN import common, errors
from pyNN.connectors import AllToAllConnector, FromListConnector, OneToOneConnector
from pyNN.space import Space

import grenade
from grenade.network import MAX_SYNAPSE_WEIGHT

from . import biological, short_term_plasticity, simulator, stdp
from .standardmodels import StaticSynapse, TsodyksMarkramSynapse
from .standardmodels.synapses import STDPMechanism

SYNAPSE_MAX = MAX_SYNAPSE_WEIGHT
# the synapses of one connection sit in rows of one PADI bus (64 rows: the label group of a source
# lives on one bus), so one connection takes at most 64 synapses of 63
MAX_CONNECTION_WEIGHT = 64 * SYNAPSE_MAX


class DelayReplacedWarning(UserWarning):
    """Delays between on-chip neurons realised as the chip's latency (setup(on_chip_delays="latency"))."""


class Connection(common.Connection):
    """One connection of a Projection (from iterating it or ``projection[i]``): a live view, so
    ``connection.weight = 63.`` changes the projection's weight (rounded to the nearest integer as
    ``round()``, sign and range checked as in ``Projection.set``) and ``connection.delay = d``
    its delay."""

    def __init__(self, projection, index):
        self._prj = projection
        self._index = index

    presynaptic_index = property(lambda self: int(self._prj._pre[self._index]))
    postsynaptic_index = property(lambda self: int(self._prj._post[self._index]))

    @property
    def weight(self):
        return float(self._prj._weight[self._index])

    @weight.setter
    def weight(self, value):
        self._prj._set_connection_values("weight", np.array([self._index]), value)

    @property
    def delay(self):
        return float(self._prj._delay[self._index])

    @delay.setter
    def delay(self, value):
        self._prj._set_connection_values("delay", np.array([self._index]), value)

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)

    def __getattr__(self, name):
        # U, tau_rec, tau_facil of a TsodyksMarkramSynapse projection, the STDPMechanism parameters
        for extra in (getattr(self._prj, "_stp", None), getattr(self._prj, "_stdp", None)):
            if extra and name in extra:
                return float(extra[name][self._index])
            # pyNN's get(..., format="array") strips a trailing "s" ("weights" -> "weight"): A_plus -> A_plu
            if extra and name + "s" in extra:
                return float(extra[name + "s"][self._index])
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse           # synapse_type=None

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        for prefix, pop in (("pre", presynaptic_population), ("post", postsynaptic_population)):
            if not isinstance(pop, (common.BasePopulation, common.Assembly)):   # as common.Projection
                raise errors.ConnectionError(f"{prefix}synaptic_neurons must be a Population, PopulationView or "
                                             f"Assembly, not a {type(pop)}")
        if synapse_type is not None and not isinstance(synapse_type, (StaticSynapse, TsodyksMarkramSynapse,
                                                                      STDPMechanism)):
            raise errors.NoModelAvailableError(
                f"synapse type {type(synapse_type).__name__} is not available on BrainScaleS-2: StaticSynapse, "
                f"TsodyksMarkramSynapse (short-term depression) and STDPMechanism (SpikePairRule with additive or "
                f"multiplicative weight dependence, on the plasticity processors) only")
        self._pre_map = _endpoint_map(presynaptic_population)
        self._post_map = _endpoint_map(postsynaptic_population)
        for root in self._pre_map[0] + self._post_map[0]:
            if root not in simulator.state.populations:
                raise ValueError(f"population {root.label!r} is not part of the current network: it was created "
                                 f"before the last setup() (setup() starts a new network); create it again")
        _check_list_indices(connector, presynaptic_population, postsynaptic_population)
        for root in self._post_map[0]:
            if not root.celltype.is_on_chip:
                raise TypeError(f"projection target must be on-chip neurons (HXNeuron or a calibrated cell), got "
                                f"{type(root.celltype).__name__} population {root.label!r}")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        if self.receptor_type not in ("excitatory", "inhibitory"):
            raise ValueError(f"receptor_type must be 'excitatory' or 'inhibitory', got {self.receptor_type!r}")
        self._pre = np.zeros(0, np.int64)
        self._post = np.zeros(0, np.int64)
        self._weight = np.zeros(0, np.int64)
        self._delay = np.zeros(0, float)
        self._pre_parts, self._post_parts, self._w_parts, self._d_parts = [], [], [], []
        self._post_compartment = _location_compartment(connector, self._post_map[0])
        # TsodyksMarkramSynapse: U, tau_rec, tau_facil per connection (empty for StaticSynapse)
        self._stp = {}
        self._stp_parts = {n: [] for n in short_term_plasticity.PARAMETERS} \
            if isinstance(synapse_type, TsodyksMarkramSynapse) else {}
        # STDPMechanism: its parameters per connection (stdp.PARAMETERS)
        self._stdp = {}
        self._stdp_parts = {n: [] for n in stdp.PARAMETERS} if isinstance(synapse_type, STDPMechanism) else {}
        if isinstance(connector, OneToOneConnector) and self.shape == (1, 1):
            # pyNN 0.13 evaluates a 1 x 1 one-to-one map to a 0-d mask, which numpy 2 cannot take
            # apart; all-to-all makes the same single connection with the same parameters
            AllToAllConnector(safe=connector.safe, callback=connector.callback).connect(self)
        elif not self._connect_from_list(connector):
            connector.connect(self)
        self._stp = {n: np.concatenate(v) if v else np.zeros(0) for n, v in self._stp_parts.items()}
        del self._stp_parts
        self._stdp = {n: np.concatenate(v) if v else np.zeros(0) for n, v in self._stdp_parts.items()}
        del self._stdp_parts
        _check_list_indices(connector, presynaptic_population, postsynaptic_population)
        if self._pre_parts:
            # checked once over all connections (the connectors add them target by target)
            self._pre = np.concatenate(self._pre_parts)
            self._post = np.concatenate(self._post_parts)
            delay = np.concatenate(self._d_parts)
            self._check_delays(self._pre, delay)
            self._weight = self._check_weights(np.concatenate(self._w_parts)).copy()
            self._delay = delay.copy()
        del self._pre_parts, self._post_parts, self._w_parts, self._d_parts
        self._max_weight = max(SYNAPSE_MAX, int(np.ceil(np.abs(self._weight).max() / SYNAPSE_MAX)) * SYNAPSE_MAX
                               ) if len(self._weight) else SYNAPSE_MAX
        if self._stdp:
            self._check_stdp()
        simulator.state.projections.append(self)

    def _guess_receptor_type(self):
        """receptor_type=None: PyNN's guess from the sign of the (last) weight, >= 0 excitatory, < 0
        inhibitory, in this fixed order (PyNN takes receptor_types[0]/[1], arbitrary for an Assembly)."""
        ps = self._handle_distance_expressions(deepcopy(self.synapse_type.parameter_space))
        weights = ps["weight"]
        if weights.shape is None:
            weights.shape = self.shape
        try:
            last = weights[self.pre.size - 1, self.post.size - 1]
        except (TypeError, IndexError):     # e.g. a native RNG; an empty population
            last = 0.0
        self.receptor_type = "inhibitory" if np.all(np.asarray(last) < 0) else "excitatory"

    @property
    def connections(self):
        return [Connection(self, i) for i in range(len(self._pre))]

    def __len__(self):
        return len(self._pre)

    def __getitem__(self, i):
        """The i-th connection (a slice: a list of them); also makes ``iter(projection)`` work."""
        if isinstance(i, slice):
            return [Connection(self, j) for j in range(len(self._pre))[i]]
        j = int(i) + (len(self._pre) if int(i) < 0 else 0)
        if not 0 <= j < len(self._pre):
            raise IndexError(f"connection index {i} out of range ({len(self._pre)} connections)")
        return Connection(self, j)

    def _parent_index(self, pop, idx):
        if hasattr(pop, "parent") and pop is not getattr(pop, "grandparent", pop):
            return np.asarray(pop.index_in_grandparent(np.asarray(idx)))
        return np.asarray(idx)

    def _check_weights(self, w):
        w = np.asarray(w, dtype=float)
        if w.size and not np.all(np.isfinite(w)):
            raise ValueError(f"weights must be finite, got {w[~np.isfinite(w)].ravel()[0]:g}")
        if biological.is_biological_projection(self):       # model weights (nA / uS), kept as floats
            return biological.check_model_weights(self, w)
        if self.receptor_type == "excitatory" and np.any(w < 0):
            raise ValueError("Weights must be positive for excitatory receptors (negative for inhibitory), got "
                             f"{w[w < 0].ravel()[0]:g} on an excitatory projection")
        if self.receptor_type == "inhibitory" and np.any(w > 0):
            raise ValueError("Weights must be negative for inhibitory receptors (positive for excitatory), got "
                             f"{w[w > 0].ravel()[0]:g} on an inhibitory projection")
        if w.size and np.abs(np.rint(w)).max() > MAX_CONNECTION_WEIGHT:
            raise ValueError(f"weight {w.ravel()[np.argmax(np.abs(w))]:g} of {self._describe()} cannot be placed: one "
                             f"connection takes at most 64 synapses of 63 (the rows of one PADI bus), |weight| <= "
                             f"{MAX_CONNECTION_WEIGHT}")
        return np.rint(w).astype(np.int64)

    def _connect_from_list(self, connector):
        """A ``FromListConnector`` with a ``StaticSynapse``, all connections in one batch (PyNN's
        connector evaluates the parameters and calls ``_convergent_connect`` once per target, a
        deepcopy and a translation each); the same connections in the same order (sorted by target
        as PyNN sorts them) with the same checks.  False when the generic path is needed (another
        connector or synapse type, a callback, random default parameters)."""
        if type(connector) is not FromListConnector or type(self.synapse_type) is not StaticSynapse \
                or connector.callback is not None or self._stp_parts:
            return False
        names = tuple(connector.column_names)
        if not set(names) <= {"weight", "delay"} or connector.conn_list.size == 0:
            return False
        defaults = self.synapse_type.parameter_space
        if any(not defaults[n].is_homogeneous for n in ("weight", "delay") if n not in names):
            return False
        conn = connector.conn_list
        if np.any(conn[:, 0] >= self.pre.size):
            raise errors.ConnectionError("source index out of range")
        idx = np.argsort(conn[:, 1])                  # PyNN's order (and its re-sorting of conn_list)
        conn = connector.conn_list = conn[idx]
        post = conn[:, 1].astype(int)
        local = np.arange(self.post.size)[self.post._mask_local]
        keep = np.isin(post, local)
        conn, post = conn[keep], post[keep]
        n = len(conn)
        ps = deepcopy(defaults)
        ps.shape = (n,)
        for col, name in enumerate(names, 2):
            ps.update(**{name: conn[:, col]})
        ps.evaluate()
        values = dict(ps.items())
        self._append_connections(conn[:, 0].astype(np.int64), post.astype(np.int64), values.get("delay"),
                                 values.get("weight", 0.0))
        return True

    def _append_connections(self, pre, post, delay, weight):
        """Connections (pre, post indices, delays, weights as given), checked in ``__init__`` once all
        are there."""
        n = len(pre)
        self._pre_parts.append(pre)
        self._post_parts.append(post)
        self._d_parts.append(np.broadcast_to(np.asarray(0.0 if delay is None else delay, dtype=float), (n,)))
        self._w_parts.append(np.broadcast_to(np.asarray(weight, dtype=float), (n,)))

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        del location_selector       # the connector's; resolved once in __init__ (_post_compartment)
        pre = np.asarray(presynaptic_indices, dtype=np.int64).reshape(-1)
        n = len(pre)
        self._append_connections(pre, np.full(n, int(postsynaptic_index), np.int64),
                                 connection_parameters.get("delay", 0.0), connection_parameters.get("weight", 0.0))
        for name, parts in self._stp_parts.items():
            value = short_term_plasticity.check(self, name, connection_parameters[name])
            parts.append(np.broadcast_to(value, (n,)).astype(float))
        for name, parts in self._stdp_parts.items():
            value = stdp.check(self._describe(), name, connection_parameters[name])
            parts.append(np.broadcast_to(value, (n,)).astype(float))

    def _set_attributes(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        for name, value in parameter_space.items():
            if name == "delay":
                arr = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
                new = arr[self._pre, self._post]
                _no_nan_at_connections(self, name, new)
                new = np.where(np.isnan(new), self._delay, new)
                self._check_delays(self._pre, new)
                self._delay = new.copy()
                continue
            if name in self._stp:
                arr = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
                new = arr[self._pre, self._post]
                _no_nan_at_connections(self, name, new)
                self._stp[name] = short_term_plasticity.check(self, name, new).copy()
                continue
            if name in self._stdp:
                arr = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
                new = arr[self._pre, self._post]
                _no_nan_at_connections(self, name, new)
                self._stdp[name] = stdp.check(self._describe(), name, new).copy()
                continue
            if name != "weight":
                raise ValueError(f"unknown synapse attribute {name!r}")
            arr = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
            new = arr[self._pre, self._post]
            _no_nan_at_connections(self, name, new)
            keep = np.isnan(new)
            new = np.where(keep, self._weight, new)
            w = self._check_weights(new)
            if w.size and np.abs(w).max() > self._max_weight:
                self._max_weight = int(np.ceil(np.abs(w).max() / SYNAPSE_MAX)) * SYNAPSE_MAX  # re-route
            self._weight = w

    def get_data(self, observable):
        """Public: the data of per-synapse observable ``observable`` of the plasticity rule of
        this projection's synapse type in the last run: per snippet a list with one
        ``Sample(time, data)`` per timer period (``time``: ``grenade.common.Time``, FPGA cycles
        from the start of the realtime section; ``data``: per connection ``[value]``).
        RuntimeError without such a rule or observable, or before a run."""
        from .plasticity_rules import ObservablePerSynapse, Sample
        from .plasticity_run import connection_sites
        rule = getattr(self.synapse_type, "plasticity_rule", None)
        if rule is None and self._stdp:
            raise RuntimeError(f"Projection.get_data({observable!r}): {self._describe()} is an STDPMechanism "
                               "projection, whose kernel records no observables; get('weight') gives the learned "
                               "weights after each run")
        if rule is None:
            raise RuntimeError(f"Projection.get_data({observable!r}): the synapse type of {self._describe()} holds "
                               "no plasticity rule")
        if observable not in rule.observables or not isinstance(rule.observables[observable], ObservablePerSynapse):
            raise RuntimeError(f"Projection.get_data({observable!r}): the plasticity rule has no per-synapse "
                               f"observable of that name; it has {sorted(rule.observables)}")
        mine = {d.index for prj, d in getattr(rule, "_handles", []) if prj is self}
        specs = [(k, hd) for k, hd in enumerate(getattr(rule, "_synapse_handle_specs", []))
                 if hd["projection"] in mine]
        if rule._recording_data is None or not specs:
            raise RuntimeError("plasticity rule observables are available after pynn.run()")
        packed = rule.observables[observable].layout_per_row == ObservablePerSynapse.LayoutPerRow.packed_active_columns
        # every connection is seen by the handle of its grenade projection on its hemisphere
        parts = []          # (connection positions in this projection, samples)
        offset = 0
        for _, d in [(p, d) for p, d in rule._handles if p is self]:
            h, r, c = connection_sites(simulator.state, self, d.index)
            for k, hd in specs:
                if hd["projection"] != d.index:
                    continue
                m = np.flatnonzero(h == hd["hemisphere"])
                ri = np.searchsorted(hd["rows"], r[m])
                ci = np.searchsorted(hd["columns"], c[m]) if packed else c[m]

                def convert(data, ri=ri, ci=ci):
                    a = np.asarray(data)
                    return [[int(v)] for v in a[ri, ci]] if len(ri) else []
                parts.append((offset + m, rule._samples(observable, hd["hemisphere"], k, convert)))
            offset += len(h)
        out = []
        for n in range(len(rule._recording_data)):
            per = [(pos, samples[n]) for pos, samples in parts]
            if any(s is None for _, s in per):
                out.append(None)
                continue
            samples = []
            for i in range(min(len(s) for _, s in per) if per else 0):
                data = [None] * offset
                for pos, s in per:
                    for p, v in zip(pos, s[i].data):
                        data[p] = v
                samples.append(Sample(per[0][1][i].time, data))
            out.append(samples)
        return out

    def _set_connection_values(self, name, which, values):
        """Set ``weight`` or ``delay`` of the connections ``which`` (indices into this projection),
        checked as ``set()`` checks them."""
        try:
            v = np.broadcast_to(np.asarray(values, dtype=float), (len(which),))
        except (TypeError, ValueError):
            raise ValueError(f"{self._describe()}: {name} must be a number, got {values!r}") from None
        if name == "delay":
            new = self._delay.copy()
            new[which] = v
            self._check_delays(self._pre, new)
            self._delay = new
            return
        new = np.asarray(self._weight, dtype=float).copy()
        new[which] = v
        w = self._check_weights(new)
        if w.size and np.abs(w).max() > self._max_weight:
            self._max_weight = int(np.ceil(np.abs(w).max() / SYNAPSE_MAX)) * SYNAPSE_MAX  # re-route
        self._weight = w

    def _check_stdp(self):
        """An STDPMechanism projection: biological units, onto the biological standard cells, and
        w_min <= w_max."""
        if simulator.state.units != "biological" or not biological.is_biological_projection(self):
            raise NotImplementedError(
                f"{self._describe()}: STDPMechanism runs in biological units onto the standard cells "
                f"(setup(units='biological'), IF_curr_exp / IF_cond_exp / EIF_cond_exp_isfa_ista); in hardware "
                f"units write a pynn.PlasticityRule with PlasticSynapse")
        lo, hi = self._stdp["w_min"], self._stdp["w_max"]
        if len(lo) and np.any(lo > hi):
            i = int(np.flatnonzero(lo > hi)[0])
            raise ValueError(f"{self._describe()}: STDPMechanism w_min = {lo[i]:g} exceeds w_max = {hi[i]:g}")

    def _store_learned_weights(self, hw, index):
        """Connections ``index`` have the hardware weights ``hw`` after a run: their model weights."""
        scale = getattr(simulator.state, "bio_scale", None)
        k, _ = stdp.hardware_lsb_per_unit(self, scale)
        w = np.asarray(self._weight, float).copy()
        sign = -1.0 if self.receptor_type == "inhibitory" and not getattr(scale, "coba", False) else 1.0
        w[index] = sign * np.asarray(hw, float) / k[index]
        self._weight = w

    def _reset_reservation(self):
        """After a failed routing: reserve only the synapses the current weights need (set() never
        lowers the reservation, so a network made unroutable by large weights could not be fixed by
        lowering them)."""
        w = np.abs(self._weight)
        bio = biological.is_biological_projection(self)      # model weights: hardware need found at build
        self._max_weight = SYNAPSE_MAX if bio or not len(w) else \
            max(SYNAPSE_MAX, int(np.ceil(w.max() / SYNAPSE_MAX)) * SYNAPSE_MAX)

    def _grenade_connections(self):
        pre = self._parent_index(self.pre, self._pre)
        post = self._parent_index(self.post, self._post)
        # TsodyksMarkramSynapse: the first spike transmits weight x U
        model_w = self._weight * self._stp["U"] if self._stp else self._weight
        w = np.abs(np.rint(model_w)).astype(np.int64)
        if biological.is_biological_projection(self):       # model weights -> hardware LSB of this calibration
            w = biological.hardware_weights(self, model_w)
            if len(w):
                self._max_weight = max(self._max_weight, int(np.ceil(w.max() / SYNAPSE_MAX)) * SYNAPSE_MAX)
        return (pre.astype(np.int64), post.astype(np.int64), w)

    @property
    def _grenade_receptor(self):
        return grenade.Receptor.of(self.receptor_type)

    def _check_delays(self, pre, delays):
        """Delays in ms (user time): >= 0; from on-chip neurons at most the chip's latency."""
        d = np.asarray(delays, float)
        if d.size and (not np.all(np.isfinite(d)) or d.min() < 0):
            bad = d[~np.isfinite(d) | (d < 0)][0]
            raise ValueError(f"{self._describe()}: delay {bad:g} ms cannot be realised: delays must be finite "
                             f"and >= 0 ms")
        if simulator.state.target == "lava":       # Lava's DelayDense: checked when lowered (lava_target.py)
            return
        on_chip = self._pre_map[3][pre]
        latency = simulator.state.on_chip_latency
        too_long = on_chip & (d > latency * (1 + 1e-9))
        if too_long.any() and simulator.state.on_chip_delays == "latency":
            warnings.warn(f"{self._describe()}: delays of {d[too_long].min():g}..{d[too_long].max():g} ms between "
                          f"on-chip neurons are realised as the chip's latency of {latency:g} ms "
                          f"(setup(on_chip_delays='latency')); get('delay') keeps the requested values",
                          DelayReplacedWarning, stacklevel=4)
        elif too_long.any():
            raise ValueError(f"Setting the delay unequal 0 is not supported for connections between on-chip "
                             f"neurons: {self._describe()} asks for {d[too_long][0]:g} ms; the chip has no delay "
                             f"lines, its connections take one integration step ({latency:g} ms), so delays "
                             f"<= {latency:g} ms are accepted (delays from SpikeSourceArray/SpikeSourcePoisson "
                             f"inputs are realised by sending the spikes later; setup(on_chip_delays='latency') "
                             f"accepts them as the chip latency)")

    def _describe(self):
        label = f" {self.label!r}" if self.label else ""
        n = len(getattr(self, "_pre", ()))       # 0 while the connector runs
        return (f"Projection{label} ({self.pre.label} -> {self.post.label}, {self.receptor_type}"
                + (f", {n} connections)" if n else ")"))

    @property
    def placed_connections(self):
        """Per connection (in the order of ``connections``), the list of hardware synapses that
        realise it (``grenade.PlacedConnection``: ``weight``, ``synapse_row`` a
        ``SynapseRowOnDLS``, ``synapse_on_row``), from the last routing (after ``run()`` or
        ``run(None, RunCommand.PREPARE)``).  RuntimeError before any routing;
        NotImplementedError for a partitioned network (its connections span executions)."""
        st = simulator.state
        snip = getattr(st, "_routed_snippet", None)
        if st._routing is None or snip is None:
            raise RuntimeError(f"{self._describe()}: no routing yet; call run() or run(None, RunCommand.PREPARE) "
                               "first")
        if snip.instances:
            raise NotImplementedError("Projection.placed_connections of a network partitioned into several "
                                      "executions")
        placed = {}
        for index, (prj, pre_root, post_root, pre, post) in enumerate(snip.projection_sources):
            if prj is not self:
                continue
            synapses = grenade.get_placed_connections(st._routing, grenade.ProjectionDescriptor(index))
            for a, b_, syn in zip(pre.tolist(), post.tolist(), synapses):
                placed[(id(pre_root), id(post_root), a, b_)] = syn
        pre_roots, pre_root_of, pre_index = self._pre_map[:3]
        post_roots, post_root_of, post_index = self._post_map[:3]
        return [placed.get((id(pre_roots[pre_root_of[i]]), id(post_roots[post_root_of[j]]),
                            int(pre_index[i]), int(post_index[j])), [])
                for i, j in zip(self._pre.tolist(), self._post.tolist())]

    def _connection_groups(self, stp_pairs=None):
        """[(pre root population, post root population, pre indices, post indices (in the roots),
        hardware weights, delay, grenade.STP or None)]: one group per root pair, delay and STP
        configuration (delays only matter from host sources, whose spikes are shifted; on-chip
        delays are the chip's latency).  ``stp_pairs``: ``short_term_plasticity.chip_stp`` (None:
        the connections only, without their STP configuration)."""
        w = self._grenade_connections()[2]
        stp_index, stp_configs = np.full(len(self._pre), -1, np.int64), []
        if self._stp and stp_pairs is not None:
            stp_index, stp_configs = short_term_plasticity.connection_configs(self, stp_pairs)
        pre_roots, pre_root_of, pre_index = self._pre_map[:3]
        post_roots, post_root_of, post_index = self._post_map[:3]
        pr, po = pre_root_of[self._pre], post_root_of[self._post]
        on_chip = self._pre_map[3][self._pre]
        delay = np.where(on_chip, 0.0, np.round(self._delay * 1e9) / 1e9)
        out = []
        # the connections (indices into this projection) of each group, for the learned weights
        selections = self._group_selections = []
        # the (pre root, post root) pairs in lexicographic order; one integer key per pair (np.unique
        # over rows, axis=0, sorts structured views and cost more than the rest of this method)
        span = int(po.max()) + 1 if len(po) else 1
        keys = np.unique(pr.astype(np.int64) * span + po)
        for a, b_ in zip((keys // span).tolist(), (keys % span).tolist()):
            sel_pair = (pr == a) & (po == b_)
            for dv in np.unique(delay[sel_pair]):
                for k in np.unique(stp_index[sel_pair & (delay == dv)]):
                    sel = sel_pair & (delay == dv) & (stp_index == k)
                    selections.append(np.flatnonzero(sel))
                    out.append((pre_roots[a], post_roots[b_], pre_index[self._pre[sel]].astype(np.int64),
                                post_index[self._post[sel]].astype(np.int64), np.asarray(w)[sel].astype(np.int64),
                                float(dv), stp_configs[k] if k >= 0 else None))
        return out


def _no_nan_at_connections(projection, name, new):
    """NaN marks the pairs without a connection in PyNN's array format; a NaN at an existing connection
    (e.g. set(weight=float('nan'))) was ignored silently."""
    if len(new) and np.isnan(new).any():
        i = int(np.flatnonzero(np.isnan(new))[0])
        raise ValueError(f"{projection._describe()}: set({name}=...) gives NaN for the existing connection "
                         f"{int(projection._pre[i])} -> {int(projection._post[i])}; {name}s must be finite")


def _check_list_indices(connector, pre, post):
    """FromListConnector: PyNN checks only source index < size; negative, fractional or too large
    target indices were dropped or wrapped silently."""
    from pyNN.connectors import FromListConnector
    conn_list = getattr(connector, "conn_list", None)        # FromFileConnector: read in connect()
    if not isinstance(connector, FromListConnector) or conn_list is None or np.size(conn_list) == 0:
        return
    cl = np.asarray(connector.conn_list, dtype=float)
    for col, pop, what in ((0, pre, "source"), (1, post, "target")):
        idx = cl[:, col]
        bad = ~np.isfinite(idx) | (idx < 0) | (idx >= pop.size) | (idx != np.round(idx))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise errors.ConnectionError(f"FromListConnector: connection {k} has {what} index {idx[k]:g}, "
                                         f"{pop.label!r} has {pop.size} neurons (integer indices 0..{pop.size - 1})")


def _location_compartment(connector, post_roots) -> int:
    """The compartment of the post neurons a connector's ``location_selector`` (a compartment label
    of a multicompartment neuron) selects; None selects compartment 0.

    Raises ValueError for a label the post neurons do not have or that names several
    compartments, and for a selector on neurons without compartments; NotImplementedError for
    selectors other than labels."""
    selector = getattr(connector, "location_selector", None)
    if selector is None:
        return 0
    if not isinstance(selector, str):
        raise NotImplementedError(f"location_selector {selector!r}: only compartment labels (str) of "
                                  "multicompartment neurons (pynn.morphology) select locations")
    chosen = set()
    for root in post_roots:
        celltype = root.celltype
        if not celltype.is_multicompartment:
            raise ValueError(f"location_selector {selector!r}: the post-synaptic neurons of population {root.label!r} "
                             f"({type(celltype).__name__}) have no compartments; location selectors apply to "
                             "multicompartment neurons (pynn.morphology.create_mc_neuron)")
        ids = celltype.get_compartment_ids([selector])
        if len(ids) > 1:
            raise ValueError(f'location_selector "{selector}" matches {len(ids)} compartments of '
                             f"{type(celltype).__name__} ({[c.value() for c in ids]}); a projection targets one "
                             "compartment: give the compartments distinct labels")
        chosen.add(ids[0].value())
    if len(chosen) > 1:
        raise ValueError(f'location_selector "{selector}" selects different compartments ({sorted(chosen)}) in the '
                         "post-synaptic populations of this projection; one compartment per projection")
    return chosen.pop() if chosen else 0


def _endpoint_map(pop):
    """(root populations, root number per index, index in its root per index, pre is on-chip per
    index) of a Population, PopulationView or Assembly."""
    parts = pop.populations if isinstance(pop, common.Assembly) else [pop]
    roots, root_of, index, on_chip = [], [], [], []
    for p in parts:
        root = getattr(p, "grandparent", p)
        if root not in roots:
            roots.append(root)
        idx = np.arange(p.size)
        if p is not root:
            idx = np.asarray(p.index_in_grandparent(idx))
        root_of.append(np.full(p.size, roots.index(root), np.int64))
        index.append(np.asarray(idx, np.int64))
        on_chip.append(np.full(p.size, not root.celltype.sends_from_host))
    cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt))
    return roots, cat(root_of, np.int64), cat(index, np.int64), cat(on_chip, bool)
