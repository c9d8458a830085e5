"""PyNN Projection on grenade projections (integer weights, no delays)."""
import numpy as np
from pyNN import common
from pyNN.space import Space

import grenade

from . import simulator

SYNAPSE_MAX = 63


class Connection(common.Connection):
    def __init__(self, projection, index):
        self._prj = projection
        self._index = index

    presynaptic_index = property(lambda self: int(self._prj._pre[self._index]))
    postsynaptic_index = property(lambda self: int(self._prj._post[self._index]))
    weight = property(lambda self: float(self._prj._weight[self._index]))
    delay = property(lambda self: 0.0)

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        for p in (presynaptic_population, postsynaptic_population):
            if isinstance(p, common.Assembly):
                raise TypeError("Assemblies as projection endpoints are not supported")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        if not getattr(self.post.celltype, "is_on_chip", False):
            raise TypeError(f"projection target must be an on-chip population (HXNeuron), got "
                            f"{type(self.post.celltype).__name__}")
        if self.receptor_type not in ("excitatory", "inhibitory"):
            raise ValueError(f"receptor_type must be 'excitatory' or 'inhibitory', got {self.receptor_type!r}")
        self._pre = np.zeros(0, np.int64)
        self._post = np.zeros(0, np.int64)
        self._weight = np.zeros(0, np.int64)
        self._pre_parts, self._post_parts, self._w_parts = [], [], []
        connector.connect(self)
        if self._pre_parts:
            self._pre = np.concatenate(self._pre_parts)
            self._post = np.concatenate(self._post_parts)
            self._weight = np.concatenate(self._w_parts)
        del self._pre_parts, self._post_parts, self._w_parts
        self._max_weight = max(SYNAPSE_MAX, int(np.ceil(np.abs(self._weight).max() / SYNAPSE_MAX)) * SYNAPSE_MAX
                               ) if len(self._weight) else SYNAPSE_MAX
        simulator.state.projections.append(self)

    @property
    def connections(self):
        return [Connection(self, i) for i in range(len(self._pre))]

    def __len__(self):
        return len(self._pre)

    def _parent_index(self, pop, idx):
        if hasattr(pop, "parent") and pop is not getattr(pop, "grandparent", pop):
            return np.asarray(pop.index_in_grandparent(np.asarray(idx)))
        return np.asarray(idx)

    def _check_weights(self, w):
        w = np.asarray(w, dtype=float)
        if w.size and not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite")
        if self.receptor_type == "excitatory" and np.any(w < 0):
            raise ValueError("Weights must be positive for excitatory receptors (negative for inhibitory), got "
                             f"{w[w < 0].ravel()[0]:g} on an excitatory projection")
        if self.receptor_type == "inhibitory" and np.any(w > 0):
            raise ValueError("Weights must be negative for inhibitory receptors (positive for excitatory), got "
                             f"{w[w > 0].ravel()[0]:g} on an inhibitory projection")
        return np.rint(w).astype(np.int64)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("multicompartment neurons are not supported")
        pre = np.asarray(presynaptic_indices, dtype=np.int64).reshape(-1)
        n = len(pre)
        delay = connection_parameters.get("delay", 0.0)
        d = np.broadcast_to(np.asarray(0.0 if delay is None else delay, dtype=float), (n,))
        if np.any(d != 0):
            raise ValueError("Setting the delay unequal 0 is not supported.")
        w = np.broadcast_to(np.asarray(connection_parameters.get("weight", 0.0), dtype=float), (n,))
        w = self._check_weights(w)
        self._pre_parts.append(pre)
        self._post_parts.append(np.full(n, int(postsynaptic_index), np.int64))
        self._w_parts.append(w.copy())

    def _set_attributes(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        for name, value in parameter_space.items():
            if name == "delay":
                arr = np.asarray(value, dtype=float)
                if np.any(arr[~np.isnan(arr)] != 0):
                    raise ValueError("Setting the delay unequal 0 is not supported.")
                continue
            if name != "weight":
                raise ValueError(f"unknown synapse attribute {name!r}")
            arr = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
            new = arr[self._pre, self._post]
            keep = np.isnan(new)
            new = np.where(keep, self._weight, new)
            w = self._check_weights(new)
            if w.size and np.abs(w).max() > self._max_weight:
                self._max_weight = int(np.ceil(np.abs(w).max() / SYNAPSE_MAX)) * SYNAPSE_MAX  # re-route
            self._weight = w

    def _grenade_connections(self):
        pre = self._parent_index(self.pre, self._pre)
        post = self._parent_index(self.post, self._post)
        return (pre.astype(np.int64), post.astype(np.int64), np.abs(self._weight).astype(np.int64))

    @property
    def _grenade_receptor(self):
        return grenade.Receptor.of(self.receptor_type)
