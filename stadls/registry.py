"""Which container lives at which coordinate type (for ``builder.read(coord)``).

stadls sits above lola (docs/stadls.md, "Place in the layers"): the table holds haldls' leaf
and composite containers and lola's logical containers from the start; layers above add their
own readable containers with :func:`register_container`.
"""
from __future__ import annotations

import haldls
import lola

_COMPOSITES = {"SynapseQuadOnDLS": haldls.SynapseQuad, "CapMemBlockOnDLS": haldls.CapMemBlock,
               "PPUMemoryOnDLS": haldls.PPUMemory, "PPUMemoryBlockOnDLS": haldls.PPUMemoryBlock}
# keyed by the coordinate class itself: some public containers live at a coordinate of another
# name (CrossbarOutputEventCounter at CrossbarOutputOnDLS, CrossbarInputDropCounter at
# CrossbarInputOnDLS), which halco spells as an alias
_BY_COORDINATE = {getattr(haldls, reg.name).coordinate_type().__name__: getattr(haldls, reg.name)
                  for reg in haldls.REGISTERS}
_BY_COORDINATE.update(_COMPOSITES)
for _name, _cls in lola.containers_by_coordinate().items():
    _BY_COORDINATE.setdefault(_name, _cls)   # a haldls container keeps its coordinate


def register_container(coordinate_name: str, cls) -> None:
    """Make ``builder.read`` find ``cls`` for coordinates of type ``coordinate_name``
    (used by calix for its measurement containers)."""
    _BY_COORDINATE[coordinate_name] = cls


def container_for_coordinate(coord):
    """The container class read at ``coord``; TypeError if none is readable there."""
    name = type(coord).__name__
    try:
        return _BY_COORDINATE[name]
    except KeyError:
        raise TypeError(f"no readable container lives at {name}") from None
