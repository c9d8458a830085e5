"""Vocabulary of the register map: fields, registers and access kinds.

The register map itself (``haldls.register_map.REGISTERS``) is written with
these types once; container classes, encode/decode, address lists and the
flat tables the C++ emulator loads at start are all derived from it.

Addressing: a coordinate's enum is split into mixed-radix digits
(``radices``, outermost first, their product is the coordinate's size); the
address of word ``w`` of instance ``enum`` is
``base + sum(digit_i * strides_i) + w``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional, Tuple, Type

import numpy as np


class Access(enum.IntEnum):
    """How the omnibus words of a register behave."""

    READ_WRITE = 0  #: read back what was written
    READ_ONLY = 1   #: counters and samples; writes are errors
    TRIGGER = 2     #: write-only; a write causes an action, reads are errors


@dataclass(frozen=True)
class Field:
    """One bit field of a register.

    ``count > 1`` makes an array field of ``count`` lanes, lane ``i`` at
    ``lsb + i * lane_stride`` (or counted from the top when ``reverse``),
    all in the same word unless ``lane_word_stride`` moves lanes to later words.
    ``kind`` is ``bool``, ``int`` or an ``enum.IntEnum`` subclass.
    """

    name: str
    word: int
    lsb: int
    width: int = 1
    kind: object = None
    default: int = 0
    count: int = 1
    lane_stride: int = 0
    reverse: bool = False
    signed: bool = False
    lane_word_stride: int = 0
    value_type: Optional[str] = None  # public name of the ranged value type
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    doc: str = ""

    def __post_init__(self):
        if self.kind is None:
            object.__setattr__(self, "kind", bool if self.width == 1 else int)
        if self.count > 1 and self.lane_stride == 0 and self.lane_word_stride == 0:
            object.__setattr__(self, "lane_stride", self.width)

    @property
    def lo(self) -> int:
        """Smallest valid value."""
        if self.minimum is not None:
            return self.minimum
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        """Largest valid value."""
        if self.maximum is not None:
            return self.maximum
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def lanes(self) -> Tuple[Tuple[int, int], ...]:
        """(word, shift) of every lane."""
        out = []
        for i in range(self.count):
            j = self.count - 1 - i if self.reverse else i
            out.append((self.word + j * self.lane_word_stride, self.lsb + j * self.lane_stride))
        return tuple(out)


@dataclass(frozen=True)
class Register:
    """A leaf container: its coordinate, addresses, words and bit fields."""

    name: str
    coordinate: str
    base: int
    radices: Tuple[int, ...]
    strides: Tuple[int, ...]
    words: int
    access: Access = Access.READ_WRITE
    fields: Tuple[Field, ...] = ()
    doc: str = ""
    aliases: Tuple[str, ...] = ()  # registers sharing these addresses on purpose
    fpga: bool = False             # lives on the FPGA side (bit 31 set)
    enums: Tuple[Type[enum.IntEnum], ...] = field(default=(), compare=False)

    def __post_init__(self):
        # A wrong map entry fails at import, naming the register, not as a wrong word later.
        where = f"register map entry {self.name}"
        if len(self.radices) != len(self.strides):
            raise ValueError(f"{where}: {len(self.radices)} radices but {len(self.strides)} strides")
        if self.words < 1 or any(r < 1 for r in self.radices):
            raise ValueError(f"{where}: words and radices must be positive")
        if not 0 <= self.base < 2**32:
            raise ValueError(f"{where}: base {self.base:#x} is not a 32-bit address")
        used, names = {}, set()
        for f in self.fields:
            if f.name in names:
                raise ValueError(f"{where}: field {f.name!r} defined twice")
            names.add(f.name)
            if not f.lo <= f.default <= f.hi:
                raise ValueError(f"{where}: {f.name} default {f.default} outside [{f.lo}, {f.hi}]")
            if f.maximum is not None and f.maximum > (1 << f.width) - 1:
                raise ValueError(f"{where}: {f.name} maximum {f.maximum} does not fit {f.width} bits")
            for w, shift in f.lanes():
                if not (0 <= w < self.words and 0 <= shift and shift + f.width <= 32):
                    raise ValueError(f"{where}: {f.name} lane at word {w} bits {shift}.."
                                     f"{shift + f.width - 1} lies outside {self.words} 32-bit words")
                for bit in range(shift, shift + f.width):
                    if (w, bit) in used:
                        raise ValueError(f"{where}: {f.name} overlaps {used[(w, bit)]} "
                                         f"at word {w} bit {bit}")
                    used[(w, bit)] = f.name

    @property
    def size(self) -> int:
        """Number of instances (the coordinate's size)."""
        return int(np.prod(self.radices, dtype=np.int64)) if self.radices else 1

    @property
    def read_words(self) -> int:
        return 0 if self.access == Access.TRIGGER else self.words

    @property
    def write_words(self) -> int:
        return 0 if self.access == Access.READ_ONLY else self.words

    def instance_base(self, enums) -> np.ndarray:
        """Address of word 0 for an array of coordinate enums (uint64)."""
        e = np.asarray(enums, dtype=np.int64)
        if e.size and (e.min() < 0 or e.max() >= self.size):
            bad = e[(e < 0) | (e >= self.size)][0]
            raise ValueError(f"{self.coordinate} enum {int(bad)} out of range [0, {self.size - 1}]")
        addr = np.full(e.shape, self.base, dtype=np.int64)
        rest = e.copy()
        for radix, stride in zip(reversed(self.radices), reversed(self.strides)):
            addr += (rest % radix) * stride
            rest //= radix
        return addr

    def addresses(self, enums) -> np.ndarray:
        """All word addresses, shape (len(enums), words), uint32."""
        base = self.instance_base(np.atleast_1d(enums))
        return (base[:, None] + np.arange(self.words, dtype=np.int64)[None, :]).astype(np.uint32)

    def all_addresses(self) -> np.ndarray:
        """Every word address of every instance, flat, uint32."""
        return self.addresses(np.arange(self.size)).ravel()
