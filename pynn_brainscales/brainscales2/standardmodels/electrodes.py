"""Current sources: ``DCSource``, ``StepCurrentSource``, ``ACSource``, ``NoisyCurrentSource``.

PyNN's standard current sources, realised on the neuron's constant current (one CapMem cell
``i_mem_offset`` per neuron with a source/sink switch): the summed current of all sources of a
neuron (plus its own ``i_offset``) is written at the start of a run and rewritten at every
change inside the run, as timed writes of the realtime section (:mod:`..constant_current`).

* **Units.**  Times in the backend's ms (biological with ``setup(units="biological")``, else
  hardware).  Amplitudes in nA: model nA of the biological standard cells (scaled by their
  ``cm`` like ``i_offset``), hardware nA of the chip's current for ``HXNeuron`` and the
  calibrated hardware cells.
* **Time grid.**  ``StepCurrentSource`` times are rounded to the ``timestep`` of ``setup()``
  (as PyNN's NEURON and Brian2 backends do; duplicates after rounding keep the last amplitude).
  ``ACSource`` is a staircase and ``NoisyCurrentSource`` draws a new value every ``dt``: the
  staircase step is :func:`source_step` = ``max(timestep, 0.1 us hardware)`` (the emulator's
  integration step: the chip applies a written value at its next step).
* ``record()`` / ``get_data()``: the current the source delivers as written onto the chip
  (staircases and rounding included), sampled on the :func:`source_step` grid from the start
  of the segment to the current time; the chip has no current readout.

See docs/pynn.md, "Current sources", for the resolution and the limits.
"""
from __future__ import annotations

import numpy as np
from pyNN import errors
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.random import NumpyRNG
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

__all__ = ["DCSource", "StepCurrentSource", "ACSource", "NoisyCurrentSource", "source_step",
           "MIN_STEP_HW_MS"]

#: finest staircase step of ACSource / NoisyCurrentSource, hardware ms: the emulator's
#: integration step (a CapMem value written inside a step acts from the next step)
MIN_STEP_HW_MS = 1e-4
_EPS = 1e-9


def _state():
    from .. import simulator
    return simulator.state


def source_step() -> float:
    """The staircase step and recording grid of current sources, in the backend's ms:
    ``setup(timestep=...)``, at least 0.1 us of hardware time (0.1 ms biological)."""
    st = _state()
    return max(float(getattr(st, "timestep", 0.0)), MIN_STEP_HW_MS * st.speedup)


class _ChipCurrentSource(StandardCurrentSource):
    """Base of the backend's current sources: parameter storage, targets, recording.

    Subclasses define ``_changes(t0, t1)``: the piecewise-constant current over [t0, t1) as
    (times, values) with ``times[0] == t0`` (the value from t0 on) and the later change times
    inside (t0, t1)."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_targets", [])           # [(root population, indices)]
        object.__setattr__(self, "_recording", False)
        object.__setattr__(self, "_samples", [])          # [(times, values)] of executed runs
        ps = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        ps.update(**parameters)
        self.set_native_parameters(self.translate(ps))
        _state().current_sources.append(self)

    # -- parameters ----------------------------------------------------------------------
    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        values = {}
        for name, value in parameters.items():
            if isinstance(value, Sequence):
                value = np.asarray(value.value, dtype=float)
            elif np.ndim(value) == 0:
                value = float(value)
            else:
                raise errors.InvalidParameterValueError(
                    f"{type(self).__name__} parameter {name} must be one number, got {value!r}")
            values[name] = value
        self._check(values)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def get_native_parameters(self):
        return ParameterSpace({k: self.__getattribute__(k) for k in self.get_native_names()})

    def _check(self, values):
        for name, value in values.items():
            if not np.all(np.isfinite(value)) and not (name == "stop" and np.all(value == np.inf)):
                raise ValueError(f"{type(self).__name__} parameter {name} = {value!r} must be finite")
        start, stop = values.get("start", 0.0), values.get("stop", np.inf)
        if start < 0:
            raise ValueError(f"{type(self).__name__}: start = {start:g} ms must be >= 0")
        if stop < start:
            raise ValueError(f"{type(self).__name__}: stop = {stop:g} ms is before start = {start:g} ms")

    # -- targets -------------------------------------------------------------------------
    def inject_into(self, cells, location=None):
        """Inject this source's current into ``cells`` (Population, PopulationView, Assembly or a
        list of IDs) of on-chip neurons; TypeError for spike sources, NotImplementedError for
        ``location`` (point neurons: the whole neuron gets the current)."""
        if location is not None:
            raise NotImplementedError(f"{type(self).__name__}.inject_into(location={location!r}): injection at "
                                      "locations of multi-compartment neurons is not supported; the current "
                                      "goes into a whole neuron")
        for root, idx in _resolve(cells):
            if not root.celltype.is_on_chip or not root.celltype.injectable:
                raise TypeError(f"Can't inject current into a spike source ({type(root.celltype).__name__} "
                                f"population {root.label!r}): current sources need neurons on the chip")
            self._targets.append((root, np.asarray(idx, dtype=np.int64)))

    def targets_of(self, population):
        """Indices of ``population``'s neurons this source is injected into (may repeat)."""
        parts = [idx for root, idx in self._targets if root is population]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    # -- the waveform --------------------------------------------------------------------
    def value_at(self, t):
        """The current (nA) this source delivers at times ``t`` (array, the backend's ms)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = np.empty(len(t))
        for i, ti in enumerate(t):
            out[i] = self._changes(ti, ti + 1e-6 * max(1.0, abs(ti)))[1][0]
        return out

    def changes(self, t0, t1):
        """(times, values) of the current over [t0, t1): ``times[0] == t0``, then every change
        inside (t0, t1), in the backend's ms; values in nA."""
        times, values = self._changes(float(t0), float(t1))
        return np.asarray(times, dtype=float), np.asarray(values, dtype=float)

    def _window(self, t0, t1, on):
        """Changes of a current that is ``on(t)`` inside [start, stop) and 0 outside."""
        times, values = [t0], [on(t0) if self.start - _EPS <= t0 < self.stop - _EPS else 0.0]
        for edge in (self.start, self.stop):
            if t0 + _EPS < edge < t1 - _EPS:
                times.append(edge)
                values.append(on(edge) if edge == self.start else 0.0)
        order = np.argsort(times, kind="stable")
        return np.asarray(times)[order], np.asarray(values)[order]

    # -- recording -----------------------------------------------------------------------
    def record(self):
        """Record the current this source delivers (see the module doc)."""
        object.__setattr__(self, "_recording", True)

    def _record_span(self, t0, t1):
        """Samples of [t0, t1) on the source_step grid (taken when the span is built; kept when
        it ran, see ``_store_samples``)."""
        if not self._recording:
            return None
        g = source_step()
        k0, k1 = int(np.ceil(t0 / g - _EPS)), int(np.ceil(t1 / g - _EPS))
        t = np.arange(k0, k1) * g
        return t, self.value_at(t) if len(t) else np.zeros(0)

    def _store_samples(self, samples):
        if samples is not None and len(samples[0]):
            self._samples.append(samples)

    def _clear_samples(self):
        self._samples.clear()

    def _get_data(self):
        if not self._recording:
            raise RuntimeError(f"{type(self).__name__}: nothing recorded; call record() before the run to record "
                               f"its current")
        g = source_step()
        t_now = _state().t
        parts = list(self._samples)
        last = int(round(t_now / g))
        if abs(last * g - t_now) < _EPS * max(1.0, t_now):
            parts.append((np.array([last * g]), self.value_at([last * g])))
        if not parts:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _resolve(cells):
    """[(root population, indices)] of Population / PopulationView / Assembly / list of IDs."""
    if hasattr(cells, "populations"):                         # Assembly
        out = []
        for p in cells.populations:
            out += _resolve(p)
        return out
    if hasattr(cells, "all_cells") and hasattr(cells, "celltype"):
        root = getattr(cells, "grandparent", None) or cells
        if root is cells:
            return [(cells, np.arange(cells.size))]
        return [(root, np.asarray(cells.index_in_grandparent(np.arange(cells.size)), dtype=np.int64))]
    if hasattr(cells, "parent") and not isinstance(cells, (list, tuple)):   # a single ID
        cells = [cells]
    groups = {}
    for cell in cells:
        parent = getattr(cell, "parent", None)
        if parent is None:
            raise TypeError(f"inject_into: {cell!r} is not a cell of a Population")
        root = getattr(parent, "grandparent", None) or parent
        idx = parent.id_to_index(cell)
        if root is not parent:
            idx = parent.index_in_grandparent([idx])[0]
        groups.setdefault(id(root), (root, []))[1].append(int(idx))
    return [(root, np.asarray(idx, dtype=np.int64)) for root, idx in groups.values()]


class DCSource(_ChipCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__ + "\n    On BrainScaleS-2: see pynn_brainscales.brainscales2.standardmodels.electrodes."
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"))

    def _changes(self, t0, t1):
        return self._window(t0, t1, lambda t: self.amplitude)


class StepCurrentSource(_ChipCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__ + (
        "\n    On BrainScaleS-2 the times are rounded to setup()'s timestep (duplicates keep the last "
        "amplitude); see pynn_brainscales.brainscales2.standardmodels.electrodes.")
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        times = np.asarray(parameters["times"].value, dtype=float).reshape(-1)
        amps = np.asarray(parameters["amplitudes"].value, dtype=float).reshape(-1)
        if len(times) != len(amps):
            raise ValueError(f"StepCurrentSource: {len(times)} times but {len(amps)} amplitudes")
        if len(times):
            if not np.all(np.isfinite(times)) or not np.all(np.isfinite(amps)):
                raise ValueError("StepCurrentSource: times and amplitudes must be finite")
            if np.any(times < 0):
                raise ValueError(f"Step current cannot accept negative timestamps: {times[times < 0][0]:g} ms")
            if np.any(np.diff(times) <= 0):
                raise ValueError("Step current timestamps should be monotonically increasing: "
                                 f"{times.tolist()}")
            dt = float(getattr(_state(), "timestep", 0.0))
            if dt > 0:
                times = np.rint(times / dt) * dt
            keep = np.r_[times[1:] != times[:-1], True]       # equal after rounding: the last one wins
            times, amps = times[keep], amps[keep]
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "amplitudes", amps)

    def _changes(self, t0, t1):
        before = np.flatnonzero(self.times <= t0 + _EPS * max(1.0, abs(t0)))
        v0 = float(self.amplitudes[before[-1]]) if len(before) else 0.0
        inside = (self.times > t0 + _EPS * max(1.0, abs(t0))) & (self.times < t1 - _EPS * max(1.0, abs(t1)))
        return np.r_[t0, self.times[inside]], np.r_[v0, self.amplitudes[inside]]


class _Staircase(_ChipCurrentSource):
    """A source whose value changes every ``_step()`` ms from ``start`` on, inside [start, stop)."""

    def _step_values(self, k):
        raise NotImplementedError

    def _changes(self, t0, t1):
        step = self._step()
        start, stop = self.start, self.stop
        lo, hi = max(t0, start), min(t1, stop)
        times, values = [t0], [0.0]
        if lo < hi - _EPS:
            k0 = int(np.floor((lo - start) / step + _EPS))
            k1 = int(np.ceil((hi - start) / step - _EPS))
            ks = np.arange(k0, k1)
            kt = start + ks * step
            vals = self._step_values(ks)
            if t0 >= start - _EPS:
                values[0] = float(vals[0])
                kt, vals = kt[1:], vals[1:]
            times += kt.tolist()
            values += vals.tolist()
        if t0 + _EPS < stop < t1 - _EPS:
            times.append(stop)
            values.append(0.0)
        return np.asarray(times), np.asarray(values)


class ACSource(_Staircase, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__ + (
        "\n    On BrainScaleS-2 a staircase: the value at start + k * source_step() holds for one step "
        "(the phase is the phase at start); see pynn_brainscales.brainscales2.standardmodels.electrodes.")
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"), ("stop", "stop"),
                                      ("frequency", "frequency"), ("offset", "offset"), ("phase", "phase"))

    def _step(self):
        return source_step()

    def _step_values(self, k):
        t = np.asarray(k, dtype=float) * self._step()
        return self.offset + self.amplitude * np.sin(2 * np.pi * self.frequency * t / 1000.0
                                                     + np.deg2rad(self.phase))


class NoisyCurrentSource(_Staircase, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__ + (
        "\n    On BrainScaleS-2 the values are drawn on the host (``rng``, default a NumpyRNG seeded by "
        "setup(rng_seed=...)) and written every ``dt`` ms (dt >= source_step()); see "
        "pynn_brainscales.brainscales2.standardmodels.electrodes.")
    translations = build_translations(("mean", "mean"), ("start", "start"), ("stop", "stop"),
                                      ("stdev", "stdev"), ("dt", "dt"))

    def __init__(self, rng=None, **parameters):
        object.__setattr__(self, "_rng", rng)
        object.__setattr__(self, "_draws", np.zeros(0))
        super().__init__(**parameters)

    def _check(self, values):
        super()._check(values)
        dt = values.get("dt", 0.1)
        if dt <= 0:
            raise ValueError(f"NoisyCurrentSource: dt = {dt:g} ms must be positive")
        if values.get("stdev", 0.0) < 0:
            raise ValueError(f"NoisyCurrentSource: stdev = {values['stdev']:g} nA must be >= 0")

    def _step(self):
        g = source_step()
        if self.dt < g * (1 - 1e-6):
            st = _state()
            raise ValueError(f"NoisyCurrentSource dt = {self.dt:g} ms is below the finest step of the chip's "
                             f"current sources, {g:g} ms (setup timestep, at least 0.1 us of hardware time = "
                             f"{MIN_STEP_HW_MS * st.speedup:g} ms {st.units})")
        return self.dt

    def _step_values(self, k):
        k = np.asarray(k, dtype=np.int64)
        need = int(k.max()) + 1 if len(k) else 0
        if need > len(self._draws):
            if self._rng is None:
                object.__setattr__(self, "_rng", NumpyRNG(seed=_state().rng_seed + 1 + _state().current_sources.index(self)))
            more = np.asarray(self._rng.next(need - len(self._draws), "normal", {"mu": 0.0, "sigma": 1.0}),
                              dtype=float).reshape(-1)
            object.__setattr__(self, "_draws", np.r_[self._draws, more])
        return self.mean + self.stdev * self._draws[k]

    def _clear_samples(self):
        super()._clear_samples()
        object.__setattr__(self, "_draws", np.zeros(0))         # a new segment draws new values
