"""Ctrl-C during a long ``pynn.run`` stops it soon (the connection runs programs in pieces)
and the next run works."""
import os
import signal
import threading
import time

import pytest

import pynn_brainscales.brainscales2 as pynn


def test_ctrl_c_stops_a_long_run_and_the_next_run_works():
    pynn.setup()
    try:
        src = pynn.Population(20, pynn.SpikeSourcePoisson(rate=2e4))
        nrn = pynn.Population(20, pynn.HXNeuron.spiking(threshold_v_threshold=230))
        nrn.record(["spikes"])
        pynn.Projection(src, nrn, pynn.AllToAllConnector(), pynn.StaticSynapse(weight=63),
                        receptor_type="excitatory")
        pynn.run(1)                                   # warm: routing and configuration done
        timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGINT))
        t0 = time.monotonic()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                pynn.run(1000)                        # 1 s on the chip: minutes of emulation
        finally:
            timer.cancel()
        stopped = time.monotonic() - t0
        print(f"pynn.run(1000) stopped {stopped - 1.0:.3f} s after Ctrl-C")
        assert stopped < 30                           # long before the run's end
        pynn.reset()
        pynn.run(2)
        assert sum(len(st) for st in nrn.get_data().segments[-1].spiketrains) > 0
    finally:
        pynn.end()
