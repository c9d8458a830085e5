"""setup() options of other PyNN backends: accepted with a warning in biological units (scripts
written for NEST or NEURON run with their import changed), unknown options (KeyError) in
hardware units, as the public backend."""
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.setup_options import FOREIGN_SETUP_OPTIONS


@pytest.mark.parametrize("option,value", [("threads", 4), ("t_flush", 10.0), ("spike_precision", "off_grid"),
                                          ("verbosity", "error"), ("use_cvode", True)])
def test_biological_units_accept_other_backends_options_with_a_warning(option, value):
    with pytest.warns(pynn.SetupOptionWarning, match=rf"setup\({option}=.*no effect on BrainScaleS-2"):
        pynn.setup(units="biological", **{option: value})
    try:
        p = pynn.Population(1, pynn.IF_curr_exp(i_offset=0.5))
        p.record("spikes")
        pynn.run(50.0)                          # the option changed nothing else
        assert pynn.get_current_time() == pytest.approx(50.0)
    finally:
        pynn.end()


@pytest.mark.parametrize("option", sorted(FOREIGN_SETUP_OPTIONS))
def test_hardware_units_reject_them(option):
    with pytest.raises(KeyError, match=f"unknown setup\\(\\) option '{option}'"):
        pynn.setup(**{option: 1})


def test_the_warning_names_the_backend_and_why():
    with pytest.warns(pynn.SetupOptionWarning) as rec:
        pynn.setup(units="biological", threads=2, native_rng_baseseed=3)
    pynn.end()
    text = " ".join(str(w.message) for w in rec)
    assert "option of NEST" in text and "option of NEURON" in text and "rng_seed" in text
    # unknown options stay errors in biological units too
    with pytest.raises(KeyError, match="unknown setup"):
        pynn.setup(units="biological", no_such_option=1)
