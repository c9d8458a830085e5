"""The Lava worker: runs one :class:`grenade.lava.fixed.FixedPointNetwork` in Lava.

Runs in ``.venv-lava`` (Python 3.10, lava-nc 0.10, numpy < 2) as a script, started by
:mod:`grenade.lava.client`: ``python worker.py REQUEST.npz RESPONSE.npz``.  It imports numpy and
lava only (no project package), so the project's C++ extension is not needed there.

The network is lowered one to one: a ``io.source.RingBuffer`` per source (columns padded to the
run length, since the ring buffer wraps), a ``LIF`` per population (``LIFRefractory`` with the
worker's own process models when it has a refractory period), a ``Dense`` / ``Sparse`` /
``DelayDense`` per projection (``sign_mode`` given explicitly so that single-signed matrices keep
all 8 bits), an ``io.extractor.Extractor`` per population read once per step (``Var.get`` costs
about 30 us per element).  The response holds ``spikes<i>`` (steps x size, uint8) per population,
``compile_s``, ``run_s`` and ``steps``; on failure the worker writes ``error`` (the traceback)
and exits 1.
"""
import sys
import time
import traceback

import numpy as np


def _load(path):
    z = np.load(path, allow_pickle=False)
    d = {k: z[k] for k in z.files}
    T = int(d["steps"])
    srcs = [(str(d[f"src{i}_name"]), int(d[f"src{i}_size"]), d[f"src{i}_steps"], d[f"src{i}_neurons"])
            for i in range(int(d["n_src"]))]
    pops = [(str(d[f"pop{i}_name"]), int(d[f"pop{i}_size"]), ([int(x) for x in d[f"pop{i}_scalars"]] + [0])[:4],
             d[f"pop{i}_bias_mant"], d[f"pop{i}_bias_exp"], d[f"pop{i}_v_init"]) for i in range(int(d["n_pop"]))]
    projs = [(str(d[f"proj{i}_pre"]), str(d[f"proj{i}_post"]), d[f"proj{i}_weights"], int(d[f"proj{i}_weight_exp"]),
              d.get(f"proj{i}_delays"), bool(d[f"proj{i}_sparse"])) for i in range(int(d["n_proj"]))]
    return T, srcs, pops, projs, str(d.get("mode", np.array("fixed_pt")))


def _refractory_models():
    """(fixed-point, float) process models of ``LIFRefractory``: Lava 0.10 has no fixed-point one
    (and its float one is registered for ``TernaryLIF``).  After a spike in time step ``t`` the
    membrane stays at 0 in steps ``t + 1 .. t + refractory_period``; the current integrates on."""
    from lava.magma.core.decorator import implements, requires, tag
    from lava.magma.core.model.py.ports import PyOutPort
    from lava.magma.core.model.py.type import LavaPyType
    from lava.magma.core.resources import CPU
    from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
    from lava.proc.lif.models import AbstractPyLifModelFixed, AbstractPyLifModelFloat
    from lava.proc.lif.process import LIFRefractory

    class Refractory:
        def subthr_dynamics(self, activation_in):
            v = self.v.copy()
            super().subthr_dynamics(activation_in)
            hold = self.refractory_period_end >= self.time_step
            self.v[hold] = v[hold]

        def reset_voltage(self, spike_vector):
            super().reset_voltage(spike_vector)
            self.refractory_period_end[spike_vector] = self.time_step + self.refractory_period

    @implements(proc=LIFRefractory, protocol=LoihiProtocol)
    @requires(CPU)
    @tag("fixed_pt")
    class PyLifRefractoryModelFixed(Refractory, AbstractPyLifModelFixed):
        s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
        vth: int = LavaPyType(int, np.int32, precision=17)
        refractory_period_end: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=32)

        def __init__(self, proc_params):
            super().__init__(proc_params)
            self.refractory_period = int(proc_params["refractory_period"])
            self.effective_vth = 0

        def scale_threshold(self):      # as PyLifModelBitAcc
            self.effective_vth = np.left_shift(self.vth, self.vth_shift)
            self.isthrscaled = True

        def spiking_activation(self):
            return self.v > self.effective_vth

    @implements(proc=LIFRefractory, protocol=LoihiProtocol)
    @requires(CPU)
    @tag("floating_pt")
    class PyLifRefractoryModelFloat(Refractory, AbstractPyLifModelFloat):
        s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
        vth: float = LavaPyType(float, float)
        refractory_period_end: np.ndarray = LavaPyType(np.ndarray, int)

        def __init__(self, proc_params):
            super().__init__(proc_params)
            self.refractory_period = int(proc_params["refractory_period"])

        def spiking_activation(self):
            return self.v > self.vth

    return LIFRefractory, PyLifRefractoryModelFixed, PyLifRefractoryModelFloat


def run(path):
    """Build, run and read out the network of the request at ``path``; returns the response dict."""
    t0 = time.perf_counter()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.lif.process import LIF
    from lava.proc.dense.process import Dense, DelayDense
    from lava.proc.sparse.process import Sparse
    from lava.proc.io.source import RingBuffer
    from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel
    from lava.utils.weightutils import SignMode

    T, srcs, pops, projs, mode = _load(path)
    fixed = mode == "fixed_pt"
    models = {Extractor: PyLoihiExtractorModel}
    LIFRefractory = None
    if any(scalars[3] > 0 for _, _, scalars, *_ in pops):
        LIFRefractory, fixed_model, float_model = _refractory_models()
        models[LIFRefractory] = fixed_model if fixed else float_model
    ports = {}
    for name, size, steps, neurons in srcs:
        data = np.zeros((size, T), np.int32 if fixed else float)
        data[neurons, steps] = 1
        ports[name] = RingBuffer(data=data).s_out
    lifs, exts = {}, []
    for name, size, (du, dv, vth, refractory), mant, exp, v0 in pops:
        cls, extra = (LIFRefractory, dict(refractory_period=refractory)) if refractory > 0 else (LIF, {})
        if fixed:
            lif = cls(shape=(size,), du=du, dv=dv, vth=vth, bias_mant=mant.astype(np.int32),
                      bias_exp=exp.astype(np.int32), v=v0.astype(np.int32), name=name, **extra)
        else:   # the same model in floating point (debug): decays and scales as the fixed model applies them
            lif = cls(shape=(size,), du=(du + 1) / 4096.0, dv=dv / 4096.0, vth=float(vth << 6),
                      bias_mant=(mant.astype(float) * 2.0 ** exp), bias_exp=np.zeros(size), v=v0.astype(float),
                      name=name, **extra)
        lifs[name], ports[name] = lif, lif.s_out
        ext = Extractor(shape=(size,), buffer_size=max(T, 1))
        lif.s_out.connect(ext.in_port)
        exts.append(ext)
    for pre, post, w, wexp, delays, sparse in projs:
        sign = SignMode.INHIBITORY if np.all(w <= 0) and np.any(w < 0) else \
            SignMode.EXCITATORY if np.all(w >= 0) else SignMode.MIXED
        kw = dict(weight_exp=wexp, num_weight_bits=8, sign_mode=sign) if fixed else {}
        wf = w.astype(np.int32) if fixed else w.astype(float) * 2.0 ** (wexp + 6)
        if delays is not None:
            conn = DelayDense(weights=wf, delays=delays.astype(int), **kw)
        elif sparse:
            import scipy.sparse
            conn = Sparse(weights=scipy.sparse.csr_matrix(wf), **kw)
        else:
            conn = Dense(weights=wf, **kw)
        ports[pre].connect(conn.s_in)
        conn.a_out.connect(lifs[post].a_in)
    cfg = Loihi2SimCfg(select_tag="fixed_pt" if fixed else "floating_pt", exception_proc_model_map=models)
    anchor = next(iter(lifs.values()))
    anchor.create_runtime(run_cfg=cfg)
    t1 = time.perf_counter()
    anchor.run(condition=RunSteps(num_steps=T, blocking=False))
    rasters = [np.zeros((T, size), np.uint8) for _, size, *_ in pops]
    for t in range(T):
        for r, ext in zip(rasters, exts):
            r[t] = ext.receive() != 0
    anchor.wait()
    t2 = time.perf_counter()
    anchor.stop()
    out = {f"spikes{i}": r for i, r in enumerate(rasters)}
    out.update(compile_s=np.array(t1 - t0), run_s=np.array(t2 - t1), steps=np.array(T))
    return out


def main(argv):
    """``worker.py REQUEST RESPONSE``: writes the response npz; exit status 1 with ``error`` on failure."""
    request, response = argv[1], argv[2]
    try:
        out = run(request)
    except BaseException:   # noqa: BLE001 -- everything goes back to the host with its traceback
        np.savez(response, error=np.array(traceback.format_exc()))
        sys.stderr.write(traceback.format_exc())
        sys.stderr.flush()
        return 1
    np.savez(response, **out)
    return 0


if __name__ == "__main__":
    rc = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Lava's runtime may leave non-daemon threads or children behind: leave at once
    import os
    os._exit(rc)
