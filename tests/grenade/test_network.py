"""Network description: elements, builder, validation messages, placement."""
from __future__ import annotations

import numpy as np
import pytest

import halco
import grenade
from grenade import (BackgroundSourcePopulation, CADCRecording, ExternalSourcePopulation, MADCRecording,
                     NetworkBuilder, Population, Projection, Receptor)


def atom(col, row=0):
    return halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(col), halco.NeuronRowOnDLS(row))


def test_builder_returns_descriptors_and_freezes():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(3))
    proj = b.add(Projection(Receptor.excitatory, src, pop, [(0, 0, 63), (1, 2, 100)]))
    net = b.done()
    assert (src, pop, proj) == (grenade.PopulationDescriptor(0), grenade.PopulationDescriptor(1),
                                grenade.ProjectionDescriptor(0))
    assert net.projection(proj).connections.tolist() == [[0, 0, 63], [1, 2, 100]]
    assert net.placement[1].tolist() == [0, 1, 2]
    with pytest.raises(ValueError):
        net.projections[0].weights[0] = 5
    with pytest.raises(AttributeError):
        net.populations[1].size = 4
    with pytest.raises(Exception):
        net.populations = ()


def test_population_forms():
    p = Population([atom(5), atom(7, 1)])
    assert p.size == 2 and p.placement.tolist() == [5, 263]
    assert Population(3, placement=[1, 2, 3]).placement.tolist() == [1, 2, 3]
    assert Population(2, receptors=["excitatory"]).receptors == {Receptor.excitatory}
    assert Population(3, record_spikes=[True, False, True]).record_spikes.tolist() == [True, False, True]
    with pytest.raises(grenade.NetworkError, match="at least 1"):
        Population(0)
    with pytest.raises(grenade.PlacementError, match="more than once"):
        Population(2, placement=[4, 4])
    with pytest.raises(grenade.PlacementError, match="3 entries for 2"):
        Population(2, placement=[1, 2, 3])
    with pytest.raises(grenade.PlacementError, match="does not fit"):
        Population(513)


def test_automatic_placement_in_enumeration_order_around_explicit():
    b = NetworkBuilder()
    b.add(Population(3))
    b.add(Population(2, placement=[1, 300]))
    b.add(Population(4))
    net = b.done()
    assert net.placement[0].tolist() == [0, 2, 3]
    assert net.placement[2].tolist() == [4, 5, 6, 7]


def test_too_many_neurons():
    b = NetworkBuilder()
    b.add(Population(500))
    with pytest.raises(grenade.PlacementError, match="too many neurons for the chip: 513"):
        b.add(Population(13))


def test_placement_collision():
    b = NetworkBuilder()
    b.add(Population(2, placement=[10, 11]))
    b.add(Population(1, placement=[atom(11)]))
    with pytest.raises(grenade.PlacementError, match="placement collision: population 1 and population 0"):
        b.done()


def test_index_out_of_range():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(3))
    with pytest.raises(grenade.IndexOutOfRangeError, match="pre index 2, population 0 has 2 neurons"):
        b.add(Projection("excitatory", src, pop, [(2, 0, 1)]))
    with pytest.raises(grenade.IndexOutOfRangeError, match="post index 3, population 1 has 3 neurons"):
        b.add(Projection("excitatory", src, pop, [(0, 3, 1)]))
    with pytest.raises(grenade.NetworkError, match="not a population of this network"):
        b.add(Projection("excitatory", src, grenade.PopulationDescriptor(7), [(0, 0, 1)]))


def test_duplicate_connections():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(3))
    with pytest.raises(grenade.DuplicateConnectionError, match="occurs twice"):
        b.add(Projection("excitatory", src, pop, [(0, 1, 1), (0, 1, 5)]))
    b.add(Projection("excitatory", src, pop, [(0, 1, 1), (1, 2, 5)]))
    b.add(Projection("inhibitory", src, pop, [(0, 1, 1)]))          # other receptor type: fine
    b.add(Projection("excitatory", src, pop, [(1, 2, 3)]))
    with pytest.raises(grenade.DuplicateConnectionError,
                       match=r"Duplicate connection \(1 -> 2\) .* excitatory receptor in projections 0 and 2"):
        b.done()


def test_receptor_missing_on_target():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(1))
    pop = b.add(Population(1, receptors=[Receptor.excitatory]))
    with pytest.raises(grenade.ReceptorError, match="population 1 has no inhibitory receptor"):
        b.add(Projection(Receptor.inhibitory, src, pop, [(0, 0, 1)]))


def test_projection_post_must_be_on_chip():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(1))
    other = b.add(ExternalSourcePopulation(1))
    with pytest.raises(grenade.NetworkError, match="must be an on-chip Population"):
        b.add(Projection("excitatory", src, other, [(0, 0, 1)]))


def test_projection_weights_and_forms():
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(2))
    with pytest.raises(grenade.NetworkError, match="must not be negative"):
        Projection("excitatory", src, pop, [(0, 0, -1)])
    with pytest.raises(grenade.NetworkError, match="integers"):
        Projection("excitatory", src, pop, [(0, 0, 1.5)])
    p = Projection.from_numpy("excitatory", src, pop, np.array([[0, 0, 1, 0, 200]]))
    assert p.connections.tolist() == [[0, 1, 200]]
    assert p.synapses_per_connection == 4
    assert Projection("excitatory", src, pop, [(0, 0, 0)]).synapses_per_connection == 1
    assert Projection("excitatory", src, pop, [(0, 0, 5)], max_weight=130).synapses_per_connection == 3
    with pytest.raises(grenade.NetworkError, match="exceeds its max_weight"):
        Projection("excitatory", src, pop, [(0, 0, 131)], max_weight=130)
    with pytest.raises(grenade.NetworkError, match="compartment 0"):
        Projection.from_numpy("excitatory", src, pop, np.array([[0, 1, 1, 0, 2]]))
    three = Projection("excitatory", src, pop, (np.array([0, 1]), np.array([1, 0]), np.array([3, 4])))
    assert three.connections.tolist() == [[0, 1, 3], [1, 0, 4]]


def test_background_constraints():
    with pytest.raises(grenade.NetworkError, match="power-of-two size"):
        BackgroundSourcePopulation(3, enable_random=True)
    with pytest.raises(grenade.NetworkError, match="exactly 1 source"):
        BackgroundSourcePopulation(2, enable_random=False)
    with pytest.raises(grenade.NetworkError, match="period"):
        BackgroundSourcePopulation(1, period=70000)
    assert BackgroundSourcePopulation(4, enable_random=True, placement={1: 2, 0: 3}).placement == ((0, 3), (1, 2))
    b = NetworkBuilder()
    b.add(BackgroundSourcePopulation(1, placement=(0, 2)))
    b.add(BackgroundSourcePopulation(2, enable_random=True, placement=[(1, 1), (0, 2)]))
    with pytest.raises(grenade.PlacementError, match="both placed on hemisphere 0, PADI bus 2"):
        b.done()


def test_background_automatic_placement_follows_targets():
    b = NetworkBuilder()
    bg = b.add(BackgroundSourcePopulation(1))
    b.add(BackgroundSourcePopulation(1, placement=(1, 0)))
    pop = b.add(Population(2, placement=[3, 256 + 3]))
    b.add(Projection("excitatory", bg, pop, [(0, 0, 1), (0, 1, 1)]))
    net = b.done()
    assert net.background_placement[0] == ((0, 0), (1, 1))


def test_madc_recording_rules():
    b = NetworkBuilder()
    pop = b.add(Population(4))
    with pytest.raises(grenade.RecordingError, match="at most two neurons"):
        MADCRecording([(pop, 0), (pop, 1), (pop, 2)])
    with pytest.raises(grenade.RecordingError, match="twice"):
        MADCRecording([(pop, 0), (pop, 0)])
    with pytest.raises(grenade.RecordingError, match="MADC source"):
        MADCRecording([(pop, 0, "voltage")])
    with pytest.raises(grenade.IndexOutOfRangeError):
        b.add(MADCRecording([(pop, 4)]))
    b.add(MADCRecording([(pop, 0), (pop, 2, "exc_synin")]))
    with pytest.raises(grenade.RecordingError, match="Only one MADC recording"):
        b.add(MADCRecording([(pop, 1)]))
    with pytest.raises(grenade.RecordingError, match="different parity .* both are in even columns"):
        b.done()
    b = NetworkBuilder()
    pop = b.add(Population(4))
    b.add(MADCRecording([(pop, 0), (pop, 3, grenade.MADCSource.adaptation)]))
    net = b.done()
    assert net.madc_recording.sources == (grenade.MADCSource.membrane, grenade.MADCSource.adaptation)


def test_cadc_recording_rules():
    b = NetworkBuilder()
    pop = b.add(Population(4))
    src = b.add(ExternalSourcePopulation(1))
    with pytest.raises(grenade.RecordingError, match="twice"):
        CADCRecording([(pop, 0), (pop, 0)])
    with pytest.raises(grenade.RecordingError, match="only on-chip neurons"):
        b.add(CADCRecording([(src, 0)]))
    b.add(CADCRecording([(pop, 0), (pop, 1)], times=[0.01, 0.02]))
    with pytest.raises(grenade.RecordingError, match="Only one CADC recording"):
        b.add(CADCRecording([(pop, 2)]))


def test_network_copies_with_new_weights_and_configs():
    import lola
    b = NetworkBuilder()
    src = b.add(ExternalSourcePopulation(2))
    pop = b.add(Population(2))
    proj = b.add(Projection("excitatory", src, pop, [(0, 0, 10), (1, 1, 20)]))
    net = b.done()
    net2 = net.with_weights(proj, [30, 40])
    assert net2.projections[0].weights.tolist() == [30, 40] and net.projections[0].weights.tolist() == [10, 20]
    neuron = lola.AtomicNeuron()
    neuron.leak.v_leak = 700
    net3 = net.with_population(pop, net.populations[1].replace(config=neuron))
    assert net3.populations[1].config.leak.v_leak == 700
    with pytest.raises(grenade.NetworkError, match="size"):
        net.with_population(pop, Population(3))
