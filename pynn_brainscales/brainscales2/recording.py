"""Recorder: spikes of all neurons, analog variables via the MADC (<= 2 neurons)."""
import neo
import numpy as np
import quantities as pq
from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    _simulator = simulator

    def analog_indices(self, var):
        for v, ids in self.recorded.items():
            if v.name == var:
                return sorted(self.population.id_to_index(int(i)) for i in ids)
        return []

    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None and sampling_interval != self._simulator.state.dt:
            raise ValueError("sampling_interval is not supported (the MADC samples continuously)")
        name = variable.name if hasattr(variable, "name") else variable
        if name == "spikes":
            return
        if name not in simulator.RECORDABLE_ANALOG:
            raise ValueError(f"cannot record {name!r}; recordable: spikes, "
                             f"{', '.join(simulator.RECORDABLE_ANALOG)}")
        # count MADC neurons over all populations and variables
        per_neuron = {}
        for pop in simulator.state.populations:
            for v, ids in pop.recorder.recorded.items():
                if v.name in simulator.RECORDABLE_ANALOG:
                    for i in ids:
                        per_neuron.setdefault(int(i), set()).add(v.name)
        for i in new_ids:
            per_neuron.setdefault(int(i), set()).add(name)
        multi = [i for i, vs in per_neuron.items() if len(vs) > 1]
        if multi:
            raise ValueError(f"MADC recording: one analog variable per neuron, neuron id {multi[0]} would "
                             f"record {sorted(per_neuron[multi[0]])}")
        if len(per_neuron) > 2:
            raise ValueError(f"MADC recording supports recording at most two neurons (one in an even and one "
                             f"in an odd column), got {len(per_neuron)}")

    def _results(self):
        st = self._simulator.state
        if st.last_results is None or not st._has_run or self.population not in st._descriptors:
            return None, None
        return st.last_results, st._descriptors[self.population]

    def _get_spiketimes(self, ids, clear=False):
        res, d = self._results()
        out = {int(i): np.zeros(0) for i in ids}
        if res is None:
            return out
        if self.population.celltype.is_on_chip:
            sp = res.spikes(d)
            for i in ids:
                idx = self.population.id_to_index(int(i))
                out[int(i)] = np.asarray(sp["time"][sp["neuron"] == idx], dtype=float)
        else:
            trains = self.population._frozen[1]
            for i in ids:
                out[int(i)] = np.asarray(trains[self.population.id_to_index(int(i))], dtype=float)
        return out

    def _get_all_signals(self, variable, ids, clear=False):
        res, d = self._results()
        if res is None or not ids:
            return np.zeros((0, 0)), np.zeros((0, 0))
        traces = [res.madc(d, self.population.id_to_index(int(i))) for i in ids]
        n = min(len(t) for t in traces)
        values = np.stack([np.asarray(t["value"][:n], dtype=float) for t in traces], axis=1)
        times = np.stack([np.asarray(t["time"][:n], dtype=float) for t in traces], axis=1)
        return values, times

    def _get_current_segment(self, filter_ids=None, variables="all", clear=False):
        # PyNN 0.13 indexes the per-neuron time columns of _get_all_signals by the neuron's
        # *population* index (IndexError for any recorded neuron but the first ones), so the
        # analog signals (one IrregularlySampledSignal per neuron, own MADC sample times) are
        # built here; spikes are left to PyNN.
        chosen = set(self.recorded.keys()) if variables == "all" else \
            set(self.recorded.keys()).intersection(set(variables))
        analog = [v for v in chosen if v.name in simulator.RECORDABLE_ANALOG]
        others = [v for v in chosen if v.name not in simulator.RECORDABLE_ANALOG]
        segment = super()._get_current_segment(filter_ids=filter_ids, variables=others, clear=clear)
        for variable in sorted(analog, key=lambda v: v.name):
            ids = sorted(self.filter_recorded(variable, filter_ids))
            values, times = self._get_all_signals(variable, ids, clear=clear)
            if values.size == 0:
                continue
            units = self.population.find_units(variable)
            if units == "unknown":
                units = "dimensionless"
            for col, channel_id in enumerate(ids):
                signal = neo.IrregularlySampledSignal(
                    times[:, col], values[:, col], units=units, time_units=pq.ms,
                    name=variable.name, channel_ids=[int(channel_id)],
                    source_population=self.population.label,
                    array_annotations={"channel_index": [self.population.id_to_index(int(channel_id))]})
                signal.segment = segment
                segment.irregularlysampledsignals.append(signal)
        return segment

    def _local_count(self, variable, filter_ids=None):
        counts = {}
        spikes = self._get_spiketimes(sorted(self.filter_recorded(variable, filter_ids)))
        for i, t in spikes.items():
            counts[i] = len(t)
        return counts

    def _clear_simulator(self):
        pass

    def _reset(self):
        pass
