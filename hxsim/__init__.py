"""hxsim: the emulated HX chip.

Reached only through an hxcomm connection, exactly as real hardware would be.
"""
from . import _core  # noqa: F401
