"""The pieces of the public ``pyhalco_common`` module: ``Enum`` and ``iter_all``."""
from ._base import Enum, iter_all

__all__ = ["Enum", "iter_all"]
