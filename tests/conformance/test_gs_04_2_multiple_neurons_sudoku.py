"""The sudoku machine of the German tutorial, with its API calls unchanged.

Source: brainscales2-demos:gs_04-2_multiple_neurons_sudoku.rst ("Experimente mit mehreren
Nervenzellen Teil 2"). The same one-hot network as the lab course's sudoku (64 calibrated
HXNeurons, 500 kHz Poisson noise of weight 30, self-excitation 20), here with the rules built in
at weight -63 and two clue sources; ``get_solution`` runs 0.5 ms, reads every neuron's spike
count and resets. Sliders: 7 clues ("Anzahl Tipps"), seed 1234.

What the tutorial shows, asserted here: the network solves the sudoku for the sliders' defaults
and for its solution figure's setting (5 clues, seed 2107, framed green); with 0 clues it
invents a valid sudoku; the bonus: the number of correctly solved fields grows with the number
of clues (its figure: about 10 of 16 at 4 clues, about 16 at 8 to 10). ``check_solution`` is the
tutorial's own rule check. The ipycanvas drawing and the widgets only display and are left out,
as is ``setup_hardware_client``; the bonus runs 5 seeded repetitions at 4 and at 10 clues (the
tutorial: 10 unseeded ones for each of 4..10 clues).
"""
from math import sqrt
from types import SimpleNamespace

import numpy as np
import pytest

import pynn_brainscales.brainscales2 as pynn
from pynn_brainscales.brainscales2.standardmodels.synapses import StaticSynapse
from pynn_brainscales.brainscales2.standardmodels.cells import \
    SpikeSourceArray, HXNeuron, SpikeSourcePoisson

sudoku = np.array([
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


def build_sudoku_machine():
    """The tutorial's first cell (network, rules, clue sources) and its solver functions."""
    runtime = 0.5
    dimension = 4

    calib = get_nightly_calibration()
    pynn.setup(initial_config=calib)

    pop = pynn.Population(4**3, HXNeuron())
    pop.record(["spikes"])

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

    poisson_source = pynn.Population(dimension**3,
                                     SpikeSourcePoisson(duration=runtime - 0.01, rate=5e5, start=0.01))

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

    # Es darf nur eine Zahl pro Feld geben
    for row in range(4):
        for column in range(4):
            for number_pre in range(4):
                for number_post in range(1, 4):
                    pynn.Projection(
                        pops_collector[row][column][number_pre],
                        pops_collector[row][column][(number_pre+number_post) % 4],
                        pynn.AllToAllConnector(),
                        synapse_type=StaticSynapse(weight=-63),
                        receptor_type='inhibitory')

    # Jede Zahl darf nur einmal pro Reihe vorkommen
    for row in range(4):
        for column in range(4):
            for number in range(4):
                for column_post in range(1, 4):
                    pynn.Projection(
                        pops_collector[row][column][number],
                        pops_collector[row][(column+column_post) % 4][number],
                        pynn.AllToAllConnector(),
                        synapse_type=StaticSynapse(weight=-63),
                        receptor_type='inhibitory')

    # Jede Zahl darf nur einmal pro Spalte vorkommen
    for row in range(4):
        for column in range(4):
            for number in range(4):
                for row_post in range(1, 4):
                    pynn.Projection(
                        pops_collector[row][column][number],
                        pops_collector[(row+row_post) % 4][column][number],
                        pynn.AllToAllConnector(),
                        synapse_type=StaticSynapse(weight=-63),
                        receptor_type='inhibitory')

    # Jede Zahl darf nur einmal pro Block vorkommen (nur die Diagonalen fehlen noch)
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
                            synapse_type=StaticSynapse(weight=-63),
                            receptor_type='inhibitory')

    stim_given_numbers = pynn.Population(
        2, SpikeSourceArray(spike_times=np.linspace(0.0, runtime, 500)))
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
        """Setzt die gegebenen Tipps in das Netzwerk"""
        if clues is None:
            clues = np.zeros((4, 4), dtype=int)
        for row, row_clues in enumerate(clue_projections):
            for col, field_clues in enumerate(row_clues):
                for number, clue_projection in enumerate(field_clues, start=1):
                    for connection in clue_projection:
                        connection.weight = 63. if clues[row, col] == number else 0.

    def hide_solution(grid, num_clues, seed=None):
        """Versteckt die Lösung und lässt nur `num_clues` Tipps übrig"""
        indices = np.argwhere(np.logical_and(grid > 0, grid <= 4))
        if len(indices) < num_clues:
            raise RuntimeError(
                f"Das Sudoku enthält weniger als die {num_clues} erforderlichen Zahlen :(")
        np.random.seed(seed)
        indices = indices[np.random.choice(len(indices), num_clues, replace=False)]
        clues = np.zeros_like(grid)
        clues[(indices.T[0], indices.T[1])] = grid[(indices.T[0], indices.T[1])]
        return clues

    def get_solution(clues):
        """Führt das Netzwerk aus und gibt die aktuelle Lösung zurück"""
        set_clues(clues)
        pynn.run(runtime)
        spikes = pop.get_data().segments[-1].spiketrains
        pynn.reset()
        spike_counts = np.zeros(len(spikes))
        for idx, train in enumerate(spikes):
            spike_counts[idx] = len(train)
        grid = spike_counts.reshape(-1, 4).argmax(axis=1)
        grid = grid + 1
        grid = grid.reshape((4, 4))
        return grid

    return SimpleNamespace(hide_solution=hide_solution, get_solution=get_solution)


def check_solution(grid, N=4):
    """The tutorial's check: every row, column and block holds N different numbers."""
    Ns = int(sqrt(N))
    for i in range(N):
        # j, k index top left hand corner of each 3x3 tile
        j, k = (i // Ns) * Ns, (i % Ns) * Ns
        if len(set(grid[i, :])) != N or len(set(grid[:, i])) != N\
                or len(set(grid[j:j+Ns, k:k+Ns].ravel())) != N:
            return False
    return True


@pytest.fixture(scope="module")
def machine():
    net = build_sudoku_machine()
    yield net
    pynn.end()


def solve(machine, num_clues, seed):
    """``display_sudoku_solver``'s ``solve_sudoku`` without the canvas."""
    clues = machine.hide_solution(sudoku, num_clues, seed)
    return clues, machine.get_solution(clues)


def keeps(clues, grid) -> bool:
    return bool(np.all(grid[clues > 0] == clues[clues > 0]))


@pytest.mark.parametrize("num_clues, seed", [(7, 1234), (5, 2107)], ids=["sliders", "figure"])
def test_the_sudoku_is_solved(machine, num_clues, seed):
    clues, grid = solve(machine, num_clues, seed)
    assert np.count_nonzero(clues) == num_clues
    assert check_solution(grid) and keeps(clues, grid)


def test_without_clues_the_network_invents_a_sudoku(machine):
    """'einfach den Regler für Anzahl Tipps auf 0 stellen, dann erfindet das Netzwerk Sudokus'."""
    clues, grid = solve(machine, 0, 1234)
    assert not clues.any() and check_solution(grid)


def test_check_solution_tells_a_sudoku_from_a_grid():
    assert check_solution(sudoku)
    broken = sudoku[[0, 2, 1, 3]]                     # rows and columns complete, the blocks not
    assert not check_solution(broken) and not check_solution(np.ones((4, 4), int))


def test_bonus_more_clues_more_correct_fields(machine):
    """The bonus: fields equal to the target sudoku, 5 repetitions at 4 and at 10 clues. Few
    clues admit other valid sudokus, so fewer fields match; many clues pin the target."""
    correct = {}
    for num_clues in (4, 10):
        nums_correct = []
        for seed in range(5):
            clues = machine.hide_solution(sudoku, num_clues, seed)
            solution = machine.get_solution(clues)
            nums_correct.append((solution == sudoku).sum())
        correct[num_clues] = np.mean(nums_correct)
    assert correct[10] >= 14.5 and correct[4] <= correct[10] - 2
