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


# -- HXCOMM_BACKEND=sim: the suite through a simulation server -------------------------------------
import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def simulation_server():
    """With ``HXCOMM_BACKEND=sim`` and no ``FLANGE_SIMULATION_RCF_PORT``, every test process
    (each xdist worker) starts its own ``python -m hxsim.serve`` on loopback for its tests, so
    ``ManagedConnection()`` reaches the emulator over TCP; it is stopped at the end, also when
    tests fail."""
    if os.environ.get("HXCOMM_BACKEND", "").strip().lower() != "sim" or \
            os.environ.get("FLANGE_SIMULATION_RCF_PORT"):
        yield None
        return
    from tests.transports.servers import server_process
    with server_process("hxsim.serve", "--port", "0") as server:
        os.environ["FLANGE_SIMULATION_RCF_HOST"] = "127.0.0.1"
        os.environ["FLANGE_SIMULATION_RCF_PORT"] = str(server.port)
        try:
            yield server
        finally:
            os.environ.pop("FLANGE_SIMULATION_RCF_PORT", None)
            os.environ.pop("FLANGE_SIMULATION_RCF_HOST", None)


@pytest.fixture
def pynn_ended():
    """Ends the PyNN session a test leaves open, also after a test that failed inside a run
    (an error from end() itself is not the test's result)."""
    yield
    import pynn_brainscales.brainscales2 as pynn
    try:
        pynn.end()
    except Exception:
        pass
