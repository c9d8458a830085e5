"""What every step of the spiking calibration shares: the :class:`Step` interface and the
search of a voltage cell (:class:`VoltageCalib`, a :class:`~calix.common.base.Calib`).

A step gets the running calibration (``cal``, a
:class:`~calix.spiking.calibrate.SpikingCalibration`: targets per neuron, the chip state of the
session, ``info``, ``failures`` and the shared measurement helpers), configures and measures
all neurons at once and leaves its result in the chip state. A step that searches a parameter
does it with a ``Calib`` subclass: ``prelude`` / ``configure_parameters`` / ``measure_results``
/ ``postlude`` are its hooks, an algorithm of :mod:`calix.common.algorithms` drives them.
"""
from __future__ import annotations

import numpy as np

import lola

from ...common.algorithms import SecantSearch
from ...common.base import Calib
from .. import setup as S
from ..targets import N_NEURONS

__all__ = ["Step", "VoltageCalib", "SYNIN", "VOLTAGE_CELL", "ANALOG_NORMAL"]

#: the two synaptic inputs of a neuron (AtomicNeuron field groups), excitatory first
SYNIN = ("excitatory_input", "inhibitory_input")
ANALOG_NORMAL = int(lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal)
#: the transfer (chipmodel.transfer) of the CapMem cell behind each searched voltage
VOLTAGE_CELL = {"leak.v_leak": "v_leak", "reset.v_reset": "v_reset", "threshold.v_threshold": "v_threshold"}


class Step:
    """One step of the spiking calibration: ``name`` (progress, timings, failures) and
    :meth:`run`, which calibrates all neurons of ``cal`` for it."""

    #: the step's name (:data:`calix.spiking.steps.STEP_NAMES`)
    name: str = ""

    def __init__(self, cal):
        self.cal = cal

    def run(self) -> None:
        """Configure, measure and leave the result in ``cal``'s chip state and info."""
        raise NotImplementedError


class VoltageCalib(Calib):
    """Secant search of one voltage cell (``path``) of all neurons for CADC codes.

    The search starts from the per-neuron affine model of the cell a previous search left in
    ``cal.vmodel`` (else the nominal transfer) and leaves its own model there: the best point
    with the nominal slope. Subclasses say how the potential is measured (``measure_results``).
    """

    #: the AtomicNeuron field searched
    path: str = ""

    def __init__(self, cal, step: str):
        super().__init__((0, 1022), N_NEURONS, tolerance=cal.nopt.tolerance_potential,
                         errors=(f"{self.path} at 0: target below the reachable range",
                                 f"{self.path} at 1022: target above the reachable range"), name=step)
        self.cal, self.step = cal, step

    def configure_parameters(self, builder, parameters: np.ndarray) -> None:
        self.cal._set(self.path, parameters)

    def search(self, target_codes):
        """(dac, measured codes) of the search for CADC ``target_codes``; failed neurons are
        recorded under the step's name."""
        cal = self.cal
        slope = S.nominal.cadc_per_dac(VOLTAGE_CELL[self.path])
        if self.path in cal.vmodel:
            off, sl = cal.vmodel[self.path]
            init = (target_codes - off) / sl
        else:
            init = S.nominal.voltage_dac(target_codes, VOLTAGE_CELL[self.path])
        alg = SecantSearch(slope=slope, initial_parameters=init, max_steps=6, tolerance=0.5)
        res = self.run(None, alg, target_codes)
        for reason, idx in res.failures.items():
            cal._fail(self.step, reason, np.isin(np.arange(N_NEURONS), idx))
        # per-neuron affine model through the best point with the nominal slope
        cal.vmodel[self.path] = (res.results - slope * res.calibrated_parameters, np.full(N_NEURONS, slope))
        return res.calibrated_parameters, res.results
