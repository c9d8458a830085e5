"""Recorder: spikes of all neurons, analog variables via the MADC (<= 2 neurons)."""
import numpy as np
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
