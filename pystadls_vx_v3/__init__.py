"""``pystadls_vx_v3``: the public name of the playback programs; the module :mod:`stadls` itself,
registered under the public name (one implementation, nothing copied)."""
import sys

import stadls as _module

sys.modules[__name__] = _module
