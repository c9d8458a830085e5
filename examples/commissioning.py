"""Commissioning a single neuron at container level.

Configures one neuron with lola, stimulates it with spikes that travel the
chip's real event path (host -> crossbar -> PADI bus -> synapse driver ->
synapse -> column switch -> neuron), records its membrane with the MADC and
saves the trace as a PNG.  Everything goes through stadls programs and an
hxcomm connection to the emulated chip.

    python examples/commissioning.py [--out commissioning.png] [--chip-id 0]
"""
import argparse
import time

import numpy as np

import halco
import haldls
import hxcomm
import lola
import stadls

US = 125                      # FPGA cycles per microsecond
COLUMN, DRIVER, ADDRESS = 17, 5, 7
ROW = 2 * DRIVER              # the driver's top row
WEIGHTS = (15, 30, 45, 63)    # one stimulus per weight, 40 us apart


def configure(chip: lola.Chip, neuron_coord) -> None:
    """One leaky neuron with an excitatory current-based input, read out on the MADC."""
    neuron = chip.neuron_block.atomic_neurons[neuron_coord]
    neuron.leak.v_leak = 500
    neuron.leak.i_bias = 100
    neuron.reset.v_reset = 400
    neuron.threshold.v_threshold = 1000          # far above: we want to see PSPs, not spikes
    neuron.threshold.enable = True
    neuron.excitatory_input.enable = True
    neuron.excitatory_input.i_bias_tau = 200
    neuron.excitatory_input.i_bias_gm = 800
    neuron.readout.enable_buffered_access = True
    neuron.readout.source = "membrane"
    neuron.event_routing.analog_output = "normal"
    neuron.event_routing.enable_digital = True
    neuron.event_routing.address = 17

    hemisphere = int(neuron_coord.toNeuronRowOnDLS().toEnum())
    # Synapse driver: receive PADI events whose row select equals its index on the bus.
    drivers = chip.synapse_driver_blocks[hemisphere].synapse_drivers
    drivers[halco.SynapseDriverOnSynapseDriverBlock(DRIVER)] = haldls.SynapseDriverConfig(
        enable_receiver=True, row_mode_top=haldls.RowMode.excitatory)
    # The synapse in the driver's top row and the neuron's column answers address 7.
    matrix = chip.synapse_blocks[hemisphere].matrix
    matrix.labels[ROW][COLUMN] = ADDRESS
    matrix.weights[ROW][COLUMN] = WEIGHTS[0]
    # Connect the column's excitatory synaptic current to the neuron.
    current = chip.neuron_block.current_rows[hemisphere].enable_synaptic_current_excitatory
    current[COLUMN] = True
    chip.neuron_block.current_rows[hemisphere].enable_synaptic_current_excitatory = current

    # MADC: the neuron's readout line (even/odd column) on mux 0.
    even, odd = [False, False], [False, False]
    (even if COLUMN % 2 == 0 else odd)[0] = True
    chip.readout_chain.source_selection = haldls.ReadoutSourceSelection(neuron_even=even, neuron_odd=odd)


def host_label(driver: int, address: int) -> int:
    """SpikeLabel of a host spike that reaches ``driver`` on every PADI bus with ``address``:
    SPL1 link 1 (crossbar input 9), row select = driver index on its bus, synapse address."""
    return (1 << 14) | ((driver // 4) << 6) | address


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="commissioning.png", help="PNG of the membrane trace")
    parser.add_argument("--chip-id", type=int, default=0)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()

    neuron_coord = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(COLUMN), halco.NeuronRowOnDLS.top)
    chip = lola.Chip()
    configure(chip, neuron_coord)

    builder, _ = stadls.generate(stadls.SystemInit())
    builder.write(halco.ChipOnDLS(), chip)
    builder.write(halco.TimerOnDLS(), haldls.Timer())
    builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(150 * US))   # membrane settles at leak

    # Stimulus: one spike per weight, the weight changed online between them.
    samples = 5000
    madc = haldls.MADCConfig(number_of_samples=samples)
    builder.write(halco.MADCConfigOnDLS(), madc)
    builder.write(halco.TimerOnDLS(), haldls.Timer())
    builder.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync())
    builder.write(halco.MADCControlOnDLS(), haldls.MADCControl(wake_up=True, start_recording=True))
    syn = halco.SynapseOnDLS(halco.SynapseOnSynram(halco.SynapseOnSynapseRow(COLUMN),
                                                   halco.SynapseRowOnSynram(ROW)), halco.SynramOnDLS.top)
    quad, entry = syn.toSynapseQuadOnDLS(), int(syn.toEntryOnQuad())
    stimulus_us = []
    for i, weight in enumerate(WEIGHTS):
        t = (10 + 40 * i) * US
        builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(t - 2 * US))
        values = [0, 0, 0, 0]
        values[entry] = weight
        builder.write(halco.SynapseWeightQuadOnDLS(quad.toEnum()), haldls.SynapseWeightQuad(values=values))
        builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(t))
        builder.write(halco.SpikePack1ToChipOnDLS(),
                      haldls.SpikePack1ToChip([halco.SpikeLabel(host_label(DRIVER, ADDRESS))]))
        stimulus_us.append(t / US)
    builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(180 * US))
    ticket = builder.read(neuron_coord)
    program = builder.done()

    with hxcomm.EmulatorConnection(chip_id=args.chip_id) as connection:
        info = stadls.run(connection, program)

    trace = program.madc_samples
    times_us = trace["chip_time"].astype(float) / US
    values = trace["value"].astype(int)
    baseline = float(np.median(values[times_us < stimulus_us[0]]))
    print(f"chip {args.chip_id}: program of {program.size_to_fpga()} words ran in "
          f"{info.execution_duration * 1e3:.1f} ms (encode {info.encode_duration * 1e3:.1f} ms)")
    print(f"neuron {neuron_coord}: read back v_leak = {int(ticket.get().leak.v_leak)}, "
          f"threshold enabled = {ticket.get().threshold.enable}")
    print(f"MADC: {len(values)} samples over {times_us[-1] - times_us[0]:.1f} us "
          f"({len(values) / (times_us[-1] - times_us[0]):.1f} MSa/s), baseline {baseline:.0f} LSB")
    heights = []
    for weight, t in zip(WEIGHTS, stimulus_us):
        window = (times_us >= t) & (times_us < t + 35)
        height = float(values[window].max()) - baseline
        heights.append(height)
        print(f"  spike at {t:5.1f} us, weight {weight:2d}: PSP height {height:6.1f} LSB")
    if not np.all(np.diff(heights) > 0):
        raise SystemExit("PSP heights do not grow with the weight: the event path is broken")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written")
    else:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.plot(times_us, values, lw=0.8)
        for weight, t in zip(WEIGHTS, stimulus_us):
            ax.axvline(t, color="grey", lw=0.5, ls=":")
            ax.text(t + 1, baseline - 5, f"w={weight}", fontsize=8)
        ax.set_xlabel("hardware time [us]")
        ax.set_ylabel("MADC [LSB]")
        ax.set_title(f"Neuron column {COLUMN}, top row, emulated chip {args.chip_id}: PSPs via the synapse array")
        fig.tight_layout()
        fig.savefig(args.out, dpi=120)
        print(f"membrane trace written to {args.out}")
    print(f"done in {(time.perf_counter() - t0):.2f} s")


if __name__ == "__main__":
    main()
