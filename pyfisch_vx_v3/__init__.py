"""``pyfisch_vx_v3``: the public name of the FPGA instruction layer.

Here that layer is split between haldls (the FPGA instruction containers ``Barrier``,
``ResetChip``, ``SpikePack1ToChip`` .. ``3``, ``SystimeSync``, ``Timer``, re-exported as they
are) and hxcomm's codec (the words).  The public word-access containers are not separate
classes here: asking for one raises NotImplementedError that says what to use instead.
"""
from haldls import (Barrier, ResetChip, SpikePack1ToChip, SpikePack2ToChip, SpikePack3ToChip,  # noqa: F401
                    SystimeSync, Timer)

__all__ = ["Barrier", "ResetChip", "SpikePack1ToChip", "SpikePack2ToChip", "SpikePack3ToChip", "SystimeSync",
           "Timer"]

_WORDS = ("word-level FPGA access: write containers with stadls.PlaybackProgramBuilder (or raw words with "
          "write_words / read_words), encode instructions with hxcomm.codec")
NOT_EMULATED = {name: _WORDS for name in (
    "Omnibus", "OmnibusChipOverJTAG", "WaitUntil", "PollingOmnibusBlock", "JTAGClockScaler", "JTAGIdCode",
    "JTAGPLLRegister", "JTAGPhyRegister", "ResetJTAGTap", "SPIShiftRegister", "SPIDACDataRegister",
    "SPIDACControlRegister", "NullPayloadReadable", "PlaybackProgramBuilder", "PlaybackProgram", "run")}


def __getattr__(name):
    reason = NOT_EMULATED.get(name)
    if reason is not None:
        raise NotImplementedError(f"pyfisch_vx_v3.{name} is not a separate class here: {reason}")
    raise AttributeError(f"module 'pyfisch_vx_v3' has no attribute {name!r}")
