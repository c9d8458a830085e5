"""``BrainScaleS2``: the emulated BSS-2 chip as a Lava process (needs lava-nc: ``.venv-lava``).

A Lava user puts a BSS-2 chip into a Lava graph like any other process::

    from grenade.lava.bss2 import BrainScaleS2
    chip = BrainScaleS2.from_nir(imported, calibration, dt=1e-4, chunk=100)
    source.s_out.connect(chip.s_in)          # a Lava source (RingBuffer, ...) feeds the chip
    chip.s_out.connect(dense.s_in)           # the chip's spikes feed Lava processes

The process model (:class:`PyBrainScaleS2Model`, CPU, ``fixed_pt`` and ``floating_pt``) runs the
network chunk by chunk (:class:`grenade.lava.chunked.ChunkedChip`), so the chip's output spikes
reach Lava ``chunk`` time steps late.  docs/lava.md ("The chip inside Lava") has the details.

This package imports lava: it runs in Lava's environment (Python 3.10, ``.venv-lava``), e.g. in
a script started by :func:`grenade.lava.run_lava_script` (timeouts, tracebacks).
"""
try:
    import lava.magma.core.process.process  # noqa: F401
except ImportError as e:   # pragma: no cover - depends on the environment
    raise ImportError("grenade.lava.bss2 needs lava-nc 0.10 (Python 3.10, numpy < 2): run it with the "
                      "interpreter of .venv-lava (`make install`), e.g. through grenade.lava.run_lava_script") from e

import contextlib  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

from .process import BrainScaleS2, PyBrainScaleS2Model  # noqa: F401,E402

__all__ = ["BrainScaleS2", "PyBrainScaleS2Model", "stopping"]


@contextlib.contextmanager
def stopping(process):
    """Run a Lava graph (``with stopping(proc): proc.run(...)``) and stop its runtime afterwards.

    In lava-nc 0.10, ``stop()`` after a run that failed (an exception in a process model, e.g.
    the chip's connection failing) waits forever for the failed process.  So on an exception
    this prints the traceback to stderr, kills Lava's child processes and ends the Python
    process at once (status 1: the
    caller, e.g. :func:`grenade.lava.run_lava_script`, reports it with the traceback); without
    one it stops the runtime as usual."""
    try:
        yield process
    except BaseException:
        traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        for child in multiprocessing.active_children():    # Lava's processes of this run
            child.kill()
        os._exit(1)
    process.stop()
