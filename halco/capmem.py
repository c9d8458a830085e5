"""Capacitive memory (CapMem): 4 blocks (quadrants) x 24 rows x 130 columns of
10-bit analog parameter cells.  Columns 0..127 belong to the neurons of the
quadrant, columns 128 and 129 hold shared ("global") parameters."""
from __future__ import annotations

from ._base import Grid, Mixin, Ranged, Single, types as _h
from .chip import HemisphereOnDLS

__all__ = [
    "CapMemColumnOnCapMemBlock",
    "CapMemRowOnCapMemBlock",
    "CapMemBlockOnHemisphere",
    "CapMemBlockOnDLS",
    "CapMemBlockConfigOnDLS",
    "CapMemCellOnCapMemBlock",
    "CapMemCellOnDLS",
    "ReferenceGeneratorConfigOnDLS",
    "CapMemOnDLS",
]


class CapMemColumnOnCapMemBlock(Ranged, max=129):
    """CapMem column: 0..127 per-neuron, 128..129 shared."""

    def isShared(self) -> bool:
        """True for the shared columns 128 and 129."""
        return self._v >= 128

    def toNeuronConfigOnNeuronConfigBlock(self):
        """The neuron of a per-neuron column, or None for a shared column."""
        return _h.NeuronConfigOnNeuronConfigBlock._u(self._v) if self._v < 128 else None


class CapMemRowOnCapMemBlock(Ranged, max=23):
    """CapMem row = which parameter; named rows as class attributes (``v_leak`` ...)."""


_ROWS = ("v_leak", "v_reset", "v_threshold", "e_synin_exc_rev", "e_synin_inh_rev", "v_adapt_leak",
         "v_exp", "v_adapt_ref", "i_bias_leak", "i_bias_reset",
         "i_bias_synin_exc_tau", "i_bias_synin_exc_coba", "i_bias_synin_exc_shift", "i_bias_synin_exc_gm",
         "i_bias_synin_inh_tau", "i_bias_synin_inh_coba", "i_bias_synin_inh_shift", "i_bias_synin_inh_gm",
         "i_bias_adapt_tau", "i_bias_adapt_a", "i_bias_adapt_b", "i_bias_exp", "i_mem_offset",
         "i_bias_nmda")
for _i, _n in enumerate(_ROWS):
    setattr(CapMemRowOnCapMemBlock, _n, CapMemRowOnCapMemBlock(_i))
#: the same rows under the older "drop" names used by the public source
CapMemRowOnCapMemBlock.i_bias_synin_exc_drop = CapMemRowOnCapMemBlock(11)
CapMemRowOnCapMemBlock.i_bias_synin_inh_drop = CapMemRowOnCapMemBlock(15)
CapMemRowOnCapMemBlock.names = _ROWS


class CapMemBlockOnHemisphere(Ranged, max=1):
    """West (``left``) or east (``right``) CapMem block of a hemisphere."""


CapMemBlockOnHemisphere.left = CapMemBlockOnHemisphere(0)
CapMemBlockOnHemisphere.right = CapMemBlockOnHemisphere(1)


class CapMemBlockOnDLS(Ranged, max=3):
    """CapMem block = neuron quadrant: 0 NW, 1 NE, 2 SW, 3 SE.

    Also ``CapMemBlockOnDLS(CapMemBlockOnHemisphere(x), HemisphereOnDLS(y))`` = x + 2 y.
    """

    @classmethod
    def _from_parts(cls, a, b, *more):
        if isinstance(a, HemisphereOnDLS) and isinstance(b, CapMemBlockOnHemisphere):
            a, b = b, a
        if more or not (isinstance(a, CapMemBlockOnHemisphere) and isinstance(b, HemisphereOnDLS)):
            raise TypeError("CapMemBlockOnDLS() takes one integer, an Enum or "
                            "(CapMemBlockOnHemisphere, HemisphereOnDLS)")
        return cls._u(a._v + 2 * b._v)

    def toCapMemBlockOnHemisphere(self):
        """West/east within the hemisphere."""
        return CapMemBlockOnHemisphere._u(self._v & 1)

    def toHemisphereOnDLS(self):
        """The hemisphere of this block."""
        return HemisphereOnDLS._u(self._v >> 1)

    def toNeuronConfigBlockOnDLS(self):
        """The neuron quadrant of this block (same index)."""
        return _h.NeuronConfigBlockOnDLS._u(self._v)

    def toCapMemBlockConfigOnDLS(self):
        """The configuration register of this block (same index)."""
        return CapMemBlockConfigOnDLS._u(self._v)


class CapMemBlockConfigOnDLS(Ranged, max=3):
    """Configuration (refresh timing, enable) of one CapMem block."""

    def toCapMemBlockOnHemisphere(self):
        """West/east within the hemisphere."""
        return CapMemBlockOnHemisphere._u(self._v & 1)

    def toHemisphereOnDLS(self):
        """The hemisphere of this block."""
        return HemisphereOnDLS._u(self._v >> 1)

    def toCapMemBlockOnDLS(self):
        """The CapMem block configured (same index)."""
        return CapMemBlockOnDLS._u(self._v)


class CapMemCellOnCapMemBlock(Grid, x=CapMemColumnOnCapMemBlock, y=CapMemRowOnCapMemBlock):
    """One CapMem cell of a block: column x row (enum = row * 130 + column)."""

    def isShared(self) -> bool:
        """True for cells in the shared columns 128 and 129."""
        return self._v % 130 >= 128


_SHARED_CELLS = (
    ("stp_v_charge_0", 0), ("stp_v_charge_1", 1), ("stp_v_recover_0", 2), ("stp_v_recover_1", 3),
    ("cadc_v_ramp_offset", 4), ("cadc_v_bias_ramp_buf", 5), ("neuron_v_bias_casc_n", 7),
    ("syn_i_bias_dac", 8), ("syn_i_bias_ramp", 9), ("syn_i_bias_store", 10),
    ("syn_i_bias_corout", 11), ("stp_i_bias_comparator", 12), ("stp_i_ramp", 13),
    ("stp_i_calib", 14), ("cadc_i_ramp_slope", 15), ("cadc_i_bias_comp", 16),
    ("cadc_i_bias_vreset_buf", 17), ("neuron_i_bias_readout_amp", 18),
    ("neuron_i_bias_leak_source_follower", 19), ("neuron_i_bias_spike_comparator", 20),
)
for _n, _r in _SHARED_CELLS:
    setattr(CapMemCellOnCapMemBlock, _n,
            CapMemCellOnCapMemBlock(CapMemColumnOnCapMemBlock(128), CapMemRowOnCapMemBlock(_r)))


class CapMemCellOnDLS(Mixin, local=CapMemCellOnCapMemBlock, block=CapMemBlockOnDLS,
                      names=("cell", "block")):
    """One of the 12 480 CapMem cells: cell x block (enum = block * 3120 + cell)."""

    def toHemisphereOnDLS(self):
        """The hemisphere of this cell."""
        return HemisphereOnDLS._u(self._v // 6240)

    def toAtomicNeuronOnDLS(self):
        """The neuron whose parameter this cell holds, or None for a shared cell."""
        local = self._v % 3120
        col = local % 130
        if col >= 128:
            return None
        block = self._v // 3120
        return _h.AtomicNeuronOnDLS._u((block >> 1) * 256 + (block & 1) * 128 + col)


# (name, column, row, block) of chip-unique shared cells
_DLS_CELLS = (
    ("readout_sc_amp_v_ref", 128, 6, 0), ("readout_pseudo_diff_v_ref", 128, 6, 1),
    ("readout_iconv_test_voltage", 128, 6, 2), ("readout_iconv_sc_amp_v_ref", 128, 6, 3),
    ("readout_iconv_sc_amp_i_bias", 128, 21, 0), ("readout_pseudo_diff_buffer_bias", 128, 22, 0),
    ("readout_out_amp_i_bias_0", 128, 23, 0), ("readout_out_amp_i_bias_1", 129, 8, 0),
    ("readout_idac_i_bias", 129, 9, 0), ("readout_idac_i_bias_casc", 129, 10, 0),
    ("readout_iconv_i_bias_buffer", 129, 11, 0), ("readout_ac_mux_i_bias", 129, 12, 0),
    ("readout_madc_in_500na", 129, 13, 0), ("readout_sc_amp_i_bias", 129, 14, 0),
    ("stp_ibias_readout_top", 128, 21, 1), ("stp_ibias_readout_bottom", 128, 21, 3),
    ("hagen_ibias_dac_top", 128, 22, 1), ("hagen_ibias_dac_bottom", 128, 22, 3),
)
for _n, _c, _r, _b in _DLS_CELLS:
    setattr(CapMemCellOnDLS, _n, CapMemCellOnDLS(
        CapMemCellOnCapMemBlock(CapMemColumnOnCapMemBlock(_c), CapMemRowOnCapMemBlock(_r)),
        CapMemBlockOnDLS(_b)))
del _i, _n, _r, _c, _b


class ReferenceGeneratorConfigOnDLS(Single):
    """CapMem reference current generator configuration."""


class CapMemOnDLS(Single):
    """The whole CapMem (lola ``CapMem``)."""
