"""The protocol between the backend and its cell types (docs/pynn.md, "Cell type protocol").

The backend asks a population's cell type what the population is and what it needs. It does
not test the cell type's class or look up optional attributes. Every cell type derives from
:class:`BackendCellType`, which declares the whole protocol with its defaults:

* facts the backend reads: ``is_on_chip`` (the neurons take neuron circuits),
  ``sends_from_host`` (the spikes are sent from the host), ``is_multicompartment`` and
  ``is_biological`` (parameters, weights and recordings in model units);
* ``add_to_network(network, population)``: the population adds itself to the grenade network
  of a run and returns its descriptor (None: it is not in the network; its spikes come from
  the host, see ``trains``);
* ``calibration_family`` and ``calibration_target(populations_atoms, state)``: the name of the
  calibration the population needs (None: none) and the calix target of all populations that
  share it;
* checks and defaults: ``check_values``, ``check_population``, ``apply_initial_config``;
* host sources: ``trains`` and ``mean_rates``.

Two mixins implement the protocol for neurons: :class:`OnChipNeuron` (raw lola neurons from
the parameters, ``lola_neurons``) and :class:`CalibratedNeuron` (the neurons of the last
calibration, changed by ``adjust_lola``). This module imports nothing else from the backend,
so the cell types, the simulator and the calibration can all import it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

import numpy as np

__all__ = ["BackendCellType", "OnChipNeuron", "CalibratedNeuron", "NeuronSite", "neuron_copies"]


@dataclass
class NeuronSite:
    """Where the neurons ``[lo, hi)`` of an on-chip population sit in the network being built:
    ``atoms`` (AtomicNeuronOnDLS enums, one per neuron), ``calib_chip`` (the calibrated
    lola.Chip of the run, or None), ``initial_config`` (setup()'s, or None) and ``partitioned``
    (the network is larger than the chip: this is one execution's slice)."""

    lo: int
    hi: int
    atoms: Sequence[int]
    calib_chip: Any = None
    initial_config: Any = None
    partitioned: bool = False

    @property
    def size(self) -> int:
        """Number of neurons of the slice."""
        return self.hi - self.lo

    def parameters(self, population) -> dict:
        """The population's parameters restricted to the slice of a partitioned network (per-neuron
        arrays cut, scalars kept); all of them, as they are, otherwise."""
        if not self.partitioned:
            return population._parameters
        out = {}
        for name, value in population._parameters.items():
            v = np.asarray(value)
            out[name] = v[self.lo:self.hi] if v.ndim and len(v) == population.size else v
        return out


def neuron_copies(neurons) -> List[Any]:
    """Copies of the lola.AtomicNeuron ``neurons`` with the analog output of each enabled (one bulk copy)."""
    import lola
    out = lola.AtomicNeuron.copies(neurons)
    normal = lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal
    if out and isinstance(out[0], lola.AtomicNeuron) and all(n._t is out[0]._t for n in out):
        # rows of one table (AtomicNeuron.copies): one column write
        out[0].event_routing.analog_output = normal
        column = out[0]._t["event_routing.analog_output"]
        column[[n._r for n in out]] = column[out[0]._r]
        return out
    for n in out:
        n.event_routing.analog_output = normal
    return out


class BackendCellType:
    """The protocol of the backend's cell types; the defaults describe a cell type that is not
    on the chip, sends no spikes and needs no calibration.  A mixin: it sets no PyNN attribute,
    so it combines with any ``pyNN.standardmodels`` cell type."""

    #: the neurons take neuron circuits of the chip (placement, analog recording, projections
    #: onto them, current sources)
    is_on_chip: bool = False
    #: the spikes are sent from the host (FPGA): drawn by ``trains``, a delay is realised by
    #: sending later; False for on-chip neurons and on-chip spike generators
    sends_from_host: bool = False
    #: a neuron takes several circuits (pynn.morphology): compartments, locations
    is_multicompartment: bool = False
    #: parameters, weights, currents and recordings are in model units (setup(units="biological"))
    is_biological: bool = False
    #: the name of the calibration the populations need before a run; populations of one
    #: name share one calix target (one per chip), different names cannot be mixed; None: none
    calibration_family: Optional[str] = None

    # -- checks and defaults at Population creation ----------------------------------------------
    def check_values(self, name, values) -> None:
        """Raise ValueError when the values of parameter ``name`` leave their feasible range."""

    def check_population(self, population) -> None:
        """Raise ValueError for what single parameters cannot show (size, combined parameters);
        called at creation and before host trains are drawn."""

    def apply_initial_config(self, population, chip) -> None:
        """Take the parameters not given explicitly from ``chip`` (setup(initial_config=...), a
        lola.Chip) at the circuits the population will be placed on."""

    # -- the network of a run ------------------------------------------------------------------
    def add_to_network(self, network, population):
        """Add ``population`` to ``network`` (the simulator's network under construction:
        ``add_neurons(population)``, ``add_background(population, period, rate, seed)``,
        ``speedup``) and return its grenade descriptor; None: it is not part of the grenade
        network (host sources: ``trains`` gives the spikes the FPGA sends)."""
        return None

    # -- calibration ---------------------------------------------------------------------------------
    def calibration_target(self, populations_atoms, state):
        """(calix SpikingCalibTarget, weight scale or None) of all calibrated populations
        ``populations_atoms`` [(population, atoms)] of this ``calibration_family``; ``state``:
        the simulator state (setup's injected target, projections, pending snippets)."""
        raise NotImplementedError(f"{type(self).__name__} needs no calibration (calibration_family is None)")

    def check_calibration(self, result, populations_atoms) -> None:
        """Check a fresh calibration ``result`` (warn about neurons that missed their targets)."""

    def archive_calibration(self, population, atoms, result, chip) -> None:
        """Keep what the population shows of the calibration ``result`` / ``chip`` (public archives)."""

    # -- host sources --------------------------------------------------------------------------------
    def mean_rates(self, params, size) -> Optional[np.ndarray]:
        """Mean rate (1/s of the backend's time) of each of ``size`` random host sources, for the
        program-size check before their trains are drawn; None: no random trains."""
        return None

    def trains(self, params, size, t0, t1, seed, speedup) -> List[np.ndarray]:
        """The spikes of a host source population in [t0, t1) (user ms), one sorted array per neuron;
        ``seed``: (setup's rng_seed, population number), for frozen random trains."""
        raise NotImplementedError(f"{type(self).__name__} sends no spikes from the host")


class OnChipNeuron(BackendCellType):
    """Protocol of the neurons on the chip's circuits: each population adds its lola neurons
    (``lola_neurons``) to the network."""

    is_on_chip = True

    def add_to_network(self, network, population):
        return network.add_neurons(population)

    def lola_neurons(self, population, site: NeuronSite) -> List[Any]:
        """The lola neurons (AtomicNeuron, or LogicalNeuron of a multicompartment neuron) of the
        population's neurons at ``site``: ``to_lola`` of the parameters."""
        return self.to_lola(site.parameters(population), site.size)

    def to_lola(self, params, size) -> List[Any]:
        """``size`` lola neurons from a dict of per-neuron parameter arrays."""
        raise NotImplementedError


class CalibratedNeuron(OnChipNeuron):
    """Protocol of the neurons calibrated before a run: the population runs the calibrated neurons
    of its circuits (or those the user adjusted, ``actual_hwparams``), plus ``adjust_lola``."""

    def lola_neurons(self, population, site: NeuronSite) -> List[Any]:
        actual = getattr(population, "_actual_hwparams", None)
        if actual is not None:          # archived by the calibration: the user may have adjusted them
            config = neuron_copies(actual)
        else:
            neurons = site.calib_chip.neuron_block.atomic_neurons
            config = neuron_copies([neurons[int(a)] for a in site.atoms])
        return self.adjust_lola(config, population._parameters, population.size)

    def adjust_lola(self, config, params, size) -> List[Any]:
        """The calibrated lola.AtomicNeurons ``config`` of a population plus what the calibration
        does not set (from the ``size`` neurons' parameters ``params``)."""
        return config
