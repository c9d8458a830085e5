"""The nominal model of the HX chip, shared by the emulator, calix, grenade and PyNN.

Chip facts that several layers need and that are not coordinates or register fields live
here, once, and every layer consumes them as it consumes the register map:

- :mod:`chipmodel.transfer`: the documented transfer functions of the analog parameters
  (CapMem value -> model quantity), their named constants, the mismatch model and
  :func:`~chipmodel.transfer.chip_model_digest`;
- :mod:`chipmodel.ranges`: the feasible ranges of the calibration targets.

It depends only on ``halco``. The emulator (``hxsim``) builds its analog core from it; it
is not a library of the emulator.
"""
from . import ranges, transfer  # noqa: F401

__all__ = ["ranges", "transfer"]
