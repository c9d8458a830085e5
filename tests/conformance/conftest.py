"""Conformance suite: public BrainScaleS-2 tutorials and examples, ported with their API calls
unchanged (see docs/conformance.md).  Each test's docstring names its public source as
``repository:path``; ``tools/conformance_report.py`` lists them with their results."""
import matplotlib
import pytest

matplotlib.use("Agg")       # tutorials plot; nothing is shown


@pytest.fixture(autouse=True)
def _pynn_ends_after_each_test():
    """A tutorial that fails half-way must not leave its network to the next one."""
    yield
    import pynn_brainscales.brainscales2 as pynn
    try:
        pynn.end()
    except Exception:       # nothing was set up, or the test already ended it
        pass
