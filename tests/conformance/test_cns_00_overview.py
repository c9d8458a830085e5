"""brainscales2-demos:cns_00_overview.rst — the check before the computational neuroscience
notebooks: a minimal PyNN experiment (two populations of default ``HXNeuron``\\ s, an
all-to-all projection, 0.2 ms on the chip) runs and ends ("Everything is set! We are ready for
the tutorials.").  The microscheduler setup it includes (common_quiggeldy_setup.rst) is lab
infrastructure and left out."""
import pynn_brainscales.brainscales2 as pynn


def test_setup_check_runs_and_ends():
    pynn.setup()
    neurons_1 = pynn.Population(2, pynn.cells.HXNeuron())
    neurons_2 = pynn.Population(3, pynn.cells.HXNeuron())
    projection = pynn.Projection(neurons_1, neurons_2, pynn.AllToAllConnector())
    pynn.run(0.2)
    ran_for = pynn.get_current_time()
    pynn.end()
    print("Everything is set! We are ready for the tutorials.")
    assert ran_for == 0.2
    assert sorted(projection.get("weight", format="list", with_address=True)) == \
        [(i, j, 0.0) for i in range(2) for j in range(3)]
    # end() released the chip: the notebooks that follow get all 512 neurons again
    pynn.setup()
    assert len(pynn.Population(512, pynn.cells.HXNeuron())) == 512
    pynn.run(0.01)
    pynn.end()
