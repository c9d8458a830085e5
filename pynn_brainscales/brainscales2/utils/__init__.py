"""Utilities of the public backend (``pynn_brainscales.brainscales2.utils``)."""
from . import chip_plotter  # noqa: F401
