"""Recorder: spikes of all neurons; analog variables on the MADC (two neurons per execution, more
re-run the network; one variable per neuron) or the membrane on the CADC (many neurons, sampled
every ``sampling_interval``); the analog
pads (``device="pad_0"`` ... ``"pad_1_unbuffered"``) are accepted and return no data, as public.

Data of the current segment are kept per recorder and appended run after run (continued
runs); ``reset()`` stores them as a Neo segment (PyNN's cache) and starts over.  Within a
segment the data are split into *parts* (``simulator.State.parts``): every snippet of a
``RunCommand.APPEND`` execution is a part of its own (one spike train and one signal per
neuron and snippet, times from the segment start, as the public backend), consecutive plain
``run(t)`` calls extend one part (one train per neuron, as PyNN's other backends).
"""
from datetime import datetime

import neo
import numpy as np
import quantities as pq
from pyNN import recording

from . import simulator

DEVICES = ("madc", "cadc")
# the two analog output pads: "pad_<n>[_buffered|_unbuffered]" (buffered by default, as public)
PAD_DEVICES = tuple(f"pad_{n}{mode}" for n in (0, 1) for mode in ("", "_buffered", "_unbuffered"))
# default CADC sampling interval, hardware ms (1 us: 200 samples in a 0.2 ms run); the standard cells
# in biological units sample on their recording grid (PyNN's sampling_interval, default the timestep)
CADC_DEFAULT_INTERVAL_MS = 1e-3


# grid points within this fraction of a step of the start / the current time belong to the grid
GRID_TOLERANCE = 1e-6


def _on_grid(times, values, step, k0, n, tolerance):
    """Samples taken on the grid (CADC reads at multiples of ``step``, ``tolerance`` ms for the
    rounding to FPGA cycles) placed at their grid points ``k0 .. k0 + n - 1``; NaN elsewhere."""
    out = np.full(n, np.nan)
    k = np.rint(times / step).astype(np.int64)
    keep = (np.abs(times - k * step) <= tolerance) & (k >= k0) & (k < k0 + n)
    out[k[keep] - k0] = values[keep]
    return out


def _interpolated(times, values, grid):
    """Samples at their own times (the MADC's) linearly interpolated at the ``grid`` times; a grid
    point more than a few sample intervals away from the samples (the neuron not recorded then)
    is NaN, one just beyond the first or last sample takes that sample."""
    out = np.full(len(grid), np.nan)
    if len(times) < 2:
        return out
    max_gap = 4.0 * float(np.median(np.diff(times)))
    j = np.searchsorted(times, grid)
    lo, hi = np.clip(j - 1, 0, len(times) - 1), np.clip(j, 0, len(times) - 1)
    t_lo, t_hi = times[lo], times[hi]
    span = t_hi - t_lo
    weight = np.divide(grid - t_lo, span, out=np.zeros(len(grid)), where=span > 0)
    value = values[lo] + weight * (values[hi] - values[lo])
    outside = np.maximum(times[0] - grid, grid - times[-1])
    ok = (span <= max_gap) & (outside <= max_gap)
    out[ok] = value[ok]
    return out


def _filter_segment(segment, variables, locations=None):
    """A new Segment with copies of the recordings of ``variables`` (names, or "all") and, for
    multicompartment neurons, ``locations`` (compartment labels, or None: all); the stored
    segment is not touched."""
    if variables == "all" and locations is None:
        return segment
    names = None if variables == "all" else {getattr(v, "name", v) for v in variables}
    labels = None if locations is None else set(locations)

    def wanted(sig):
        return (names is None or sig.name in names) and (labels is None or _signal_location(sig) in labels)

    new = neo.Segment(name=segment.name, description=segment.description, rec_datetime=segment.rec_datetime,
                      **segment.annotations)
    if names is None or "spikes" in names:
        new.spiketrains = [st.copy() for st in segment.spiketrains]
    new.analogsignals = [sig.copy() for sig in segment.analogsignals if wanted(sig)]
    new.irregularlysampledsignals = [sig.copy() for sig in segment.irregularlysampledsignals if wanted(sig)]
    return new


def _extend(objects, items):
    """``objects.extend(items)`` for a neo ObjectList whose parent links the items already carry:
    neo checks every appended item against all earlier ones (quadratic in the number of spike
    trains), which cannot fail for freshly made trains."""
    store = getattr(objects, "_items", None)
    if isinstance(store, list):
        store.extend(items)
    else:
        objects.extend(items)


def _location_annotations(variable) -> dict:
    """Neo annotations naming the compartment of a multicompartment recording."""
    if variable.location is None:
        return {}
    return {"source_locations": [variable.label], "source_compartments": [int(variable.location)]}


def _site(site) -> str:
    i, location = site
    return f"{i}" if location is None else f"{i} (compartment {location})"


def _signal_location(signal):
    """The compartment label of a multicompartment recording (None for point neurons)."""
    locations = signal.annotations.get("source_locations")
    return locations[0] if locations else None


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._device = {}                 # variable name -> "madc" / "cadc"
        self._next_device = None          # set by Population.record(..., device=)
        self.pad_recordings = {}          # pad (0, 1) -> (neuron id, variable, buffered)
        self.cadc_interval = CADC_DEFAULT_INTERVAL_MS * simulator.state.speedup
        if self._biological:
            self.cadc_interval = self.sampling_interval       # the recording grid (setup's timestep)
        self._clear_data()

    @property
    def _biological(self):
        return bool(self.population.celltype.is_biological)

    # -- what is recorded -------------------------------------------------------------------
    def record(self, variables, ids, sampling_interval=None, locations=None, device=None):
        """PyNN's record plus ``device``: ``"madc"`` (default; every analog variable, one per neuron;
        two neurons, one even and one odd column, per execution: more neurons re-run the network,
        see docs/pynn.md) or ``"cadc"`` (membrane ``v`` of any number of neurons,
        sampled every ``sampling_interval`` ms, default 1 us of hardware time).  The standard cells
        in biological units default to ``"auto"``: "v" on the MADC while it fits (two neurons in
        columns of different parity), else on the CADC every 0.1 ms."""
        device = device or self._next_device or ("auto" if self._biological else "madc")
        if device not in DEVICES + PAD_DEVICES + ("auto",):
            raise ValueError(f"unknown recording device {device!r}; supported: {', '.join(DEVICES)}, "
                             f"pad_0 / pad_1 (optionally _buffered or _unbuffered)")
        if device in PAD_DEVICES:
            # a pad is a wire to a pin, not a data channel: it takes no place among the recorded
            # variables, so the same membrane may also go to the MADC (before or after), as public
            names = [variables] if isinstance(variables, str) else list(variables)
            analog = [n for n in names if n != "spikes"]
            for name in analog:
                self._record_pad(name, [i for i in ids if i.local], device)
            if "spikes" in names:
                super().record(["spikes"], ids, sampling_interval=None, locations=locations)
            return
        if self._biological and sampling_interval is not None:
            # PyNN's rule: one recording grid per population (spikes aside)
            self._check_sampling_interval(float(sampling_interval))
        self._call_device = device
        self._call_interval = sampling_interval
        try:
            super().record(variables, ids, sampling_interval=None, locations=locations)
        finally:
            self._call_device = "madc"
            self._call_interval = None

    def _variable_ids(self, name):
        """Ids recording ``name`` without a location (point neurons)."""
        for v, ids in self.recorded.items():
            if v.name == name and v.location is None:
                return ids
        return set()

    def _sites(self, name):
        """{(id, location)} recording ``name`` (location: a compartment index, None for point neurons)."""
        return {(int(i), v.location) for v, ids in self.recorded.items() if v.name == name for i in ids}

    def madc_sites(self):
        """[(variable, population index, compartment or None)] of the analog signals on the MADC."""
        out = []
        for var in simulator.RECORDABLE_ANALOG:
            if self._device.get(var, "madc") == "madc":
                out += sorted((var, self.population.id_to_index(i), loc) for i, loc in self._sites(var))
        return [(var, int(index), loc) for var, index, loc in out]

    def cadc_sites(self):
        """[(population index, compartment or None)] of the membranes sampled by the CADC."""
        if self._device.get("v") != "cadc":
            return []
        return sorted((int(self.population.id_to_index(i)), loc) for i, loc in self._sites("v"))

    def cadc_indices(self):
        """Population indices of the neurons whose membrane is sampled by the CADC."""
        if self._device.get("v") != "cadc":
            return []
        return sorted(self.population.id_to_index(int(i)) for i in self._variable_ids("v"))

    def _record(self, variable, new_ids, sampling_interval=None):
        try:
            self._record_checked(variable, new_ids)
        except BaseException:
            # PyNN added the ids before calling _record: a refused request records nothing
            if hasattr(variable, "name"):
                self.recorded[variable] = self.recorded[variable].difference(new_ids)
            raise

    def _record_checked(self, variable, new_ids):
        name = variable.name if hasattr(variable, "name") else variable
        device = getattr(self, "_call_device", "madc")
        interval = getattr(self, "_call_interval", None)
        if name == "spikes":
            return
        if name not in simulator.RECORDABLE_ANALOG:
            raise ValueError(f"cannot record {name!r}; recordable: spikes, "
                             f"{', '.join(simulator.RECORDABLE_ANALOG)}")
        if device == "auto":
            device = self._auto_device(name, new_ids)
        previous = self._device.get(name)
        location = getattr(variable, "location", None)
        if previous is not None and previous != device and \
                len(self._sites(name) - {(int(i), location) for i in new_ids}):
            raise ValueError(f"{name!r} of this population is already recorded on the {previous.upper()}; one "
                             f"device per variable and population")
        for pad, (cell, var, _) in self.pad_recordings.items():
            if var != name and cell in {int(i) for i in new_ids}:
                raise ValueError(f"neuron id {cell} sends {var!r} to analog pad {pad}; a neuron's readout carries "
                                 f"one analog variable, record {var!r} or move the pad")
        if interval is not None:
            interval = float(interval)
            step_min = simulator.state.speedup / simulator.FPGA_CYCLES_PER_MS
            if not np.isfinite(interval) or interval < step_min:
                raise ValueError(f"sampling_interval must be at least one FPGA cycle ({step_min:g} ms), "
                                 f"got {interval}")
            if self._biological:
                # the grid of the AnalogSignal: the CADC reads on it, the MADC is resampled onto it
                self.sampling_interval = self.cadc_interval = interval
        if device == "cadc":
            if name != "v":
                raise ValueError(f"the CADC samples the membrane only (record 'v'), got {name!r}; record "
                                 f"{name!r} on the MADC")
            if interval is not None:
                self.cadc_interval = interval
            self._device[name] = "cadc"
            return
        if interval is not None and not self._biological and interval != self._simulator.state.dt:
            raise ValueError("sampling_interval is not supported on the MADC (it samples continuously); "
                             "use device='cadc' for a chosen interval")
        self._device[name] = "madc"
        # one analog variable per MADC site (neuron, compartment) over all populations; the sites
        # are read two per execution (one even, one odd column), more sites take more executions
        per_site = {}
        for pop in simulator.state.populations:
            for v, ids in pop.recorder.recorded.items():
                if v.name in simulator.RECORDABLE_ANALOG and pop.recorder._device.get(v.name, "madc") == "madc":
                    for i in ids:
                        per_site.setdefault((int(i), v.location), set()).add(v.name)
        for i in new_ids:
            per_site.setdefault((int(i), location), set()).add(name)
        multi = [site for site, vs in per_site.items() if len(vs) > 1]
        if multi:
            raise ValueError(f"MADC recording: one analog variable per neuron, neuron id {_site(multi[0])} would "
                             f"record {sorted(per_site[multi[0]])}")

    def _record_pad(self, name, new_ids, device):
        """Connect ``name`` of the neurons ``new_ids`` to an analog output pad (public
        ``device="pad_[0|1][_buffered|_unbuffered]"``): one neuron per pad over the whole network.
        The emulated chip has no physical pins, so, as on hardware, the recording returns no data."""
        if name not in simulator.RECORDABLE_ANALOG:
            raise ValueError(f"a pad carries an analog variable ({', '.join(simulator.RECORDABLE_ANALOG)}), "
                             f"got {name!r}")
        pad = int(device.split("_")[1])
        buffered = not device.endswith("_unbuffered")
        ids = sorted(int(i) for i in new_ids)
        for pop in simulator.state.populations:
            for (other_pad, (cell, var, _)) in pop.recorder.pad_recordings.items():
                if other_pad == pad and (pop is not self.population or cell not in ids or var != name):
                    raise ValueError(f"analog pad {pad} already records {var!r} of neuron id {cell} "
                                     f"({pop.label!r}); each of the two pads takes one neuron")
        if len(ids) != 1:
            raise ValueError(f"device {device!r}: a pad records one neuron, got {len(ids)} (record a "
                             f"PopulationView such as pop[0:1])")
        other = next((v.name for v, rec in self.recorded.items()
                      if v.name in simulator.RECORDABLE_ANALOG and v.name != name and ids[0] in {int(i) for i in rec}),
                     None)
        if other is not None:
            raise ValueError(f"neuron id {ids[0]} already records {other!r}; a neuron's readout carries one analog "
                             f"variable, so pad {pad} can take {other!r} of it only")
        self.pad_recordings[pad] = (ids[0], name, buffered)

    def _madc_neurons(self, extra=()):
        """{neuron id: column} of all MADC recordings (plus ``extra`` ids of this population)."""
        atoms = {p: a for p, a in simulator.state._on_chip_atoms()}
        out = {}
        for pop in simulator.state.populations:
            if pop not in atoms:
                continue
            for v, ids in pop.recorder.recorded.items():
                if v.name in simulator.RECORDABLE_ANALOG and pop.recorder._device.get(v.name, "madc") == "madc":
                    for i in ids:
                        out[int(i)] = int(atoms[pop][pop.id_to_index(int(i))]) % 256
        for i in extra:
            out[int(i)] = int(atoms[self.population][self.population.id_to_index(int(i))]) % 256
        return out

    def _auto_device(self, name, new_ids):
        if name != "v":
            return "madc"
        if name in self._device:
            return self._device[name]
        cols = self._madc_neurons(new_ids)
        fits = len(cols) <= 1 or (len(cols) == 2 and len({c % 2 for c in cols.values()}) == 2)
        return "madc" if fits else "cadc"

    def get(self, variables, gather=False, filter_ids=None, clear=False, annotations=None, locations=None):
        st = self._simulator.state
        if not list(self.cache) and not st.running:
            # PyNN would fail on the empty segment list with an IndexError deep in neo
            if self.population not in st.populations:
                why = "the population belongs to a network before the last setup()"
            elif st.pending:
                why = (f"{len(st.pending)} appended snippet(s) have not been executed: call "
                       f"run(None, RunCommand.EXECUTE) first")
            else:
                why = "nothing has run since setup() / reset(): call run() first"
            raise RuntimeError(f"no recorded data of {self.population.label!r} yet: {why}")
        # PyNN's get() with the filter of the stored segments replaced: PyNN's filter_by_variables
        # shallow-copies a neo Segment and assigns [] to its spiketrains, which clears the list it
        # shares with the stored segment (get_data("v") after reset() deleted that segment's spikes)
        data = neo.Block()
        localized = self._select_variables(variables, locations)
        if isinstance(variables, str) and variables != "all":
            variables = [variables]
        if isinstance(locations, str):
            locations = [locations]
        data.segments = [_filter_segment(segment, variables, locations) for segment in self.cache]
        if st.running:
            data.segments.append(self._get_current_segment(filter_ids=filter_ids, variables=localized, clear=clear))
        for segment in data.segments:
            segment.block = data
        data.name = self.population.label
        data.description = self.population.describe()
        data.rec_datetime = data.segments[0].rec_datetime
        data.annotate(**self.metadata)
        if annotations:
            data.annotate(**annotations)
        if clear:
            self.clear()
        return data

    # -- data of the current segment ------------------------------------------------------------
    def _clear_data(self):
        self._spike_parts = []            # [(part, population indices, times in user ms)]
        # (variable, population index, compartment or None) -> [(part, times, values)]
        self._signal_parts = {}

    def _store_spikes(self, indices, times, part=0):
        if len(times):
            self._spike_parts.append((int(part), np.asarray(indices, np.int64), np.asarray(times, float)))

    def _store_signal(self, variable, index, times, values, part=0, compartment=None):
        """Append samples of ``variable`` of neuron ``index`` (``compartment``: of a multicompartment
        neuron, None for point neurons)."""
        if self.population.celltype.is_biological:
            from . import biological
            values = biological.to_model_units(variable, values, self.population, index)
        self._signal_parts.setdefault((variable, int(index), compartment), []).append((int(part), times, values))

    def _index_of(self, ids) -> np.ndarray:
        """Indices in the population of the cell ids ``ids`` (int64 array; ValueError naming the
        range for an id outside it). PyNN's ``id_to_index`` compares numpy arrays with its ID
        objects, which asks every ID for numpy attributes through PyNN's parameter lookup (~2 ms
        per call)."""
        pop = self.population
        first, last = getattr(pop, "first_id", None), getattr(pop, "last_id", None)
        if first is None or last is None:
            return np.asarray(pop.id_to_index([int(i) for i in ids]), np.int64).reshape(-1) if len(ids) else \
                np.zeros(0, np.int64)
        a = np.fromiter((int(i) for i in ids), dtype=np.int64, count=len(ids))
        first, last = int(first), int(last)
        if a.size and (a.min() < first or a.max() > last):
            raise ValueError(f"ids should be in the range [{first},{last}], actually [{a.min()}, {a.max()}]")
        return a - first

    def _spikes_by_part(self, ids):
        """{part: {id: sorted spike times}} of the current segment (ms from the segment start)."""
        out = {}
        if not self._spike_parts:
            return out
        part = np.concatenate([np.full(len(p[1]), p[0]) for p in self._spike_parts])
        idx = np.concatenate([p[1] for p in self._spike_parts])
        t = np.concatenate([p[2] for p in self._spike_parts])
        order = np.lexsort((t, part))
        part, idx, t = part[order], idx[order], t[order]
        ids = [int(i) for i in ids]
        index = self._index_of(ids)
        for k in np.unique(part):
            sel = part == k
            ti, tt = idx[sel], t[sel]
            order = np.argsort(ti, kind="stable")          # by neuron, times stay sorted within
            ti, tt = ti[order], tt[order]
            lo, hi = np.searchsorted(ti, index, "left"), np.searchsorted(ti, index, "right")
            out[int(k)] = {i: tt[a:b] for i, a, b in zip(ids, lo.tolist(), hi.tolist())}
        return out

    def _get_spiketimes(self, ids, clear=False):
        """{id: spike times} over all parts (PyNN's spike counts)."""
        out = {int(i): np.zeros(0) for i in ids}
        for trains in self._spikes_by_part(ids).values():
            for i, t in trains.items():
                out[i] = np.concatenate([out[i], t])
        return out

    def _signal(self, variable, index, part=None, compartment=None):
        parts = [p for p in self._signal_parts.get((variable, int(index), compartment), [])
                 if part is None or p[0] == part]
        if not parts:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])

    def _get_all_signals(self, variable, ids, clear=False):
        name = variable.name if hasattr(variable, "name") else variable
        traces = [self._signal(name, self.population.id_to_index(int(i))) for i in ids]
        if not traces:
            return np.zeros((0, 0)), np.zeros((0, 0))
        n = min(len(t[0]) for t in traces)
        values = np.stack([t[1][:n] for t in traces], axis=1)
        times = np.stack([t[0][:n] for t in traces], axis=1)
        return values, times

    def _parts(self):
        """[(part number, t_start, t_stop)] of the current segment since the last clear (user ms)."""
        since = float(self._recording_start_time.rescale(pq.ms).magnitude) \
            if hasattr(self._recording_start_time, "rescale") else float(self._recording_start_time)
        parts = [(k, max(t0, since), t1) for k, (t0, t1, _) in enumerate(self._simulator.state.parts)
                 if t1 > since + 1e-12]
        # nothing ran since get_data(clear=True): empty trains, as PyNN's other backends
        return parts or [(-1, since, max(since, float(self._simulator.state.t)))]

    def _get_current_segment(self, filter_ids=None, variables="all", clear=False):
        # Built here rather than by PyNN: one spike train and one IrregularlySampledSignal (its own
        # sample times) per neuron and part, annotated with the public names (source_id,
        # source_population, source_index; signals: source_ids, device) next to PyNN's (channel_id,
        # channel_ids, channel_index).
        segment = neo.Segment(name=f"segment{self._simulator.state.segment_counter:03d}",
                              description=self.population.describe(), rec_datetime=datetime.now())
        chosen = set(self.recorded.keys()) if variables == "all" else \
            set(self.recorded.keys()).intersection(set(variables))
        parts = self._parts()
        spikes_var = [v for v in chosen if v.name == "spikes"]
        analog = sorted((v for v in chosen if v.name in simulator.RECORDABLE_ANALOG
                         and self._device.get(v.name, "madc") in DEVICES),
                        key=lambda v: (v.name, -1 if v.location is None else v.location))
        spike_ids = sorted(self.filter_recorded(spikes_var[0], filter_ids)) if spikes_var else []
        by_part = self._spikes_by_part(spike_ids) if spike_ids else {}
        label = self.population.label
        spike_index = self._index_of(spike_ids)
        location = self._spike_location_annotations()
        empty = np.zeros(0)
        for k, t0, t1 in parts:
            part, per_neuron = by_part.get(k, {}), []
            for i in spike_ids:
                times = part.get(int(i), empty)
                if len(times) and (times[0] < t0 - 1e-12 or times[-1] > t1):
                    times = times[(times >= t0 - 1e-12) & (times <= t1)]
                per_neuron.append(times)
            # one SpikeTrain checked by neo, then per neuron a SpikeTrain viewing a copy of its own
            # times (``train.base``: the neuron's times, as neo's constructor gives; a slice of the
            # checked train would have all neurons' times as its base), with its own units and
            # annotations, and the checked train's t_start and t_stop, shared as by neo's slices and
            # views (neo's constructor checks each new train, ~25x longer; every further object per
            # train is work for the garbage collector, which the trains' cycles with the segment
            # reach only in its full collections)
            bounds = np.concatenate([[0], np.cumsum([len(t) for t in per_neuron], dtype=np.int64)]).tolist()
            base = neo.SpikeTrain(np.concatenate(per_neuron) if per_neuron else empty, t_start=t0, t_stop=t1,
                                  units="ms", dtype=np.float64)
            # sliced and copied as plain arrays: each Quantity view or copy costs a units copy
            flat, units = base.magnitude, base.dimensionality
            trains = []
            for j, (i, index) in enumerate(zip(spike_ids, spike_index.tolist())):
                train = flat[bounds[j]:bounds[j + 1]].copy().view(neo.SpikeTrain)
                train._dimensionality = units.copy()
                train.t_start, train.t_stop = base.t_start, base.t_stop
                train.annotations = dict(source_population=label, source_id=int(i), channel_id=int(i),
                                         source_index=index, **location)
                train.segment = segment
                trains.append(train)
            _extend(segment.spiketrains, trains)
            for variable in analog if not self._biological else ():
                units = self.population.find_units(variable)
                units = "dimensionless" if units == "unknown" else units
                for i in sorted(self.filter_recorded(variable, filter_ids)):
                    index = self.population.id_to_index(int(i))
                    times, values = self._signal(variable.name, index, part=k, compartment=variable.location)
                    keep = times >= t0 - 1e-12
                    if not keep.any():
                        continue
                    signal = neo.IrregularlySampledSignal(
                        times[keep], values[keep], units=units, time_units=pq.ms, name=variable.name,
                        channel_ids=[int(i)], source_ids=[int(i)], source_population=label,
                        array_annotations={"channel_index": [index]},
                        device=self._device.get(variable.name, "madc"), **_location_annotations(variable))
                    signal.segment = segment
                    segment.irregularlysampledsignals.append(signal)
        if self._biological:
            for variable in analog:
                signal = self._regular_signal(variable, sorted(self.filter_recorded(variable, filter_ids)))
                if signal is not None:
                    signal.segment = segment
                    segment.analogsignals.append(signal)
        return segment

    # -- the standard cells in biological units: PyNN's AnalogSignal on the recording grid -------
    def _grid(self):
        """(step, first index, grid times) of the recording grid since the recording start: multiples
        of the sampling interval from the segment start up to the current time, both ends included."""
        step = float(self.sampling_interval)
        since = float(self._recording_start_time.rescale(pq.ms).magnitude) \
            if hasattr(self._recording_start_time, "rescale") else float(self._recording_start_time)
        k0 = int(np.ceil(since / step - GRID_TOLERANCE))
        k1 = int(np.floor(float(self._simulator.state.t) / step + GRID_TOLERANCE))
        return step, k0, np.arange(k0, k1 + 1) * step

    def _regular_signal(self, variable, ids):
        """One neo.AnalogSignal of ``variable`` on the recording grid, a column per neuron of ``ids``
        (PyNN's format: units, ``channel_ids``, ``source_population``, array annotation
        ``channel_index``; plus ``source_ids`` and ``device``), or None before any grid point.  CADC
        samples are read on the grid; MADC samples (every 34 ns of hardware time, 0.034 ms
        biological) are interpolated linearly onto it.  Grid points without samples (the neuron not
        recorded then) are NaN."""
        step, k0, grid = self._grid()
        if not len(grid) or not ids:
            return None
        device = self._device.get(variable.name, "madc")
        columns = []
        for i in ids:
            times, values = self._signal(variable.name, self.population.id_to_index(int(i)))
            order = np.argsort(times, kind="stable")
            times, values = times[order], values[order]
            if device == "cadc":
                columns.append(_on_grid(times, values, step, k0, len(grid),
                                        tolerance=min(0.5 * step, 1.5 * self._simulator.state.speedup
                                                      / simulator.FPGA_CYCLES_PER_MS)))
            else:
                columns.append(_interpolated(times, values, grid))
        indices = [self.population.id_to_index(int(i)) for i in ids]
        units = self.population.find_units(variable)
        return neo.AnalogSignal(np.stack(columns, axis=1), units="dimensionless" if units == "unknown" else units,
                                t_start=grid[0] * pq.ms, sampling_period=step * pq.ms, name=variable.name,
                                channel_ids=np.array([int(i) for i in ids]), source_ids=[int(i) for i in ids],
                                source_population=self.population.label, device=device,
                                array_annotations={"channel_index": np.array(indices)})

    # -- multicompartment neurons: locations ------------------------------------------------------
    def _localize_variables(self, variables, locations):
        """PyNN Variables of a record() call.  For multicompartment neurons a location is a
        compartment label: one Variable per compartment it names (location = compartment index,
        label = the label); no locations = compartment 0; spikes leave from compartment 0 and
        keep no location.  Point neurons take no locations (ValueError)."""
        if isinstance(variables, str) and variables != "all":
            variables = [variables]
        if isinstance(locations, str):
            locations = [locations]
        celltype = self.population.celltype
        if not celltype.is_multicompartment:
            if locations is not None:
                raise ValueError(f"record(..., locations={locations!r}): {type(celltype).__name__} neurons have no "
                                 "compartments; locations select compartments of multicompartment neurons "
                                 "(pynn.morphology.create_mc_neuron)")
            return [recording.Variable(location=None, name=v, label=None) for v in variables]
        labels = celltype.get_labels()
        if locations is None:
            chosen = [(0, labels[0])]
        else:
            bad = next((loc for loc in locations if not isinstance(loc, str)), None)
            if bad is not None:
                raise NotImplementedError(f"record(..., locations=[{bad!r}]): locations are compartment labels (str)")
            chosen = [(c.value(), loc) for loc in locations for c in celltype.get_compartment_ids([loc])]
        out = []
        for name in variables:
            if name != "spikes":
                out += [recording.Variable(location=k, name=name, label=label) for k, label in chosen]
                continue
            other = next((k for k, _ in chosen if k != 0), None)
            if other is not None:
                raise NotImplementedError(f"recording spikes of compartment {other} ({labels[other]!r}): spikes of a "
                                          "multicompartment neuron leave from compartment 0 only")
            out.append(recording.Variable(location=None, name=name, label=None))
        return out

    def _select_variables(self, variables, locations):
        """The recorded Variables get() returns: of the given names ("all": every one) and, if
        ``locations`` (compartment labels) are given, of those compartments."""
        if variables == "all" and locations is None:
            return "all"
        if isinstance(variables, str) and variables != "all":
            variables = [variables]
        if isinstance(locations, str):
            locations = [locations]
        return [v for v in self.recorded if (variables == "all" or v.name in variables)
                and (locations is None or v.location is None or v.label in locations)]

    def _spike_location_annotations(self) -> dict:
        """Spike trains of multicompartment neurons name their source compartment (compartment 0)."""
        celltype = self.population.celltype
        if not celltype.is_multicompartment:
            return {}
        return {"source_location": celltype.get_labels()[0], "source_compartment": 0}

    def _local_count(self, variable, filter_ids=None):
        spikes = self._get_spiketimes(sorted(self.filter_recorded(variable, filter_ids)))
        return {i: len(t) for i, t in spikes.items()}

    def _clear_simulator(self):
        self._clear_data()

    def _reset(self):
        self._device = {}
        self.pad_recordings = {}
