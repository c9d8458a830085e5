#include "emulator.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace hxsim {

namespace {

[[noreturn]] void fail(std::string const& what)
{
	throw std::invalid_argument("emulator: " + what);
}

uint32_t expand_byte_enables(uint32_t be)
{
	uint32_t m = 0;
	for (uint32_t b = 0; b < 4; ++b)
		if (be & (1u << b))
			m |= 0xffu << (8 * b);
	return m;
}

} // namespace

Emulator::Emulator(
    RegisterMapTables const& tables,
    WireSpec const& wire,
    Geometry geometry,
    uint64_t chip_id,
    EmulatorOptions options,
    std::unique_ptr<AnalogCore> core) :
    m_map(std::make_unique<RegisterMap const>(tables)),
    m_file(*m_map),
    m_view(m_file),
    m_wire(wire),
    m_geometry(std::move(geometry)),
    m_crossbar(*m_map, m_geometry.crossbar_nodes),
    m_chip_id(chip_id),
    m_options(options),
    m_core(core ? std::move(core) : std::make_unique<DigitalOnlyCore>()),
    m_sink(*this)
{
	RegisterMap const& map = *m_map;
	m_spike_counter_read = map.register_id("SpikeCounterRead");
	m_spike_counter_reset = map.register_id("SpikeCounterReset");
	m_timer_reg = map.register_id("Timer");
	m_count = FieldRef(map, map.field_id("SpikeCounterRead.count"));
	m_overflow = FieldRef(map, map.field_id("SpikeCounterRead.overflow"));
	m_timer_value = FieldRef(map, map.field_id("Timer.value"));
	m_ppu_control = map.register_id("PPUControlRegister");
	m_ppu_inhibit_reset = FieldRef(map, map.field_id("PPUControlRegister.inhibit_reset"));
	if (map.reg(m_ppu_control).size != 2 || map.reg(m_ppu_control).words != 1)
		fail("PPUControlRegister must have one word per PPU (2)");
	m_enable_recording = FieldRef(map, map.field_id("EventRecordingConfig.enable_event_recording"));
	m_spike_out = FieldRef(map, map.field_id("NeuronBackendConfig.enable_spike_out"));
	m_address_out = FieldRef(map, map.field_id("NeuronBackendConfig.address_out"));
	if (map.reg(m_spike_counter_reset).size != map.reg(m_spike_counter_read).size)
		fail("SpikeCounterReset and SpikeCounterRead must have the same instances");
	if (map.reg(map.register_id("EventRecordingConfig")).size != 1)
		fail("EventRecordingConfig must be a single register");

	m_ro_kind.assign(map.num_registers(), ReadOnlyKind::stored);
	m_ro_kind[m_spike_counter_read] = ReadOnlyKind::spike_counter;
	m_ro_kind[m_crossbar.drop_counter_register()] = ReadOnlyKind::drop_counter;
	m_ro_kind[m_crossbar.output_counter_register()] = ReadOnlyKind::output_counter;
	m_ro_kind[m_timer_reg] = ReadOnlyKind::timer;
	for (RegisterId r :
	     {m_spike_counter_read, m_crossbar.drop_counter_register(),
	      m_crossbar.output_counter_register(), m_timer_reg})
		if (map.reg(r).access != Access::ReadOnly || map.reg(r).words != 1)
			fail(map.reg(r).name + " must be a one-word read-only register");

	// Geometry checks: everything indexed later is in range.
	Geometry const& g = m_geometry;
	if (g.crossbar_outputs.size() != m_crossbar.num_outputs())
		fail("output table size differs from the crossbar's outputs");
	for (auto const& o : g.crossbar_outputs)
		if (o.hemisphere > 1 || o.index > 3)
			fail("crossbar output table out of range");
	if (g.l2_inputs.size() != 4)
		fail("there must be 4 L2 inputs (2-bit SPL1 address)");
	for (uint32_t i : g.l2_inputs)
		if (i >= m_crossbar.num_inputs())
			fail("L2 input out of range");
	for (uint32_t i : g.background_inputs)
		if (i >= m_crossbar.num_inputs())
			fail("background input out of range");
	uint32_t const backends = map.reg(map.register_id("NeuronBackendConfig")).size;
	uint32_t const counters = map.reg(m_spike_counter_read).size;
	for (auto const& n : g.neurons)
		if (n.crossbar_input >= m_crossbar.num_inputs() || n.event_output > 7 ||
		    n.backend >= backends || n.counter >= counters)
			fail("neuron table out of range");

	m_spike_counts.assign(counters, 0);
	m_spike_overflow.assign(counters, 0);
	m_core->reset(m_now, m_view);
}

// --- executor ---------------------------------------------------------------------------

std::vector<uint64_t> Emulator::execute(uint64_t const* words, size_t n)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	begin_program(words, n, false);
	// no host to run PPU kernels: their calls are skipped
	while (!resume_program(Deadline::max()))
		m_ppu_due = 0;
	return std::move(m_out);
}

void Emulator::start(uint64_t const* words, size_t n)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (m_program.active)
		throw std::logic_error("emulator: a program is running; finish or abort() it first");
	begin_program(words, n, true);
}

bool Emulator::resume(double budget_seconds)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (!m_program.active)
		return true;
	Deadline deadline = Deadline::max();
	if (budget_seconds < 1e9) {
		auto const budget = std::chrono::duration_cast<Deadline::duration>(
		    std::chrono::duration<double>(std::max(0.0, budget_seconds)));
		deadline = Clock::now() + budget;
	}
	return resume_program(deadline);
}

std::vector<uint64_t> Emulator::take_output()
{
	std::lock_guard<std::mutex> lock(m_mutex);
	std::vector<uint64_t> out = std::move(m_out);
	m_out.clear();
	return out;
}

void Emulator::abort()
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (!m_program.active)
		return;
	// The rest of the program is dropped; so are the events already on their way to the
	// FPGA (they belong to the aborted program). On-chip activity goes on.
	m_records.clear();
	m_out.clear();
	m_program = Program{};
	m_stats.cycles = m_now;
}

bool Emulator::running() const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return m_program.active;
}

uint64_t Emulator::now() const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return m_now;
}

void Emulator::begin_program(uint64_t const* words, size_t n, bool copy)
{
	m_out.clear();
	m_last_systime = ~uint64_t(0);
	m_overflow_reported = false;
	++m_stats.programs;
	m_program = Program{};
	if (n > m_wire.max_program_words()) {
		emit_error(Error::program_too_long, m_wire.max_program_words());
		return; // not active: resume() reports it done at once
	}
	if (copy) {
		m_program.storage.assign(words, words + n);
		m_program.words = m_program.storage.data();
	} else {
		m_program.words = words;
	}
	m_program.size = n;
	m_program.active = true;
	m_out.reserve(std::min<size_t>(n / 4 + 16, size_t(1) << 20));
	m_index = 0;
	process_due();
}

bool Emulator::resume_program(Deadline deadline)
{
	if (!m_program.active)
		return true;
	bool done = true;
	try {
		done = run(deadline);
	} catch (std::exception const&) {
		// Out of memory or a failing analog core: report, keep what was answered.
		try {
			emit_error(Error::internal, m_index);
		} catch (...) {
		}
		m_program.pending = false;
		m_program.halted = true;
	}
	if (done) {
		if (m_program.pending)
			emit_error(Error::address_without_data, m_program.pending_index);
		if (!m_program.halted)
			flush_records();
		m_program = Program{};
	}
	m_stats.cycles = m_now;
	return done;
}

bool Emulator::run(Deadline deadline)
{
	Program& p = m_program;
	bool const bounded = deadline != Deadline::max();
	if (p.waiting) {
		if (!advance_to(p.wait_end, deadline))
			return false;
		p.waiting = false;
	}
	uint64_t const* const words = p.words;
	size_t const n = p.size;
	while (p.next < n && !p.halted) {
		// the clock is read every 1024 instructions: a pause costs nothing measurable
		if (bounded && (p.next & 1023) == 0 && p.next != 0 && Clock::now() >= deadline)
			return false;
		size_t const i = p.next++;
		m_index = i;
		Op op;
		uint64_t payload = 0;
		Error error;
		bool const ok = m_wire.decode(words[i], op, payload, error);
		if (p.pending && !(ok && op == Op::omnibus_data)) {
			emit_error(Error::address_without_data, p.pending_index);
			p.pending = false;
		}
		if (!ok) {
			emit_error(error, i);
			continue;
		}
		++m_stats.instructions;
		switch (op) {
			case Op::timer_reset:
				m_timer_origin = m_now;
				break;
			case Op::wait_until: {
				uint64_t const target = m_timer_origin + m_wire.wait_time.get(payload);
				if (target > m_now) {
					p.waiting = true;
					p.wait_end = target;
					if (!advance_to(target, deadline))
						return false;
					p.waiting = false;
				}
				break;
			}
			case Op::barrier: // everything is idle at once
				break;
			case Op::omnibus_address: {
				uint32_t const address = uint32_t(m_wire.addr_address.get(payload));
				if (m_wire.addr_is_read.get(payload)) {
					omnibus_read(address);
				} else {
					p.pending = true;
					p.pending_address = address;
					p.pending_be = uint32_t(m_wire.addr_byte_enables.get(payload));
					p.pending_index = i;
				}
				break;
			}
			case Op::omnibus_data:
				if (!p.pending) {
					emit_error(Error::data_without_address, i);
				} else {
					p.pending = false;
					omnibus_write(
					    p.pending_address, uint32_t(m_wire.data_word.get(payload)), p.pending_be);
				}
				break;
			case Op::spike_pack_1:
			case Op::spike_pack_2:
			case Op::spike_pack_3: {
				auto const& fields = m_wire.pack_labels[size_t(op) - size_t(Op::spike_pack_1)];
				for (Bits const& b : fields) {
					uint32_t const label = uint32_t(b.get(payload));
					route(
					    m_geometry.l2_inputs[label >> spike_label_spl1_shift],
					    label & neuron_label_mask, m_now);
				}
				break;
			}
			case Op::systime_init:
				if (m_wire.systime_reset.get(payload)) {
					m_systime_origin = m_now;
					m_core->on_time_origin(m_now);
				}
				break;
			case Op::loopback: {
				uint64_t const halt = m_wire.loopback_halt.get(payload);
				if (halt) {
					// The FPGA drains events in flight before it echoes the halt.
					flush_records();
					p.halted = true;
				}
				emit(m_wire.word(m_wire.h_loopback, m_wire.echo_halt.put(halt)));
				break;
			}
			case Op::reset:
				if (m_wire.reset_level.get(payload))
					chip_reset();
				break;
			case Op::unknown:
				emit_error(Error::internal, i);
				break;
		}
		if (m_ppu_due != 0)
			return false; // a PPU started or stopped: the host loads or unloads its program
	}
	return true;
}

void Emulator::emit_error(Error e, uint64_t argument)
{
	++m_stats.errors;
	emit(m_wire.word(
	    m_wire.h_error,
	    m_wire.error_code_bits.put(m_wire.error_code(e)) | m_wire.error_argument.put(argument)));
}

void Emulator::omnibus_read(uint32_t address)
{
	int32_t const slot = m_map->slot(address);
	if (slot == RegisterMap::unmapped)
		return emit_error(Error::unmapped_address, address);
	RegisterId const reg = m_map->reg_of_slot(uint32_t(slot));
	uint32_t value;
	switch (m_map->reg(reg).access) {
		case Access::Trigger:
			return emit_error(Error::read_of_write_only, address);
		case Access::ReadOnly:
			value = read_only_word(reg, uint32_t(slot));
			break;
		default:
			value = m_file.word(uint32_t(slot));
	}
	++m_stats.words_read;
	emit(m_wire.word(m_wire.h_read_data, m_wire.read_word.put(value)));
}

void Emulator::omnibus_write(uint32_t address, uint32_t data, uint32_t byte_enables)
{
	int32_t const slot = m_map->slot(address);
	if (slot == RegisterMap::unmapped)
		return emit_error(Error::unmapped_address, address);
	RegisterId const reg = m_map->reg_of_slot(uint32_t(slot));
	RegisterInfo const& r = m_map->reg(reg);
	uint32_t const mask = expand_byte_enables(byte_enables);
	switch (r.access) {
		case Access::ReadOnly:
			return emit_error(Error::write_to_read_only, address);
		case Access::ReadWrite:
			m_file.set(uint32_t(slot), (m_file.word(uint32_t(slot)) & ~mask) | (data & mask));
			if (reg == m_ppu_control) {
				uint32_t const h = uint32_t(slot) - r.first_slot;
				bool const run =
				    (m_file.word(uint32_t(slot)) >> m_ppu_inhibit_reset.lanes[0].shift) & 1u;
				if (run && !m_ppu_running[h]) {
					m_ppu_start[h] = m_now;
					m_ppu_next[h] = 0;
					m_ppu_due |= 4u << h;
				} else if (!run && m_ppu_running[h]) {
					m_ppu_due |= 16u << h;
				}
				m_ppu_running[h] = run;
			}
			break;
		case Access::Trigger: {
			uint32_t const offset = uint32_t(slot) - r.first_slot;
			m_file.set(uint32_t(slot), data & mask); // kept for peek()
			trigger(reg, offset / r.words, offset % r.words, data & mask);
			break;
		}
	}
	++m_stats.words_written;
}

uint32_t Emulator::read_only_word(RegisterId reg, uint32_t slot) const
{
	RegisterInfo const& r = m_map->reg(reg);
	uint32_t const offset = slot - r.first_slot;
	uint32_t const instance = offset / r.words;
	switch (m_ro_kind[reg]) {
		case ReadOnlyKind::spike_counter:
			return m_count.put(0, m_spike_counts[instance]) |
			       m_overflow.put(0, m_spike_overflow[instance]);
		case ReadOnlyKind::drop_counter:
			return m_crossbar.drop_counter_word(instance);
		case ReadOnlyKind::output_counter:
			return m_crossbar.output_counter_word(instance);
		case ReadOnlyKind::timer:
			return m_timer_value.put(0, uint32_t((m_now - m_timer_origin) & timer_mask));
		default:
			return m_core->read_only_word(
			    m_now, reg, instance, offset % r.words, m_file.word(slot), m_view);
	}
}

void Emulator::trigger(RegisterId reg, uint32_t instance, uint32_t word, uint32_t data)
{
	if (reg == m_spike_counter_reset) {
		m_spike_counts[instance] = 0;
		m_spike_overflow[instance] = 0;
		return;
	}
	m_core->on_trigger(m_now, reg, instance, word, data, m_view);
}

void Emulator::chip_reset()
{
	m_file.reset();
	m_ppu_running[0] = m_ppu_running[1] = false;
	m_ppu_due = 0;
	m_crossbar.clear_counters();
	std::fill(m_spike_counts.begin(), m_spike_counts.end(), 0);
	std::fill(m_spike_overflow.begin(), m_spike_overflow.end(), 0);
	// Pending on-chip activity dies with the reset; recorded events are
	// already on their way to the FPGA and stay.
	m_stimuli = decltype(m_stimuli)();
	m_core->reset(m_now, m_view);
}

// --- time ---------------------------------------------------------------------------------

bool Emulator::advance_to(uint64_t end, Deadline deadline)
{
	bool const bounded = deadline != Deadline::max();
	for (unsigned steps = 0;; ++steps) {
		process_due();
		if (ppu_check())
			return false; // the host runs the PPU kernels and resumes
		if (m_now >= end)
			return true;
		// A pause between two steps leaves (m_now, end) as the whole state of the wait:
		// resuming continues on the same step grid, bit for bit.
		if (bounded && (steps & 7) == 7 && Clock::now() >= deadline)
			return false;
		// Pending records lie after m_now now; run the core up to the next one.
		uint64_t next = end;
		if (!m_records.empty())
			next = std::min(next, m_records.front().due);
		uint64_t const step = m_core->max_step();
		if (step != 0 && next - m_now > step)
			next = m_now + step;
		next = std::min(next, ppu_next_call());
		uint64_t const from = m_now;
		m_core->advance(from, next, m_view, m_sink);
		while (!m_stimuli.empty() && m_stimuli.top().event.cycle < next) {
			m_core_events.push_back(m_stimuli.top().event);
			m_stimuli.pop();
		}
		m_now = next;
		if (!m_core_events.empty())
			drain_core_events(from, next);
	}
}

void Emulator::process_due()
{
	while (!m_records.empty() && m_records.front().due <= m_now)
		emit_record();
}

void Emulator::emit_record()
{
	Record const& rec = m_records.front();
	if (rec.fpga_time != m_last_systime) {
		emit(m_wire.word(m_wire.h_systime, m_wire.systime_time.put(rec.fpga_time)));
		m_last_systime = rec.fpga_time;
	}
	emit(rec.word);
	++m_stats.events_recorded;
	m_records.pop_front();
}

void Emulator::drain_core_events(uint64_t from, uint64_t to)
{
	// The core promises time order; a stable sort keeps us safe if it slips.
	std::stable_sort(
	    m_core_events.begin(), m_core_events.end(),
	    [](CoreEvent const& a, CoreEvent const& b) { return a.cycle < b.cycle; });
	for (CoreEvent const& e : m_core_events) {
		uint64_t const cycle = std::clamp(e.cycle, from, to - 1);
		if (e.kind == 0) {
			neuron_spike(cycle, e.a);
		} else if (e.kind == 2) {
			if (e.a < m_geometry.background_inputs.size())
				route(m_geometry.background_inputs[e.a], e.b & neuron_label_mask, cycle);
		} else if (recording_enabled()) {
			record(
			    cycle, m_wire.h_madc | m_wire.madc_value.put(e.a) | m_wire.madc_channel.put(e.b),
			    m_wire.madc_timestamp);
		}
	}
	m_core_events.clear();
	process_due(); // records due in the past chunk go out in order
}

void Emulator::flush_records()
{
	// Only records are drained; on-chip activity stays in the future.
	while (!m_records.empty())
		emit_record();
}

// --- events -------------------------------------------------------------------------------

void Emulator::Sink::neuron_spike(uint64_t cycle, uint32_t neuron)
{
	m_e.m_core_events.push_back({cycle, 0, neuron, 0});
}

void Emulator::Sink::madc_sample(uint64_t cycle, uint32_t value, uint32_t channel)
{
	m_e.m_core_events.push_back({cycle, 1, value, channel});
}

void Emulator::Sink::background_spike(uint64_t cycle, uint32_t source, uint32_t label)
{
	m_e.m_core_events.push_back({cycle, 2, source, label});
}

void Emulator::neuron_spike(uint64_t cycle, uint32_t neuron)
{
	if (neuron >= m_geometry.neurons.size())
		return;
	++m_stats.neuron_spikes;
	Geometry::Neuron const& n = m_geometry.neurons[neuron];
	// 8-bit counter with a sticky overflow bit: counts wrap, the bit stays.
	uint32_t& count = m_spike_counts[n.counter];
	count = (count + 1) & m_count.mask;
	if (count == 0)
		m_spike_overflow[n.counter] = 1;
	uint32_t const* file = m_file.data();
	if (!m_spike_out.raw(file, n.backend))
		return;
	uint32_t const label = (n.event_output << 8) | m_address_out.raw(file, n.backend);
	route(n.crossbar_input, label & neuron_label_mask, cycle);
}

void Emulator::route(uint32_t input, uint32_t label14, uint64_t cycle)
{
	++m_stats.events_routed;
	bool const recording = recording_enabled();
	m_crossbar.route(m_file.data(), input, label14, [&](uint32_t output) {
		Geometry::Output const& o = m_geometry.crossbar_outputs[output];
		if (!o.is_l2) {
			++m_stats.padi_events;
			m_core->on_padi_event(cycle + padi_latency_cycles, o.hemisphere, o.index, label14);
		} else if (recording) {
			uint32_t const label = (o.index << spike_label_spl1_shift) | label14;
			record(cycle, m_wire.h_spike | m_wire.spike_label.put(label), m_wire.spike_timestamp);
		}
	});
}

void Emulator::record(uint64_t cycle, uint64_t word, Bits const& timestamp)
{
	if (m_out.size() + m_records.size() >= m_options.max_response_words) {
		++m_stats.events_dropped;
		if (!m_overflow_reported) {
			m_overflow_reported = true;
			emit_error(Error::internal, m_index);
		}
		return;
	}
	uint64_t const t = systime_at(cycle);
	// Chip timestamp: 250 MHz ticks, so the host's (ts >> 1) gives back t's low bits.
	m_records.push_back(
	    {cycle + l2_latency_cycles, (t + l2_latency_cycles) & systime_mask,
	     word | timestamp.put(2 * t)});
}

bool Emulator::recording_enabled() const
{
	return m_enable_recording.raw(m_file.data(), 0) != 0;
}

// --- inspection ------------------------------------------------------------------------------

uint64_t Emulator::systime() const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return systime_at(m_now);
}

uint64_t Emulator::timer() const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return (m_now - m_timer_origin) & timer_mask;
}

Stats Emulator::stats() const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	Stats s = m_stats;
	s.cycles = m_now;
	return s;
}

bool Emulator::peek(uint32_t address, uint32_t& value) const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	int32_t const slot = m_map->slot(address);
	if (slot == RegisterMap::unmapped)
		return false;
	RegisterId const reg = m_map->reg_of_slot(uint32_t(slot));
	value = m_map->reg(reg).access == Access::ReadOnly ? read_only_word(reg, uint32_t(slot))
	                                                   : m_file.word(uint32_t(slot));
	return true;
}

bool Emulator::poke(uint32_t address, uint32_t value)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	int32_t const slot = m_map->slot(address);
	if (slot == RegisterMap::unmapped ||
	    m_map->reg(m_map->reg_of_slot(uint32_t(slot))).access == Access::ReadOnly)
		return false;
	m_file.set(uint32_t(slot), value);
	return true;
}

std::vector<int64_t> Emulator::field_values(std::string const& name) const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	FieldId const f = m_map->field_id(name);
	std::vector<int64_t> out(size_t(m_view.instances(f)) * m_view.lanes(f));
	m_view.get_all_lanes(f, out.data());
	return out;
}

std::unordered_map<std::string, std::vector<double>> Emulator::analog_inspect()
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return m_core->inspect(m_view);
}

void Emulator::debug_schedule_neuron_spike(uint32_t neuron, uint64_t cycle)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (neuron >= m_geometry.neurons.size())
		throw std::out_of_range(
		    "neuron " + std::to_string(neuron) + " out of range [0, " +
		    std::to_string(m_geometry.neurons.size() - 1) + "]");
	m_stimuli.push({{internal_cycle(cycle), 0, neuron, 0}, m_seq++});
}

void Emulator::debug_schedule_madc_sample(uint64_t cycle, uint32_t value, uint32_t channel)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (value > m_wire.madc_value.mask || channel > m_wire.madc_channel.mask)
		throw std::invalid_argument(
		    "MADC sample value " + std::to_string(value) + " / channel " + std::to_string(channel) +
		    " out of range");
	m_stimuli.push({{internal_cycle(cycle), 1, value, channel}, m_seq++});
}

uint64_t Emulator::internal_cycle(uint64_t systime_cycle) const
{
	uint64_t const now = systime_at(m_now);
	return systime_cycle > now ? m_now + (systime_cycle - now) : m_now;
}

// --- PPUs ---------------------------------------------------------------------------

void Emulator::set_ppu_schedule(std::vector<uint64_t> offsets)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (!std::is_sorted(offsets.begin(), offsets.end()))
		throw std::invalid_argument("set_ppu_schedule: offsets must be ascending");
	m_ppu_offsets = std::move(offsets);
	m_ppu_next[0] = m_ppu_next[1] = 0;
}

uint32_t Emulator::ppu_due() const
{
	std::lock_guard<std::mutex> lock(m_mutex);
	return m_ppu_due;
}

void Emulator::ppu_done()
{
	std::lock_guard<std::mutex> lock(m_mutex);
	m_ppu_due = 0;
}

uint64_t Emulator::ppu_next_call() const
{
	uint64_t next = ~uint64_t(0);
	for (unsigned h = 0; h < 2; ++h)
		if (m_ppu_running[h] && m_ppu_next[h] < m_ppu_offsets.size())
			next = std::min(next, m_ppu_start[h] + m_ppu_offsets[m_ppu_next[h]]);
	return next;
}

bool Emulator::ppu_check()
{
	if (m_ppu_due != 0)
		return false; // being served: the host clears it with ppu_done()
	for (unsigned h = 0; h < 2; ++h) {
		if (!m_ppu_running[h])
			continue;
		bool due = false;
		// calls that fell behind (a start inside a long step) run once, now
		while (m_ppu_next[h] < m_ppu_offsets.size() &&
		       m_ppu_start[h] + m_ppu_offsets[m_ppu_next[h]] <= m_now) {
			++m_ppu_next[h];
			due = true;
		}
		if (due)
			m_ppu_due |= 1u << h;
	}
	return m_ppu_due != 0;
}

std::vector<uint32_t> Emulator::bus_read(std::vector<uint32_t> const& addresses)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	std::vector<uint32_t> out(addresses.size());
	for (size_t i = 0; i < addresses.size(); ++i) {
		int32_t const slot = m_map->slot(addresses[i]);
		if (slot == RegisterMap::unmapped)
			throw std::out_of_range("bus_read: unmapped address " + std::to_string(addresses[i]));
		RegisterId const reg = m_map->reg_of_slot(uint32_t(slot));
		Access const a = m_map->reg(reg).access;
		if (a == Access::Trigger)
			throw std::out_of_range(
			    "bus_read: address " + std::to_string(addresses[i]) + " is write-only");
		out[i] = a == Access::ReadOnly ? read_only_word(reg, uint32_t(slot))
		                               : m_file.word(uint32_t(slot));
	}
	return out;
}

void Emulator::bus_write(std::vector<uint32_t> const& addresses, std::vector<uint32_t> const& words)
{
	std::lock_guard<std::mutex> lock(m_mutex);
	if (addresses.size() != words.size())
		throw std::invalid_argument("bus_write: addresses and words differ in length");
	for (size_t i = 0; i < addresses.size(); ++i) {
		int32_t const slot = m_map->slot(addresses[i]);
		if (slot == RegisterMap::unmapped ||
		    m_map->reg(m_map->reg_of_slot(uint32_t(slot))).access == Access::ReadOnly)
			throw std::out_of_range(
			    "bus_write: address " + std::to_string(addresses[i]) + " is unmapped or read-only");
	}
	for (size_t i = 0; i < addresses.size(); ++i)
		omnibus_write(addresses[i], words[i], 0xf);
}

} // namespace hxsim
