"""A spiking network solves a 4x4 sudoku, with the tutorial's API calls unchanged.

Source: brainscales2-demos:fp_sudoku.rst ("Solving sudokus with BrainScaleS-2"). 64 calibrated
HXNeurons, one per number and field (one-hot), each excited by its own 500 kHz Poisson source
(weight 30) and by itself (weight 20); a clue source fires every microsecond into the clue
neurons (weight 63, set by ``set_clues``); the solution block adds the constraints as
inhibitory projections (weight -50: other numbers of the field, the same number in the row, in
the column and diagonally in the block). ``get_solution`` runs 0.5 ms and reads each field's
most active neuron. The GUI's defaults: 8 clues, seed 1234, runtime 0.5 ms.

What the tutorial shows, asserted here: Task 1, without constraints, the clue neurons spike
regularly and stand out, the other fields are left to noise and the grid is no sudoku; Task 2,
with the constraints, the network solves the sudoku (a valid grid that keeps the clues; here
the given sudoku); Task 4, without any clue, the network still settles on a valid sudoku.
The ``SudokuPlotter`` and ``build_gui`` helpers of the included _static/fp files only display
(``solve_sudoku`` calls ``hide_solution``, ``set_clues`` and ``get_solution`` as below) and are
left out, like the widgets.
"""
from types import SimpleNamespace

import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.standardmodels.synapses import StaticSynapse
from pynn_brainscales.brainscales2.standardmodels.cells import \
    SpikeSourceArray, HXNeuron, SpikeSourcePoisson

SUDOKU = np.array([
    [3, 2, 4, 1],
    [1, 4, 3, 2],
    [2, 3, 1, 4],
    [4, 1, 2, 3]
])


def get_nightly_calibration(filename="spiking_cocolist.pbin"):
    """The demos helper's local branch: the file next to the nightly one."""
    calib_path = pynn.helper.nightly_calib_path().parent
    path_to_calib = calib_path.joinpath(filename)
    chip = pynn.helper.chip_from_file(path_to_calib)
    return chip


def build_network():
    """The notebook's cells up to the constraints, in order; its functions as closures."""
    calib = get_nightly_calibration()
    pynn.setup(initial_config=calib)

    # Defining total runtime and dimensionality of sudoku
    runtime = 0.5
    dimension = 4

    # -> we need 4 (rows) * 4 (columns) * 4 (numbers) = 4^3 neurons
    pop = pynn.Population(dimension**3, HXNeuron())
    pop.record("spikes")

    # to define the connections easier, we save a "view" of each neuron in a list
    pops_collector = []
    for row in range(dimension):
        pops_row = []
        for field_in_row in range(dimension):
            pops_field = []
            for number_in_field in range(dimension):
                neuron = pynn.PopulationView(
                    pop,
                    [row * dimension**2 + field_in_row * dimension
                     + number_in_field])
                pops_field.append(neuron)
            pops_row.append(pops_field)
        pops_collector.append(pops_row)

    # Create background noise
    poisson_source = pynn.Population(dimension**3,
                                     SpikeSourcePoisson(duration=runtime - 0.01, rate=5e5, start=0.01))

    # each neuron excites itself to sustain possible activity
    pynn.Projection(pop,
                    pop,
                    pynn.OneToOneConnector(),
                    synapse_type=StaticSynapse(weight=20),
                    receptor_type='excitatory')

    pynn.Projection(poisson_source,
                    pop,
                    pynn.OneToOneConnector(),
                    synapse_type=StaticSynapse(weight=30),
                    receptor_type='excitatory')

    # create stimulation for clues and connect to according neurons
    stim_given_numbers = pynn.Population(
        1, SpikeSourceArray(spike_times=np.linspace(0.0, runtime, 500)))

    clue_projections = []

    for row in range(4):
        clues_row = []
        for column in range(4):
            clues_field = []
            for number in range(4):
                clues_field.append(pynn.Projection(
                    stim_given_numbers,
                    pops_collector[row][column][number],
                    pynn.AllToAllConnector(),
                    synapse_type=StaticSynapse(weight=0),
                    receptor_type='excitatory'))
            clues_row.append(clues_field)
        clue_projections.append(clues_row)

    def set_clues(clues=None):
        """Sets the clues in the network."""
        if clues is None:
            clues = np.zeros((4, 4), dtype=int)
        for row, row_clues in enumerate(clue_projections):
            for col, field_clues in enumerate(row_clues):
                for number, clue_projection in enumerate(field_clues, start=1):
                    for connection in clue_projection:
                        connection.weight = 63. if clues[row, col] == number else 0.

    def hide_solution(grid, num_clues, seed=None):
        """Hides the solution and only leaves `num_clues` hints."""
        indices = np.argwhere(np.logical_and(grid > 0, grid <= 4))
        if len(indices) < num_clues:
            raise RuntimeError(
                f"The sudoku has less than {num_clues} clues, which is the number of required clues :(")
        np.random.seed(seed)
        indices = indices[np.random.choice(len(indices), num_clues, replace=False)]
        clues = np.zeros_like(grid)
        clues[(indices.T[0], indices.T[1])] = grid[(indices.T[0], indices.T[1])]
        return clues

    def get_solution(runtime, clues):
        """Executes the network and returns the current solution."""
        set_clues(clues)
        grid = np.zeros((4, 4), dtype=int)

        # Define duration of poisson spikes
        poisson_source.set(duration=runtime - 0.01)

        # emulate the network
        pynn.reset()
        pynn.run(runtime)
        # read back solution
        for row, row_populations in enumerate(pops_collector):
            for col, field_populations in enumerate(row_populations):
                num_spikes = [
                    len(num_population.get_data("spikes").segments[-1].spiketrains[0])
                    for num_population in field_populations
                ]
                grid[row, col] = np.argmax(num_spikes) + 1
        return grid

    return SimpleNamespace(pop=pop, pops_collector=pops_collector, set_clues=set_clues,
                           hide_solution=hide_solution, get_solution=get_solution)


def add_constraints(pops_collector):
    """The tutorial's solution cell: the four sudoku rules as inhibitory projections."""
    # create inhibitory connections to neurons in the same field
    # representing different numbers
    inh_weight = -50
    for row in range(4):
        for field in range(4):
            for neuron in range(4):
                pynn.Projection(pops_collector[row][field][neuron % 4],
                                pops_collector[row][field][(neuron+1) % 4],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=inh_weight),
                                receptor_type="inhibitory")
                pynn.Projection(pops_collector[row][field][neuron % 4],
                                pops_collector[row][field][(neuron+2) % 4],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=inh_weight),
                                receptor_type="inhibitory")
                pynn.Projection(pops_collector[row][field][neuron % 4],
                                pops_collector[row][field][(neuron+3) % 4],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=inh_weight),
                                receptor_type="inhibitory")

    # create inhibitory connections to neurons in the same row
    # representing the same number
    w_inh_row = -50
    for row in range(4):
        for field in range(4):
            for neuron in range(4):
                pynn.Projection(pops_collector[row][field][neuron],
                                pops_collector[row][(field+1) % 4][neuron],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=w_inh_row),
                                receptor_type="inhibitory")
                pynn.Projection(pops_collector[row][field][neuron],
                                pops_collector[row][(field+2) % 4][neuron],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=w_inh_row),
                                receptor_type="inhibitory")
                pynn.Projection(pops_collector[row][field][neuron],
                                pops_collector[row][(field+3) % 4][neuron],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=w_inh_row),
                                receptor_type="inhibitory")

    # create inhibitory connections to neurons in the same column
    # representing the same number
    w_inh_col = -50
    for row in range(4):
        for field in range(4):
            for neuron in range(4):
                pynn.Projection(pops_collector[row][field][neuron],
                                pops_collector[(row+1) % 4][field][neuron],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=w_inh_col),
                                receptor_type="inhibitory")
                pynn.Projection(pops_collector[row][field][neuron],
                                pops_collector[(row+2) % 4][field][neuron],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=w_inh_col),
                                receptor_type="inhibitory")
                pynn.Projection(pops_collector[row][field][neuron],
                                pops_collector[(row+3) % 4][field][neuron],
                                pynn.OneToOneConnector(),
                                synapse_type=StaticSynapse(weight=w_inh_col),
                                receptor_type="inhibitory")

    # create inhibitory connections to neurons in the same block
    # representing the same number
    w_inh_block = -50
    for row_offset in [0, 2]:
        for column_offset in [0, 2]:
            for row in range(2):
                for column in range(2):
                    for number in range(4):
                        pynn.Projection(
                            pops_collector[row+row_offset][column+column_offset][number],
                            pops_collector[
                                (row+1) % 2+row_offset][(column+1) % 2+column_offset][number],
                            pynn.AllToAllConnector(),
                            synapse_type=StaticSynapse(weight=w_inh_block),
                            receptor_type='inhibitory')


def is_valid_sudoku(grid) -> bool:
    """Every row, column and 2x2 block holds 1..4 once."""
    units = [grid[i, :] for i in range(4)] + [grid[:, i] for i in range(4)] + \
        [grid[r:r + 2, c:c + 2].ravel() for r in (0, 2) for c in (0, 2)]
    return all(sorted(u) == [1, 2, 3, 4] for u in units)


def spike_counts(net):
    """Spikes per neuron of the last run, shaped (row, column, number)."""
    trains = net.pop.get_data("spikes").segments[-1].spiketrains
    return np.array([len(t) for t in trains]).reshape(4, 4, 4)


# the GUI's defaults (_static/fp/sudoku_tools.rst: controls_parameter)
NUM_CLUES, RANDOM_SEED, RUNTIME = 8, 1234, 0.5


@pytest.fixture(scope="module")
def runs():
    """Task 1 (no constraints), then the constraints cell, Task 2 and Task 4, on one network."""
    net = build_network()
    clues = net.hide_solution(SUDOKU, NUM_CLUES, RANDOM_SEED)
    out = {"clues": clues}
    out["unconstrained"] = (net.get_solution(RUNTIME, clues), spike_counts(net))
    add_constraints(net.pops_collector)
    out["solved"] = (net.get_solution(RUNTIME, clues), spike_counts(net))
    no_clues = net.hide_solution(SUDOKU, 0, RANDOM_SEED)
    out["no_clues"] = (net.get_solution(RUNTIME, no_clues), spike_counts(net))
    with pytest.raises(RuntimeError, match="less than 17 clues"):
        net.hide_solution(SUDOKU, 17)
    pynn.end()
    return out


def test_the_gui_defaults_give_eight_clues_of_the_sudoku(runs):
    clues = runs["clues"]
    assert np.count_nonzero(clues) == NUM_CLUES
    assert np.all((clues == 0) | (clues == SUDOKU))


def test_task1_without_constraints_the_clues_stand_out_and_the_grid_is_no_sudoku(runs):
    grid, counts = runs["unconstrained"]
    clues = runs["clues"]
    clue_neurons = counts[clues > 0, clues[clues > 0] - 1]            # the given numbers' neurons
    free = counts[clues == 0]                                          # every neuron of the free fields
    assert clue_neurons.min() > 2 * np.median(free)                    # driven every microsecond
    assert free.min() > 0                                              # the noise alone fires them
    assert np.all(grid[clues > 0] == clues[clues > 0])
    assert not is_valid_sudoku(grid)


def test_task2_with_the_constraints_the_network_solves_the_sudoku(runs):
    grid, counts = runs["solved"]
    clues = runs["clues"]
    assert is_valid_sudoku(grid) and np.all(grid[clues > 0] == clues[clues > 0])
    assert np.array_equal(grid, SUDOKU)              # these eight clues leave one solution
    # one winner per field: the other numbers of a field stay nearly silent
    winners = np.take_along_axis(counts, (grid - 1)[..., None], axis=2)[..., 0]
    others = counts.sum(axis=2) - winners
    assert np.all(winners > 5 * others)


def test_task4_without_clues_the_network_still_finds_a_sudoku(runs):
    grid, _ = runs["no_clues"]
    assert is_valid_sudoku(grid)
