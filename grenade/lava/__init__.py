"""The Lava backend: grenade networks on Lava's bit-accurate Loihi fixed-point models.

* :mod:`grenade.lava.fixed`: the integer network Lava runs, its validation, the numpy reference;
* :mod:`grenade.lava.client`: the worker process in ``.venv-lava`` (timeouts, tracebacks);
* :mod:`grenade.lava.lowering`: model networks (NIR imports, grenade networks with calibration
  targets, PyNN parameters in biological units) -> fixed point, and spikes back as grenade results;
* :mod:`grenade.lava.chunked`: a grenade network on the emulated chip run in chunks of time steps;
* :mod:`grenade.lava.bss2` (imports lava: ``.venv-lava`` only): the chip as a Lava process.

docs/lava.md describes the semantics, the mapping and the limits.
"""
from .fixed import (LavaParameterError, FixedPopulation, FixedProjection, FixedSource, FixedPointNetwork,  # noqa: F401
                    validate, reference_run, RANGES, MAX_ACTIVATION)
from .client import (LavaError, LavaTimeoutError, LavaUnavailableError, lava_python,  # noqa: F401
                     run_lava_script, run_worker)
