"""Step bookkeeping: logging, timing and a tqdm progress bar per calibration."""
from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import Dict, Optional, Sequence

__all__ = ["StepRunner"]


class StepRunner:
    """Runs named steps: logs start/end with duration, keeps ``timings``
    (seconds per step; repeated names are summed) and advances a tqdm bar.

    ``progress``: True shows the bar, False hides it, None shows it when
    stderr is a terminal.
    """

    def __init__(self, steps: Sequence[str], progress: Optional[bool] = None, logger=None,
                 description: str = "calix"):
        self.log = logger or logging.getLogger("calix")
        self.timings: Dict[str, float] = {}
        self._bar = None
        self._t0 = time.perf_counter()
        show = sys.stderr.isatty() if progress is None else progress
        if show:
            from tqdm.auto import tqdm
            self._bar = tqdm(total=len(steps), desc=description, unit="step", leave=False)

    @contextlib.contextmanager
    def step(self, name: str):
        self.log.info("step %s ...", name)
        if self._bar is not None:
            self._bar.set_postfix_str(name)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            dt = time.perf_counter() - t0
            self.timings[name] = self.timings.get(name, 0.0) + dt
            self.log.info("step %s done in %.3f s", name, dt)
            if self._bar is not None:
                self._bar.update(1)

    @property
    def total(self) -> float:
        return time.perf_counter() - self._t0

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
