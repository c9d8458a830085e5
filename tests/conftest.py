"""Test-suite settings.

Under CI (``CI`` set) hypothesis runs derandomized, so a submission's result does
not depend on the draw; local runs explore new examples every time.
"""
import os

from hypothesis import HealthCheck, settings

# no deadline and no too_slow check: both are timing thresholds, and they fail on a loaded machine
_NO_TIMING = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, print_blob=True, **_NO_TIMING)
settings.register_profile("dev", print_blob=True, **_NO_TIMING)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
