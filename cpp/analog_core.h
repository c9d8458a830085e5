// The seam between the digital emulator (executor, register file, crossbar,
// FPGA) and the analog core (neurons, synapses, MADC, CADC).
//
// Time: every `cycle` here is an *internal* cycle: FPGA clock cycles (125 MHz,
// 8 ns) since the emulator was built. It only ever increases (TIMER_RESET and
// SYSTIME_INIT move the origins of the host-visible clocks, not this one).
//
// Call order within a WAIT_UNTIL interval (see Emulator::advance_to):
//   advance(a, b) -> the emulator routes the spikes emitted in [a, b) in time
//   order (spike counters, crossbar; PADI events come back through
//   on_padi_event) -> advance(b, c) -> ...
// Chunk ends b are the next recorded event due at the FPGA, the end of the
// wait, or max_step() cycles later, whichever is first. Register writes,
// triggers and host spikes happen between chunks, at the executor's time.
#pragma once

#include "register_file.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hxsim {

// Where the analog core puts what it produces. Emit in non-decreasing cycle
// order, with a <= cycle < b of the current advance(a, b).
class EventSink
{
public:
	virtual ~EventSink() = default;
	// A neuron fired (after its backend: refractory logic etc.). `neuron` is
	// the AtomicNeuronOnDLS enum (0..511).
	virtual void neuron_spike(uint64_t cycle, uint32_t neuron) = 0;
	// One MADC conversion result (10 bit) of channel 0/1.
	virtual void madc_sample(uint64_t cycle, uint32_t value, uint32_t channel) = 0;
	// A background spike source (BackgroundSpikeSourceOnDLS `source`, 0..7)
	// emits an event with the 14-bit `label`: it enters the crossbar at that
	// source's input (12 + source) like any other event.
	virtual void background_spike(uint64_t /*cycle*/, uint32_t /*source*/, uint32_t /*label*/) {}
};

class AnalogCore
{
public:
	virtual ~AnalogCore() = default;

	virtual std::string name() const = 0;

	// Chip reset (RESET instruction, level 1) and construction: the register
	// file is already at its defaults.
	virtual void reset(uint64_t /*cycle*/, ConfigView const& /*config*/) {}

	// Integrate the dynamics over [from, to).
	virtual void advance(
	    uint64_t /*from*/, uint64_t /*to*/, ConfigView const& /*config*/, EventSink& /*sink*/)
	{}

	// Longest advance() the core accepts in one call; 0 = any length (no
	// dynamics). A core that wants exact recurrent timing returns at most
	// the crossbar -> PADI latency.
	virtual uint64_t max_step() const { return 0; }

	// An event reaches PADI bus `bus` (0..3) of `hemisphere` (0..1) at
	// `cycle` with the 14-bit label (row select = label[10:6], address =
	// label[5:0]). Announced in non-decreasing cycle order; `cycle` lies at or
	// after the core's time unless the core's step is longer than the latency.
	virtual void on_padi_event(
	    uint64_t /*cycle*/, uint32_t /*hemisphere*/, uint32_t /*bus*/, uint32_t /*label*/)
	{}

	// SYSTIME_INIT with reset at `cycle`: the host's time origin of the
	// experiment that follows. A core integrating on a time grid aligns it to
	// this cycle, so what an experiment gives does not depend on when (at
	// which phase of the grid) it started.
	virtual void on_time_origin(uint64_t /*cycle*/) {}

	// A write to a TRIGGER register the digital part does not handle itself
	// (NeuronReset, BlockPostPulse, PADIEvent, MADCControl, CorrelationReset,
	// NeuronResetQuad, ...): `data` is the written word (byte enables applied).
	virtual void on_trigger(
	    uint64_t /*cycle*/,
	    RegisterId /*reg*/,
	    uint32_t /*instance*/,
	    uint32_t /*word*/,
	    uint32_t /*data*/,
	    ConfigView const& /*config*/)
	{}

	// Answer a read of a READ_ONLY register the digital part does not own
	// (CADCSampleQuad, PPUStatusRegister, JTAGIdCode, ...). `stored` is the
	// register file word (its default); the digital-only core returns it.
	virtual uint32_t read_only_word(
	    uint64_t /*cycle*/,
	    RegisterId /*reg*/,
	    uint32_t /*instance*/,
	    uint32_t /*word*/,
	    uint32_t stored,
	    ConfigView const& /*config*/)
	{
		return stored;
	}

	// Inspection for tests and debugging: named arrays (e.g. the decoded
	// parameters and the state of every neuron). Default: nothing.
	virtual std::unordered_map<std::string, std::vector<double>> inspect(
	    ConfigView const& /*config*/)
	{
		return {};
	}
};

// No analog dynamics: PADI events vanish, nothing fires on its own, CADC
// samples read as their defaults (zeros). Neuron spikes and MADC samples can
// still be injected through the Emulator's debug_schedule_* test hooks.
class DigitalOnlyCore final : public AnalogCore
{
public:
	std::string name() const override { return "digital-only"; }
};

} // namespace hxsim
