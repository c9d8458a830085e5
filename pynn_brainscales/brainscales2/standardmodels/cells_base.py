"""Bases of the cell types: on-chip neurons (``NeuronCellType``), host spike sources
(``ExternalNeuron``) and the calibrated neurons (``CalibNeuronBase``); each implements the
backend's cell type protocol (:mod:`..celltype`)."""
import numpy as np
from pyNN.standardmodels import StandardCellType

from ..celltype import BackendCellType, CalibratedNeuron, OnChipNeuron

__all__ = ["NeuronCellType", "ExternalNeuron", "CalibNeuronBase", "NotCalibratedError"]


class NotCalibratedError(RuntimeError, AttributeError):
    """``calib_target`` / ``calib_hwparams`` / ``actual_hwparams`` read before the calibration ran.
    A RuntimeError (the state is wrong, not the name) that is also the AttributeError the public
    backend raises here, so scripts written for it keep working."""


class NeuronCellType(OnChipNeuron, StandardCellType):
    """Base of the cell types placed on the chip's neuron circuits: spikes and the analog
    variables are recordable, excitatory and inhibitory receptors take projections."""

    default_initial_values = {}
    units = {"v": "dimensionless", "exc_synin": "dimensionless", "inh_synin": "dimensionless",
             "adaptation": "dimensionless"}
    recordable = ["spikes", "v", "exc_synin", "inh_synin", "adaptation"]
    receptor_types = ("excitatory", "inhibitory")
    conductance_based = False
    injectable = True           # current sources drive the neuron's constant current


class ExternalNeuron(BackendCellType):
    """Mixin of the spike sources played from the host (FPGA): not on the chip, spikes recordable;
    subclasses give the spikes (``trains``) and, for random ones, their ``mean_rates``."""

    sends_from_host = True


class CalibNeuronBase(CalibratedNeuron, NeuronCellType):
    """Base of the calibrated cell types: parameters are calix targets (hardware units); running a
    network containing them calibrates the chip with calix (cached) and writes the calibrated
    neuron configuration of each neuron's circuit."""

    calibration_family = "CalibHXNeuronCuba/CalibHXNeuronCoba"
    # public name -> (feasible range, unit); equal across all calibrated populations if "global"
    RANGES = {
        "v_rest": (50, 160), "v_reset": (50, 160), "v_thresh": (50, 220),
        "tau_m": (0.5, 60.0), "tau_syn_E": (1.2, 30.0), "tau_syn_I": (1.2, 30.0), "cm": (0, 63),
        "tau_refrac": (0.04, 32.0), "i_synin_gm_E": (30, 800), "i_synin_gm_I": (30, 800),
        "synapse_dac_bias": (30, 1022),
        # calix accepts reversals up to 245 LSB, but above ~235 some circuits' reversal cells cannot
        # reach them (the calibration fails for those neurons): the PyNN cell stays below
        "e_rev_E": (-35, 235), "e_rev_I": (-35, 235),
    }
    GLOBAL = ("i_synin_gm_E", "i_synin_gm_I", "synapse_dac_bias")
    UNITS = {"v_rest": "CADC LSB", "v_reset": "CADC LSB", "v_thresh": "CADC LSB", "e_rev_E": "CADC LSB",
             "e_rev_I": "CADC LSB", "tau_m": "us", "tau_syn_E": "us", "tau_syn_I": "us", "tau_refrac": "us",
             "cm": "LSB", "i_synin_gm_E": "CapMem LSB", "i_synin_gm_I": "CapMem LSB",
             "synapse_dac_bias": "CapMem LSB"}

    # -- the public archives of the last calibration (calibration.archive_hwparams) ---------
    def _archived(self, name):
        value = self.__dict__.get("_" + name)
        if value is None:
            raise NotCalibratedError(f"{name} is available after pynn.run() (or pynn.run(None, "
                                     f"pynn.RunCommand.PREPARE), which calibrates without running)")
        return value

    calib_target = property(lambda self: self._archived("calib_target"),
                            doc="ParameterSpace of the parameters the last calibration was made for.")
    calib_hwparams = property(lambda self: self._archived("calib_hwparams"),
                              doc="The calibrated lola.AtomicNeuron of every neuron (an archive).")
    actual_hwparams = property(lambda self: tuple(self._archived("actual_hwparams")),
                               doc="The lola.AtomicNeuron of every neuron the runs use; adjust them in "
                                   "place after run(None, RunCommand.PREPARE).")

    def calibration_target(self, populations_atoms, state):
        """The calix target of the calibrated populations (their parameters at their circuits,
        the rest from setup(injected_calib_target=...) or the cell type's defaults); no weight scale."""
        from .. import calibration
        return calibration.build_target(populations_atoms, state.injected_calib_target), None

    def archive_calibration(self, population, atoms, result, chip):
        """The public ``calib_target`` / ``calib_hwparams`` / ``actual_hwparams``."""
        from .. import calibration
        calibration.archive_hwparams(population, atoms, result, chip)

    @classmethod
    def check_values(cls, name, values):
        """Raise ValueError for values outside the feasible range (``RANGES``), a chip-wide
        parameter that differs between neurons, or a non-integer ``cm``."""
        arr = np.asarray(values, dtype=float)
        if arr.size and not np.all(np.isfinite(arr)):
            raise ValueError(f"{cls.__name__} parameter {name}: values must be finite")
        lo, hi = cls.RANGES[name]
        if arr.size and (arr.min() < lo or arr.max() > hi):
            bad = arr[(arr < lo) | (arr > hi)].ravel()[0]
            raise ValueError(f"{cls.__name__} parameter {name} = {bad:g} out of the feasible range "
                             f"[{lo:g}, {hi:g}] {cls.UNITS[name]}")
        if name in cls.GLOBAL and arr.size and np.unique(arr).size > 1:
            raise ValueError(f"{cls.__name__} parameter {name} must be equal for all neurons (chip-wide)")
        if name == "cm" and arr.size and np.any(arr != np.round(arr)):
            raise ValueError(f"{cls.__name__} parameter cm must be integer (LSB 0..63)")
