"""brainscales2-demos:fp_calibration.rst with its helper _static/common/measure_voltage.py —
characterising the MADC by hand: a board DAC applies a known voltage to readout pad 0 (shift
register multiplexers, ``DACChannelBlock.set_voltage`` on ``mux_dac_25``), a hand-written playback
program connects the pad to the MADC (``lola.ReadoutChain``: pad multiplexer, ``debug_plus``)
and records samples.  Swept over 0..1.2 V the mean sample grows linearly and saturates at both
ends; a linear fit of the inner range converts samples back to volts.  Then the neuron
parameters are characterised against the MADC: measured threshold, leak and reset potentials
grow with their CapMem values."""
import numpy as np
import pytest
from scipy.optimize import curve_fit

from dlens_vx_v3 import halco, hal, lola, sta, hxcomm
import pynn_brainscales.brainscales2 as pynn


def measure_voltage(connection: hxcomm.ConnectionHandle, voltage: float) -> np.ndarray:
    """The tutorial's measurement: ``voltage`` (V) on pad 0, 420 MADC samples, the first 120
    dropped."""
    # the board: DAC voltage onto the readout line of pad 0
    init = sta.SystemInit(connection.get_hwdb_entry()[0])
    init.asic_adapter_board.shift_register.select_analog_readout_mux_1_input = \
        hal.ShiftRegister.AnalogReadoutMux1Input.readout_chain_0
    init.asic_adapter_board.shift_register.select_analog_readout_mux_2_input = \
        hal.ShiftRegister.AnalogReadoutMux2Input.v_reset
    init.asic_adapter_board.dac_channel_block.set_voltage(halco.DACChannelOnBoard.mux_dac_25, voltage)
    builder, _ = init.generate()

    # the chip: pad 0 onto the MADC
    readout_config = lola.ReadoutChain()
    readout_config.pad_mux[halco.PadMultiplexerConfigOnDLS()].debug_to_pad = True
    readout_config.input_mux[halco.SourceMultiplexerOnReadoutSourceSelection()].debug_plus = True
    readout_config.madc.number_of_samples = 420
    builder.write(halco.ReadoutChainOnDLS(), readout_config)

    madc_control = hal.MADCControl()
    madc_control.enable_power_down_after_sampling = False
    madc_control.start_recording = False
    madc_control.wake_up = True
    madc_control.enable_pre_amplifier = True
    builder.write(halco.MADCControlOnDLS(), madc_control)

    builder.write(halco.TimerOnDLS(), hal.Timer())
    builder.block_until(halco.TimerOnDLS(), hal.Timer.Value(
        100000 * int(hal.Timer.Value.fpga_clock_cycles_per_us)))
    builder.write(halco.SystimeSyncOnFPGA(), hal.SystimeSync())

    config = hal.EventRecordingConfig()
    config.enable_event_recording = True
    builder.write(halco.EventRecordingConfigOnFPGA(), config)

    madc_control.wake_up = True
    madc_control.start_recording = True
    madc_control.enable_power_down_after_sampling = True
    builder.write(halco.MADCControlOnDLS(), madc_control)

    builder.write(halco.TimerOnDLS(), hal.Timer())
    builder.block_until(halco.TimerOnDLS(), hal.Timer.Value(
        1000 * int(hal.Timer.Value.fpga_clock_cycles_per_us)))

    config = hal.EventRecordingConfig()
    config.enable_event_recording = False
    builder.write(halco.EventRecordingConfigOnFPGA(), config)

    program = builder.done()
    sta.run(connection, program)
    return program.madc_samples.to_numpy()[120:]


def test_one_voltage_gives_structured_samples():
    with hxcomm.ManagedConnection() as connection:
        result = measure_voltage(connection, 0.5)
    assert result.dtype.names == ("value", "channel", "fpga_time", "chip_time")
    assert len(result) == 300
    assert np.all(result["channel"] == 0)
    assert np.all(np.diff(result["chip_time"].astype(np.int64)) > 0)      # one sample after the other
    assert 0 < result["value"].mean() < 1023


def test_madc_characteristic_is_linear_between_saturations():
    voltages = np.arange(0, 1.21, 0.05)  # volt
    results = np.zeros_like(voltages)
    errors = np.zeros_like(voltages)
    with hxcomm.ManagedConnection() as connection:
        for voltage_id, voltage in enumerate(voltages):
            samples = measure_voltage(connection, voltage)
            results[voltage_id] = np.mean(samples["value"])
            errors[voltage_id] = np.std(samples["value"])

    def linear(x, m, b):
        return m * x + b

    popt, _ = curve_fit(linear, results[5:-5], voltages[5:-5])

    # monotonic, saturated at both ends, linear in between: the fit returns the applied voltages
    assert np.all(np.diff(results) >= 0)
    assert results[0] == 0 and results[-1] == 1023
    inner = slice(5, -5)
    assert np.max(np.abs(linear(results[inner], *popt) - voltages[inner])) < 0.002      # volt
    assert 0.0009 < popt[0] < 0.0011                     # about 1 mV per MADC LSB
    assert np.all(errors < 1.0)                           # a constant voltage reads (nearly) one code

    def madc_to_voltage_conversion(m, b):
        def convert(value):
            return m * value + b
        return convert

    madc_to_v = madc_to_voltage_conversion(*popt)
    assert madc_to_v(results[10]) == pytest.approx(voltages[10], abs=0.002)


# -- characterising neuron parameters against the MADC ------------------------------------------------

def get_v_mem(calib, neuron_params: dict, neuron_idx: int) -> np.ndarray:
    pynn.setup(initial_config=calib, neuronPermutation=[neuron_idx])
    pop = pynn.Population(1, pynn.cells.HXNeuron(**neuron_params))
    pop.record(["v"])
    pynn.run(0.2)
    mem_v = pop.get_data("v").segments[0].irregularlysampledsignals[0]
    pynn.end()
    return mem_v.base


def sweep(calib, param, sweep_range):
    """The tutorial's main(): one neuron, the parameter swept, the filtered membrane per value."""
    neuron_params, filter_function = {
        "threshold": ({"leak_v_leak": 1022, "reset_v_reset": 50}, np.max),
        "reset": ({"threshold_v_threshold": 150, "leak_v_leak": 1022}, np.min),
        "leak": ({"threshold_v_threshold": 1022, "reset_v_reset": 50}, np.mean),
    }[param]
    sweep_neuron_param = {"threshold": "threshold_v_threshold", "reset": "reset_v_reset",
                          "leak": "leak_v_leak"}[param]
    measured = []
    for dac_value in sweep_range:
        neuron_params.update({sweep_neuron_param: dac_value})
        measured.append(filter_function(get_v_mem(calib, neuron_params, 0).magnitude))
    return np.array(measured, dtype=float)


@pytest.mark.parametrize("param, sweep_range", [("threshold", np.arange(50, 301, 50)),
                                                ("leak", np.arange(500, 901, 100)),
                                                ("reset", np.arange(400, 901, 100))])
def test_neuron_parameters_map_linearly_onto_the_membrane(param, sweep_range):
    calib = pynn.helper.chip_from_nightly()          # the demos' get_nightly_calibration(), offline
    measured = sweep(calib, param, sweep_range)
    linear_fit = np.polyfit(sweep_range, measured, 1)
    assert np.all(np.diff(measured) > 0), measured
    assert linear_fit[0] > 0
    residual = measured - np.polyval(linear_fit, sweep_range)
    assert np.max(np.abs(residual)) < 0.1 * (measured.max() - measured.min())
