"""Cell types: ``HXNeuron`` (raw lola.AtomicNeuron parameters), the calibrated neurons
``CalibHXNeuronCuba`` / ``CalibHXNeuronCoba``, the spike sources ``SpikeSourceArray``,
``SpikeSourcePoisson``, ``SpikeSourceGamma``, ``SpikeSourcePoissonRefractory`` (host) and
``SpikeSourcePoissonOnChip`` (on-chip background generators),
and the PyNN standard cells in biological units (``IF_curr_exp``, ``IF_cond_exp``,
``EIF_cond_exp_isfa_ista``, with ``setup(units="biological")``).

Scripts reach them as ``pynn.cells.X`` (or ``pynn.X``)."""
import zlib

import numpy as np
from pyNN.standardmodels import StandardCellType, build_translations, cells
from pyNN.parameters import Sequence

import lola

from .. import simulator
from ..celltype import BackendCellType
from ..plasticity_rules import PlasticityRuleHandle
from .cells_base import CalibNeuronBase, ExternalNeuron, NeuronCellType

# lola.AtomicNeuron groups hidden from the PyNN user: set by the backend (routing, readout)
_HIDDEN_GROUPS = ("event_routing", "readout")
# enum-valued fields (not plain numbers) are not exposed yet
_ENUM_FIELDS = ("constant_current.type", "bayesian.operation")

# HXNeuron.spiking(): raw values of a neuron that integrates its synaptic input and fires under
# sustained input on the emulator (the defaults, as public, are the silent lola.AtomicNeuron():
# synaptic inputs and the threshold comparator off)
SPIKING_EXAMPLE = {
    "excitatory_input.enable": True,
    "inhibitory_input.enable": True,
    "excitatory_input.i_bias_gm": 1000,
    "inhibitory_input.i_bias_gm": 1000,
    "excitatory_input.i_bias_tau": 100,
    "inhibitory_input.i_bias_tau": 100,
    "leak.i_bias": 200,
    "threshold.enable": True,
    "threshold.v_threshold": 230,     # ~430 mV: 60 mV above the leak cell 500 (~370 mV)
    "refractory_period.refractory_time": 20,
}


def _lola_fields():
    """(public_name, dotted path, default, kind) for all exposed AtomicNeuron fields."""
    fields = []
    for group, content in lola.AtomicNeuron().to_dict().items():
        if group == "type" or group in _HIDDEN_GROUPS:
            continue
        for field, value in content.items():
            path = f"{group}.{field}"
            if path in _ENUM_FIELDS:
                continue
            kind = bool if isinstance(value, bool) else int
            fields.append((f"{group}_{field}", path, value, kind))
    return fields


HX_FIELDS = _lola_fields()
_RANGES = {}


def field_range(path):
    """(min, max) of an integer AtomicNeuron field, found by lola's own range check."""
    if path not in _RANGES:
        group, field = path.split(".")
        probe = lola.AtomicNeuron()
        lo, hi = 0, 0
        for cand in (1022, 1023, 255, 63, 15, 1):
            try:
                setattr(getattr(probe, group), field, cand)
                hi = max(hi, cand)
                break
            except (ValueError, TypeError):
                continue
        _RANGES[path] = (lo, hi)
    return _RANGES[path]


class HXNeuron(NeuronCellType):
    """One atomic neuron circuit with the raw parameters of ``lola.AtomicNeuron``.

    Parameter names are the flattened lola fields (``leak_v_leak``, ``threshold_v_threshold``,
    ``excitatory_input_i_bias_tau``, ``refractory_period_refractory_time``, ...), values in raw
    units (CapMem DAC values 0..1022, digital values, bools); arrays give per-neuron values.
    Event routing and readout are set by the backend.

    Defaults, as in the public backend: with ``setup(initial_config=chip)`` (e.g. the nightly
    calibration, ``pynn.helper.chip_from_nightly()``) every parameter not given explicitly takes
    the value of the chip's neuron at the population's circuit; without it, the values of a
    default ``lola.AtomicNeuron()`` (a silent neuron: synaptic inputs and threshold off).
    ``HXNeuron.spiking(**parameters)`` starts from raw values that integrate input and fire.
    """

    default_parameters = {name: (float(v) if kind is int else v) for name, _, v, kind in HX_FIELDS}
    translations = build_translations(*[(name, name) for name, _, _, _ in HX_FIELDS])

    def __init__(self, plasticity_rule=None, **parameters):
        super().__init__(**parameters)
        # the rest come from setup(initial_config=...) when given (see the class doc)
        self.user_parameters = frozenset(parameters)
        self.plasticity_rule = plasticity_rule

    # the rule whose kernel sees these objects, or None (checked on assignment)
    plasticity_rule = PlasticityRuleHandle.plasticity_rule

    @classmethod
    def spiking(cls, **parameters):
        """An HXNeuron starting from uncalibrated raw values that integrate synaptic input and fire
        under sustained input (``SPIKING_EXAMPLE``), updated by ``parameters``."""
        values = {name: SPIKING_EXAMPLE[path] for name, path, _, _ in HX_FIELDS if path in SPIKING_EXAMPLE}
        values.update(parameters)
        return cls(**values)

    def apply_initial_config(self, population, chip):
        """Parameters not given explicitly take ``chip``'s neuron values at the circuits the
        population will be placed on (public behaviour); a population beyond one chip takes them
        when the network is partitioned at run time (``lola_neurons``)."""
        atoms = simulator.state.next_atoms(population.size)
        if len(atoms) != population.size or np.any(atoms >= simulator.NEURONS_ON_CHIP):
            return
        self._overlay_initial_config(population._parameters, [chip.neuron_block.atomic_neurons[int(a)]
                                                              for a in atoms])

    def _overlay_initial_config(self, params, neurons):
        """Overwrite in ``params`` the parameters not given explicitly by those of ``neurons``."""
        for name, arr in self.from_lola(neurons).items():
            if name not in self.user_parameters and name in params:
                params[name] = arr

    def lola_neurons(self, population, site):
        """``to_lola`` of the parameters; in an execution of a partitioned network, the parameters
        not given explicitly come from setup(initial_config=...) at the circuits the slice is
        placed on."""
        params = site.parameters(population)
        if site.partitioned and site.initial_config is not None:
            init = site.initial_config
            chip = init if hasattr(init, "neuron_block") else init.to_chip()
            self._overlay_initial_config(params, [chip.neuron_block.atomic_neurons[int(a)] for a in site.atoms])
        return self.to_lola(params, site.size)

    @staticmethod
    def from_lola(neurons):
        """{parameter name: per-neuron array} of a sequence of lola.AtomicNeuron."""
        dicts = [n.to_dict() for n in neurons]
        out = {}
        for name, path, _, kind in HX_FIELDS:
            group, field = path.split(".")
            out[name] = np.array([d[group][field] for d in dicts], dtype=bool if kind is bool else float)
        return out

    @staticmethod
    def check_values(name, values):
        """Raise ValueError when a parameter array leaves its hardware range."""
        path = _PATHS[name]
        kind = _KINDS[name]
        arr = np.asarray(values)
        if kind is bool:
            return
        if arr.size and (not np.all(np.isfinite(arr.astype(float)))):
            raise ValueError(f"HXNeuron parameter {name}: values must be finite")
        lo, hi = field_range(path)
        a = np.rint(arr.astype(float))
        if a.size and (a.min() < lo or a.max() > hi):
            bad = a[(a < lo) | (a > hi)].ravel()[0]
            raise ValueError(f"HXNeuron parameter {name} = {bad:g} out of range [{lo}, {hi}] "
                             f"(lola.AtomicNeuron.{path})")

    @staticmethod
    def to_lola(params, size):
        """A list of ``size`` lola.AtomicNeuron from a dict of per-neuron arrays."""
        neurons = [lola.AtomicNeuron() for _ in range(size)]
        for name, values in params.items():
            path = _PATHS[name]
            kind = _KINDS[name]
            group, field = path.split(".")
            vals = np.broadcast_to(np.asarray(values), (size,))
            for n, v in zip(neurons, vals):
                setattr(getattr(n, group), field, bool(v) if kind is bool else int(round(float(v))))
        for n in neurons:
            n.event_routing.analog_output = lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal
        return neurons


_PATHS = {name: path for name, path, _, _ in HX_FIELDS}
_KINDS = {name: kind for name, _, _, kind in HX_FIELDS}


class SpikeSourceArray(ExternalNeuron, cells.SpikeSourceArray):
    __doc__ = "Spikes from the host at given times (``spike_times`` in ms: hardware, or biological with " \
              "setup(units='biological'))."
    translations = build_translations(("spike_times", "spike_times"))

    @staticmethod
    def check_values(name, values):
        """ValueError for spike times that cannot be sent (negative, NaN, inf): they would be dropped
        silently (unsorted times are fine: they are sorted)."""
        for i, t in enumerate(np.asarray(values, dtype=object).reshape(-1)):
            v = np.asarray(t.value if isinstance(t, Sequence) else t, dtype=float).reshape(-1)
            bad = ~np.isfinite(v) | (v < 0)
            if bad.any():
                raise ValueError(f"SpikeSourceArray spike_times of neuron {i}: {v[bad][0]:g} ms cannot be sent; "
                                 f"spike times must be finite and >= 0 ms")

    @staticmethod
    def trains(params, size, t0, t1, seed, speedup):
        """The spikes in [t0, t1) (ms), one sorted array per neuron."""
        times = np.broadcast_to(np.asarray(params["spike_times"], dtype=object), (size,))
        out = []
        for t in times:
            v = np.asarray(t.value if isinstance(t, Sequence) else t, dtype=float).reshape(-1)
            out.append(np.sort(v[(v >= t0) & (v < t1)]))
        return out


# Poisson trains are drawn per chunk of this many hardware ms, each chunk from its own seed:
# the spikes of a window do not depend on how the time was split into runs
POISSON_CHUNK_HW_MS = 0.1


class SpikeSourcePoisson(ExternalNeuron, cells.SpikeSourcePoisson):
    __doc__ = ("Poisson spikes generated on the host (``rate`` in 1/s, ``start`` and ``duration`` in ms, "
               "of hardware time, or of biological time with setup(units='biological')); frozen per "
               "population, parameter set and setup(rng_seed=...).")
    translations = build_translations(("rate", "rate"), ("start", "start"), ("duration", "duration"))

    @staticmethod
    def check_values(name, values):
        """ValueError for a rate < 0 or not finite, a start that is not finite, a duration < 0 or NaN
        (they gave no spikes or a numpy error deep in the generation)."""
        arr = np.asarray(values, dtype=float).reshape(-1)
        if name == "duration":
            bad = np.isnan(arr) | (arr < 0)
            rule = "duration must be >= 0 ms (inf: until the end)"
        elif name == "rate":
            bad = ~np.isfinite(arr) | (arr < 0)
            rule = "rate must be finite and >= 0 Hz"
        else:
            bad = ~np.isfinite(arr)
            rule = f"{name} must be finite (ms)"
        if bad.any():
            raise ValueError(f"SpikeSourcePoisson {name} = {arr[bad][0]:g}: {rule}")

    @staticmethod
    def mean_rates(params, size):
        """Mean rate of every source (1/s of the backend's time), for the program-size check."""
        return np.broadcast_to(np.asarray(params["rate"], dtype=float), (size,)).copy()

    @staticmethod
    def trains(params, size, t0, t1, seed, speedup):
        """The spikes in [t0, t1) (ms), one sorted array per neuron (vectorised over neurons)."""
        rate = np.broadcast_to(np.asarray(params["rate"], dtype=float), (size,))
        start = np.broadcast_to(np.asarray(params["start"], dtype=float), (size,))
        stop = start + np.broadcast_to(np.asarray(params["duration"], dtype=float), (size,))
        lo_all, hi_all = np.maximum(start, t0), np.minimum(stop, t1)
        active = (rate > 0) & (hi_all > lo_all)
        parts_t, parts_n = [], []
        if active.any():
            chunk = POISSON_CHUNK_HW_MS * speedup
            params_key = zlib.crc32(np.concatenate([rate, start, stop]).tobytes())
            for k in range(int(np.floor(lo_all[active].min() / chunk)), int(np.ceil(hi_all[active].max() / chunk))):
                c0, c1 = k * chunk, (k + 1) * chunk
                # the whole chunk is drawn (same draw for every window), then clipped to the window
                lo, hi = np.maximum(start, c0), np.minimum(stop, c1)
                length = np.where((rate > 0) & (hi > lo), hi - lo, 0.0)
                if not length.any():
                    continue
                rng = np.random.default_rng([*seed, k & 0xffffffff, params_key, len(rate)])
                counts = rng.poisson(rate * length / 1000.0)
                neuron = np.repeat(np.arange(size), counts)
                t = lo[neuron] + rng.random(neuron.size) * length[neuron]
                keep = (t >= t0) & (t < t1)
                parts_t.append(t[keep])
                parts_n.append(neuron[keep])
        if not parts_t:
            return [np.zeros(0) for _ in range(size)]
        t, n = np.concatenate(parts_t), np.concatenate(parts_n)
        order = np.lexsort((t, n))
        t, n = t[order], n[order]
        return np.split(t, np.cumsum(np.bincount(n, minlength=size))[:-1])


def _check_source_times(cls_name, name, arr):
    """ValueError for a ``start`` that is not finite or a ``duration`` < 0 or NaN (ms)."""
    if name == "duration":
        bad = np.isnan(arr) | (arr < 0)
        rule = "duration must be >= 0 ms (inf: until the end)"
    else:
        bad = ~np.isfinite(arr)
        rule = f"{name} must be finite (ms)"
    if bad.any():
        raise ValueError(f"{cls_name} {name} = {arr[bad][0]:g}: {rule}")


# renewal trains drawn so far: (stream key) -> (spike times, generator); bounded, cleared when full
_RENEWAL_TRAINS = {}
_RENEWAL_CACHE_MAX = 4096
# intervals are drawn in blocks of this size: the stream does not depend on the windows asked for
_RENEWAL_BLOCK = 256


class _RenewalSource(ExternalNeuron):
    """Mixin of the host spike sources whose inter-spike intervals are independent draws of one
    distribution (a renewal process; ``_intervals``).  Each neuron's train is one stream from its
    ``start`` (the first spike one interval after it), seeded by setup(rng_seed=...), the population
    and the neuron's parameters: frozen, and the spikes of a window do not depend on how the time
    was split into runs."""

    @classmethod
    def _parameter_arrays(cls, params, size):
        return {k: np.broadcast_to(np.asarray(params[k], dtype=float), (size,)) for k in cls.default_parameters}

    @classmethod
    def mean_rates(cls, params, size):
        """Mean rate of every source (1/s of the backend's time), for the program-size check."""
        raise NotImplementedError

    @classmethod
    def trains(cls, params, size, t0, t1, seed, speedup):
        """The spikes in [t0, t1) (ms), one sorted array per neuron."""
        p = cls._parameter_arrays(params, size)
        start, stop = p["start"], p["start"] + p["duration"]
        rates = cls.mean_rates(params, size)
        out = []
        for i in range(size):
            lo, hi = max(t0, start[i]), min(t1, stop[i])
            if rates[i] <= 0 or hi <= lo:
                out.append(np.zeros(0))
                continue
            own = tuple(float(p[k][i]) for k in cls.default_parameters)
            key = (cls.__name__, *seed, i, own)
            times, rng = _RENEWAL_TRAINS.get(key, (None, None))
            if times is None:
                times, rng = np.zeros(0), np.random.default_rng(
                    [*seed, i, zlib.crc32(np.asarray(own).tobytes()), zlib.crc32(cls.__name__.encode())])
            while not len(times) or times[-1] < hi:
                base = times[-1] if len(times) else start[i]
                times = np.concatenate([times, base + np.cumsum(cls._intervals(rng, _RENEWAL_BLOCK,
                                                                               {k: p[k][i] for k in p}))])
            if len(_RENEWAL_TRAINS) >= _RENEWAL_CACHE_MAX:
                _RENEWAL_TRAINS.clear()
            _RENEWAL_TRAINS[key] = (times, rng)
            out.append(times[(times >= lo) & (times < hi)])
        return out


class SpikeSourceGamma(_RenewalSource, cells.SpikeSourceGamma):
    __doc__ = ("Spikes with Gamma-distributed inter-spike intervals, generated on the host: shape ``alpha`` "
               "(> 0; 1 is Poisson), rate parameter ``beta`` (1/s: intervals of mean alpha / beta), ``start`` and "
               "``duration`` (ms), of hardware time, or of biological time with setup(units='biological'); "
               "the mean rate is beta / alpha.  Frozen per population, parameter set and setup(rng_seed=...).")
    translations = build_translations(("alpha", "alpha"), ("beta", "beta"), ("start", "start"),
                                      ("duration", "duration"))

    @staticmethod
    def check_values(name, values):
        """ValueError for alpha <= 0 or beta < 0 or not finite, a start that is not finite, a
        duration < 0 or NaN."""
        arr = np.asarray(values, dtype=float).reshape(-1)
        if name == "alpha" and (~np.isfinite(arr) | (arr <= 0)).any():
            bad = arr[~np.isfinite(arr) | (arr <= 0)][0]
            raise ValueError(f"SpikeSourceGamma alpha = {bad:g}: the shape must be finite and > 0")
        if name == "beta" and (~np.isfinite(arr) | (arr < 0)).any():
            bad = arr[~np.isfinite(arr) | (arr < 0)][0]
            raise ValueError(f"SpikeSourceGamma beta = {bad:g}: the rate parameter must be finite and >= 0 Hz")
        if name in ("start", "duration"):
            _check_source_times("SpikeSourceGamma", name, arr)

    @classmethod
    def mean_rates(cls, params, size):
        p = cls._parameter_arrays(params, size)
        return p["beta"] / p["alpha"]

    @staticmethod
    def _intervals(rng, n, p):
        return rng.gamma(p["alpha"], 1000.0 / p["beta"], n)


class SpikeSourcePoissonRefractory(_RenewalSource, cells.SpikeSourcePoissonRefractory):
    __doc__ = ("Poisson spikes with a dead time, generated on the host: mean ``rate`` (1/s, the dead time "
               "included), dead time ``tau_refrac``, ``start`` and ``duration`` (ms), of hardware time, or of "
               "biological time with setup(units='biological'); an interval is tau_refrac plus an exponential "
               "draw of mean 1000 / rate - tau_refrac ms.  Frozen per population, parameter set and "
               "setup(rng_seed=...).")
    translations = build_translations(("rate", "rate"), ("tau_refrac", "tau_refrac"), ("start", "start"),
                                      ("duration", "duration"))

    @staticmethod
    def check_values(name, values):
        """ValueError for a rate < 0 or not finite, tau_refrac < 0 or not finite, a start that is not
        finite, a duration < 0 or NaN (rate and tau_refrac together: check_population)."""
        arr = np.asarray(values, dtype=float).reshape(-1)
        if name in ("rate", "tau_refrac") and (~np.isfinite(arr) | (arr < 0)).any():
            bad = arr[~np.isfinite(arr) | (arr < 0)][0]
            unit = "Hz" if name == "rate" else "ms"
            raise ValueError(f"SpikeSourcePoissonRefractory {name} = {bad:g}: must be finite and >= 0 {unit}")
        if name in ("start", "duration"):
            _check_source_times("SpikeSourcePoissonRefractory", name, arr)

    @classmethod
    def check_population(cls, population):
        """ValueError when the dead time leaves no room for the mean rate (tau_refrac >= 1000 / rate)."""
        p = cls._parameter_arrays(population._parameters, population.size)
        bad = (p["rate"] > 0) & (p["tau_refrac"] * p["rate"] >= 1000.0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"SpikeSourcePoissonRefractory neuron {i}: tau_refrac = {p['tau_refrac'][i]:g} ms must "
                             f"be below the mean interval 1000 / rate = {1000.0 / p['rate'][i]:g} ms")

    @classmethod
    def mean_rates(cls, params, size):
        return cls._parameter_arrays(params, size)["rate"].copy()

    @staticmethod
    def _intervals(rng, n, p):
        return p["tau_refrac"] + rng.exponential(1000.0 / p["rate"] - p["tau_refrac"], n)


BACKGROUND_CLOCK_HZ = 250e6     # BackgroundSpikeSource period ticks (250 MHz)
BACKGROUND_MAX_SIZE = 256       # random label bits of one generator


class SpikeSourcePoissonOnChip(BackendCellType, StandardCellType):
    """Poisson spikes from an on-chip background spike generator (no host traffic).

    ``rate``: mean rate of every source in Hz of *hardware* time (1/s on the chip; the chip is 1000x
    faster than biology); ``seed``: generator seed (0..2**32-1; the emulator uses its low 16 bits).
    Both are homogeneous per population (one generator drives all its sources).  The population
    size must be a power of two <= 256 (the random label bits); the generator clock is 250 MHz:
    ``rate * size`` must not exceed it and must be at least 250 MHz / (65535 * 255) ~ 15 Hz.  The
    generator emits binned Poisson events (period ``p`` ticks, probability ``r/255`` per period,
    derived from the rate) spread uniformly over the sources.  Placement is automatic: one
    generator in each hemisphere holding a target, on the lowest free PADI bus (8 generators per
    chip, one per bus); a generator reaches only its own PADI bus.  Spikes of these sources are
    not recordable."""

    default_parameters = {"rate": 1000.0, "seed": 0.0}
    default_initial_values = {}
    units = {}
    recordable = []
    receptor_types = ()
    conductance_based = False
    injectable = False
    translations = build_translations(("rate", "rate"), ("seed", "seed"))

    def check_population(self, population):
        """ValueError for a size the generator cannot serve (``check_size``)."""
        self.check_size(population.size)

    def add_to_network(self, network, population):
        """One on-chip background generator (its registers from the rate in hardware Hz)."""
        rate = float(np.asarray(population._parameters["rate"], dtype=float).reshape(-1)[0]) * network.speedup
        seed = int(np.asarray(population._parameters["seed"], dtype=float).reshape(-1)[0])
        period, reg = self.registers(rate, population.size)
        return network.add_background(population, period=period, rate=reg, seed=seed)

    @staticmethod
    def check_size(size):
        """ValueError unless ``size`` is a power of two up to the generator's random label bits."""
        if size < 1 or size > BACKGROUND_MAX_SIZE or size & (size - 1):
            raise ValueError(f"SpikeSourcePoissonOnChip population size must be a power of two between 1 "
                             f"and {BACKGROUND_MAX_SIZE} (the random label bits of an on-chip background "
                             f"generator), got {size}")

    @staticmethod
    def check_values(name, values):
        arr = np.asarray(values, dtype=float)
        if arr.size and not np.all(np.isfinite(arr)):
            raise ValueError(f"SpikeSourcePoissonOnChip parameter {name}: values must be finite")
        if arr.size and np.unique(arr).size > 1:
            raise ValueError(f"SpikeSourcePoissonOnChip parameter {name} must be equal for all sources of a "
                             f"population (one background generator per population)")
        if name == "rate" and arr.size and arr.min() < 0:
            raise ValueError(f"SpikeSourcePoissonOnChip rate must be >= 0 Hz, got {arr.min():g}")
        if name == "seed" and arr.size and (np.any(arr != np.round(arr)) or arr.min() < 0
                                            or arr.max() > 0xffffffff):
            raise ValueError("SpikeSourcePoissonOnChip seed must be an integer in [0, 2**32-1]")

    @staticmethod
    def registers(rate, size):
        """(period, rate register) of a generator giving ``rate`` Hz (hardware) per source:
        total event rate = 250 MHz / period * rate_register / 255."""
        total = float(rate) * size
        if total == 0:
            return 1000, 0
        if total > BACKGROUND_CLOCK_HZ:
            raise ValueError(f"SpikeSourcePoissonOnChip rate {rate:g} Hz x size {size} = {total:g} Hz exceeds "
                             f"the background generator clock of {BACKGROUND_CLOCK_HZ:g} Hz")
        # aim for a spike probability of about 1/2 per period (binned Poisson), within 16-bit periods
        period = int(min(0xffff, max(1, round(BACKGROUND_CLOCK_HZ * 0.5 / total))))
        reg = int(round(total * period * 255 / BACKGROUND_CLOCK_HZ))
        if reg > 255:
            reg = 255
        if reg < 1:
            lo = BACKGROUND_CLOCK_HZ / (0xffff * 255) / size
            raise ValueError(f"SpikeSourcePoissonOnChip rate {rate:g} Hz is too low for size {size}: the "
                             f"background generator needs at least {lo:.3g} Hz per source")
        return period, reg


class CalibHXNeuronCuba(CalibNeuronBase):
    """Current-based neuron calibrated by calix on run.  Parameters in calibration units:
    ``v_rest``, ``v_reset``, ``v_thresh`` (CADC LSB), ``tau_m``, ``tau_syn_E``, ``tau_syn_I``,
    ``tau_refrac`` (us hardware time), ``cm`` (membrane capacitance LSB, 0..63), ``i_synin_gm_E/I``
    and ``synapse_dac_bias`` (CapMem LSB; synaptic strength; equal across all calibrated
    populations).  The calibration is cached (setup(calibration_cache=dir) or $CALIX_CACHE_DIR)."""

    default_parameters = {"v_rest": 80.0, "v_reset": 70.0, "v_thresh": 125.0, "tau_m": 10.0,
                          "tau_syn_E": 10.0, "tau_syn_I": 10.0, "cm": 63.0, "tau_refrac": 2.0,
                          "i_synin_gm_E": 500.0, "i_synin_gm_I": 500.0, "synapse_dac_bias": 600.0}
    conductance_based = False
    translations = build_translations(*[(n, n) for n in default_parameters])


class CalibHXNeuronCoba(CalibNeuronBase):
    """Conductance-based neuron calibrated by calix on run: the CUBA parameters plus the reversal
    potentials ``e_rev_E``, ``e_rev_I`` (CADC LSB, -35..235 on the emulator).  Weights must be
    positive.  CUBA and COBA calibrated populations cannot be mixed in one network (one chip-wide
    calibration target)."""

    default_parameters = {"v_rest": 110.0, "v_reset": 100.0, "v_thresh": 160.0, "tau_m": 10.0,
                          "tau_syn_E": 10.0, "tau_syn_I": 10.0, "cm": 63.0, "tau_refrac": 2.0,
                          "e_rev_E": 200.0, "e_rev_I": 60.0, "i_synin_gm_E": 180.0, "i_synin_gm_I": 250.0,
                          "synapse_dac_bias": 400.0}
    conductance_based = True
    translations = build_translations(*[(n, n) for n in default_parameters])


# the standard cells in biological units (setup(units="biological")), defined beside their mapping
class SpikeIOCell(ExternalNeuron):
    """Base of the populations on the FPGA's off-chip spike interface (SpikeIO: spikes to and from
    other systems over the FPGA's serial links).  The emulated FPGA has no such interface:
    constructing one raises NotImplementedError naming it."""

    recordable = ["spikes"]

    def __init__(self, *, enable_internal_loopback: bool = True, data_rate_scaler: int = 1, label=None):
        raise NotImplementedError(
            f"pynn.cells.{type(self).__name__}: the FPGA's off-chip spike interface (SpikeIO) is not "
            f"emulated; inputs from the host are SpikeSourceArray / SpikeSourcePoisson populations")


class OffChipSource(SpikeIOCell):
    """Spikes entering the chip through the FPGA's SpikeIO interface (public name; not emulated:
    constructing one raises NotImplementedError)."""


from ..biological import EIF_cond_exp_isfa_ista, IF_cond_exp, IF_curr_exp  # noqa: E402

__all__ = ["HXNeuron", "CalibHXNeuronCuba", "CalibHXNeuronCoba", "SpikeSourceArray", "SpikeSourcePoisson",
           "SpikeSourceGamma", "SpikeSourcePoissonRefractory",
           "SpikeSourcePoissonOnChip", "SpikeIOCell", "OffChipSource", "IF_curr_exp", "IF_cond_exp", "EIF_cond_exp_isfa_ista"]
