"""The dlens_vx_v3 umbrella re-exports the layers under their public names."""
import importlib
import subprocess
import sys

import halco
import haldls
import hxcomm
import lola
import stadls


def test_from_import():
    from dlens_vx_v3 import hal, halco as h, hxcomm as x, lola as l, sta
    assert hal is haldls and sta is stadls and x is hxcomm and l is lola
    assert h.AtomicNeuronOnDLS is halco.AtomicNeuronOnDLS
    assert h.iter_all is halco.iter_all and h.Enum is halco.Enum
    assert h.AtomicNeuronOnLogicalNeuron is lola.AtomicNeuronOnLogicalNeuron
    assert h.LogicalNeuronOnDLS is lola.LogicalNeuronOnDLS
    assert h.neuron is halco.neuron  # names outside __all__ are forwarded


def test_submodule_imports():
    for name, module in (("hal", haldls), ("sta", stadls), ("lola", lola), ("hxcomm", hxcomm)):
        assert importlib.import_module(f"dlens_vx_v3.{name}") is module
    h = importlib.import_module("dlens_vx_v3.halco")
    assert h.SynapseQuadOnDLS is halco.SynapseQuadOnDLS
    import dlens_vx_v3
    assert dlens_vx_v3.halco is h and dlens_vx_v3.hal is haldls


def test_fresh_interpreter():
    code = ("import dlens_vx_v3.halco as h; from dlens_vx_v3 import sta, lola, hal; "
            "print(h.CompartmentOnLogicalNeuron(3), sta.PlaybackProgramBuilder is not None, "
            "lola.Chip is not None, hal.NeuronConfig is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "CompartmentOnLogicalNeuron(3) True True True"
