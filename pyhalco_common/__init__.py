"""``pyhalco_common``: the public name of the coordinate machinery shared by all chips
(``Enum``, ``iter_all``); the module :mod:`halco.common`, registered under the public name."""
import sys

from halco import common as _module

sys.modules[__name__] = _module
