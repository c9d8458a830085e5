"""``McCircuitParameters``: the value of one parameter for every circuit of a multicompartment
neuron."""
from collections.abc import Iterable
from typing import Sequence

import numpy as np
from pyNN.parameters import ArrayParameter


class McCircuitParameters(ArrayParameter):
    """One parameter of one multicompartment neuron, per compartment and circuit.

    ``McCircuitParameters([[1], [2, 3], 4])``: the outer sequence runs over the compartments
    (by index), each entry is one value per circuit of that compartment or a single value for
    all of them.  ``value`` is a 1-d object array of numpy arrays (0-d for a compartment-wide
    value).  As a PyNN parameter value it is one value per neuron (``pop.set(leak_v_leak=p)``);
    a plain number sets every circuit.
    """

    def __init__(self, value: Sequence) -> None:  # pylint: disable=super-init-not-called
        if isinstance(value, McCircuitParameters):
            value = value.value
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable) \
                or (isinstance(value, np.ndarray) and value.ndim == 0):
            # a TypeError (not ValueError): PyNN then keeps a plain number as it is
            raise TypeError(f"McCircuitParameters takes one entry per compartment, got {value!r}")
        entries = list(value)
        self.value = np.empty(len(entries), dtype=object)
        for k, entry in enumerate(entries):
            arr = np.asarray(entry)
            if arr.ndim > 1 or arr.dtype.kind not in "biuf":
                raise TypeError(f"McCircuitParameters: compartment {k} needs a number or one number per circuit, "
                                f"got {entry!r}")
            self.value[k] = arr.copy()

    def max(self):
        """The largest value over all compartments and circuits."""
        return max(np.max(v) for v in self.value)

    def __eq__(self, other):
        if isinstance(other, McCircuitParameters):
            return len(self.value) == len(other.value) and all(
                np.shape(a) == np.shape(b) and bool(np.all(a == b)) for a, b in zip(self.value, other.value))
        if isinstance(other, np.ndarray) and other.size and isinstance(other.flat[0], McCircuitParameters):
            return np.array([self == o for o in other.flat]).reshape(other.shape)
        return False

    def __ne__(self, other):
        result = self.__eq__(other)
        return ~result if isinstance(result, np.ndarray) else not result

    __hash__ = None

    def __deepcopy__(self, memo):
        return McCircuitParameters(self.value)

    def tolist(self) -> list:
        """Nested lists (one entry per compartment: a number or a list per circuit)."""
        return [v.tolist() for v in self.value]

    def __repr__(self):
        return f"McCircuitParameters({self.tolist()!r})"
