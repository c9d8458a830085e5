"""Backend state: the network registry, the connection and the run (grenade)."""
import atexit
import os

import numpy as np
from pyNN import common

import grenade
import hxcomm

name = "BrainScaleS-2 (openhx emulator)"

NEURONS_ON_CHIP = 512
FPGA_CYCLES_PER_MS = 125_000
MAX_RUNTIME_MS = (2 ** 32 - 1) / FPGA_CYCLES_PER_MS  # 32-bit FPGA timer, ~34.36 s hardware
RECORDABLE_ANALOG = ("v", "exc_synin", "inh_synin", "adaptation")
MADC_SOURCE = {"v": "membrane", "exc_synin": "exc_synin", "inh_synin": "inh_synin",
               "adaptation": "adaptation"}


class ID(int, common.IDMixin):
    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


def _root(pop):
    return getattr(pop, "grandparent", pop)


# Backend-owned emulator connections, kept open across setup()/end() within a process (warm
# experiments: no SystemInit and no full chip configuration per setup).  Keyed by the environment
# that selects the connection (HXCOMM_BACKEND, HXCOMM_CHIP_ID).
_POOL = {}


def _pool_key():
    return (os.environ.get("HXCOMM_BACKEND", "emulator").strip().lower() or "emulator",
            os.environ.get("HXCOMM_CHIP_ID", "0").strip())


def _pooled_connection():
    key = _pool_key()
    conn = _POOL.get(key)
    if conn is None:
        cm = hxcomm.ManagedConnection()
        conn = cm.__enter__()
        _POOL[key] = (cm, conn)
        return conn
    return conn[1]


def release_connections():
    """Close all backend-owned connections (also done at interpreter exit)."""
    while _POOL:
        _, (cm, conn) = _POOL.popitem()
        grenade.forget(conn)
        cm.__exit__(None, None, None)


atexit.register(release_connections)


def _neuron_copy(neuron):
    import lola
    n = neuron.copy()
    n.event_routing.analog_output = lola.AtomicNeuron.EventRouting.AnalogOutputMode.normal
    return n


class State(common.control.BaseState):
    """Singleton holding the network and the connection."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 3.4e-05                 # ms: the mean MADC sample interval
        self.min_delay = 0.0
        self.max_delay = 0.0
        self.record_sample_times = True
        self.connection = None
        self._own_connection = None
        self.initial_config = None
        self.neuron_permutation = None
        self.enable_neuron_bypass = False
        self.injected_config = None
        self.calibration_cache = None
        self.rng_seed = 1234
        self.calib_result = None
        self.calib_seconds = 0.0
        self.clear()

    # -- lifecycle ----------------------------------------------------------------------
    def clear(self):
        self.populations = []
        self.projections = []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self._routing = None
        self._routing_key = None
        self.last_results = None
        self.statistics = {}
        self.reset()

    def reset(self):
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1
        self._has_run = False

    def open_connection(self):
        if self.connection is None:
            self._own_connection = _pooled_connection()
            self.connection = self._own_connection
        return self.connection

    def close_connection(self):
        """Give the backend-owned connection back (it stays open in the process-wide pool, so the
        next setup() reuses the emulator and grenade writes only the changed configuration);
        ``release_connections()`` really closes it."""
        if self._own_connection is not None:
            self._own_connection = None
            self.connection = None

    # -- run ----------------------------------------------------------------------------
    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        if self._has_run:
            raise RuntimeError("Stacking several `pynn.run` commands without calling `pynn.reset()` in "
                               "between is not supported: hardware time cannot be continued.")
        runtime = float(tstop) - self.t
        if not np.isfinite(runtime) or runtime <= 0:
            raise ValueError(f"runtime must be positive (hardware ms), got {runtime}")
        if runtime > MAX_RUNTIME_MS:
            raise ValueError(f"Total runtime {runtime} ms is too long: the 32-bit FPGA timer allows at most "
                             f"{MAX_RUNTIME_MS:.3f} ms (hardware time) per run")
        calib_chip = self._calibrate()
        network, descr, inputs_needed = self._build_network(calib_chip)
        key = self._topology_key(network)
        routing = self._routing if key == self._routing_key else None
        if routing is None:
            routing = grenade.route(network)
        gen = grenade.InputGenerator(network, runtime=runtime)
        for pop, d in inputs_needed:
            gen.add(pop._spike_trains(runtime), d)
        init = self.initial_config if calib_chip is None else calib_chip
        if self.enable_neuron_bypass and init is None:
            import lola
            init = lola.Chip.default_neuron_bypass() if hasattr(lola.Chip, "default_neuron_bypass") else None
        hooks = self.injected_config
        results = grenade.run(self.open_connection(), network, routing, gen, initial_config=init,
                              hooks=hooks)
        if hooks and any(hooks.get(k) is not None for k in ("pre_realtime", "post_realtime")):
            # injected programs may change what grenade believes is on the chip
            grenade.forget(self.connection)
        self._routing = results.routing if getattr(results, "routing", None) is not None else routing
        self._routing_key = key
        self.last_results = results
        self._descriptors = descr
        self.statistics = {"routing": routing.statistics, "timing": results.timing}
        if self.calib_result is not None:
            self.statistics["calibration"] = {"result": self.calib_result, "seconds": self.calib_seconds}
        self.t = float(tstop)
        self.running = True
        self._has_run = True

    def _on_chip_atoms(self):
        """[(population, AtomicNeuronOnDLS enums)] of the on-chip populations, as grenade places them
        (the permutation, else free circuits in enumeration order)."""
        out, placed = [], 0
        for pop in self.populations:
            if pop.celltype.is_on_chip:
                if self.neuron_permutation is not None:
                    atoms = np.asarray(self.neuron_permutation[placed:placed + pop.size], dtype=np.int64)
                else:
                    atoms = np.arange(placed, placed + pop.size, dtype=np.int64)
                placed += pop.size
                out.append((pop, atoms))
        return out

    def _calibrate(self):
        """Calibrate (calix, cached) when calibrated populations exist; the calibrated lola.Chip or None."""
        from . import calibration
        self.calib_result = None
        self.calib_seconds = 0.0
        pops_atoms = [(p, a) for p, a in self._on_chip_atoms() if getattr(p.celltype, "is_calibrated", False)]
        if not pops_atoms:
            return None
        result, chip, seconds = calibration.calibrate(self, pops_atoms, self.open_connection())
        self.calib_result, self.calib_seconds = result, seconds
        return chip

    @staticmethod
    def _topology_key(network):
        parts = []
        for p in network.populations:
            parts.append((type(p).__name__, len(p), None if getattr(p, "placement", None) is None
                          else tuple(p.placement),
                          # background generator registers live in the routing result
                          tuple(getattr(p, k, None) for k in ("period", "rate", "seed", "enable_random"))))
        for pr in network.projections:
            parts.append((pr.receptor, pr.pre.index, pr.post.index, pr.synapses_per_connection,
                          np.asarray(pr.pre_indices).tobytes(), np.asarray(pr.post_indices).tobytes()))
        return tuple(parts)

    def _build_network(self, calib_chip=None):
        from .populations import Population  # noqa: F401
        b = grenade.NetworkBuilder()
        descr = {}
        inputs_needed = []
        madc = []
        placed = 0
        for pop in self.populations:
            if pop.celltype.is_on_chip:
                placement = None
                if self.neuron_permutation is not None:
                    placement = list(self.neuron_permutation[placed:placed + pop.size])
                placed += pop.size
                if getattr(pop.celltype, "is_calibrated", False):
                    atoms = placement if placement is not None else range(placed - pop.size, placed)
                    config = [_neuron_copy(calib_chip.neuron_block.atomic_neurons[int(a)]) for a in atoms]
                else:
                    config = pop._lola_neurons()
                d = b.add(grenade.Population(pop.size, placement=placement, config=config))
                for var, ids in pop._madc_requests():
                    for i in ids:
                        madc.append((d, i, MADC_SOURCE[var]))
            elif getattr(pop.celltype, "is_background", False):
                rate = float(np.asarray(pop._parameters["rate"], dtype=float).reshape(-1)[0])
                seed = int(np.asarray(pop._parameters["seed"], dtype=float).reshape(-1)[0])
                period, reg = pop.celltype.registers(rate, pop.size)
                d = b.add(grenade.BackgroundSourcePopulation(pop.size, period=period, rate=reg, seed=seed,
                                                             enable_random=True))
            else:
                d = b.add(grenade.ExternalSourcePopulation(pop.size))
                inputs_needed.append((pop, d))
            descr[pop] = d
        for prj in self.projections:
            conns = prj._grenade_connections()
            if len(conns[0]) == 0:
                continue
            b.add(grenade.Projection(prj.receptor_type, descr[_root(prj.pre)], descr[_root(prj.post)], conns,
                                     max_weight=prj._max_weight))
        if madc:
            b.add(grenade.MADCRecording(madc))
        return b.done(), descr, inputs_needed


state = State()
