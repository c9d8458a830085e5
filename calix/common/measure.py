"""Measurement primitives, all through stadls programs on any connection.

* **CADC, all 512 neurons at once.** :class:`CADCNeuronSamples` is a read-only
  container at :class:`CADCNeuronSamplesOnDLS` (registered with stadls), so
  ``builder.read(CADCNeuronSamplesOnDLS())`` appends the 128 triggered
  ``CADCSampleQuad`` reads of synapse row 0 (causal channels) of both
  hemispheres and ``ticket.get()`` is an int array (512,) by
  ``AtomicNeuronOnDLS`` enum, decoded in one vectorized step.
  :func:`cadc_trace` places such reads at given times (a membrane trace of all
  neurons from one program).
* **Spike counters.** :func:`reset_spike_counters` / :func:`read_spike_counts`
  (``SpikeCounterReset`` triggers, ``SpikeCounterRead`` of all neurons as one
  container read, overflow-aware).
* **MADC.** :func:`madc_record` records one neuron per channel (even/odd
  column) for a time; the samples come back in ``program.madc_samples``.
* **Correlation.** :func:`read_correlation` reads the causal/acausal CADC
  channels of synapse rows.

Timing: the reads answer at the FPGA time at which the executor reaches them,
so ``builder.wait_until(t)`` before a read samples at ``t``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

import numpy as np

import halco
import haldls
from haldls.register_map import FPGA_CLOCK_CYCLES_PER_US
import stadls
from stadls.registry import register_container

__all__ = ["CADCNeuronSamplesOnDLS", "CADCNeuronSamples", "SpikeCountsOnDLS", "SpikeCounts",
           "CorrelationSamplesOnDLS", "CorrelationSamples", "cadc_read_neurons", "cadc_trace",
           "reset_spike_counters", "read_spike_counts", "neuron_reset", "madc_record", "madc_traces",
           "read_correlation", "N_NEURONS", "CYCLES_PER_US"]

N_NEURONS = halco.AtomicNeuronOnDLS.size
CYCLES_PER_US = FPGA_CLOCK_CYCLES_PER_US


class _SingleCoordinate:
    """A value-semantics coordinate with a single instance."""

    size = 1

    def toEnum(self):  # noqa: N802 - halco spelling
        return halco.Enum(0)

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        return f"{type(self).__name__}()"


class CADCNeuronSamplesOnDLS(_SingleCoordinate):
    """All 512 neuron CADC channels (causal, triggered, row 0)."""


class SpikeCountsOnDLS(_SingleCoordinate):
    """All 512 spike counters."""


@lru_cache(maxsize=None)
def _cadc_layout(row: int = 0, channel_type: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """(addresses (128,), neuron enum of each (quad, entry) (128, 4))."""
    enums, neurons = [], []
    for s in range(halco.SynramOnDLS.size):
        for q in range(halco.SynapseQuadColumnOnDLS.size):
            quad = halco.SynapseQuadColumnOnDLS(q)
            c = halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
                halco.SynapseQuadOnSynram(quad, halco.SynapseRowOnSynram(row)),
                halco.CADCChannelType(channel_type), halco.CADCReadoutType(0)), halco.SynramOnDLS(s))
            enums.append(int(c.toEnum()))
            neurons.append([s * 256 + int(col) for col in quad.toNeuronColumnOnDLS()])
    addresses = haldls.CADCSampleQuad.register.addresses(np.array(enums, dtype=np.int64))[:, 0]
    neurons = np.array(neurons, dtype=np.int64)
    # neuron enum = row * 256 + column with row = hemisphere (checked once)
    a = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(17), halco.NeuronRowOnDLS.bottom)
    assert int(a.toEnum()) == 256 + 17
    addresses.flags.writeable = False
    neurons.flags.writeable = False
    return addresses, neurons


class CADCNeuronSamples:
    """Read-only container: the CADC sample of every neuron (int64 (512,))."""

    def __init__(self, samples=None):
        self.samples = np.zeros(N_NEURONS, np.int64) if samples is None else np.asarray(samples, np.int64)

    @staticmethod
    def coordinate_type():
        return CADCNeuronSamplesOnDLS

    @staticmethod
    def read_plan(coord) -> np.ndarray:
        return _cadc_layout()[0]

    @staticmethod
    def decode_read(coord, words):
        return decode_cadc_words(words)

    def write_plan(self, coord):
        raise TypeError("CADCNeuronSamples is read-only")


def decode_cadc_words(words) -> np.ndarray:
    """The (512,) samples from the 128 read words (by neuron enum)."""
    _, neurons = _cadc_layout()
    samples = haldls.CADCSampleQuad.decode_array(np.asarray(words, dtype=np.uint32).reshape(-1, 1))["samples"]
    out = np.empty(N_NEURONS, dtype=np.int64)
    out[neurons.reshape(-1)] = np.asarray(samples).reshape(-1)
    return out


@lru_cache(maxsize=None)
def _spike_counter_addresses() -> Tuple[np.ndarray, np.ndarray]:
    read = np.array([int(n.toSpikeCounterReadOnDLS().toEnum()) for n in halco.iter_all(halco.AtomicNeuronOnDLS)])
    reset = np.array([int(n.toSpikeCounterResetOnDLS().toEnum()) for n in halco.iter_all(halco.AtomicNeuronOnDLS)])
    return (haldls.SpikeCounterRead.register.addresses(read)[:, 0],
            haldls.SpikeCounterReset.register.addresses(reset)[:, 0])


class SpikeCounts:
    """Read-only container: spike counter of every neuron; ``counts`` (512,)
    and ``overflow`` (512,) by AtomicNeuronOnDLS enum."""

    def __init__(self, counts=None, overflow=None):
        self.counts = np.zeros(N_NEURONS, np.int64) if counts is None else np.asarray(counts)
        self.overflow = np.zeros(N_NEURONS, bool) if overflow is None else np.asarray(overflow, bool)

    @staticmethod
    def coordinate_type():
        return SpikeCountsOnDLS

    @staticmethod
    def read_plan(coord):
        return _spike_counter_addresses()[0]

    @staticmethod
    def decode_read(coord, words):
        d = haldls.SpikeCounterRead.decode_array(np.asarray(words, dtype=np.uint32).reshape(-1, 1))
        return SpikeCounts(np.asarray(d["count"]).reshape(-1), np.asarray(d["overflow"]).reshape(-1))

    def write_plan(self, coord):
        raise TypeError("SpikeCounts is read-only")


class CorrelationSamplesOnDLS:
    """Causal and acausal CADC samples of the given synapse rows of one synram."""

    def __init__(self, synram: int, rows: Sequence[int]):
        self.synram = int(synram)
        self.rows = tuple(int(r) for r in rows)

    def __eq__(self, other):
        return isinstance(other, CorrelationSamplesOnDLS) and (self.synram, self.rows) == (other.synram, other.rows)

    def __hash__(self):
        return hash((self.synram, self.rows))

    def __repr__(self):
        return f"CorrelationSamplesOnDLS(synram={self.synram}, rows={self.rows})"


@lru_cache(maxsize=None)
def _correlation_layout(synram: int, rows: Tuple[int, ...]):
    enums, columns = [], None
    for ct in range(2):
        for r in rows:
            for q in range(halco.SynapseQuadColumnOnDLS.size):
                quad = halco.SynapseQuadColumnOnDLS(q)
                c = halco.CADCSampleQuadOnDLS(halco.CADCSampleQuadOnSynram(
                    halco.SynapseQuadOnSynram(quad, halco.SynapseRowOnSynram(r)),
                    halco.CADCChannelType(ct), halco.CADCReadoutType(0)), halco.SynramOnDLS(synram))
                enums.append(int(c.toEnum()))
    columns = np.array([[int(col) for col in halco.SynapseQuadColumnOnDLS(q).toNeuronColumnOnDLS()]
                        for q in range(halco.SynapseQuadColumnOnDLS.size)], dtype=np.int64).reshape(-1)
    return haldls.CADCSampleQuad.register.addresses(np.array(enums, np.int64))[:, 0], columns


class CorrelationSamples:
    """Read-only container: ``causal`` and ``acausal`` (len(rows), 256) by column."""

    def __init__(self, causal, acausal):
        self.causal, self.acausal = causal, acausal

    @staticmethod
    def read_plan(coord):
        return _correlation_layout(coord.synram, coord.rows)[0]

    @staticmethod
    def decode_read(coord, words):
        _, columns = _correlation_layout(coord.synram, coord.rows)
        s = haldls.CADCSampleQuad.decode_array(np.asarray(words, np.uint32).reshape(-1, 1))["samples"]
        s = np.asarray(s).reshape(2, len(coord.rows), -1)
        out = np.empty_like(s)
        out[:, :, columns] = s
        return CorrelationSamples(out[0], out[1])


register_container("CADCNeuronSamplesOnDLS", CADCNeuronSamples)
register_container("SpikeCountsOnDLS", SpikeCounts)
register_container("CorrelationSamplesOnDLS", CorrelationSamples)


# -- program snippets ------------------------------------------------------------------------

def cadc_read_neurons(builder: stadls.PlaybackProgramBuilder):
    """Append one CADC read of all 512 neurons; returns the ticket
    (``ticket.get()`` -> int64 (512,))."""
    return builder.read(CADCNeuronSamplesOnDLS())


def cadc_trace(builder: stadls.PlaybackProgramBuilder, times_cycles: Sequence[int]) -> List:
    """Append CADC reads of all neurons at the given FPGA timer values
    (cycles, increasing, relative to the last timer reset); returns the tickets.
    Stack them with ``np.stack([t.get() for t in tickets])`` -> (n_times, 512)."""
    tickets = []
    last = -1
    for t in np.asarray(times_cycles, dtype=np.int64):
        if t < last:
            raise ValueError("cadc_trace times must be non-decreasing")
        builder.wait_until(int(t))
        tickets.append(builder.read(CADCNeuronSamplesOnDLS()))
        last = t
    return tickets


def reset_spike_counters(builder: stadls.PlaybackProgramBuilder, neurons: Optional[np.ndarray] = None) -> None:
    """Append SpikeCounterReset triggers (all neurons, or the given enums)."""
    addresses = _spike_counter_addresses()[1]
    if neurons is not None:
        addresses = addresses[np.asarray(neurons, dtype=np.int64)]
    builder.write_words(addresses, np.zeros(len(addresses), dtype=np.uint32))


def read_spike_counts(builder: stadls.PlaybackProgramBuilder):
    """Append reads of all 512 spike counters; ``ticket.get()`` -> SpikeCounts."""
    return builder.read(SpikeCountsOnDLS())


def neuron_reset(builder: stadls.PlaybackProgramBuilder, neurons: Optional[np.ndarray] = None) -> None:
    """Append NeuronReset triggers (membrane to its reset potential; refractory)."""
    enums = np.array([int(n.toNeuronResetOnDLS().toEnum()) for n in halco.iter_all(halco.AtomicNeuronOnDLS)]) \
        if neurons is None else np.array([int(halco.AtomicNeuronOnDLS.from_enum(int(i)).toNeuronResetOnDLS().toEnum())
                                          for i in np.asarray(neurons).reshape(-1)])
    addresses = haldls.NeuronReset.register.addresses(enums)[:, 0]
    builder.write_words(addresses, np.zeros(len(addresses), dtype=np.uint32))


def read_correlation(builder: stadls.PlaybackProgramBuilder, synram: int, rows: Sequence[int]):
    """Append CADC reads of the correlation channels (causal, acausal) of the
    given rows; ``ticket.get()`` -> CorrelationSamples."""
    return builder.read(CorrelationSamplesOnDLS(synram, rows))


# -- MADC ----------------------------------------------------------------------------------

def madc_record(builder: stadls.PlaybackProgramBuilder, neuron_even: Optional[int], neuron_odd: Optional[int],
                start_cycles: int, duration_cycles: int, source: str = "membrane") -> None:
    """Append an MADC recording of up to two neurons (one on an even, one on an
    odd column) from ``start_cycles`` for ``duration_cycles``.

    The caller must have enabled the neurons' readout (``readout.enable_buffered_access``,
    ``readout.source``) and the readout chain; the samples arrive in
    ``program.madc_samples`` (channel 0 = even, 1 = odd column).
    """
    sel = haldls.ReadoutSourceSelection()
    for mux, n in ((0, neuron_even), (1, neuron_odd)):
        if n is None:
            continue
        col = int(halco.AtomicNeuronOnDLS.from_enum(int(n)).toNeuronColumnOnDLS())
        if col % 2 != mux:
            raise ValueError(f"neuron {n} (column {col}) cannot use MADC channel {mux}: "
                             f"channel 0 records even columns, channel 1 odd ones")
        if mux == 0:
            sel.neuron_even[0] = True
        else:
            sel.neuron_odd[1] = True
        sel.enable_buffered[mux] = True
    builder.write(halco.ReadoutSourceSelectionOnDLS(), sel)
    builder.wait_until(int(start_cycles))
    builder.write(halco.MADCControlOnDLS(), haldls.MADCControl(wake_up=True, enable_pre_amplifier=True,
                                                                 enable_continuous_sampling=True,
                                                                 start_recording=True))
    builder.wait_until(int(start_cycles + duration_cycles))
    builder.write(halco.MADCControlOnDLS(), haldls.MADCControl(stop_recording=True, enable_pre_amplifier=True))


def madc_traces(samples: np.ndarray, t0_cycles: int = 0):
    """Split ``program.madc_samples`` into per-channel (times_us, values)."""
    out = {}
    for ch in (0, 1):
        s = samples[samples["channel"] == ch]
        out[ch] = ((s["chip_time"].astype(np.int64) - t0_cycles) / CYCLES_PER_US, s["value"].astype(float))
    return out
