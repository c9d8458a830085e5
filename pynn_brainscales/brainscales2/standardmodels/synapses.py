"""Synapse types: ``StaticSynapse`` (integer hardware weights, see its doc)."""
import numpy as np
from pyNN.standardmodels import build_translations, check_weights, synapses

__all__ = ["StaticSynapse"]


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
