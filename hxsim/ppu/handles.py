"""Python kernels: the handles of :mod:`grenade.vx.ppu` headers over numpy arrays.

A rule's Python kernel is called as ``kernel(synapses, neurons, ppu, time)`` with lists of
:class:`SynapseView` / :class:`NeuronView` (one per projection / population, as the C++
kernel's ``std::array``), the running PPU (0 top, 1 bottom) and the time in PPU cycles.
Rows are numpy uint8 arrays of 256 entries (hardware columns); the methods mirror the C++
ones, so a rule written in both forms changes the same weights.
"""
from __future__ import annotations

import numpy as np

__all__ = ["SynapseView", "NeuronView"]


class SynapseView:
    """``SynapseArrayViewHandle`` over numpy: ``rows``, ``columns`` (hardware rows / columns of
    the view), ``hemisphere``, ``column_mask`` and the row methods."""

    def __init__(self, state, spec):
        self._st = state
        self.hemisphere = int(spec["hemisphere"])
        self.rows = np.asarray(spec["rows"], dtype=np.uint8)
        self.columns = np.asarray(spec["columns"], dtype=np.uint8)
        self.column_mask = np.zeros(256, dtype=np.uint8)
        self.column_mask[self.columns] = 1
        self._mask = self.column_mask.astype(bool)

    def _row(self, index_row: int) -> int:
        if not 0 <= index_row < len(self.rows):
            raise IndexError(f"row index {index_row} outside 0..{len(self.rows) - 1} of the view")
        return int(self.rows[index_row])

    def get_weights(self, index_row: int) -> np.ndarray:
        """The 6-bit weights of hardware row ``rows[index_row]`` (a copy, 256 uint8)."""
        return self._st["weights"][self.hemisphere][self._row(index_row)].copy()

    def set_weights(self, value, index_row: int) -> None:
        """Write ``value`` (256 entries; the low 6 bits) at the view's columns of the row."""
        value = np.asarray(value).astype(np.int64) & 63
        if value.shape != (256,):
            raise ValueError(f"a row has 256 entries, got shape {value.shape}")
        r = self._row(index_row)
        self._st["weights"][self.hemisphere][r][self._mask] = value[self._mask]
        self._st["weights_dirty"][self.hemisphere][r][self._mask] = 1

    def get_causal_correlation(self, index_row: int) -> np.ndarray:
        """Causal correlation sensor readouts of the row (CADC LSB, 256 uint8)."""
        return self._st["causal"][self.hemisphere][self._row(index_row)].copy()

    def get_acausal_correlation(self, index_row: int) -> np.ndarray:
        """Acausal correlation sensor readouts of the row (CADC LSB, 256 uint8)."""
        return self._st["acausal"][self.hemisphere][self._row(index_row)].copy()

    def get_correlation(self, index_row: int, reset: bool):
        """(causal, acausal) of the row; with ``reset`` the view's sensors are reset."""
        out = (self.get_causal_correlation(index_row), self.get_acausal_correlation(index_row))
        if reset:
            self.reset_correlation(index_row)
        return out

    def reset_correlation(self, index_row: int) -> None:
        """Reset the view's correlation sensors of the row (after the call)."""
        self._st["correlation_reset"][self.hemisphere][self._row(index_row)][self._mask] = 1


class NeuronView:
    """``NeuronViewHandle`` over numpy: ``columns``, ``hemisphere``, rate counters and CADC
    membrane readouts."""

    def __init__(self, state, spec):
        self._st = state
        self.hemisphere = int(spec["hemisphere"])
        self.columns = np.asarray(spec["columns"], dtype=np.uint8)

    def get_rate_counter(self, column_index: int, reset: bool) -> int:
        """Spikes of neuron ``columns[column_index]`` since its last reset (at most 255)."""
        c = int(self.columns[column_index])
        v = int(self._st["rate"][self.hemisphere][c])
        if reset:
            self._st["rate_reset"][self.hemisphere][c] = 1
        return v

    def get_rate_counters(self, reset: bool) -> np.ndarray:
        """The counters at the view's columns (others 0), 256 uint8."""
        out = np.zeros(256, dtype=np.uint8)
        out[self.columns] = self._st["rate"][self.hemisphere][self.columns]
        if reset:
            self._st["rate_reset"][self.hemisphere][self.columns] = 1
        return out

    def get_analog_readouts(self) -> np.ndarray:
        """CADC readouts of the membranes at the view's columns (others 0), 256 uint8."""
        out = np.zeros(256, dtype=np.uint8)
        out[self.columns] = self._st["cadc"][self.hemisphere][self.columns]
        return out
