"""grenade.common: ChipOnConnection and Time are typed integers."""
import pytest
from hypothesis import given, strategies as st

import haldls
from grenade.common import ChipOnConnection, Time


@given(st.integers(0, 2**40))
def test_typed_values(v):
    assert ChipOnConnection(v) == ChipOnConnection(v) and ChipOnConnection(v).value() == v
    assert ChipOnConnection(v) != Time(v)
    assert len({ChipOnConnection(v), ChipOnConnection(v), Time(v)}) == 2
    assert repr(Time(v)) == f"Time({v})"


def test_defaults_and_errors():
    assert ChipOnConnection() == ChipOnConnection(0)
    assert Time.fpga_clock_cycles_per_us == Time(125)
    assert Time(250).toTimerOnFPGAValue() == haldls.Timer.Value(250)
    with pytest.raises(ValueError, match=">= 0"):
        Time(-1)
    with pytest.raises(TypeError):
        ChipOnConnection(True)
    with pytest.raises(TypeError):
        ChipOnConnection(1.5)
