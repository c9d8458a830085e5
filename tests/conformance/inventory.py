"""Every public BrainScaleS-2 tutorial and example with a chip API (the conformance suite's scope),
and the reason for each one not ported.  One table: tools/conformance_report.py and
test_inventory.py read it.  A test may name a source that is not ported to check that its
unsupported public names raise NotImplementedError; the source still counts as not ported.

Keys are ``repository:path`` as the tests' docstrings name them; values say what the source shows.
"""

DEMOS = "brainscales2-demos"
PYNN = "pynn-brainscales"
EXAMPLES = "brainscales2/pynn_brainscales/brainscales2/examples"

PUBLIC_SOURCES = {
    # -- brainscales2-demos: tutorials --------------------------------------------------------
    f"{DEMOS}:tutorial.rst": "the minimal first experiment (two populations, all-to-all) runs and ends",
    f"{DEMOS}:cns_00_overview.rst": "the minimal first experiment runs and ends before the CNS notebooks",
    f"{DEMOS}:ts_00-single_neuron.rst": "silent neuron follows the leak, leak-over-threshold sawtooth "
                                        "(2 us reset plateau), fixed-pattern variation, PSPs from "
                                        "external input growing with weight and stacking",
    f"{DEMOS}:fp_singleNeuron.rst": "continuous spiking and its rate statistics, f-I curve of a "
                                    "calibrated neuron, PSP stacking and what makes it fire",
    f"{DEMOS}:gs_03_single_neuron.rst": "cell parameters (rest, leak over threshold, their trends), "
                                        "EPSPs/IPSPs, firing with more sources, weight, closer spikes",
    f"{DEMOS}:fp_pynn_introduction.rst": "a first network in PyNN: five stacking EPSPs below threshold",
    f"{DEMOS}:gs_02_pynn_introduction.rst": "a first network in PyNN: five stacking EPSPs, no spike",
    f"{DEMOS}:cns_01_lif_parameters.rst": "raw LIF parameters: leak, threshold, reset, time constants",
    f"{DEMOS}:cns_02_lif_fIcurve.rst": "f-I curve: rates grow with the constant current",
    f"{DEMOS}:cns_03_exponential_lif.rst": "the exponential term of the AdEx neuron",
    f"{DEMOS}:common_task_adex_complex_dynamics.rst": "AdEx firing patterns (adaptation, bursting)",
    f"{DEMOS}:fp_synapticInput.rst": "synaptic input: PSP sign, height over tau bias and weight, "
                                      "synapse fixed-pattern spread, stacking, Poisson input",
    f"{DEMOS}:fp_synfireChain.rst": "a synfire chain: activity travels group after group and ends with the open "
                                    "chain, more spikes without inhibition, stops with weak chain weights, "
                                    "circles the closed loop; membrane on pad 0 and the MADC",
    f"{DEMOS}:gs_04-1_multiple_neurons_feuerkette.rst": "a closed synfire chain: a clean staircase, one spike per "
                                                        "neuron and round; the three weights' effects (a)-(c)",
    f"{DEMOS}:fp_sudoku.rst": "a spiking network solves a sudoku (no constraints: no sudoku; constraints: "
                              "solved; no clues: a valid sudoku)",
    f"{DEMOS}:gs_04-2_multiple_neurons_sudoku.rst": "a spiking network solves a sudoku; more clues, more "
                                                    "correct fields",
    f"{DEMOS}:gs_06_logik_operationen.rst": "logic gates from spiking neurons: OR, NOT, AND truth tables",
    f"{DEMOS}:fp_calibration.rst": "characterising the MADC and neuron potentials, calibrating "
                                    "neurons by hand (membrane2dac, leak conductance to a rate)",
    f"{DEMOS}:ts_06-dynamic_range.rst": "membrane extremes grow linearly with the weight (0..288)",
    f"{DEMOS}:ts_09-inside_realtime_hook.rst": "writes at absolute times inside the run",
    f"{DEMOS}:ts_10-multiple_configs.rst": "several configurations in one run (APPEND snippets)",
    f"{DEMOS}:ts_13-network_partitioning.rst": "a network larger than the chip, partitioned",
    f"{DEMOS}:common_task_multicompartment.rst": "multicompartment chain: attenuation along the chain",
    f"{DEMOS}:ts_04-mc_genetic_algorithms.rst": "genetic algorithm tunes a multicompartment neuron",
    f"{DEMOS}:tp_00-introduction.rst": "hagen mode: an integrator neuron",
    f"{DEMOS}:common_nightly_calibration.rst": "HXNeurons take the nightly calibration",
    f"{DEMOS}:_static/common/helpers.py": "the nightly calibration found, loaded and copied by its file names",
    f"{DEMOS}:nmpi_queue_runner/first_exp.txt": "batch experiment: a silent neuron, saved and read back",
    f"{DEMOS}:nmpi_queue_runner/second_exp.txt": "batch experiment: leak over threshold",
    f"{DEMOS}:nmpi_queue_runner/third_exp.txt": "batch experiment: fixed-pattern noise of ten neurons",
    f"{DEMOS}:nmpi_queue_runner/fourth_exp.txt": "batch experiment: EPSPs and an IPSP, inputs set by hand",
    f"{DEMOS}:common_task_superspike.rst": "SuperSpike training with hxtorch",
    f"{DEMOS}:gs_05_machine_learning.rst": "machine learning with hxtorch",
    f"{DEMOS}:tp_01-properties.rst": "hagen-mode matrix multiplication with hxtorch",
    f"{DEMOS}:tp_02-yin_yang.rst": "yin-yang training in hagen mode with hxtorch",
    f"{DEMOS}:ts_05-yin_yang.rst": "yin-yang training with hxtorch",
    f"{DEMOS}:ts_12-hxtorch_snn_intro.rst": "hxtorch.snn introduction",
    f"{DEMOS}:ts_02-plasticity_rate_coding.rst": "a PPU kernel paints an image in rates",
    f"{DEMOS}:ts_07-pong.rst": "reward-modulated STDP learns pong (PPU)",
    f"{DEMOS}:ts_11-plasticity_homeostasis.rst": "homeostasis by a PPU kernel",
    # -- pynn-brainscales: examples --------------------------------------------------------------
    f"{PYNN}:{EXAMPLES}/external_input.py": "a neuron driven by external spikes",
    f"{PYNN}:{EXAMPLES}/internal_projections.py": "projections between on-chip neurons",
    f"{PYNN}:{EXAMPLES}/calibhxneuron.py": "calibrated neurons (CalibHXNeuronCuba)",
    f"{PYNN}:{EXAMPLES}/isi_calib.py": "calibrating the inter-spike interval",
    f"{PYNN}:{EXAMPLES}/leak_over_threshold.py": "leak over threshold: a sawtooth membrane",
    f"{PYNN}:{EXAMPLES}/multicompartment.py": "a multicompartment neuron",
    f"{PYNN}:{EXAMPLES}/partitioned_network.py": "a network larger than the chip, partitioned",
    f"{PYNN}:{EXAMPLES}/single_neuron_demo.py": "single-neuron demo",
    f"{PYNN}:{EXAMPLES}/crossbar_event_counter_read.py": "crossbar event counters read after a run",
    f"{PYNN}:{EXAMPLES}/chip_plotter_usage_example.py": "plot of the chip resources a network uses",
    f"{PYNN}:{EXAMPLES}/plasticity_rule.py": "a user plasticity rule on the PPU",
    f"{PYNN}:{EXAMPLES}/static_recording_synapse.py": "weights recorded by the PPU",
    f"{PYNN}:brainscales2/test/hw/pynn_brainscales2_test_neuron_bypass_mode.py": "neuron bypass mode",
}

_HXTORCH = ("uses hxtorch (PyTorch front end), out of the scope of the PyNN and low-level conformance "
            "issues")

_PLOTTER = ("draws the chip resources a network occupies with pynn.utils.chip_plotter, which raises "
            "NotImplementedError naming where the placement data are (docs/pynn.md)")

NOT_PORTED = {
    f"{PYNN}:{EXAMPLES}/chip_plotter_usage_example.py": _PLOTTER,
    f"{DEMOS}:common_task_superspike.rst": _HXTORCH,
    f"{DEMOS}:gs_05_machine_learning.rst": _HXTORCH,
    f"{DEMOS}:tp_01-properties.rst": _HXTORCH,
    f"{DEMOS}:tp_02-yin_yang.rst": _HXTORCH,
    f"{DEMOS}:ts_05-yin_yang.rst": _HXTORCH,
    f"{DEMOS}:ts_12-hxtorch_snn_intro.rst": _HXTORCH,
    f"{DEMOS}:ts_07-pong.rst": ("the pong game's helpers (_static/tutorial/pong_demo_helpers.py, widgets) and its "
                                "kernels' libnux parallel RNG and stadls PPU writes are not ported; its learning rule, "
                                "reward-modulated STDP over the correlation sensors, is (test_rstdp_correlation.py)"),
}

#: Pages of brainscales2-demos that hold no experiment of their own: they include another page
#: (the key's experiment is the included page's) or hold only prose, tables of contents and
#: plotting or lab helpers. Every .rst / queue-runner file of the repository is either here or in
#: PUBLIC_SOURCES (test_inventory.py checks it against a checkout when one is at hand).
NO_OWN_EXPERIMENT = {
    f"{DEMOS}:fp_adex_complex_dynamics.rst": "includes common_task_adex_complex_dynamics.rst",
    f"{DEMOS}:ts_08-adex_complex_dynamics.rst": "includes common_task_adex_complex_dynamics.rst",
    f"{DEMOS}:fp_multicompartment.rst": "includes common_task_multicompartment.rst",
    f"{DEMOS}:ts_03-multicompartment.rst": "includes common_task_multicompartment.rst",
    f"{DEMOS}:fp_superspike.rst": "includes common_task_superspike.rst",
    f"{DEMOS}:ts_01-superspike.rst": "includes common_task_superspike.rst",
    f"{DEMOS}:nmpi_00-non_interactive_queue_runner.rst": "includes the four nmpi_queue_runner experiments",
    f"{DEMOS}:nmpi_queue_runner/execute_on_hw.rst": "submits a job to the EBRAINS queue (lab infrastructure)",
    f"{DEMOS}:nmpi_queue_runner/helper.rst": "EBRAINS collab helpers (lab infrastructure)",
    f"{DEMOS}:nmpi_queue_runner/plot_helper.rst": "plotting of the queue runner's results",
    f"{DEMOS}:_static/fp/sudoku_plotter.rst": "plotting of the sudoku tutorial",
    f"{DEMOS}:_static/fp/sudoku_tools.rst": "sudoku helpers of the sudoku tutorial (no chip API)",
    f"{DEMOS}:common_note_helpers.rst": "prose note on the helper functions",
    f"{DEMOS}:common_quiggeldy_setup.rst": "connects to the lab's experiment server (lab infrastructure)",
    f"{DEMOS}:fortgeschrittenen_praktikum.rst": "table of contents of the lab course",
    f"{DEMOS}:girlsday.rst": "table of contents of the girls' day course",
    f"{DEMOS}:gs_01_neuromorphic_hardware.rst": "prose introduction",
    f"{DEMOS}:fp_biological-background.rst": "prose introduction",
    f"{DEMOS}:fp_brainscales.rst": "prose introduction",
    f"{DEMOS}:fp_lui.rst": "prose introduction",
    f"{DEMOS}:fp_neuromorphic-computing.rst": "prose introduction",
    f"{DEMOS}:index.rst": "table of contents",
}
