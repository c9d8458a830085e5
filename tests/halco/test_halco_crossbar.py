"""The sparse crossbar: exactly the 76 nodes of the reference (section 8.2), public enum order."""
import pytest

import halco
from halco import CrossbarInputOnDLS as In, CrossbarNodeOnDLS as Node, CrossbarOutputOnDLS as Out, Enum


def expected_nodes():
    """(input, output) pairs written down from the reference text, independently of the code."""
    nodes = set()
    for n in range(8):  # neuron event output n -> top bus n%4, bottom bus n%4, L2 n%4
        nodes |= {(n, n % 4), (n, 4 + n % 4), (n, 8 + n % 4)}
    for j in range(4):  # L2 input j -> all 8 PADI buses and its own L2 output
        nodes |= {(8 + j, o) for o in range(8)} | {(8 + j, 8 + j)}
    for s in range(8):  # background s -> top bus s (s<4) / bottom bus s-4, and L2 s%4
        bus = s if s < 4 else 4 + (s - 4)
        nodes |= {(12 + s, bus), (12 + s, 8 + s % 4)}
    return nodes


def test_exactly_76_nodes_and_the_exact_set():
    nodes = list(halco.iter_all(Node))
    assert len(nodes) == Node.size == 76
    got = {(n.toCrossbarInputOnDLS().value(), n.toCrossbarOutputOnDLS().value()) for n in nodes}
    assert got == expected_nodes()
    assert len(got) == 76


def test_every_other_pair_raises_value_error_naming_it():
    existing = expected_nodes()
    for i in range(20):
        for o in range(12):
            if (i, o) in existing:
                n = Node(Out(o), In(i))
                assert n == Node(In(i), Out(o)) == Node(o, i) == Node(x=Out(o), y=In(i))
                assert Node.exists(Out(o), In(i))
            else:
                assert not Node.exists(Out(o), In(i))
                for build in (lambda: Node(Out(o), In(i)), lambda: Node(In(i), Out(o)),
                              lambda: Node(o, i)):
                    with pytest.raises(ValueError) as err:
                        build()
                    msg = str(err.value)
                    assert "CrossbarNodeOnDLS" in msg
                    assert f"CrossbarOutputOnDLS({o})" in msg and f"CrossbarInputOnDLS({i})" in msg


def test_public_enum_order():
    """Counted input by input, outputs ascending (top-left to bottom-right of the public diagram)."""
    pairs = [(n.toCrossbarInputOnDLS().value(), n.toCrossbarOutputOnDLS().value())
             for n in halco.iter_all(Node)]
    assert pairs == sorted(pairs)
    assert pairs[:4] == [(0, 0), (0, 4), (0, 8), (1, 1)]
    assert pairs[24] == (8, 0) and pairs[32] == (8, 8)
    assert pairs[60] == (12, 0) and pairs[61] == (12, 8)
    assert pairs[75] == (19, 11)
    assert Node(Out(11), In(19)).toEnum() == 75
    # x is the output and y the input, as in the public grid
    n = Node(Enum(33))
    assert n.x() == n.toCrossbarOutputOnDLS() and n.y() == n.toCrossbarInputOnDLS()
    assert repr(n) == "CrossbarNodeOnDLS(CrossbarOutputOnDLS(0), CrossbarInputOnDLS(9))"


def test_routes_match_the_other_conversions():
    for n in halco.iter_all(Node):
        i, o = n.toCrossbarInputOnDLS(), n.toCrossbarOutputOnDLS()
        bus, l2 = o.toPADIBusOnDLS(), o.toCrossbarL2OutputOnDLS()
        bg, spl1, neuron_out = i.toBackgroundSpikeSourceOnDLS(), i.toSPL1Address(), i.toNeuronEventOutputOnDLS()
        if bg is not None:
            assert (bus == bg.toPADIBusOnDLS()) if bus is not None else (l2 == bg.toCrossbarL2OutputOnDLS())
        if spl1 is not None and l2 is not None:
            assert l2 == spl1.toCrossbarL2OutputOnDLS()
        if neuron_out is not None:
            local = neuron_out.toNeuronEventOutputOnNeuronBackendBlock().value()
            if bus is not None:
                assert bus.toPADIBusOnPADIBusBlock().value() == local
            else:
                assert l2.value() == local
