"""Container-level round trip on the emulated chip.

Initialises the chip, writes a crossbar and neuron configuration, injects
spikes that loop back through the crossbar to the host, and reads
configuration back.  Everything travels as hxcomm wire words through the
emulator, exactly as it would to a real chip.

Run with ``make demo``.
"""
import time

import numpy as np

import halco
import haldls
import hxcomm
import stadls


def main():
    t_start = time.perf_counter()
    builder, init = stadls.generate(stadls.SystemInit())

    # Route L2 input 0 only to L2 output 0 and drop labels with bit 13 set there.
    for node in halco.iter_all(halco.CrossbarNodeOnDLS):
        builder.write(node, haldls.CrossbarNode.drop_all)
    loop = halco.CrossbarNodeOnDLS(halco.CrossbarInputOnDLS(8), halco.CrossbarOutputOnDLS(8))
    builder.write(loop, haldls.CrossbarNode(mask=1 << 13, target=0))

    # Configure one neuron and a few CapMem cells; read them back below.
    neuron = halco.AtomicNeuronOnDLS(halco.NeuronColumnOnDLS(17), halco.NeuronRowOnDLS.top)
    config = haldls.NeuronConfig(enable_fire=True, enable_threshold_comparator=True,
                                 membrane_capacitor_size=40, readout_source="membrane")
    builder.write(neuron.toNeuronConfigOnDLS(), config)
    backend = haldls.NeuronBackendConfig(address_out=17, refractory_time=100, enable_spike_out=True)
    builder.write(neuron.toNeuronBackendConfigOnDLS(), backend)

    # Spikes at 1, 2, ... 10 us; every third one has bit 13 set and is dropped.
    # Restart timer and systime together, so event times count from here.
    builder.write(halco.TimerOnDLS(), haldls.Timer())
    builder.write(halco.SystimeSyncOnFPGA(), haldls.SystimeSync())
    times_us = np.arange(1, 11)
    labels = (times_us * 3) | np.where(times_us % 3 == 0, 1 << 13, 0)
    builder.write_spikes(times_us * 125, labels)
    builder.block_until(halco.TimerOnDLS(), haldls.Timer.Value(20 * 125))

    tickets = {
        "NeuronConfig": builder.read(neuron.toNeuronConfigOnDLS()),
        "NeuronBackendConfig": builder.read(neuron.toNeuronBackendConfigOnDLS()),
        "CrossbarNode": builder.read(loop),
        "JTAGIdCode": init.jtag_id_code,
    }
    program = builder.done()

    with hxcomm.ManagedConnection() as connection:
        info = stadls.run(connection, program)
        print(f"connection: {connection.get_unique_identifier()[0]}")

    print(f"program: {program.size_to_fpga()} instruction words, "
          f"encode {info.encode_duration * 1e3:.2f} ms, execute {info.execution_duration * 1e3:.2f} ms, "
          f"decode {info.decode_duration * 1e3:.2f} ms")
    print(f"injected {len(labels)} spikes, {int(np.sum(labels < 1 << 13))} pass the crossbar; "
          f"{len(program.spikes)} came back:")
    for s in program.spikes:
        label = halco.SpikeLabel(int(s["label"]))
        print(f"  label 0x{int(s['label']):04x} (spl1 {int(label.spl1_address)}, "
              f"neuron_label {int(label.neuron_label)})  chip_time {int(s['chip_time']) / 125:6.3f} us  "
              f"fpga_time {int(s['fpga_time'])}")
    for name, ticket in tickets.items():
        value = ticket.get()
        print(f"read back {name}: {value!r}"[:160])
    assert tickets["NeuronConfig"].get() == config
    assert tickets["NeuronBackendConfig"].get() == backend
    print(f"done in {(time.perf_counter() - t_start) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
