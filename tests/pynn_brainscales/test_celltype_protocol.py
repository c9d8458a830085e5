"""The cell type protocol (celltype.BackendCellType, docs/pynn.md "Cell type protocol"): every
cell type implements it, and the documented custom cell type runs in a network."""
import re
from pathlib import Path

import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2 import celltype, simulator

DOC = Path(__file__).resolve().parents[2] / "docs" / "pynn.md"


def _doc_example():
    text = DOC.read_text()
    section = text[text.index("## Cell type protocol"):]
    section = section[:section.index("\n## ", 3)]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.parametrize("name", pynn.cells.__all__)
def test_every_cell_type_implements_the_protocol(name):
    cls = getattr(pynn.cells, name)
    assert issubclass(cls, celltype.BackendCellType)
    # the facts the backend reads are consistent
    assert not (cls.is_on_chip and cls.sends_from_host)
    if cls.calibration_family is not None:
        assert issubclass(cls, celltype.CalibratedNeuron)
        assert cls.calibration_target is not celltype.BackendCellType.calibration_target


def test_calibration_families_of_the_shipped_cell_types():
    assert pynn.cells.HXNeuron.calibration_family is None
    assert pynn.cells.CalibHXNeuronCuba.calibration_family == pynn.cells.CalibHXNeuronCoba.calibration_family
    assert pynn.cells.IF_curr_exp.calibration_family == pynn.cells.EIF_cond_exp_isfa_ista.calibration_family
    assert pynn.cells.IF_curr_exp.calibration_family != pynn.cells.CalibHXNeuronCuba.calibration_family


def test_the_documented_custom_cell_type_sends_its_trains():
    scope = {}
    exec(compile(_doc_example(), str(DOC), "exec"), scope)
    sent, fired = scope["sent"], scope["fired"]
    for train, start in zip(sent, (0.01, 0.02)):
        expected = start + 0.05 * np.arange(10)
        # host spikes are sent on the FPGA clock: within one cycle of the asked time
        np.testing.assert_allclose(np.asarray(train.magnitude, float), expected, atol=1e-4)
    assert all(len(t) > 0 for t in fired), "the regular input drives the spiking neurons"
    # a bad value is rejected by the cell type's own check
    pynn.setup()
    with pytest.raises(ValueError, match="interval must be > 0"):
        pynn.Population(1, scope["SpikeSourceRegular"](interval=0.0))
    pynn.end()


def test_a_cell_type_without_protocol_methods_is_neither_placed_nor_sent():
    """The defaults: a bare BackendCellType takes no circuit, sends nothing and needs no calibration."""
    base = celltype.BackendCellType()
    assert base.add_to_network(None, None) is None
    assert base.mean_rates({}, 3) is None
    with pytest.raises(NotImplementedError):
        base.trains({}, 1, 0.0, 1.0, (0, 0), 1.0)
    with pytest.raises(NotImplementedError):
        base.calibration_target([], simulator.state)
