"""PyNN Population / PopulationView / Assembly for BrainScaleS-2."""
import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, simplify

from . import simulator
from .recording import Recorder


def _evaluate(parameter_space):
    """Evaluate a ParameterSpace in place (once: random values are drawn once); a value of the
    wrong type (a dict, a string for a number, ...) raises PyNN's InvalidParameterValueError,
    as in the reference backends."""
    try:
        parameter_space.evaluate(simplify=False)
    except (ValueError, TypeError) as err:
        values = ", ".join(f"{k}={getattr(v, 'base_value', v)!r}" for k, v in parameter_space.items())
        raise errors.InvalidParameterValueError(f"invalid parameter value ({err}): {values}") from err


class _RecordDevice:
    """``record(variables, ..., device="madc")``: the public ``device`` argument ("madc" or
    "cadc", see recording.Recorder.record)."""

    def record(self, variables, to_file=None, sampling_interval=None, locations=None, device=None):
        recorders = [p.recorder for p in getattr(self, "populations", [self])]
        for r in recorders:
            r._next_device = device
        try:
            return super().record(variables, to_file, sampling_interval, locations)
        finally:
            for r in recorders:
                r._next_device = None

    record.__doc__ = common.BasePopulation.record.__doc__ + """
        `device`: "madc" (the default; at most two neurons, one even and one odd column, any analog
        variable) or "cadc" (membrane "v" of many neurons, every `sampling_interval` ms); the
        standard cells in biological units default to "auto" (MADC while it fits, else CADC).
        """


class _CalibrationArchive:
    """Public accessors of the calibrated cell types (CalibHXNeuronCuba / CalibHXNeuronCoba):
    ``calib_target`` (ParameterSpace the last calibration was made for), ``calib_hwparams``
    (calibrated lola.AtomicNeuron per neuron, an archive) and ``actual_hwparams`` (the
    lola.AtomicNeuron per neuron the runs use: adjust them in place after
    ``run(None, RunCommand.PREPARE)``).  Available after ``run()`` or PREPARE (before:
    ``NotCalibratedError``, a RuntimeError and, as public, an AttributeError); other cell types
    raise TypeError."""

    def _archive(self, name):
        from .standardmodels.cells_base import CalibNeuronBase
        root = getattr(self, "grandparent", self)
        if not isinstance(root.celltype, CalibNeuronBase):
            raise TypeError(f"{name} is available for CalibHXNeuronCuba / CalibHXNeuronCoba populations, "
                            f"not for {type(root.celltype).__name__}")
        value = getattr(root, "_" + name, None)
        if value is None:
            from .standardmodels.cells_base import NotCalibratedError
            raise NotCalibratedError(f"{name} of {root.label!r} is available after pynn.run() (or pynn.run(None, "
                                     f"pynn.RunCommand.PREPARE), which calibrates without running)")
        if root is self:
            return tuple(value) if name == "actual_hwparams" else value
        mask = np.asarray(self.index_in_grandparent(np.arange(self.size)))
        if name == "calib_target":
            view = ParameterSpace({k: np.asarray(v)[mask] for k, v in value.items()}, shape=(self.size,))
            view.evaluate(simplify=False)
            return view
        out = np.empty(len(value), dtype=object)
        out[:] = list(value)
        return out[mask]

    def get_plasticity_data(self, observable):
        """Public: the data of per-neuron observable ``observable`` of the plasticity rule of
        this population's cell type in the last run: per snippet a list with one
        ``Sample(time, data)`` per timer period (``data``: one value per neuron).  RuntimeError
        without such a rule or observable, or before a run."""
        from .plasticity_rules import ObservablePerNeuron, Sample
        rule = getattr(self.celltype, "plasticity_rule", None)
        if rule is None:
            raise RuntimeError(f"get_plasticity_data({observable!r}): the cell type holds no plasticity rule")
        if observable not in rule.observables or not isinstance(rule.observables[observable], ObservablePerNeuron):
            raise RuntimeError(f"get_plasticity_data({observable!r}): the plasticity rule has no per-neuron "
                               f"observable of that name; it has {sorted(rule.observables)}")
        mine = [d.index for pop, d in getattr(rule, "_neuron_handles", []) if pop is self]
        specs = [(k, hd) for k, hd in enumerate(getattr(rule, "_neuron_handle_specs", []))
                 if mine and hd["population"] == mine[0]]
        if rule._recording_data is None or not specs:
            raise RuntimeError("plasticity rule observables are available after pynn.run()")
        packed = rule.observables[observable].layout == ObservablePerNeuron.Layout.packed_active_columns
        atoms = np.asarray(rule._neuron_atoms[mine[0]], dtype=np.int64)
        parts = []
        for k, hd in specs:
            m = np.flatnonzero(atoms // 256 == hd["hemisphere"])
            cols = atoms[m] % 256
            index = np.searchsorted(hd["columns"], cols) if packed else cols
            parts.append((m, rule._samples(observable, hd["hemisphere"], k,
                                           lambda data, index=index: [int(v) for v in np.asarray(data)[index]])))
        out = []
        for n in range(len(rule._recording_data)):
            per = [(pos, samples[n]) for pos, samples in parts]
            samples = []
            for i in range(min(len(s) for _, s in per)):
                data = [None] * len(atoms)
                for pos, s in per:
                    for p, v in zip(pos, s[i].data):
                        data[p] = v
                samples.append(Sample(per[0][1][i].time, data))
            out.append(samples)
        return out

    calib_target = property(lambda self: self._archive("calib_target"), doc=__doc__)
    calib_hwparams = property(lambda self: self._archive("calib_hwparams"), doc=__doc__)
    actual_hwparams = property(lambda self: self._archive("actual_hwparams"), doc=__doc__)


class Assembly(_RecordDevice, common.Assembly):
    _simulator = simulator


class PopulationView(_CalibrationArchive, _RecordDevice, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        ps = self.parent._get_parameters(*names)
        return ParameterSpace({k: simplify(np.asarray(ps[k].evaluate(simplify=False))[self.mask])
                               for k in ps.keys()}, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.shape = (self.size,)
        _evaluate(parameter_space)
        for name, value in parameter_space.items():
            full = np.array(self.parent._parameters[name], dtype=object if name == "spike_times" else None)
            full[self.mask] = value
            self.parent._check(name, full)
            self.parent._parameters[name] = full

    def _set_initial_value_array(self, variable, initial_values):
        pass

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(_CalibrationArchive, _RecordDevice, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        try:
            self._create_checked_cells()
        except BaseException:
            # PyNN registered the recorder before the cells: a rejected population leaves nothing
            simulator.state.recorders.discard(getattr(self, "recorder", None))
            raise

    def _create_checked_cells(self):
        if self.size < 1:       # PyNN accepts any int; 0 or < 0 would fail deep in numpy / grenade
            raise ValueError(f"Population size must be at least 1, got {self.size} "
                             f"({type(self.celltype).__name__})")
        id_range = np.arange(simulator.state.id_counter, simulator.state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in id_range], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, dtype=bool)
        ps = self.celltype.native_parameters
        wrong = {k: v._shape for k, v in ps.items() if getattr(v, "_shape", None) not in (None, (self.size,))}
        if wrong:           # lazyarray's "fixed shape (2,), cannot be changed to (3,)" names no parameter
            shapes = ", ".join(f"{k} (shape {s})" for k, s in wrong.items())
            raise errors.InvalidDimensionsError(f"{type(self.celltype).__name__} parameter(s) {shapes}: one value "
                                                f"or one per neuron ({self.size}) expected")
        ps.shape = (self.size,)
        ps.evaluate(simplify=False)
        self._parameters = ps.as_dict()
        self._parameters_from_initial_config()
        self.celltype.check_population(self)       # e.g. the biological cells: units, ranges
        if simulator.state.target == "lava":
            from .lava_target import check_population
            check_population(self)
        for name, value in self._parameters.items():
            self._check(name, value)
        for i in self.all_cells:
            i.parent = self
        simulator.state.id_counter += self.size
        simulator.state.populations.append(self)

    def _parameters_from_initial_config(self):
        """Parameters not given explicitly take the initial_config's neuron values at the circuits
        this population will be placed on (public behaviour; the cell type's ``apply_initial_config``)."""
        init = simulator.state.initial_config
        if init is not None and self.celltype.is_on_chip:
            self.celltype.apply_initial_config(self, init if hasattr(init, "neuron_block") else init.to_chip())

    def _check(self, name, value):
        self.celltype.check_values(name, value)

    def _set_initial_value_array(self, variable, initial_values):
        pass

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        native = self.celltype.get_native_names(*names)
        ps = ParameterSpace({n: simplify(self._parameters[n]) for n in native}, shape=(self.size,))
        return self.celltype.reverse_translate(ps)

    def _set_parameters(self, parameter_space):
        _evaluate(parameter_space)
        for name, value in parameter_space.items():
            self._check(name, value)
            self._parameters[name] = value

    # -- backend helpers ---------------------------------------------------------------
    def _lola_neurons(self):
        return self.celltype.to_lola(self._parameters, self.size)

    def _spike_trains(self, t0, t1):
        """Spike trains of a source population in [t0, t1) (user ms, absolute), one array per
        neuron; frozen: the same parameters and seed give the same spikes, however the time is
        split into runs."""
        seed = (simulator.state.rng_seed, simulator.state.populations.index(self))
        return self.celltype.trains(self._parameters, self.size, t0, t1, seed, simulator.state.speedup)
