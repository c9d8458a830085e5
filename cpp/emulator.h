// The emulated chip as the host sees it through hxcomm: an FPGA executor that
// runs word streams against the register file, the crossbar and the analog
// core, and answers with a response word stream.
#pragma once

#include "analog_core.h"
#include "crossbar.h"
#include "register_file.h"
#include "regmap.h"
#include "wire.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

namespace hxsim {

// Where things sit on the chip; loaded from halco (see hxsim/__init__.py).
struct Geometry
{
	struct Output
	{
		bool is_l2;          // else a PADI bus
		uint32_t hemisphere; // PADI only
		uint32_t index;      // PADI bus on the hemisphere, or L2 output index
	};
	struct Neuron
	{
		uint32_t event_output;   // NeuronEventOutputOnDLS: label bits 10..8
		uint32_t crossbar_input; // of that event output
		uint32_t backend;        // NeuronBackendConfig instance
		uint32_t counter;        // SpikeCounterRead instance
	};
	std::vector<CrossbarNode> crossbar_nodes; // CrossbarNode register instance order
	std::vector<Output> crossbar_outputs;     // by CrossbarOutputOnDLS
	std::vector<uint32_t> l2_inputs;          // SPL1 address -> crossbar input
	std::vector<uint32_t> background_inputs;  // BackgroundSpikeSourceOnDLS -> crossbar input
	std::vector<Neuron> neurons;              // by AtomicNeuronOnDLS
};

struct EmulatorOptions
{
	// Response words one execute() may return before recorded events are
	// dropped (bounds memory; each drop is counted, one ERROR INTERNAL per
	// execute reports it). Reads, errors and echoes are always delivered.
	uint64_t max_response_words = uint64_t(1) << 24;
};

struct Stats
{
	uint64_t programs = 0;
	uint64_t instructions = 0;    // valid instruction words executed
	uint64_t words_written = 0;   // successful omnibus writes (incl. triggers)
	uint64_t words_read = 0;      // successful omnibus reads
	uint64_t errors = 0;          // ERROR responses
	uint64_t events_routed = 0;   // events that entered the crossbar
	uint64_t padi_events = 0;     // events handed to the analog core's PADI buses
	uint64_t events_recorded = 0; // SPIKE / MADC_SAMPLE words sent to the host
	uint64_t events_dropped = 0;  // recorded events lost to max_response_words
	uint64_t neuron_spikes = 0;   // spikes of on-chip neurons
	uint64_t cycles = 0;          // internal time (FPGA cycles since construction)
};

class Emulator
{
public:
	// Cycles from an event entering the crossbar to its arrival in the FPGA
	// (recorded fpga_time = entry time + this).
	static constexpr uint64_t l2_latency_cycles = 1;
	// Cycles from an event entering the crossbar to its arrival on a PADI bus.
	static constexpr uint64_t padi_latency_cycles = 1;
	static constexpr uint64_t systime_mask = (uint64_t(1) << 43) - 1;
	static constexpr uint64_t timer_mask = 0xffffffffu;

	Emulator(
	    RegisterMapTables const& tables,
	    WireSpec const& wire,
	    Geometry geometry,
	    uint64_t chip_id,
	    EmulatorOptions options = {},
	    std::unique_ptr<AnalogCore> core = nullptr);

	Emulator(Emulator const&) = delete;
	Emulator& operator=(Emulator const&) = delete;

	// Run one program; returns the response words. Thread-safe (serialised).
	std::vector<uint64_t> execute(uint64_t const* words, size_t n);

	// The same in pieces, so that a host can stop a long program, show its progress or
	// bound its time: start() loads a program (copied), resume(budget) runs it until it
	// ends (true) or about `budget_seconds` of wall time have passed (false, at an
	// instruction or integration-step boundary), take_output() hands over the words
	// answered so far, abort() drops the rest of a started program. Whatever the budgets,
	// the answer and the chip's state are bit for bit those of execute().
	void start(uint64_t const* words, size_t n);
	bool resume(double budget_seconds);
	std::vector<uint64_t> take_output();
	void abort();
	bool running() const;
	// Internal time: FPGA cycles since construction (progress of a started program).
	uint64_t now() const;

	uint64_t chip_id() const { return m_chip_id; }
	uint64_t systime() const;
	uint64_t timer() const;
	Stats stats() const;
	RegisterMap const& map() const { return *m_map; }
	AnalogCore const& core() const { return *m_core; }

	// What a read of `address` would return, without side effects; false if
	// no register answers there (trigger registers show their last write).
	bool peek(uint32_t address, uint32_t& value) const;
	// Store a raw word into a read-write or trigger register (no action).
	// False if unmapped or read-only.
	bool poke(uint32_t address, uint32_t value);
	// Decoded values of one field for all instances (instance-major, lanes minor).
	std::vector<int64_t> field_values(std::string const& name) const;
	// The analog core's inspection arrays (AnalogCore::inspect).
	std::unordered_map<std::string, std::vector<double>> analog_inspect();

	// Test hooks, standing in for the analog core: neuron `neuron` fires /
	// the MADC delivers a sample at systime `cycle` (clamped to now). They
	// enter the same path as the core's EventSink output. Throw
	// std::out_of_range / std::invalid_argument for bad arguments.
	void debug_schedule_neuron_spike(uint32_t neuron, uint64_t cycle);
	void debug_schedule_madc_sample(uint64_t cycle, uint32_t value, uint32_t channel);

	// The plasticity processors (PPUs). A PPU starts when a write sets
	// PPUControlRegister.inhibit_reset of its hemisphere and stops when one clears
	// it. A started PPU is called at each offset of the schedule (FPGA cycles after
	// its start, ascending): the executor pauses there (resume() returns false with
	// ppu_due() != 0; also right after a PPU's start and stop, so the host can load its
	// program and set the schedule), the host runs the kernel through bus_read/bus_write at that
	// moment, calls ppu_done() and resumes. execute() has no host: its calls are skipped.
	void set_ppu_schedule(std::vector<uint64_t> offsets);
	uint32_t ppu_due() const; // bit h: PPU h is called now; 4 << h: started; 16 << h: stopped
	void ppu_done();
	// Omnibus reads/writes at the current time, as the PPU does them over its bus: reads
	// answer as the executor's (read-only registers from the chip), writes act (triggers).
	// std::out_of_range for an unmapped address or a read of a trigger / write of a
	// read-only register.
	std::vector<uint32_t> bus_read(std::vector<uint32_t> const& addresses);
	void bus_write(std::vector<uint32_t> const& addresses, std::vector<uint32_t> const& words);

private:
	struct Record
	{
		uint64_t due;       // internal cycle it reaches the FPGA
		uint64_t fpga_time; // systime at that moment
		uint64_t word;      // SPIKE or MADC_SAMPLE
	};
	struct CoreEvent
	{
		uint64_t cycle;
		uint32_t kind; // 0 spike (a = neuron), 1 MADC sample (a = value, b = channel),
		               // 2 background spike (a = source, b = label)
		uint32_t a, b;
	};
	struct Stimulus
	{
		CoreEvent event;
		uint64_t seq;
		bool operator>(Stimulus const& o) const
		{
			return event.cycle != o.event.cycle ? event.cycle > o.event.cycle : seq > o.seq;
		}
	};
	class Sink final : public EventSink
	{
	public:
		explicit Sink(Emulator& e) : m_e(e) {}
		void neuron_spike(uint64_t cycle, uint32_t neuron) override;
		void madc_sample(uint64_t cycle, uint32_t value, uint32_t channel) override;
		void background_spike(uint64_t cycle, uint32_t source, uint32_t label) override;

	private:
		Emulator& m_e;
	};
	enum class ReadOnlyKind : uint8_t
	{
		stored, // answered by the analog core (default: the stored word)
		spike_counter,
		drop_counter,
		output_counter,
		timer,
	};

	using Clock = std::chrono::steady_clock;
	using Deadline = Clock::time_point;

	// The program being executed and where the executor stands in it.
	struct Program
	{
		std::vector<uint64_t> storage; // start(): a copy; execute(): the caller's words
		uint64_t const* words = nullptr;
		size_t size = 0;
		size_t next = 0; // next word to execute
		bool active = false;
		bool halted = false;
		bool waiting = false; // inside a WAIT_UNTIL that ends at wait_end
		uint64_t wait_end = 0;
		bool pending = false; // an OMNIBUS_ADDRESS write waits for its data
		uint32_t pending_address = 0, pending_be = 0;
		uint64_t pending_index = 0;
	};

	// Executor parts.
	void begin_program(uint64_t const* words, size_t n, bool copy);
	bool resume_program(Deadline deadline);
	bool run(Deadline deadline);
	void emit(uint64_t word) { m_out.push_back(word); }
	void emit_error(Error e, uint64_t argument);
	void omnibus_read(uint32_t address);
	void omnibus_write(uint32_t address, uint32_t data, uint32_t byte_enables);
	uint32_t read_only_word(RegisterId reg, uint32_t slot) const;
	void trigger(RegisterId reg, uint32_t instance, uint32_t word, uint32_t data);
	void chip_reset();

	// Time.
	bool advance_to(uint64_t end, Deadline deadline); // false: paused at the deadline
	void process_due();
	void emit_record();
	uint64_t internal_cycle(uint64_t systime_cycle) const;
	void drain_core_events(uint64_t from, uint64_t to);
	uint64_t systime_at(uint64_t cycle) const { return (cycle - m_systime_origin) & systime_mask; }

	// Events.
	void neuron_spike(uint64_t cycle, uint32_t neuron);
	void route(uint32_t input, uint32_t label14, uint64_t cycle);
	void record(uint64_t cycle, uint64_t header_and_payload, Bits const& timestamp);
	bool recording_enabled() const;
	void flush_records();

	std::unique_ptr<RegisterMap const> m_map;
	RegisterFile m_file;
	ConfigView m_view;
	Wire m_wire;
	Geometry m_geometry;
	Crossbar m_crossbar;
	uint64_t m_chip_id;
	EmulatorOptions m_options;
	std::unique_ptr<AnalogCore> m_core;
	Sink m_sink;

	// Resolved register-map items.
	std::vector<ReadOnlyKind> m_ro_kind; // by register
	RegisterId m_spike_counter_read = 0, m_spike_counter_reset = 0, m_timer_reg = 0;
	FieldRef m_count, m_overflow, m_timer_value, m_enable_recording, m_spike_out, m_address_out;

	// Digital state.
	std::vector<uint32_t> m_spike_counts; // by SpikeCounterRead instance
	std::vector<uint8_t> m_spike_overflow;

	// Time: internal cycles since construction; the host clocks are offsets.
	uint64_t m_now = 0;
	uint64_t m_timer_origin = 0;
	uint64_t m_systime_origin = 0;

	// Test-hook events, merged with the core's output chunk by chunk.
	std::priority_queue<Stimulus, std::vector<Stimulus>, std::greater<Stimulus>> m_stimuli;
	uint64_t m_seq = 0;
	std::deque<Record> m_records; // sorted by due (entries happen in time order)
	std::vector<CoreEvent> m_core_events;

	// Per program.
	Program m_program;
	std::vector<uint64_t> m_out;
	uint64_t m_index = 0; // word being executed
	uint64_t m_last_systime = ~uint64_t(0);
	bool m_overflow_reported = false;

	// PPUs (see set_ppu_schedule).
	RegisterId m_ppu_control = 0;
	FieldRef m_ppu_inhibit_reset;
	std::vector<uint64_t> m_ppu_offsets;
	bool m_ppu_running[2] = {false, false};
	uint64_t m_ppu_start[2] = {0, 0};
	size_t m_ppu_next[2] = {0, 0};
	uint32_t m_ppu_due = 0;
	uint64_t ppu_next_call() const; // internal cycle of the next call, ~0 none
	bool ppu_check();               // mark the calls due at m_now; true if any

	Stats m_stats;
	mutable std::mutex m_mutex;
};

} // namespace hxsim
