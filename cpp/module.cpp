// Python binding of the emulated chip (hxsim._core). Tables come in as the
// plain dicts/arrays hxsim/__init__.py builds from haldls, hxcomm and halco;
// word streams cross as whole numpy arrays, with the GIL released.
#include "analog_bindings.h"
#include "emulator.h"

#include <cstring>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace hxsim;

namespace {

template <typename T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <typename T>
std::vector<T> to_vector(py::handle obj, char const* what, ssize_t columns = 0)
{
	carray<T> a = carray<T>::ensure(obj);
	if (!a)
		throw py::type_error(std::string(what) + ": expected an integer array");
	if (columns && (a.ndim() != 2 || a.shape(1) != columns) && a.size() != 0)
		throw py::value_error(
		    std::string(what) + ": expected shape (n, " + std::to_string(columns) + ")");
	return std::vector<T>(a.data(), a.data() + a.size());
}

// A (256, 256) uint8 plane of a PPU state (hxsim/ppu/state.py), written in place: a copy
// would lose what is written.
uint8_t* state_plane(py::array& a, char const* what)
{
	if (a.dtype().kind() != 'u' || a.itemsize() != 1 || a.ndim() != 2 || a.shape(0) != 256 ||
	    a.shape(1) != 256 || a.strides(0) != 256 || a.strides(1) != 1 || !a.writeable())
		throw py::value_error(
		    std::string(what) + ": expected a writable C-contiguous (256, 256) uint8 array");
	return static_cast<uint8_t*>(a.mutable_data());
}

// (64, 4): the column of entry e of quad column q; entry 0 sits in the highest byte
std::vector<int64_t> quad_column_table(py::handle obj)
{
	std::vector<int64_t> qc = to_vector<int64_t>(obj, "quad_columns", 4);
	if (qc.size() != 256)
		throw py::value_error("quad_columns: expected shape (64, 4)");
	for (int64_t c : qc)
		if (c < 0 || c > 255)
			throw py::value_error("quad_columns: columns lie in 0..255");
	return qc;
}

RegisterMapTables tables_from(py::dict d)
{
	RegisterMapTables t;
	t.names = d["names"].cast<std::vector<std::string>>();
	carray<int64_t> regs = carray<int64_t>::ensure(d["registers"]);
	if (!regs || regs.ndim() != 2)
		throw py::value_error("registers: expected a 2-D integer array");
	t.row_width = size_t(regs.shape(1));
	t.registers.assign(regs.data(), regs.data() + regs.size());
	t.defaults = to_vector<uint32_t>(d["defaults"], "defaults");
	t.default_offsets = to_vector<int64_t>(d["default_offsets"], "default_offsets");
	t.field_names = d["field_names"].cast<std::vector<std::string>>();
	t.fields = to_vector<int64_t>(d["fields"], "fields", 6);
	t.lanes = to_vector<int64_t>(d["lanes"], "lanes", 2);
	return t;
}

WireSpec wire_from(py::dict d)
{
	WireSpec w;
	w.opcode_lsb = d["opcode_lsb"].cast<uint32_t>();
	w.opcode_width = d["opcode_width"].cast<uint32_t>();
	w.version_lsb = d["version_lsb"].cast<uint32_t>();
	w.version_width = d["version_width"].cast<uint32_t>();
	w.version = d["version"].cast<uint32_t>();
	w.payload_width = d["payload_width"].cast<uint32_t>();
	w.max_program_words = d["max_program_words"].cast<uint64_t>();
	w.opcodes = d["opcodes"].cast<std::unordered_map<std::string, uint32_t>>();
	w.to_chip_payload_masks = to_vector<uint64_t>(d["payload_masks"], "payload_masks");
	w.fields = d["fields"].cast<std::unordered_map<std::string, std::pair<uint32_t, uint32_t>>>();
	w.error_codes = d["error_codes"].cast<std::unordered_map<std::string, uint32_t>>();
	return w;
}

Geometry geometry_from(py::dict d)
{
	Geometry g;
	auto nodes = to_vector<int64_t>(d["crossbar_nodes"], "crossbar_nodes", 2);
	for (size_t i = 0; i + 1 < nodes.size(); i += 2) {
		if (nodes[i] < 0 || nodes[i + 1] < 0)
			throw py::value_error("crossbar_nodes: negative index");
		g.crossbar_nodes.push_back({uint32_t(nodes[i]), uint32_t(nodes[i + 1])});
	}
	auto outs = to_vector<int64_t>(d["crossbar_outputs"], "crossbar_outputs", 3);
	for (size_t i = 0; i + 2 < outs.size(); i += 3)
		g.crossbar_outputs.push_back({outs[i] != 0, uint32_t(outs[i + 1]), uint32_t(outs[i + 2])});
	for (int64_t v : to_vector<int64_t>(d["l2_inputs"], "l2_inputs"))
		g.l2_inputs.push_back(uint32_t(v));
	for (int64_t v : to_vector<int64_t>(d["background_inputs"], "background_inputs"))
		g.background_inputs.push_back(uint32_t(v));
	auto neurons = to_vector<int64_t>(d["neurons"], "neurons", 4);
	for (size_t i = 0; i + 3 < neurons.size(); i += 4)
		g.neurons.push_back(
		    {uint32_t(neurons[i]), uint32_t(neurons[i + 1]), uint32_t(neurons[i + 2]),
		     uint32_t(neurons[i + 3])});
	return g;
}

py::array_t<uint64_t> to_array(std::vector<uint64_t>&& v)
{
	auto* heap = new std::vector<uint64_t>(std::move(v));
	py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<uint64_t>*>(p); });
	return py::array_t<uint64_t>({heap->size()}, {sizeof(uint64_t)}, heap->data(), owner);
}

} // namespace

PYBIND11_MODULE(_core, m)
{
	m.doc() = "C++ core of the emulated HX chip: register file, FPGA executor, event routing. "
	          "Use hxsim.Emulator, which loads the tables this module needs.";
	m.attr("version") = 1;
	m.attr("L2_LATENCY_CYCLES") = Emulator::l2_latency_cycles;
	m.attr("PADI_LATENCY_CYCLES") = Emulator::padi_latency_cycles;
	bind_analog(m);

	py::class_<Emulator>(m, "Emulator", "The emulated chip behind an FPGA executor.")
	    .def(
	        py::init([](py::dict regmap, py::dict wire, py::dict geometry, uint64_t chip_id,
	                    uint64_t max_response_words, py::object analog) {
		        EmulatorOptions options;
		        options.max_response_words = max_response_words;
		        return std::make_unique<Emulator>(
		            tables_from(regmap), wire_from(wire), geometry_from(geometry), chip_id, options,
		            make_analog_core(analog));
	        }),
	        py::arg("regmap"), py::arg("wire"), py::arg("geometry"), py::arg("chip_id"),
	        py::arg("max_response_words") = EmulatorOptions{}.max_response_words,
	        py::arg("analog") = py::none(),
	        "Build from the flat register map, the wire table, the chip geometry and the "
	        "analog core's setup (None: digital only; see hxsim.Emulator, which supplies them).")
	    .def(
	        "analog_inspect",
	        [](Emulator& e) {
		        auto m = e.analog_inspect();
		        py::dict d;
		        for (auto& kv : m) {
			        py::array_t<double> a(kv.second.size());
			        std::copy(kv.second.begin(), kv.second.end(), a.mutable_data());
			        d[py::str(kv.first)] = a;
		        }
		        return d;
	        },
	        "The analog core's decoded per-neuron parameters and state (dict of arrays; "
	        "empty for the digital-only core). Test and debugging aid.")
	    .def(
	        "execute",
	        [](Emulator& e, py::object obj) {
		        // Words are bit patterns: refuse floats rather than truncate them.
		        py::array any = py::array::ensure(obj);
		        if (any && std::string("iub").find(any.dtype().kind()) == std::string::npos &&
		            any.size() != 0)
			        throw py::type_error(
			            "execute() takes integer words, got dtype " +
			            std::string(py::str(any.dtype())));
		        carray<uint64_t> words = carray<uint64_t>::ensure(obj);
		        if (!words)
			        throw py::type_error("execute() takes an array of uint64 words");
		        if (words.ndim() != 1)
			        throw py::value_error("execute() takes a 1-D word array");
		        std::vector<uint64_t> out;
		        {
			        py::gil_scoped_release release;
			        out = e.execute(words.data(), size_t(words.size()));
		        }
		        return to_array(std::move(out));
	        },
	        py::arg("words"),
	        "Run one program (uint64 to-chip words) and return the from-chip response words "
	        "(uint64). The chip's state persists across calls. Never raises for bad words: "
	        "they are answered with ERROR responses.")
	    .def(
	        "start",
	        [](Emulator& e, py::object obj) {
		        py::array any = py::array::ensure(obj);
		        if (any && std::string("iub").find(any.dtype().kind()) == std::string::npos &&
		            any.size() != 0)
			        throw py::type_error(
			            "start() takes integer words, got dtype " +
			            std::string(py::str(any.dtype())));
		        carray<uint64_t> words = carray<uint64_t>::ensure(obj);
		        if (!words)
			        throw py::type_error("start() takes an array of uint64 words");
		        if (words.ndim() != 1)
			        throw py::value_error("start() takes a 1-D word array");
		        try {
			        e.start(words.data(), size_t(words.size()));
		        } catch (std::logic_error const& err) {
			        throw py::value_error(err.what());
		        }
	        },
	        py::arg("words"),
	        "Load a program for chunked execution (see resume). ValueError while another "
	        "program runs.")
	    .def(
	        "resume",
	        [](Emulator& e, double budget_seconds) {
		        py::gil_scoped_release release;
		        return e.resume(budget_seconds);
	        },
	        py::arg("budget_seconds"),
	        "Run the started program for about `budget_seconds` of wall time; True when it "
	        "has ended (then take_output() holds its whole answer). The result does not "
	        "depend on the budgets.")
	    .def(
	        "take_output", [](Emulator& e) { return to_array(e.take_output()); },
	        "The response words answered since the last take_output() (uint64).")
	    .def(
	        "abort", &Emulator::abort,
	        "Drop the rest of the started program (and the events it recorded that are "
	        "still on their way); the chip keeps its state.")
	    .def_property_readonly("running", &Emulator::running, "A started program has not ended.")
	    .def_property_readonly(
	        "now", &Emulator::now, "Internal time: FPGA cycles since construction.")
	    .def_property_readonly("chip_id", &Emulator::chip_id, "Identity / seed of this chip.")
	    .def_property_readonly(
	        "systime", &Emulator::systime,
	        "FPGA systime (43 bit, FPGA cycles since construction or SYSTIME_INIT).")
	    .def_property_readonly(
	        "timer", &Emulator::timer, "Executor timer (32 bit, FPGA cycles since TIMER_RESET).")
	    .def_property_readonly(
	        "num_slots", [](Emulator const& e) { return e.map().num_slots(); },
	        "Number of register words (one per instance word of every register).")
	    .def_property_readonly(
	        "core_name", [](Emulator const& e) { return e.core().name(); },
	        "Name of the analog core in use.")
	    .def_property_readonly(
	        "stats",
	        [](Emulator const& e) {
		        Stats const s = e.stats();
		        py::dict d;
		        d["programs"] = s.programs;
		        d["instructions"] = s.instructions;
		        d["words_written"] = s.words_written;
		        d["words_read"] = s.words_read;
		        d["errors"] = s.errors;
		        d["events_routed"] = s.events_routed;
		        d["padi_events"] = s.padi_events;
		        d["events_recorded"] = s.events_recorded;
		        d["events_dropped"] = s.events_dropped;
		        d["neuron_spikes"] = s.neuron_spikes;
		        d["cycles"] = s.cycles;
		        return d;
	        },
	        "Counters since construction (dict).")
	    .def(
	        "peek",
	        [](Emulator const& e, uint64_t address) {
		        uint32_t v = 0;
		        if (address > UINT32_MAX || !e.peek(uint32_t(address), v))
			        throw py::key_error("no register at address " + std::to_string(address));
		        return v;
	        },
	        py::arg("address"),
	        "What a read of `address` would return, without side effects (test aid). "
	        "Trigger registers show their last written word. KeyError if unmapped.")
	    .def(
	        "poke",
	        [](Emulator& e, uint64_t address, uint32_t value) {
		        if (address > UINT32_MAX || !e.poke(uint32_t(address), value))
			        throw py::key_error(
			            "no writable register at address " + std::to_string(address));
	        },
	        py::arg("address"), py::arg("value"),
	        "Store a raw word into a read-write or trigger register without any action "
	        "(test aid). KeyError if unmapped or read-only.")
	    .def(
	        "set_ppu_schedule",
	        [](Emulator& e, carray<uint64_t> offsets) {
		        std::vector<uint64_t> v(offsets.data(), offsets.data() + offsets.size());
		        e.set_ppu_schedule(std::move(v));
	        },
	        py::arg("offsets"),
	        "PPU kernel calls: FPGA cycles after a PPU's start (PPUControlRegister.inhibit_reset "
	        "set), ascending. resume() pauses at each call with ppu_due != 0.")
	    .def_property_readonly(
	        "ppu_due", &Emulator::ppu_due, "Bit h set: PPU h is to run its kernel now.")
	    .def("ppu_done", &Emulator::ppu_done, "The due PPU calls have run; resume() continues.")
	    .def(
	        "bus_read",
	        [](Emulator& e, carray<uint32_t> addresses) {
		        std::vector<uint32_t> a(addresses.data(), addresses.data() + addresses.size());
		        std::vector<uint32_t> v;
		        {
			        py::gil_scoped_release release;
			        v = e.bus_read(a);
		        }
		        py::array_t<uint32_t> out(v.size());
		        std::copy(v.begin(), v.end(), out.mutable_data());
		        return out;
	        },
	        py::arg("addresses"),
	        "Omnibus reads at the current time as the PPU does them (uint32 array). IndexError "
	        "for an unmapped or write-only address.")
	    .def(
	        "bus_write",
	        [](Emulator& e, carray<uint32_t> addresses, carray<uint32_t> words) {
		        std::vector<uint32_t> a(addresses.data(), addresses.data() + addresses.size());
		        std::vector<uint32_t> w(words.data(), words.data() + words.size());
		        py::gil_scoped_release release;
		        e.bus_write(a, w);
	        },
	        py::arg("addresses"), py::arg("words"),
	        "Omnibus writes at the current time as the PPU does them (triggers act). IndexError "
	        "for an unmapped or read-only address, ValueError for differing lengths.")
	    .def(
	        "bus_read_rows",
	        [](Emulator& e, carray<uint32_t> addresses, carray<int64_t> rows, py::array out,
	           py::handle quad_columns, uint32_t mask) {
		        // a PPU's vector read of whole synapse-array rows (weights, CADC samples)
		        uint8_t* dst = state_plane(out, "out");
		        std::vector<int64_t> const qc = quad_column_table(quad_columns);
		        size_t const n = size_t(rows.size());
		        if (size_t(addresses.size()) != n * 64)
			        throw py::value_error("bus_read_rows: 64 addresses per row expected");
		        for (size_t i = 0; i < n; ++i)
			        if (rows.data()[i] < 0 || rows.data()[i] > 255)
				        throw py::value_error("bus_read_rows: rows lie in 0..255");
		        std::vector<uint32_t> a(addresses.data(), addresses.data() + addresses.size());
		        py::gil_scoped_release release;
		        std::vector<uint32_t> const v = e.bus_read(a);
		        for (size_t i = 0; i < n; ++i) {
			        uint8_t* row = dst + rows.data()[i] * 256;
			        for (size_t q = 0; q < 64; ++q)
				        for (size_t k = 0; k < 4; ++k)
					        row[qc[q * 4 + k]] = uint8_t((v[i * 64 + q] >> (24 - 8 * k)) & mask);
		        }
	        },
	        py::arg("addresses"), py::arg("rows"), py::arg("out"), py::arg("quad_columns"),
	        py::arg("mask"),
	        "Read the quad words ``addresses`` ((rows, 64): the 64 quads of each row) over the "
	        "bus and unpack their entries into ``out[rows[i], column] & mask`` (a writable "
	        "(256, 256) uint8 array, by hardware column; ``quad_columns``: the column of entry e "
	        "of quad q, entry 0 in the highest byte).")
	    .def(
	        "bus_write_flagged",
	        [](Emulator& e, carray<uint32_t> addresses, py::array flags, py::object values,
	           py::handle quad_columns, uint32_t mask) {
		        // a PPU's write-back: the quads with a flagged entry, in row then quad order
		        uint8_t* fl = state_plane(flags, "flags");
		        uint8_t const* val = nullptr;
		        py::array values_array;
		        if (!values.is_none()) {
			        values_array = values.cast<py::array>();
			        val = state_plane(values_array, "values");
		        }
		        std::vector<int64_t> const qc = quad_column_table(quad_columns);
		        if (addresses.size() != 256 * 64)
			        throw py::value_error(
			            "bus_write_flagged: addresses of shape (256, 64) expected");
		        uint32_t const* addr = addresses.data();
		        std::vector<uint32_t> a, w;
		        {
			        py::gil_scoped_release release;
			        for (size_t r = 0; r < 256; ++r) {
				        uint8_t* f = fl + r * 256;
				        uint64_t any = 0;
				        for (size_t c = 0; c < 256; c += 8) {
					        uint64_t chunk;
					        std::memcpy(&chunk, f + c, 8);
					        any |= chunk;
				        }
				        if (!any)
					        continue;
				        for (size_t q = 0; q < 64; ++q) {
					        int64_t const* cols = &qc[q * 4];
					        if (!(f[cols[0]] | f[cols[1]] | f[cols[2]] | f[cols[3]]))
						        continue;
					        uint32_t word = 0;
					        if (val)
						        for (size_t k = 0; k < 4; ++k)
							        word |= uint32_t(val[r * 256 + cols[k]] & mask) << (24 - 8 * k);
					        a.push_back(addr[r * 64 + q]);
					        w.push_back(word);
				        }
				        std::memset(f, 0, 256);
			        }
			        if (!a.empty())
				        e.bus_write(a, w);
		        }
		        return a.size();
	        },
	        py::arg("addresses"), py::arg("flags"), py::arg("values"), py::arg("quad_columns"),
	        py::arg("mask"),
	        "Write back what a PPU kernel flagged: for each quad with a non-zero entry in "
	        "``flags`` (a writable (256, 256) uint8 array by row and hardware column), the word "
	        "of ``values & mask`` (same layout; None: zero words, for triggers) at "
	        "``addresses[row, quad]`` ((256, 64)); the flagged rows' flags are cleared. Returns "
	        "the number of words written.")
	    .def(
	        "field_values",
	        [](Emulator const& e, std::string const& name) {
		        std::vector<int64_t> v;
		        try {
			        v = e.field_values(name);
		        } catch (std::invalid_argument const& err) {
			        throw py::key_error(err.what());
		        }
		        hxsim::FieldInfo const& f = e.map().field(e.map().field_id(name));
		        py::array_t<int64_t> out({size_t(e.map().reg(f.reg).size), size_t(f.count)});
		        std::copy(v.begin(), v.end(), out.mutable_data());
		        return out;
	        },
	        py::arg("name"),
	        "Decoded values of field 'Register.field' for all instances, shape "
	        "(instances, lanes), as the analog core sees them through ConfigView.")
	    .def(
	        "debug_schedule_neuron_spike", &Emulator::debug_schedule_neuron_spike,
	        py::arg("neuron"), py::arg("cycle"),
	        "TEST HOOK: neuron `neuron` (AtomicNeuronOnDLS enum) fires at systime `cycle` "
	        "(FPGA cycles; clamped to now), as if the analog core had emitted the spike: it "
	        "happens during that cycle, once a WAIT takes the executor past it: spike "
	        "counter, then (if NeuronBackendConfig.enable_spike_out) the crossbar. "
	        "IndexError for a bad neuron.")
	    .def(
	        "debug_schedule_madc_sample", &Emulator::debug_schedule_madc_sample, py::arg("cycle"),
	        py::arg("value"), py::arg("channel"),
	        "TEST HOOK: the MADC delivers `value` (10 bit) of `channel` (0/1) at systime "
	        "`cycle`, as if the analog core had emitted it; recorded like a spike when event "
	        "recording is enabled. ValueError for out-of-range arguments.");
}
