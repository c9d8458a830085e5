"""The Lava backend: grenade networks on Lava's bit-accurate Loihi fixed-point models.

* :mod:`grenade.lava.fixed`: the integer network Lava runs, its validation, the numpy reference;
* :mod:`grenade.lava.client`: the worker process in ``.venv-lava`` (timeouts, tracebacks);
* :mod:`grenade.lava.lowering`: model networks (NIR imports, grenade networks with calibration
  targets, PyNN parameters in biological units) -> fixed point, and spikes back as grenade results.

docs/lava.md describes the semantics, the mapping and the limits.
"""
from .fixed import (LavaParameterError, FixedPopulation, FixedProjection, FixedSource, FixedPointNetwork,  # noqa: F401
                    validate, reference_run, RANGES, MAX_ACTIVATION)
from .client import LavaError, LavaTimeoutError, LavaUnavailableError, lava_python, run_worker  # noqa: F401
