"""The public module layout of pynn_brainscales.brainscales2: the names scripts import."""
import importlib

import pytest

import pynn_brainscales.brainscales2 as pynn


@pytest.mark.parametrize("module, names", [
    ("pynn_brainscales.brainscales2.standardmodels.cells",
     ["HXNeuron", "CalibHXNeuronCuba", "CalibHXNeuronCoba", "SpikeSourceArray", "SpikeSourcePoisson",
      "SpikeSourcePoissonOnChip"]),
    ("pynn_brainscales.brainscales2.standardmodels.cells_base", ["NeuronCellType", "ExternalNeuron"]),
    ("pynn_brainscales.brainscales2.standardmodels.synapses", ["StaticSynapse"]),
    ("pynn_brainscales.brainscales2", ["Population", "PopulationView", "Assembly", "Projection", "setup", "run",
                                       "end", "reset", "RunCommand", "InjectedConfiguration", "InjectedReadout",
                                       "Timer", "PlasticityRule", "SpikingCalibTarget", "SpikingCalibOptions",
                                       "lola", "hal", "halco", "sta", "logger", "helper", "cells", "synapses",
                                       "preprocess", "set", "DEFAULT_MIN_DELAY", "DEFAULT_MAX_DELAY",
                                       "grenade_common"]),
])
def test_public_names_import(module, names):
    mod = importlib.import_module(module)
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"


def test_cells_and_synapses_namespaces_are_the_standardmodels_modules():
    from pynn_brainscales.brainscales2.standardmodels import cells, synapses
    assert pynn.cells is cells and pynn.synapses is synapses
    assert pynn.standardmodels.cells.HXNeuron is pynn.cells.HXNeuron is pynn.HXNeuron
    assert pynn.standardmodels.synapses.StaticSynapse is pynn.StaticSynapse


def test_logger_is_the_public_facade():
    assert pynn.logger.get("pynn.layout").name == "pynn.layout"
    assert pynn.logger.LogLevel.INFO < pynn.logger.LogLevel.WARN


def test_cell_types_work_as_classes_with_cellparams_and_as_instances():
    pynn.setup()
    try:
        src = pynn.Population(2, pynn.cells.SpikeSourceArray, cellparams={"spike_times": [0.01, 0.02]})
        nrn = pynn.Population(1, pynn.cells.HXNeuron(leak_v_leak=650))
        assert src.get("spike_times").value.tolist() == [0.01, 0.02]
        assert nrn.get("leak_v_leak") == 650
    finally:
        pynn.end()


def test_timer_converts_to_ppu_cycles_and_clips_to_a_snippet():
    t = pynn.Timer(start=0.01, period=0.02, num_periods=5)
    assert pynn.Timer.to_ppu_cycles(0.001) == 250          # 1 us at 250 MHz
    # calls at 0.01, 0.03, 0.05, 0.07, 0.09: the snippet [0.04, 0.08) holds 0.05 and 0.07
    assert t.schedule(0.04, 0.08) == (pynn.Timer.to_ppu_cycles(0.05), 5000, 2)
    assert t.schedule(0.0, 1.0)[2] == 5
    with pytest.raises(ValueError, match="period"):
        pynn.Timer(start=0, period=0, num_periods=1)
    with pytest.raises(TypeError, match="num_periods"):
        pynn.Timer(start=0, period=1)


def test_plasticity_rules_take_a_timer_and_observables_by_their_public_names():
    rule = pynn.PlasticityRule(timer=pynn.Timer(start=0, period=0.01, num_periods=1), observables={
        "w": pynn.PlasticityRule.ObservablePerSynapse(pynn.PlasticityRule.ObservablePerSynapse.Type.uint8,
                                                      pynn.PlasticityRule.ObservablePerSynapse.LayoutPerRow
                                                      .packed_active_columns)})
    assert "PLASTICITY_RULE_KERNEL" in rule.generate_kernel()      # the base kernel does nothing
    assert rule._observable_specs() == [{"name": "w", "kind": "synapse", "type": "uint8",
                                         "layout": "packed_active_columns"}]
    with pytest.raises(TypeError, match="pynn.Timer"):
        pynn.PlasticityRule(timer=(0, 1, 1))
    with pytest.raises(TypeError, match="observable 'x'"):
        pynn.PlasticityRule(timer=rule.timer, observables={"x": 5})
    with pytest.raises(RuntimeError, match="after pynn.run"):
        pynn.PlasticityRule(timer=rule.timer, observables={"a": pynn.PlasticityRule.ObservableArray(size=2)}) \
            .get_observable_array("a")


def test_grenade_common_names_raise_not_implemented_naming_the_name():
    with pytest.raises(NotImplementedError, match=r"grenade_common\.CompartmentOnNeuron.*pygrenade_vx"):
        pynn.grenade_common.CompartmentOnNeuron


@pytest.mark.parametrize("name", ["OffChipSource", "SpikeIOCell"])
def test_spike_io_cells_raise_not_implemented_naming_the_interface(name):
    cls = getattr(pynn.cells, name)
    with pytest.raises(NotImplementedError, match=f"cells.{name}.*SpikeIO"):
        cls(label=[1])


def test_plasticity_rule_handle_takes_only_a_plasticity_rule():
    from pynn_brainscales.brainscales2.plasticity_rules import PlasticityRuleHandle

    class Carrier(PlasticityRuleHandle):
        pass

    assert isinstance(Carrier(), Carrier)
    with pytest.raises(TypeError, match="pynn.PlasticityRule"):
        Carrier(plasticity_rule=object())
