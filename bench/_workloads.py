"""Benchmark and validation workloads, defined once for every simulator.

``adex512`` is the chip-sized network: 512 AdEx neurons (the equations and
defaults of NEST's ``aeif_cond_exp``) with conductance-based exponential
synapses, 410 excitatory and 102 inhibitory, recurrent Bernoulli connectivity
p = 0.1 without autapses, and a pool of 256 Poisson sources at 20 Hz from which
every neuron draws 16 distinct sources. All delays are 1 ms; 1 s of biology.

Everything random comes from one seed through :func:`adex512_network`, so the
emulator (:func:`build_model_simulator`) and Brian2 (:func:`run_brian2`)
simulate the same network with the same input; only the integrators differ.
The draw order (input sources, recurrent mask, initial potentials, then the
trains source by source) is part of the definition: with seed 1234 the network
is the one the peer figures (Brian2 4909 spikes, NEST 4886) were measured on.

Units: the workload is written in biological units (pF, nS, mV, ms, pA).
:func:`hardware_parameters` maps it onto the emulator's hardware units with
the 1000x speed-up: times ms -> us, conductances nS -> uS, currents pA -> nA
(the same numbers), capacitances unchanged.

Run as a script, this module prints the workload's size and a ``RESULT`` line
(no simulator needed).
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from typing import Dict, Optional

import numpy as np

#: The adex512 definition in biological units.
ADEX512 = dict(
    N=512, N_exc=410,
    n_sources=256, src_rate_Hz=20.0, indegree_in=16,
    p_rec=0.1,
    # NEST aeif_cond_exp defaults (Brette & Gerstner 2005)
    C_pF=281.0, gL_nS=30.0, EL_mV=-70.6, VT_mV=-50.4, DeltaT_mV=2.0,
    tauw_ms=144.0, a_nS=4.0, b_pA=80.5, Vr_mV=-60.0,
    Vpeak_mV=-40.4,          # VT + 5 DeltaT: the usual cut-off with Euler
    tref_ms=2.0,
    Ee_mV=0.0, Ei_mV=-80.0, tau_e_ms=5.0, tau_i_ms=5.0,
    w_in_nS=6.0, w_exc_nS=1.0, w_inh_nS=4.0,
    delay_ms=1.0,
)

#: Default seed: the network of the peer measurements.
ADEX512_SEED = 1234


def adex512_network(seed: int = ADEX512_SEED, T_ms: float = 1000.0,
                    grid_ms: float = 0.1, params: Optional[dict] = None) -> Dict[str, np.ndarray]:
    """Connectivity, initial state and input trains of adex512 (numpy arrays, 0-based).

    Returns a dict:

    - ``in_src``, ``in_tgt`` (int64): pool source -> neuron, 16 distinct sources
      per neuron, target-major;
    - ``rec_src``, ``rec_tgt`` (int64), ``rec_w_nS`` (float64, > 0 excitatory,
      < 0 inhibitory by the sender's type): recurrent synapses, source-major;
    - ``v0_mV``: initial membrane potentials, uniform in [EL, VT);
    - ``spk_idx`` (int64), ``spk_t_ms``: input trains of the pool, sorted by time
      (stable), on the ``grid_ms`` grid, in [grid_ms, T_ms), at most one spike per
      source and grid point;
    - ``T_ms``, ``seed``, ``grid_ms`` (0-d arrays) and ``params`` (the dict used).

    ``grid_ms`` must divide 1 ms (0.1 by default, as the peer figures use even at
    dt 0.01 ms, so both time steps see the same input).
    """
    P = dict(ADEX512 if params is None else params)
    per_ms = round(1.0 / grid_ms)
    if per_ms <= 0 or abs(per_ms * grid_ms - 1.0) > 1e-9:
        raise ValueError(f"grid_ms must divide 1 ms, got {grid_ms!r}")
    rng = np.random.default_rng(seed)
    N, K, S = P["N"], P["indegree_in"], P["n_sources"]

    in_src = np.concatenate([rng.choice(S, size=K, replace=False) for _ in range(N)])
    in_tgt = np.repeat(np.arange(N), K)

    mask = rng.random((N, N)) < P["p_rec"]
    mask[np.arange(N), np.arange(N)] = False
    rec_src, rec_tgt = np.nonzero(mask)
    rec_w = np.where(rec_src < P["N_exc"], P["w_exc_nS"], -P["w_inh_nS"])

    v0 = rng.uniform(P["EL_mV"], P["VT_mV"], size=N)

    idx, times = [], []
    lam = P["src_rate_Hz"] * T_ms / 1000.0
    for s in range(S):
        t = rng.uniform(0.0, T_ms, size=rng.poisson(lam))
        t = np.unique(np.rint(t * per_ms)) / per_ms       # grid points, once each
        t = t[(t >= grid_ms) & (t < T_ms)]
        idx.append(np.full(t.size, s))
        times.append(t)
    idx = np.concatenate(idx)
    times = np.concatenate(times)
    order = np.argsort(times, kind="stable")
    return dict(in_src=in_src.astype(np.int64), in_tgt=in_tgt.astype(np.int64),
                rec_src=rec_src.astype(np.int64), rec_tgt=rec_tgt.astype(np.int64),
                rec_w_nS=rec_w.astype(np.float64), v0_mV=v0,
                spk_idx=idx[order].astype(np.int64), spk_t_ms=times[order],
                T_ms=np.float64(T_ms), seed=np.int64(seed), grid_ms=np.float64(grid_ms),
                params=P)


def synaptic_events(net: dict, senders: np.ndarray) -> Dict[str, int]:
    """Synaptic events delivered: every spike times its sender's out-degree.

    ``senders`` are the recurrent neurons' spike senders (0-based). Counts the
    pool's input events too (as the peer scripts do).
    """
    P = net["params"]
    out_in = np.bincount(net["in_src"], minlength=P["n_sources"])
    out_rec = np.bincount(net["rec_src"], minlength=P["N"])
    ev_in = int(out_in[net["spk_idx"]].sum())
    ev_rec = int(out_rec[np.asarray(senders, dtype=np.int64)].sum())
    return dict(events=ev_in + ev_rec, events_input=ev_in, events_recurrent=ev_rec)


# ----------------------------------------------------------------------------
# The emulator's direct model API (hxsim.ModelSimulator)
# ----------------------------------------------------------------------------

def hardware_parameters(params: Optional[dict] = None) -> dict:
    """``ModelSimulator.set_parameters`` keywords for the adex512 neurons.

    Biology -> hardware with the 1000x speed-up: C pF as is; g nS -> uS, t ms ->
    us, I pA -> nA, voltages mV, all with the same numbers.
    """
    P = ADEX512 if params is None else params
    return dict(C=P["C_pF"], g_leak=P["gL_nS"], E_leak=P["EL_mV"], V_T=P["VT_mV"],
                delta_T=P["DeltaT_mV"], V_peak=P["Vpeak_mV"], V_reset=P["Vr_mV"],
                t_ref=P["tref_ms"], a=P["a_nS"], b=P["b_pA"], tau_w=P["tauw_ms"],
                E_w=P["EL_mV"], E_exc=P["Ee_mV"], E_inh=P["Ei_mV"],
                tau_exc=P["tau_e_ms"], tau_inh=P["tau_i_ms"], I_offset=0.0,
                coba=True, exponential=True, adaptation=True)


def build_model_simulator(net: dict, dt_ms: float = 0.1, seed: int = 0):
    """A ``hxsim.ModelSimulator`` holding the adex512 network (hardware units).

    Pool source ``s`` is simulator input ``s`` (presynaptic index ``N + s``).
    Returns the simulator; run it with :func:`run_model_simulator` or with
    ``sim.run(T, **model_inputs(net))``.
    """
    import hxsim
    P = net["params"]
    N = P["N"]
    sim = hxsim.ModelSimulator(N, P["n_sources"], dt=dt_ms, seed=seed)
    sim.set_parameters(**hardware_parameters(P))
    sim.set_state(v=net["v0_mV"], w=0.0, g_exc=0.0, g_inh=0.0)
    delay = P["delay_ms"]
    n_in = net["in_src"].size
    rec_w = net["rec_w_nS"]
    pre = np.concatenate([net["in_src"] + N, net["rec_src"]])
    post = np.concatenate([net["in_tgt"], net["rec_tgt"]])
    weight = np.concatenate([np.full(n_in, P["w_in_nS"]), np.abs(rec_w)])
    receptor = np.concatenate([np.zeros(n_in, np.int32), (rec_w < 0).astype(np.int32)])
    sim.connect(pre, post, weight, receptor, np.full(pre.size, delay))
    return sim


def model_inputs(net: dict) -> dict:
    """``run()`` keywords for the pool's trains (us of hardware time = ms of biology)."""
    return dict(input_times=net["spk_t_ms"], input_sources=net["spk_idx"].astype(np.int32))


def run_model_simulator(net: dict, dt_ms: float = 0.1, seed: int = 0) -> dict:
    """Build and run adex512 on the emulator; spikes in biological ms.

    Returns ``spike_i``, ``spike_t_ms``, ``build_s`` (Python model description ->
    ready simulator), ``run_s`` (the C++ loop, ``result.wall_s``), ``call_s`` (the whole
    ``run`` call), ``time_to_result_s`` (build + the whole ``run`` call), ``events_reported``
    (``result.events``) and the event counts of :func:`synaptic_events`.
    """
    t0 = time.perf_counter()
    sim = build_model_simulator(net, dt_ms=dt_ms, seed=seed)
    t1 = time.perf_counter()
    res = sim.run(float(net["T_ms"]), **model_inputs(net))
    t2 = time.perf_counter()
    spike_i = np.asarray(res.spike_neurons, dtype=np.int64)
    out = dict(spike_i=spike_i, spike_t_ms=np.asarray(res.spike_times, dtype=np.float64),
               build_s=t1 - t0, run_s=float(res.wall_s), call_s=t2 - t1, time_to_result_s=t2 - t0,
               events_reported=int(res.events))
    out.update(synaptic_events(net, spike_i))
    return out


# ----------------------------------------------------------------------------
# Brian2 (optional)
# ----------------------------------------------------------------------------

BRIAN2_EQS = """
dv/dt = (-gL*(v-EL) + gL*DeltaT*exp((v-VT)/DeltaT) - ge*(v-Ee) - gi*(v-Ei) - w)/C : volt (unless refractory)
dw/dt = (a*(v-EL) - w)/tauw : amp
dge/dt = -ge/tau_e : siemens
dgi/dt = -gi/tau_i : siemens
"""


def brian2_available() -> bool:
    try:
        import brian2  # noqa: F401
    except Exception:  # ImportError, or a broken install (numpy mismatch)
        return False
    return True


def run_brian2(net: dict, dt_ms: float = 0.1, target: str = "numpy", threads: int = 1,
               method: str = "euler") -> dict:
    """Build and run adex512 in Brian2; spikes in biological ms.

    ``target``: ``numpy`` or ``cython`` (runtime; ``build_s`` = construction +
    ``run(0 ms)``, i.e. code generation and initialisation) or
    ``cpp_standalone`` (``build_s`` = construction + code generation + C++
    compilation + initialisation in the binary; ``run_s`` is the binary's own
    loop timer). Brian2 integrates with forward Euler by default. The device
    is reset to runtime afterwards, so several calls can share a process.

    Raises ImportError if Brian2 is not installed.
    """
    import brian2 as b2
    from brian2 import ms, mV, nS, pA, pF, second

    P = net["params"]
    T_s = float(net["T_ms"]) / 1000.0
    b2.prefs.logging.console_log_level = "WARNING"
    tmpdir = None
    t0 = time.perf_counter()
    if target == "cpp_standalone":
        tmpdir = tempfile.mkdtemp(prefix="openhx_adex512_b2_")
        b2.set_device("cpp_standalone", directory=tmpdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    elif target in ("numpy", "cython"):
        b2.prefs.codegen.target = target
    else:
        raise ValueError(f"unknown Brian2 target {target!r}")
    try:
        b2.defaultclock.dt = dt_ms * ms
        ns = dict(C=P["C_pF"] * pF, gL=P["gL_nS"] * nS, EL=P["EL_mV"] * mV,
                  VT=P["VT_mV"] * mV, DeltaT=P["DeltaT_mV"] * mV, tauw=P["tauw_ms"] * ms,
                  a=P["a_nS"] * nS, b=P["b_pA"] * pA, Vr=P["Vr_mV"] * mV,
                  Vpeak=P["Vpeak_mV"] * mV, Ee=P["Ee_mV"] * mV, Ei=P["Ei_mV"] * mV,
                  tau_e=P["tau_e_ms"] * ms, tau_i=P["tau_i_ms"] * ms)
        G = b2.NeuronGroup(P["N"], BRIAN2_EQS, threshold="v > Vpeak", reset="v = Vr; w += b",
                           refractory=P["tref_ms"] * ms, method=method, namespace=ns)
        G.v = net["v0_mV"] * mV
        G.w = 0 * pA
        src = b2.SpikeGeneratorGroup(P["n_sources"], net["spk_idx"], net["spk_t_ms"] * ms)
        delay = P["delay_ms"] * ms
        s_in = b2.Synapses(src, G, on_pre=f"ge_post += {P['w_in_nS']!r}*nS", delay=delay)
        s_in.connect(i=net["in_src"], j=net["in_tgt"])
        exc = net["rec_w_nS"] > 0
        s_e = b2.Synapses(G, G, on_pre=f"ge_post += {P['w_exc_nS']!r}*nS", delay=delay)
        s_e.connect(i=net["rec_src"][exc], j=net["rec_tgt"][exc])
        s_i = b2.Synapses(G, G, on_pre=f"gi_post += {P['w_inh_nS']!r}*nS", delay=delay)
        s_i.connect(i=net["rec_src"][~exc], j=net["rec_tgt"][~exc])
        mon = b2.SpikeMonitor(G)
        network = b2.Network(G, src, s_in, s_e, s_i, mon)
        if target == "cpp_standalone":
            network.run(T_s * second)
            b2.device.build(directory=tmpdir, compile=True, run=True, with_output=False)
            total = time.perf_counter() - t0
            run_s = float(b2.device._last_run_time)
            build_s = total - run_s
        else:
            network.run(0 * ms)
            t1 = time.perf_counter()
            network.run(T_s * second)
            t2 = time.perf_counter()
            build_s, run_s, total = t1 - t0, t2 - t1, t2 - t0
        spike_i = np.asarray(mon.i[:], dtype=np.int64)
        spike_t = np.asarray(mon.t[:] / ms, dtype=np.float64)
    finally:
        if target == "cpp_standalone":
            b2.device.reinit()
            b2.set_device("runtime")
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
    out = dict(spike_i=spike_i, spike_t_ms=spike_t, build_s=build_s, run_s=run_s,
               time_to_result_s=total, version=b2.__version__, target=target,
               threads=threads if target == "cpp_standalone" else 1, method=method)
    out.update(synaptic_events(net, spike_i))
    return out


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Generate the adex512 workload and print its size.")
    ap.add_argument("--seed", type=int, default=ADEX512_SEED)
    ap.add_argument("--T", type=float, default=1.0, help="biological seconds")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    net = adex512_network(seed=args.seed, T_ms=args.T * 1000.0)
    gen_s = time.perf_counter() - t0
    P = net["params"]
    n_in, n_rec = net["in_src"].size, net["rec_src"].size
    print(f"adex512 (seed {args.seed}, {args.T:g} s bio): {P['N']} neurons "
          f"({P['N_exc']} exc), {P['n_sources']} Poisson sources, {n_in} input + {n_rec} "
          f"recurrent synapses, {net['spk_idx'].size} input spikes; generated in {gen_s * 1e3:.1f} ms")
    print("RESULT " + json.dumps(dict(adex512_generate_ms=round(gen_s * 1e3, 2),
                                      synapses=int(n_in + n_rec),
                                      input_spikes=int(net["spk_idx"].size))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
