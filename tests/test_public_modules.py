"""The public module names (pyhalco_hicann_dls_vx_v3, pyhaldls_vx_v3, ...) are the project's
packages themselves, in a fresh interpreter too, and are in the wheel."""
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import grenade
import halco
import haldls
import hxcomm
import lola
import pylogging
import stadls

ALIASES = {
    "pyhaldls_vx_v3": haldls,
    "pystadls_vx_v3": stadls,
    "pylola_vx_v3": lola,
    "pyhxcomm_vx": hxcomm,
    "pyhalco_common": halco.common,
}
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_alias_is_the_module_itself(name):
    assert importlib.import_module(name) is ALIASES[name]


def test_public_halco_is_the_umbrella_halco():
    import dlens_vx_v3
    import pyhalco_hicann_dls_vx_v3 as h
    assert h is dlens_vx_v3.halco
    assert h.AtomicNeuronOnDLS is halco.AtomicNeuronOnDLS and h.LogicalNeuronOnDLS is lola.LogicalNeuronOnDLS
    assert h.common.iter_all is halco.iter_all and h.DACChannelOnBoard.mux_dac_25 is halco.DACChannelOnBoard.mux_dac_25
    with pytest.raises(NotImplementedError, match="INA219OnBoard"):
        h.INA219OnBoard


def test_umbrella_has_the_same_names():
    from dlens_vx_v3 import hal, halco as h, hxcomm as x, lola as l, logger, sta
    import pyhalco_hicann_dls_vx_v3
    assert (hal, sta, l, x, logger) == (haldls, stadls, lola, hxcomm, pylogging)
    assert h is pyhalco_hicann_dls_vx_v3


def test_pyfisch_exposes_the_fpga_instruction_containers():
    import pyfisch_vx_v3 as fisch
    assert fisch.Timer is haldls.Timer and fisch.SpikePack3ToChip is haldls.SpikePack3ToChip
    with pytest.raises(NotImplementedError, match="Omnibus.*write_words"):
        fisch.Omnibus


def test_pygrenade_structure():
    import pygrenade_vx
    import pygrenade_vx.common
    import pygrenade_vx.execution
    import pygrenade_vx.network
    assert pygrenade_vx.NetworkBuilder is grenade.NetworkBuilder and pygrenade_vx.run is grenade.run
    assert pygrenade_vx.common.ChipOnConnection is grenade.common.ChipOnConnection
    assert pygrenade_vx.network.build_routing is grenade.route
    assert pygrenade_vx.execution.run is grenade.run
    for module, name in ((pygrenade_vx.execution, "JITGraphExecutor"), (pygrenade_vx.network, "PlasticityRule"),
                         (pygrenade_vx.common, "ExecutionInstanceOnExecutor"), (pygrenade_vx, "signal_flow")):
        with pytest.raises(NotImplementedError, match=name):
            getattr(module, name)
        with pytest.raises(AttributeError):
            getattr(module, "NoSuchName")


def test_fresh_interpreter_from_public_names():
    code = ("import pyhalco_hicann_dls_vx_v3 as halco, pyhaldls_vx_v3 as hal, pystadls_vx_v3 as sta, "
            "pylola_vx_v3 as lola, pyhxcomm_vx as hxcomm, pygrenade_vx; "
            "b = sta.PlaybackProgramBuilder(); t = b.read(halco.JTAGIdCodeOnDLS()); "
            "c = hxcomm.ManagedConnection(); sta.run(c, b.done()); "
            "print(t.get().version, c.get_unique_identifier()[0].startswith('emulator'), "
            "pygrenade_vx.common.ChipOnConnection())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "3 True ChipOnConnection(0)"


def test_every_alias_package_is_in_the_wheel():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    packages = set(re.findall(r'"(\w+)"', text.split("wheel.packages", 1)[1].split("]", 1)[0]))
    aliases = {p.name for p in ROOT.iterdir()
               if p.is_dir() and p.name.startswith("py") and (p / "__init__.py").exists()}
    assert aliases and aliases <= packages
