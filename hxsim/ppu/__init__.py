"""The emulated chip's plasticity processors (PPUs).

Plasticity kernels written for the chip (C++ against ``grenade/vx/ppu/*.h`` and
``libnux/vx/*.h``) compile unchanged on the host against our implementation of those headers
(``include/``), and the emulator runs them at their timer's periods (see docs/ppu.md).

* :mod:`.compiler`: host compilation, cached by source hash;
* :mod:`.host`: serves the emulator's PPU pauses (program load, calls, symbols);
* :mod:`.worker`: the guarded process that runs compiled kernels;
* :mod:`.handles`: the same handles over numpy, for Python kernels.
"""
from .compiler import INCLUDE_DIR, KernelCompileError, compile_kernel, kernel_symbols
from .host import PPUHost, PPUKernelError

__all__ = ["INCLUDE_DIR", "KernelCompileError", "compile_kernel", "kernel_symbols", "PPUHost", "PPUKernelError"]
