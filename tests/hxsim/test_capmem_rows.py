"""The analog core reads each per-neuron CapMem cell at the row halco names for it.

The rows come from Python (hxsim.analog.transfer_tables, from halco.CapMemRowOnCapMemBlock);
the C++ core holds no row numbers of its own.
"""
import pytest

import halco
import hxsim
from hxsim import _core
from hxsim.analog import analog_geometry
from chipmodel.transfer import TRANSFERS
from hxsim.analog import transfer_tables


def _setup(**rows):
    tables, _ = transfer_tables(0, True)
    transfers = dict(tables["transfers"])
    for name, row in rows.items():
        transfers[name] = transfers[name][:7] + (row,)
    return dict(tables, transfers=transfers, dt=0.1, noise=0.0, noise_seed=0,
                geometry=analog_geometry())


def _core_emulator(setup):
    regmap, wire, geometry = hxsim.emulator._tables()
    return _core.Emulator(regmap, wire, geometry, 0, 1 << 20, setup)


def test_rows_are_halcos():
    tables, _ = transfer_tables(0, True)
    for t in TRANSFERS:
        row = tables["transfers"][t.name][7]
        if t.source == "capmem":
            assert row == int(getattr(halco.CapMemRowOnCapMemBlock, t.cell))
            assert halco.CapMemRowOnCapMemBlock.names[row] == t.cell
        else:
            assert row == -1


@pytest.mark.parametrize("row", [-1, 24, 1000])
def test_bad_row_is_rejected(row):
    with pytest.raises(ValueError, match=f"row {row}, valid rows are 0..23"):
        _core_emulator(_setup(v_leak=row))

