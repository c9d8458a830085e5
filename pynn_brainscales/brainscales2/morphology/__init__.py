"""Multicompartment neurons in PyNN: ``create_mc_neuron`` builds a cell type from
``Compartment``\\ s and ``SharedLineConnection``\\ s (see docs/pynn.md, "Multicompartment
neurons")::

    from pynn_brainscales.brainscales2.morphology import create_mc_neuron, Compartment, \\
        SharedLineConnection

    Chain = create_mc_neuron("Chain", compartments=[
        Compartment(positions=[0, 1], label="soma", connect_conductance=[(1, 500)]),
        Compartment(positions=[2, 3], label="dendrite", connect_shared_line=[2])],
        connections=[SharedLineConnection(start=1, stop=2, row=0)])
"""
from collections.abc import Iterable
from typing import List, Optional

import lola
from dlens_vx_v3 import halco

from .mc_neuron_base import McNeuronBase
from .parameters import McCircuitParameters
from .parts import Compartment, SharedLineConnection

__all__ = ["create_mc_neuron", "Compartment", "SharedLineConnection", "McNeuronBase", "McCircuitParameters",
           "MorphologyError"]


class MorphologyError(lola.MorphologyError, RuntimeError):
    """An invalid morphology: circuits in two compartments, compartments merged through direct
    connections, compartments not linked through the shared line, a circuit connected to the
    shared line both directly and through its conductance (a ``lola.MorphologyError`` and, as
    the public backend raises, a RuntimeError)."""


def create_mc_neuron(name: str, compartments: List[Compartment],
                     connections: Optional[List[SharedLineConnection]] = None,
                     single_active_circuit: bool = False) -> type:
    """A new multicompartment cell type (a subclass of ``McNeuronBase`` named ``name``).

    ``compartments``: the compartments, in index order (compartment 0 sends the spikes);
    ``connections``: where the shared (somatic) line is closed between columns;
    ``single_active_circuit``: in each compartment only the first circuit keeps leak,
    capacitance and threshold (defaults of the others: off), so a compartment's dynamics do not
    depend on its number of circuits.

    Raises TypeError for arguments of the wrong type, ValueError for unknown parameter names or
    values that do not fit a compartment, and MorphologyError for an invalid morphology (the
    message shows the switches)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"create_mc_neuron: `name` must be a class name (an identifier string), got {name!r}")
    if isinstance(compartments, (str, bytes, Compartment)) or not isinstance(compartments, Iterable):
        raise TypeError("The `compartments` argument needs to be a sequence of Compartments (list, tuple, ...), "
                        f"got {type(compartments).__name__}")
    compartments = list(compartments)
    bad = next((c for c in compartments if not isinstance(c, Compartment)), None)
    if bad is not None:
        raise TypeError(f"The `compartments` argument needs to be a sequence of Compartments, it contains {bad!r}")
    if not compartments:
        raise TypeError("The `compartments` argument needs at least one Compartment")
    if connections is not None:
        if isinstance(connections, SharedLineConnection) or not isinstance(connections, Iterable) or not all(
                isinstance(c, SharedLineConnection) for c in connections):
            raise TypeError("The `connections` argument needs to be a sequence of SharedLineConnection (list, "
                            f"tuple, ...), got {connections!r}")
        connections = list(connections)
    _check_parameter_names(compartments)

    morphology = lola.Morphology()
    try:
        ids = [_add_compartment(morphology, k, comp) for k, comp in enumerate(compartments)]
        for start, stop, row in connections or []:
            morphology.connect_soma_line(halco.NeuronColumnOnLogicalNeuron(start),
                                         halco.NeuronColumnOnLogicalNeuron(stop), halco.NeuronRowOnLogicalNeuron(row))
        shape, logical_neuron = morphology.done()
    except (lola.MorphologyError, ValueError) as err:
        if isinstance(err, MorphologyError):
            raise
        raise MorphologyError(f"create_mc_neuron({name!r}): {err}") from err
    return type(name, (McNeuronBase,), {
        "__doc__": f"Multicompartment neuron with compartments {[c.label for c in compartments]} "
                   "(made by create_mc_neuron; see McNeuronBase).",
        "__module__": __name__,
        "logical_neuron": logical_neuron,
        "logical_compartments": shape,
        "compartments": {cid: _copy(comp) for cid, comp in zip(ids, compartments)},
        "single_active_circuit": bool(single_active_circuit)})


def _copy(compartment: Compartment) -> Compartment:
    """A copy held by the class: later edits of the caller's compartment do not change it."""
    return Compartment(positions=list(compartment.positions), label=compartment.label,
                       connect_shared_line=list(compartment.connect_shared_line),
                       connect_conductance=list(compartment.connect_conductance), **dict(compartment.parameters))


def _check_parameter_names(compartments) -> None:
    from .mc_neuron_base import MORPHOLOGY_SWITCHES, PARAMETER_NAMES
    for k, comp in enumerate(compartments):
        for pname in comp.parameters:
            if pname in MORPHOLOGY_SWITCHES:
                raise ValueError(f"compartment {k} ({comp.label!r}): {pname} is set by the morphology "
                                 "(connect_shared_line, connect_conductance, SharedLineConnection), not a parameter")
            if pname not in PARAMETER_NAMES:
                raise ValueError(f"compartment {k} ({comp.label!r}): unknown parameter {pname!r}; parameters are "
                                 f"HXNeuron's, e.g. leak_v_leak, threshold_v_threshold, multicompartment_i_bias_nmda")


def _add_compartment(morphology: lola.Morphology, index: int, comp: Compartment):
    """Add one compartment and its shared-line taps; returns its CompartmentOnLogicalNeuron."""
    # re-validate: the lists are the compartment's own and may have been edited in place
    checked = _copy(comp)
    both = sorted(set(checked.connect_shared_line) & {p for p, _ in checked.connect_conductance})
    if both:
        raise MorphologyError(f"compartment {index} ({comp.label!r}): the circuit at position {both[0]} is connected "
                              "to the shared line directly (connect_shared_line) and through its conductance "
                              "(connect_conductance); use one of the two")

    def circuit(position):
        return halco.AtomicNeuronOnLogicalNeuron(halco.common.Enum(position))

    cid = morphology.create_compartment([circuit(p) for p in checked.positions])
    for position in checked.connect_shared_line:
        morphology.connect_to_soma(circuit(position))
    for position, _ in checked.connect_conductance:
        morphology.connect_resistor_to_soma(circuit(position))
    return cid
