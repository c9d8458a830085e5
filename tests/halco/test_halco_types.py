"""Properties every coordinate type must have, checked for all of them.

The types are discovered from the package, so a new coordinate is covered
without touching this file.
"""
import copy
import itertools
import json
import pickle
import random

import pytest

import halco
from halco import Enum

TYPES = halco.coordinate_types()
IDS = [T.__name__ for T in TYPES]
FULL_LIMIT = 20_000  # iterate everything up to this size, sample beyond


def sample_enums(T, k=40, seed=0):
    """A deterministic sample of enums covering both ends."""
    n = T.size
    if n <= k:
        return list(range(n))
    rng = random.Random(f"{T.__name__}{seed}")
    return sorted({0, 1, n - 2, n - 1, *(rng.randrange(n) for _ in range(k))})


# Public names other layers are written against (see the brief / reference table 1.2).
REQUIRED = """
HemisphereOnDLS NeuronRowOnDLS NeuronColumnOnDLS AtomicNeuronOnDLS NeuronConfigOnDLS
NeuronConfigOnNeuronConfigBlock NeuronConfigBlockOnDLS NeuronBackendConfigOnDLS
NeuronBackendConfigOnNeuronBackendConfigBlock NeuronBackendConfigBlockOnDLS
CommonNeuronBackendConfigOnDLS NeuronResetOnDLS SpikeCounterReadOnDLS SpikeCounterResetOnDLS
BlockPostPulseOnDLS NeuronEventOutputOnDLS NeuronBackendAddressOut SynramOnDLS SynapseRowOnSynram
SynapseRowOnDLS SynapseOnSynapseRow SynapseQuadColumnOnDLS EntryOnQuad SynapseQuadOnSynram
SynapseQuadOnDLS SynapseOnSynram SynapseOnDLS SynapseLabel SynapseDriverOnSynapseDriverBlock
SynapseDriverBlockOnDLS SynapseDriverOnDLS SynapseDriverOnPADIBus SynapseRowOnSynapseDriver
PADIBusOnPADIBusBlock PADIBusBlockOnDLS PADIBusOnDLS PADIEventOnDLS CommonPADIBusConfigOnDLS
CommonSTPConfigOnDLS PADIRowSelectAddress CrossbarInputOnDLS CrossbarOutputOnDLS
CrossbarL2OutputOnDLS SPL1Address CrossbarNodeOnDLS BackgroundSpikeSourceOnDLS NeuronLabel
SpikeLabel CapMemBlockOnDLS CapMemBlockOnHemisphere CapMemColumnOnCapMemBlock
CapMemRowOnCapMemBlock CapMemCellOnCapMemBlock CapMemCellOnDLS CapMemBlockConfigOnDLS
ReferenceGeneratorConfigOnDLS CADCOnDLS CADCConfigOnDLS CADCChannelColumnOnSynram CADCChannelType
CADCReadoutType CADCChannelConfigOnDLS CADCSampleQuadOnSynram CADCSampleQuadOnDLS
CADCSampleRowOnDLS MADCConfigOnDLS MADCControlOnDLS ReadoutSourceSelectionOnDLS
SourceMultiplexerOnReadoutSourceSelection PPUOnDLS PPUMemoryWordOnPPU PPUMemoryWordOnDLS
PPUMemoryBlockOnDLS PPUMemoryOnDLS PPUControlRegisterOnDLS PPUStatusRegisterOnDLS TimerOnDLS
WaitUntilOnFPGA SystimeSyncOnFPGA SystimeSyncBaseOnDLS BarrierOnFPGA SpikePack1ToChipOnDLS
SpikePack2ToChipOnDLS SpikePack3ToChipOnDLS EventRecordingConfigOnFPGA JTAGIdCodeOnDLS
CommonSynramConfigOnDLS SynapseWeightQuadOnDLS SynapseLabelQuadOnDLS
SynapseCorrelationCalibQuadOnDLS ColumnCorrelationQuadOnDLS ColumnCurrentQuadOnDLS
CorrelationResetOnDLS CommonCorrelationConfigOnDLS CrossbarOutputConfigOnDLS
CrossbarInputDropCounterOnDLS CrossbarOutputEventCounterOnDLS NeuronResetQuadOnDLS ChipOnDLS
""".split()


@pytest.mark.parametrize("name", REQUIRED)
def test_public_name_exists_and_is_default_constructible(name):
    T = getattr(halco, name)
    c = T()
    assert c.toEnum() == 0
    assert type(c) is T


def test_discovery_finds_the_table():
    names = {T.__name__ for T in TYPES}
    assert len(TYPES) > 150
    # aliases resolve to a discovered type
    assert {getattr(halco, n).__name__ for n in REQUIRED} <= names


@pytest.mark.parametrize("T", TYPES, ids=IDS)
def test_size_min_max_and_iter_all(T):
    assert isinstance(T.size, int) and isinstance(T.min, int) and isinstance(T.max, int)
    assert T.size >= 1
    if issubclass(T, halco.Ranged):
        assert T.max - T.min + 1 == T.size
        assert T().value() == T.min
        assert T(T.max).value() == T.max
    else:
        assert (T.min, T.max) == (0, T.size - 1)
    if T.size <= FULL_LIMIT:
        every = list(halco.iter_all(T))
        assert len(every) == T.size
        assert [c.toEnum() for c in every] == list(range(T.size))
        assert len(set(every)) == T.size
        assert all(type(c) is T for c in every)
        assert every == sorted(every)
    else:
        it = halco.iter_all(T)
        head = list(itertools.islice(it, 3))
        assert [c.toEnum() for c in head] == [0, 1, 2]


@pytest.mark.parametrize("T", TYPES, ids=IDS)
def test_enum_round_trip(T):
    enums = range(T.size) if T.size <= FULL_LIMIT else sample_enums(T, 400)
    for e in enums:
        c = T(Enum(e))
        assert c.toEnum() == e
        assert T.from_enum(e) == c
        assert int(c.toEnum()) == e


@pytest.mark.parametrize("T", TYPES, ids=IDS)
def test_value_semantics(T):
    enums = sample_enums(T)
    coords = [T(Enum(e)) for e in enums]
    for e, c in zip(enums, coords):
        again = T(Enum(e))
        assert c == again and not (c != again)
        assert hash(c) == hash(again)
        assert eval(repr(c), vars(halco)) == c
        assert repr(c).startswith(T.__name__ + "(")
        assert pickle.loads(pickle.dumps(c)) == c
        assert copy.copy(c) == c and copy.deepcopy(c) == c
        d = c.to_dict()
        assert d == {"type": T.__name__, "enum": e}
        assert halco.from_dict(json.loads(json.dumps(d))) == c
        assert T.from_dict(d) == c
        assert halco.from_bytes(c.to_bytes()) == c
        assert T(c) == c  # copy construction
        assert c != e  # never equal to a plain int
        assert operator_index(c) == (c.value() if isinstance(c, halco.Ranged) else e)
    # total order by enum
    for a, b in itertools.combinations(coords, 2):
        assert (a < b) == (a.toEnum() < b.toEnum())
        assert (a <= b) == (a.toEnum() <= b.toEnum())
        assert (a > b) == (a.toEnum() > b.toEnum())
        assert (a >= b) == (a.toEnum() >= b.toEnum())
        assert (a == b) == (a.toEnum() == b.toEnum())


def operator_index(c):
    import operator
    return operator.index(c)


@pytest.mark.parametrize("T", TYPES, ids=IDS)
def test_out_of_range_names_type_and_range(T):
    with pytest.raises(ValueError) as err:
        T(Enum(T.size))
    assert T.__name__ in str(err.value) and f"[0, {T.size - 1}]" in str(err.value)
    with pytest.raises(ValueError):
        T.from_enum(T.size)
    with pytest.raises(ValueError):
        T.from_enum(-1)
    if issubclass(T, halco.Ranged):
        for bad in (T.max + 1, T.min - 1):
            with pytest.raises(ValueError) as err:
                T(bad)
            assert str(err.value) == f"{T.__name__}({bad}) out of range [{T.min}, {T.max}]"


@pytest.mark.parametrize("T", TYPES, ids=IDS)
def test_rejects_non_integers(T):
    for bad in (1.0, "1", None if issubclass(T, halco.Ranged) else 1.5, [1]):
        if bad is None:
            continue
        with pytest.raises(TypeError):
            T(bad)
    if issubclass(T, halco.Ranged):
        with pytest.raises(TypeError):
            T(True)


@pytest.mark.parametrize("T", TYPES, ids=IDS)
def test_immutable(T):
    c = T()
    if T is halco.SpikeLabel:
        return  # the one mutable type, as in the public API
    with pytest.raises(AttributeError):
        c._v = 1
    with pytest.raises(AttributeError):
        c.foo = 1
    assert not hasattr(c, "__dict__")


def test_different_types_never_equal():
    firsts = [T() for T in TYPES] + [T(Enum(T.size - 1)) for T in TYPES]
    for a in firsts:
        for b in firsts:
            if type(a) is not type(b):
                assert a != b and not (a == b)
    # same number, different type, in one set: all kept
    assert len({T() for T in TYPES}) == len(TYPES)
    # no ordering across types
    with pytest.raises(TypeError):
        halco.NeuronColumnOnDLS(1) < halco.SynapseOnSynapseRow(2)
    with pytest.raises(TypeError):
        halco.NeuronColumnOnDLS(1) < 2


def test_aliases_are_the_same_type():
    assert halco.CrossbarInputDropCounterOnDLS is halco.CrossbarInputOnDLS
    assert halco.CrossbarOutputEventCounterOnDLS is halco.CrossbarOutputOnDLS


def test_singles_have_size_one():
    for name in ("TimerOnDLS", "WaitUntilOnFPGA", "SystimeSyncOnFPGA", "BarrierOnFPGA",
                 "SpikePack1ToChipOnDLS", "EventRecordingConfigOnFPGA", "JTAGIdCodeOnDLS",
                 "MADCConfigOnDLS", "MADCControlOnDLS", "ChipOnDLS", "CrossbarOutputConfigOnDLS",
                 "ReadoutSourceSelectionOnDLS", "ReferenceGeneratorConfigOnDLS"):
        T = getattr(halco, name)
        assert T.size == 1 and list(halco.iter_all(T)) == [T()]
        with pytest.raises(ValueError):
            T(1)


@pytest.mark.parametrize("name,size", [
    ("AtomicNeuronOnDLS", 512), ("NeuronConfigOnDLS", 512), ("NeuronBackendConfigOnDLS", 512),
    ("NeuronResetOnDLS", 512), ("SpikeCounterReadOnDLS", 512), ("SynapseQuadOnSynram", 64 * 256),
    ("SynapseQuadOnDLS", 2 * 64 * 256), ("SynapseOnSynram", 256 * 256), ("SynapseOnDLS", 131072),
    ("SynapseDriverOnDLS", 256), ("PADIBusOnDLS", 8), ("CrossbarNodeOnDLS", 76),
    ("CapMemCellOnCapMemBlock", 130 * 24), ("CapMemCellOnDLS", 12480), ("CapMemColumnOnCapMemBlock", 130),
    ("CapMemRowOnCapMemBlock", 24), ("CADCChannelConfigOnDLS", 1024), ("CADCSampleQuadOnDLS", 131072),
    ("PPUMemoryWordOnPPU", 4096), ("PPUMemoryWordOnDLS", 8192), ("NeuronEventOutputOnDLS", 8),
    ("NeuronLabel", 1 << 14), ("SpikeLabel", 1 << 16), ("SynapseLabel", 64),
    ("BackgroundSpikeSourceOnDLS", 8), ("CrossbarInputOnDLS", 20), ("CrossbarOutputOnDLS", 12),
    ("NeuronResetQuadOnDLS", 128), ("ColumnCorrelationQuadOnDLS", 128),
])
def test_sizes_from_the_reference(name, size):
    assert getattr(halco, name).size == size
