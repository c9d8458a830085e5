"""``pylola_vx_v3``: the public name of the logical containers; the module :mod:`lola` itself,
registered under the public name (one implementation, nothing copied)."""
import sys

import lola as _module

sys.modules[__name__] = _module
