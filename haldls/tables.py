"""The register map flattened into numeric tables for the C++ emulator.

The emulator (hxsim) loads these at start, so it decodes exactly the layout
the Python containers encode: there is no second copy of the map in C++.
"""
from __future__ import annotations

from typing import Dict

import numpy as np

from .register_map import REGISTERS

MAX_RADICES = 6


def flat_register_map() -> Dict[str, object]:
    """Numeric description of every register.

    Returns a dict with

    - ``names``: list of register names (index = register id);
    - ``registers``: int64 array (n, 4 + 2*MAX_RADICES): base, words, access,
      number of radices, radices (outermost first, padded with 1), strides
      (padded with 0);
    - ``defaults``: uint32 array of the default words, register after register
      (register i owns ``words[i]`` of them, at ``default_offsets[i]``);
    - ``default_offsets``: int64 array;
    - ``field_names``: list of ``"Register.field"``;
    - ``fields``: int64 array (m, 6): register id, width, count, signed, first lane row, kind
      (0 bool, 1 int, 2 enum);
    - ``lanes``: int64 array (k, 2): word, shift of each lane (fields own consecutive rows).
    """
    from .container import container_type

    names, rows, defaults, offsets = [], [], [], []
    field_names, fields, lanes = [], [], []
    offset = 0
    for rid, reg in enumerate(REGISTERS):
        names.append(reg.name)
        n = len(reg.radices)
        if n > MAX_RADICES:
            raise ValueError(f"{reg.name}: more than {MAX_RADICES} radices")
        radices = list(reg.radices) + [1] * (MAX_RADICES - n)
        strides = list(reg.strides) + [0] * (MAX_RADICES - n)
        rows.append([reg.base, reg.words, int(reg.access), n] + radices + strides)
        cls = container_type(reg.name)
        defaults.append(cls().encode())
        offsets.append(offset)
        offset += reg.words
        for f in reg.fields:
            field_names.append(f"{reg.name}.{f.name}")
            kind = 0 if f.kind is bool else (1 if f.kind is int else 2)
            fields.append([rid, f.width, f.count, int(f.signed), len(lanes), kind])
            lanes.extend([w, s] for w, s in f.lanes())
    return {
        "names": names,
        "registers": np.array(rows, dtype=np.int64),
        "defaults": np.concatenate(defaults).astype(np.uint32),
        "default_offsets": np.array(offsets, dtype=np.int64),
        "field_names": field_names,
        "fields": np.array(fields, dtype=np.int64).reshape(-1, 6),
        "lanes": np.array(lanes, dtype=np.int64).reshape(-1, 2),
    }
