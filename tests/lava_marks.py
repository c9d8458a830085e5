"""The pytest mark of tests that need Lava's environment (.venv-lava, made by make install)."""
import pytest

from grenade.lava import LavaUnavailableError, lava_python


def lava_available() -> bool:
    """Whether the Lava worker's interpreter exists."""
    try:
        lava_python()
        return True
    except LavaUnavailableError:
        return False


needs_lava = pytest.mark.skipif(not lava_available(), reason=".venv-lava missing (make install)")
