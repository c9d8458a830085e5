"""``pyhaldls_vx_v3``: the public name of the HX v3 hardware containers; the module :mod:`haldls` itself,
registered under the public name (one implementation, nothing copied)."""
import sys

import haldls as _module

sys.modules[__name__] = _module
