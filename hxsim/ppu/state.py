"""The state one kernel call sees (mirror of ``include/openhx/ppu_state.h``), as a numpy
structured dtype over a shared-memory buffer."""
from __future__ import annotations

import numpy as np

__all__ = ["MAX_HANDLES", "MAX_RECORDING_BYTES", "STATE_DTYPE"]

MAX_HANDLES = 64
#: the largest Recording (observables of one kernel call), bytes
MAX_RECORDING_BYTES = 1 << 17

_SYN = np.dtype([("hemisphere", "<u4"), ("num_rows", "<u4"), ("num_columns", "<u4"), ("pad", "<u4"),
                 ("rows", "u1", (256,)), ("columns", "u1", (256,))], align=True)
_NRN = np.dtype([("hemisphere", "<u4"), ("num_columns", "<u4"), ("columns", "u1", (256,))], align=True)

#: one numpy record per rule: filled by the host before a call, read back after it
STATE_DTYPE = np.dtype([
    ("now", "<u8"), ("ppu", "<u4"), ("num_synapse_handles", "<u4"), ("num_neuron_handles", "<u4"),
    ("neuron_reset", "<u4"),
    ("synapse_handles", _SYN, (MAX_HANDLES,)), ("neuron_handles", _NRN, (MAX_HANDLES,)),
    ("weights", "u1", (2, 256, 256)), ("causal", "u1", (2, 256, 256)), ("acausal", "u1", (2, 256, 256)),
    ("weights_dirty", "u1", (2, 256, 256)), ("correlation_reset", "u1", (2, 256, 256)),
    ("rate", "u1", (2, 256)), ("rate_reset", "u1", (2, 256)), ("cadc", "u1", (2, 256)),
    ("error", "S1024"), ("recording_size", "<u4"), ("pad2", "<u4"), ("recording", "u1", (MAX_RECORDING_BYTES,)),
], align=True)
