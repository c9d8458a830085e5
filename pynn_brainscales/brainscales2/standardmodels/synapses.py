"""Synapse types: ``StaticSynapse`` (integer hardware weights, see its doc) and
``TsodyksMarkramSynapse`` (depression on the synapse drivers' short-term plasticity)."""
import numpy as np
from pyNN.standardmodels import build_translations, check_weights, synapses

from ..plasticity_rules import PlasticityRuleHandle

__all__ = ["StaticSynapse", "TsodyksMarkramSynapse", "PlasticSynapse", "StaticRecordingSynapse", "STDPMechanism",
           "SpikePairRule", "AdditiveWeightDependence", "MultiplicativeWeightDependence"]


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = ("Static synapse with an integer weight (hardware LSB, 6 bit per synapse; |w| > 63 uses "
               "several synapses); positive on excitatory, negative on inhibitory receptors (model units "
               "for the standard cells); delay in ms (default: get_min_delay(); see docs/pynn.md Delays).")
    translations = build_translations(("weight", "weight"), ("delay", "delay"))
    default_parameters = {"weight": 0.0, "delay": None}

    @staticmethod
    def _check_weights(weights, projection):
        """PyNN's sign check, after a finiteness check (NaN fails PyNN's sign test with a misleading
        'Weights must be positive ...')."""
        w = np.asarray(weights, dtype=float)
        if w.size and not np.all(np.isfinite(w)):
            raise ValueError(f"weights must be finite, got {w[~np.isfinite(w)].ravel()[0]:g}")
        return check_weights(weights, projection)

    parameter_checks = {"weight": _check_weights.__func__}

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    __doc__ = ("Depressing synapse after Tsodyks and Markram on the synapse drivers' short-term plasticity "
               "(PyNN names, units and defaults): the n-th spike of a source transmits weight x U x R_n, the "
               "resources R drop by U x R per spike and recover with tau_rec (ms).  The chip's STP depresses "
               "only: tau_facil > 0 (facilitation) raises NotImplementedError.  U is realised in steps of 1/16 "
               "(1/16..1), tau_rec as unit x (r + 1) x (s + 1) with one s chip-wide (1..256 us hardware), "
               "connections only from SpikeSourceArray / SpikeSourcePoisson, each source on drivers of its own.  "
               "See docs/pynn.md, \"Short-term plasticity\".")
    translations = build_translations(("weight", "weight"), ("delay", "delay"), ("U", "U"), ("tau_rec", "tau_rec"),
                                      ("tau_facil", "tau_facil"))
    default_parameters = {"weight": 0.0, "delay": None, "U": 0.5, "tau_rec": 100.0, "tau_facil": 0.0}
    parameter_checks = {"weight": StaticSynapse._check_weights}

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay


class PlasticSynapse(StaticSynapse):
    """Public ``PlasticSynapse(weight=0, delay=0, plasticity_rule=None)``: a static synapse whose
    weights a ``PlasticityRule``'s kernel may rewrite during the run (one SynapseArrayViewHandle
    per projection).  Without a rule it behaves as ``StaticSynapse``."""

    def __init__(self, weight=0, delay=0, plasticity_rule=None):
        super().__init__(weight=weight, delay=delay)
        self.plasticity_rule = plasticity_rule

    # the rule whose kernel sees these objects, or None (checked on assignment)
    plasticity_rule = PlasticityRuleHandle.plasticity_rule


class StaticRecordingSynapse(StaticSynapse):
    """Public ``StaticRecordingSynapse(timer, weight, observables)``: a static synapse whose
    observables (``POSSIBLE_OBSERVABLES``: "weights", "correlation_causal", "correlation_acausal")
    are read on the PPUs at the timer's periods; ``Projection.get_data(name)`` gives them (one
    ``Sample(time, data)`` per call: time in FPGA cycles from the run start, data one ``[value]`` per
    connection).  The recording kernel is a Python kernel (in-process emulator)."""

    POSSIBLE_OBSERVABLES = ["weights", "correlation_causal", "correlation_acausal"]

    def __init__(self, timer, weight, observables):
        unknown = sorted(set(observables) - set(self.POSSIBLE_OBSERVABLES))
        if unknown:
            raise ValueError(f"StaticRecordingSynapse observables {unknown} unknown; possible: "
                             f"{self.POSSIBLE_OBSERVABLES}")
        super().__init__(weight=weight)
        from ..plasticity_rules import _RecordingRule
        self._observables = set(observables)
        self._rule = _RecordingRule(timer, self._observables)

    @property
    def observables(self):
        """The recorded observables (set of names)."""
        return self._observables

    @property
    def plasticity_rule(self):
        """The recording rule (read-only)."""
        return self._rule

    @plasticity_rule.setter
    def plasticity_rule(self, rule):
        raise RuntimeError("StaticRecordingSynapse: its plasticity rule is the recording rule; use PlasticSynapse")


def _identity(cls):
    return build_translations(*[(n, n) for n in cls.default_parameters])


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = ("PyNN's spike-pair rule (tau_plus, tau_minus in ms; A_plus, A_minus dimensionless) on the "
               "correlation sensors: nearest-neighbour pairs, one sensor time constant for both branches "
               "(3.5..6.5 ms biological).  See docs/pynn.md, \"STDP\".")
    translations = _identity(synapses.SpikePairRule)


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = ("PyNN's additive weight dependence: dw = A_plus w_max K+ - A_minus w_max K-, clipped to "
               "[w_min, w_max] (model weight units).  See docs/pynn.md, \"STDP\".")
    translations = _identity(synapses.AdditiveWeightDependence)


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = ("PyNN's multiplicative weight dependence: dw = A_plus (w_max - w) K+ - A_minus (w - w_min) K- "
               "(model weight units).  See docs/pynn.md, \"STDP\".")
    translations = _identity(synapses.MultiplicativeWeightDependence)


_TIMING = (synapses.SpikePairRule,)
_WEIGHT = (synapses.AdditiveWeightDependence, synapses.MultiplicativeWeightDependence)


class STDPMechanism(synapses.STDPMechanism):
    """PyNN's ``STDPMechanism(timing_dependence, weight_dependence, voltage_dependence=None,
    dendritic_delay_fraction=1.0, weight=0.0, delay=None)`` in biological units, run as a
    generated kernel on the PPUs over the synapses' correlation sensors
    (:mod:`pynn_brainscales.brainscales2.stdp`): ``SpikePairRule`` with
    ``AdditiveWeightDependence`` or ``MultiplicativeWeightDependence``.  Other timing or weight
    dependences and a voltage dependence raise NotImplementedError naming the type.  After a
    run ``Projection.get("weight")`` gives the learned weights.  See docs/pynn.md, "STDP"."""

    base_translations = build_translations(("weight", "weight"), ("delay", "delay"),
                                           ("dendritic_delay_fraction", "dendritic_delay_fraction"))

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        supported = "SpikePairRule with AdditiveWeightDependence or MultiplicativeWeightDependence"
        if timing_dependence is None or not isinstance(timing_dependence, _TIMING):
            raise NotImplementedError(
                f"STDPMechanism timing dependence {type(timing_dependence).__name__} is not supported on "
                f"BrainScaleS-2: the correlation sensors measure spike pairs; supported: {supported}")
        if weight_dependence is None or not isinstance(weight_dependence, _WEIGHT):
            raise NotImplementedError(
                f"STDPMechanism weight dependence {type(weight_dependence).__name__} is not supported on "
                f"BrainScaleS-2; supported: {supported}")
        if voltage_dependence is not None:
            raise NotImplementedError(f"STDPMechanism voltage dependence {type(voltage_dependence).__name__} is not "
                                      f"supported on BrainScaleS-2; supported: {supported}")
        super().__init__(timing_dependence, weight_dependence, voltage_dependence, dendritic_delay_fraction,
                         weight, delay)

    def _build_translations(self):
        # PyNN's updates the class attribute in place; one table per instance here
        self.translations = dict(self.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            self.translations.update(component.translations)

    parameter_checks = {"weight": StaticSynapse._check_weights}

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay
