"""``pyhalco_hicann_dls_vx_v3``: the public name of the HX v3 coordinates.

The same module as ``dlens_vx_v3.halco`` (:mod:`halco` plus the multi-compartment coordinates
that lola defines), registered under the public name; nothing is copied.
"""
import sys

from dlens_vx_v3 import halco as _module

sys.modules[__name__] = _module
