"""``McNeuronBase``: the cell type of multicompartment neurons made by ``create_mc_neuron``."""
from numbers import Real
from typing import Dict, List, Sequence

import numpy as np
from pyNN.standardmodels import build_translations

import lola
from dlens_vx_v3 import halco

from .. import simulator
from ..standardmodels.cells import _PATHS, HX_FIELDS, HXNeuron
from ..standardmodels.cells_base import NeuronCellType
from .parameters import McCircuitParameters
from .placement import on_chip_atoms, predict

#: AtomicNeuron fields that define the morphology: set by ``create_mc_neuron``, not parameters.
MORPHOLOGY_SWITCHES = ("multicompartment_connect_soma", "multicompartment_connect_soma_right",
                       "multicompartment_connect_right", "multicompartment_connect_vertical",
                       "multicompartment_enable_conductance")
#: The parameters of every circuit: HXNeuron's without the morphology switches.
MC_FIELDS = [f for f in HX_FIELDS if f[0] not in MORPHOLOGY_SWITCHES]
PARAMETER_NAMES = tuple(name for name, _, _, _ in MC_FIELDS)
#: With ``single_active_circuit``: leak, capacitance and threshold of all but the first circuit
#: of each compartment are switched off (the first circuit alone sets the compartment's dynamics).
PASSIVE_CIRCUIT = {"leak_i_bias": 0, "leak_enable_division": True, "leak_enable_multiplication": False,
                   "membrane_capacitance_capacitance": 0, "threshold_enable": False}


class McNeuronBase(NeuronCellType):
    """Base of the multicompartment neuron classes made by ``create_mc_neuron``.

    A neuron is a ``lola.LogicalNeuron``: compartments of one or more neuron circuits, joined
    through the shared (somatic) line and inter-compartment conductances.  Parameters are
    HXNeuron's (raw hardware values, names like ``leak_v_leak``) without the morphology
    switches; a value is one number for every circuit or a ``McCircuitParameters`` (per
    compartment, per circuit).  Defaults, by precedence: values given to the class instance,
    the compartment parameters of ``create_mc_neuron`` (incl. conductances), then the neuron
    of ``setup(initial_config=...)`` at each placed circuit (else ``lola.AtomicNeuron()``);
    with ``single_active_circuit`` the defaults of all but the first circuit of a compartment
    have leak, capacitance and threshold off.

    Projections reach a compartment through ``location_selector=<label>`` (default: compartment
    0), its synapses dealt out over the compartment's circuits; ``record(["v"],
    locations=[<label>, ...], device="madc"|"cadc")`` records compartments.  Spikes leave from
    compartment 0 (its first circuit).

    Class attributes (set by ``create_mc_neuron``): ``compartments`` (CompartmentOnLogicalNeuron
    -> Compartment), ``logical_neuron`` (lola.LogicalNeuron), ``logical_compartments`` (its
    shape), ``single_active_circuit``.
    """

    is_multicompartment = True
    injectable = False
    translations = build_translations(*[(name, name) for name in PARAMETER_NAMES])
    compartments: Dict = {}
    logical_neuron = lola.LogicalNeuron()
    logical_compartments = lola.LogicalNeuronCompartments()
    single_active_circuit = False
    default_parameters: Dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.compartments:
            raise RuntimeError(f"{cls.__name__}: a multicompartment neuron class needs at least one compartment "
                               "(create it with create_mc_neuron)")
        n_logical = len(cls.logical_neuron.morphology)
        if n_logical < len(cls.compartments) or cls.logical_neuron.compartments != cls.logical_compartments:
            raise RuntimeError(f"{cls.__name__}: `compartments`, `logical_neuron` and `logical_compartments` do not "
                               "describe the same morphology (create the class with create_mc_neuron)")
        cls._circuits = tuple(len(cls.logical_neuron.morphology[halco.CompartmentOnLogicalNeuron(k)])
                              for k in range(len(cls.compartments)))
        cls.default_parameters = {name: McCircuitParameters(values) for name, values in
                                  cls._circuit_defaults([lola.AtomicNeuron()] * cls.circuit_count()).items()}

    def __init__(self, **parameters):
        if not type(self).compartments:
            raise TypeError("McNeuronBase is the base of multicompartment neuron classes; create one with "
                            "pynn.morphology.create_mc_neuron(...)")
        switch = next((name for name in parameters if name in MORPHOLOGY_SWITCHES), None)
        if switch is not None:
            raise ValueError(f"{type(self).__name__}: {switch} is part of the morphology, not a parameter (set by "
                             "create_mc_neuron through connect_shared_line, connect_conductance and "
                             "SharedLineConnection)")
        super().__init__(**parameters)
        self.user_parameters = frozenset(parameters)

    # -- labels -------------------------------------------------------------------------------
    @classmethod
    def get_labels(cls) -> List[str]:
        """The labels of the compartments, by compartment index."""
        return [cls.compartments[c].label for c in sorted(cls.compartments, key=lambda c: c.value())]

    @classmethod
    def get_label(cls, compartment_id) -> str:
        """The label of one compartment (a CompartmentOnLogicalNeuron or its index; KeyError for a
        compartment the neuron does not have)."""
        if not isinstance(compartment_id, halco.CompartmentOnLogicalNeuron):
            compartment_id = halco.CompartmentOnLogicalNeuron(int(compartment_id))
        return cls.compartments[compartment_id].label

    @classmethod
    def get_compartment_ids(cls, labels: Sequence[str]) -> List[halco.CompartmentOnLogicalNeuron]:
        """The compartments with the given labels (a label may name several).

        Raises ValueError for a label no compartment has."""
        all_labels = cls.get_labels()
        out = []
        for label in labels:
            ids = [k for k, lab in enumerate(all_labels) if lab == label]
            if not ids:
                raise ValueError(f'Label "{label}" does not exist; the compartments of {cls.__name__} are labelled '
                                 f"{all_labels}")
            out += [halco.CompartmentOnLogicalNeuron(k) for k in ids]
        return out

    @classmethod
    def get_default_values(cls) -> dict:
        """The parameters of one circuit of ``lola.AtomicNeuron()`` (raw values)."""
        return {name: (float(v) if kind is int else v) for name, _, v, kind in MC_FIELDS}

    # -- shape ----------------------------------------------------------------------------------
    @classmethod
    def circuit_count(cls) -> int:
        """Circuits of the labelled compartments (the neuron may have more: somatic-line bridges)."""
        return sum(cls._circuits)

    def can_record(self, variable, location=None):
        if location is None:
            return variable in self.recordable
        return variable in self.recordable and variable != "spikes" and 0 <= int(location) < len(self._circuits)

    # -- parameters --------------------------------------------------------------------------------
    @classmethod
    def _circuit_defaults(cls, base_neurons: Sequence) -> Dict[str, list]:
        """{name: per compartment a list of per-circuit values}: ``base_neurons`` (one
        lola.AtomicNeuron per circuit, compartment by compartment) overlaid with the compartment
        parameters and, with ``single_active_circuit``, the passive extra circuits."""
        columns = lola.AtomicNeuron.field_columns(base_neurons, [path for _, path, _, _ in MC_FIELDS])
        out = {}
        for name, path, _, kind in MC_FIELDS:
            flat = columns[path].astype(bool if kind is bool else float)
            per_comp, pos = [], 0
            for k, n in enumerate(cls._circuits):
                values = flat[pos:pos + n].tolist()
                pos += n
                comp = cls.compartments[halco.CompartmentOnLogicalNeuron(k)]
                if name in comp.parameters:
                    values = _expand(comp.parameters[name], n, name, k)
                if name == "multicompartment_i_bias_nmda":
                    for position, conductance in comp.connect_conductance:
                        values[comp.positions.index(position)] = float(conductance)
                if cls.single_active_circuit and name in PASSIVE_CIRCUIT:
                    values[1:] = [PASSIVE_CIRCUIT[name]] * (n - 1)
                per_comp.append(values)
            out[name] = per_comp
        return out

    @classmethod
    def _per_circuit(cls, name: str, value) -> List[np.ndarray]:
        """Per compartment the array of per-circuit values of one neuron's ``value`` (a number or a
        McCircuitParameters).  Raises ValueError for a value that does not fit the morphology."""
        if isinstance(value, McCircuitParameters):
            if len(value.value) != len(cls._circuits):
                raise ValueError(f"{cls.__name__} parameter {name}: {value!r} has {len(value.value)} compartment(s), "
                                 f"the neuron has {len(cls._circuits)}")
            out = []
            for k, (entry, n) in enumerate(zip(value.value, cls._circuits)):
                if entry.ndim == 1 and len(entry) != n:
                    raise ValueError(f"{cls.__name__} parameter {name}: compartment {k} has {n} circuit(s), got "
                                     f"{len(entry)} values")
                out.append(np.broadcast_to(entry, (n,)))
            return out
        if isinstance(value, (Real, np.number, np.bool_)):
            return [np.full(n, value) for n in cls._circuits]
        raise ValueError(f"{cls.__name__} parameter {name}: expected a number or McCircuitParameters, got {value!r}")

    @classmethod
    def check_values(cls, name: str, values) -> None:
        """Raise ValueError when a neuron's value does not fit the morphology or leaves the hardware
        range of the parameter."""
        arr = np.asarray(values, dtype=object).reshape(-1)
        flat = [np.concatenate(cls._per_circuit(name, v)) for v in arr]
        if flat:
            HXNeuron.check_values(name, np.concatenate(flat).astype(float))

    def to_lola(self, params: dict, size: int) -> List[lola.LogicalNeuron]:
        """One ``lola.LogicalNeuron`` per neuron from the population's parameters (a dict of one
        value per neuron: a number or McCircuitParameters)."""
        if simulator.state.enable_neuron_bypass:
            raise NotImplementedError("setup(enable_neuron_bypass=True) with multicompartment neurons is not "
                                      "supported")
        cls = type(self)
        neurons = [cls.logical_neuron.copy() for _ in range(size)]
        # every circuit of every neuron, labelled compartments first (bridges keep their values)
        slots = [(neuron, c, i) for neuron in neurons
                 for c in sorted(neuron.morphology, key=lambda c: c.value())
                 for i in range(len(neuron.morphology[c]))]
        if len(slots) > len(lola.AtomicNeuronArray()):
            raise ValueError(f"{size} {cls.__name__} neurons have {len(slots)} circuits, the chip has "
                             f"{len(lola.AtomicNeuronArray())}")
        # the parameters are written column by column into a scratch table of circuits
        table = lola.AtomicNeuronArray()
        for row, (neuron, c, i) in enumerate(slots):
            table[row] = neuron[(c, i)]
        per_neuron = len(slots) // max(size, 1)
        rows = (np.arange(size)[:, None] * per_neuron + np.arange(cls.circuit_count())[None, :]).ravel()
        for name, values in params.items():
            path = _PATHS[name]
            column = table.get_field(path)
            column[rows] = np.rint(cls._circuit_columns(name, values, size).astype(float)).astype(np.int64)
            table.set_field(path, column)
        table.set_field("event_routing.analog_output", int(lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal))
        for row, (neuron, c, i) in enumerate(slots):
            neuron[(c, i)] = table[row]
        return neurons

    @classmethod
    def _circuit_columns(cls, name: str, values, size: int) -> np.ndarray:
        """The values of all labelled circuits of ``size`` neurons, neuron after neuron."""
        arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
        if arr.dtype != object:
            return np.repeat(np.broadcast_to(arr, (size,)).astype(float), cls.circuit_count())
        expanded = {}          # neurons mostly share their values: expand each distinct one once
        out = []
        for value in np.broadcast_to(arr, (size,)):
            key = tuple((v.shape, v.dtype.str, v.tobytes()) for v in value.value) \
                if isinstance(value, McCircuitParameters) else value
            if key not in expanded:
                expanded[key] = np.concatenate(cls._per_circuit(name, value)).astype(float)
            out.append(expanded[key])
        return np.concatenate(out)

    # -- population hooks --------------------------------------------------------------------------
    def check_population(self, population) -> None:
        """The population must fit on the chip beside the populations before it (PlacementError, a
        ValueError, otherwise)."""
        on_chip_atoms(list(simulator.state.populations) + [population], simulator.state.neuron_permutation)

    def apply_initial_config(self, population, chip) -> None:
        """Parameters not given to the cell type take the ``initial_config`` neuron at each circuit
        the neuron will be placed on, overlaid with the compartment parameters."""
        placed = predict(list(simulator.state.populations) + [population])
        coords = placed.logical[-1]
        cls = type(self)
        atoms = chip.neuron_block.atomic_neurons
        per_neuron = []
        for coord in coords:
            circuits = coord.get_placed_compartments()
            base = [atoms[int(a.toEnum())] for k in range(len(cls._circuits))
                    for a in circuits[halco.CompartmentOnLogicalNeuron(k)]]
            per_neuron.append(cls._circuit_defaults(base))
        for name in PARAMETER_NAMES:
            if name in self.user_parameters:
                continue
            values = np.empty(population.size, dtype=object)
            for k, d in enumerate(per_neuron):
                values[k] = McCircuitParameters(d[name])
            population._parameters[name] = values


def _expand(value, size: int, name: str, compartment: int) -> list:
    """One value per circuit from a number or a sequence of ``size`` numbers."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"compartment {compartment}: parameter {name} must be a number or one number per circuit, "
                         f"got {value!r}")
    if np.ndim(value) == 0:
        return [value] * size
    values = list(value)
    if len(values) != size:
        raise ValueError(f"compartment {compartment}: parameter {name} has {len(values)} values for {size} "
                         "circuit(s); give one value or one per circuit")
    return values
