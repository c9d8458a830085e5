"""``pyhxcomm_vx``: the public name of the wire protocol and connections; the module :mod:`hxcomm` itself,
registered under the public name (one implementation, nothing copied)."""
import sys

import hxcomm as _module

sys.modules[__name__] = _module
