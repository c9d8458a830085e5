#include "wire.h"

#include <stdexcept>

namespace hxsim {

namespace {

[[noreturn]] void fail(std::string const& what)
{
	throw std::invalid_argument("wire format: " + what);
}

uint32_t opcode(WireSpec const& s, std::string const& name)
{
	auto it = s.opcodes.find(name);
	if (it == s.opcodes.end())
		fail("the emulator needs instruction " + name + ", which the table does not define");
	if (it->second >= (1u << s.opcode_width))
		fail(name + ": opcode out of range");
	return it->second;
}

Bits bits(WireSpec const& s, std::string const& name)
{
	auto it = s.fields.find(name);
	if (it == s.fields.end())
		fail("the emulator needs field " + name + ", which the table does not define");
	auto [lsb, width] = it->second;
	if (width < 1 || lsb + width > s.payload_width)
		fail(name + ": field outside the payload");
	return Bits{lsb, width == 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1};
}

} // namespace

Wire::Wire(WireSpec const& s)
{
	if (s.opcode_width < 1 || s.opcode_width > 8 || s.opcode_lsb + s.opcode_width != 63 ||
	    s.version_lsb + s.version_width != s.opcode_lsb || s.payload_width > s.version_lsb ||
	    s.version_width < 1 || s.version >= (1u << s.version_width))
		fail("unexpected header layout (comma bit must be bit 63)");
	if (s.to_chip_payload_masks.size() != (size_t(1) << s.opcode_width))
		fail("payload mask table must have one entry per opcode");
	m_comma_bit = s.opcode_lsb + s.opcode_width;
	m_opcode_lsb = s.opcode_lsb;
	m_opcode_mask = (1u << s.opcode_width) - 1;
	m_version_lsb = s.version_lsb;
	m_version_mask = (1u << s.version_width) - 1;
	m_version = s.version;
	m_payload_mask = (uint64_t(1) << s.payload_width) - 1;
	m_max_program_words = s.max_program_words;
	m_masks = s.to_chip_payload_masks;
	m_ops.assign(size_t(1) << s.opcode_width, Op::unknown);

	std::pair<char const*, Op> const to_chip[] = {
	    {"TIMER_RESET", Op::timer_reset},
	    {"WAIT_UNTIL", Op::wait_until},
	    {"BARRIER", Op::barrier},
	    {"OMNIBUS_ADDRESS", Op::omnibus_address},
	    {"OMNIBUS_DATA", Op::omnibus_data},
	    {"SPIKE_PACK_1", Op::spike_pack_1},
	    {"SPIKE_PACK_2", Op::spike_pack_2},
	    {"SPIKE_PACK_3", Op::spike_pack_3},
	    {"SYSTIME_INIT", Op::systime_init},
	    {"LOOPBACK", Op::loopback},
	    {"RESET", Op::reset},
	};
	for (auto const& [name, op] : to_chip) {
		uint32_t const code = opcode(s, name);
		if (m_ops[code] != Op::unknown)
			fail(std::string("duplicate opcode for ") + name);
		m_ops[code] = op;
	}

	wait_time = bits(s, "WAIT_UNTIL.time");
	addr_address = bits(s, "OMNIBUS_ADDRESS.address");
	addr_is_read = bits(s, "OMNIBUS_ADDRESS.is_read");
	addr_byte_enables = bits(s, "OMNIBUS_ADDRESS.byte_enables");
	data_word = bits(s, "OMNIBUS_DATA.word");
	systime_reset = bits(s, "SYSTIME_INIT.reset");
	loopback_halt = bits(s, "LOOPBACK.halt");
	reset_level = bits(s, "RESET.level");
	for (int n = 1; n <= 3; ++n)
		for (int k = 0; k < n; ++k) {
			Bits const b =
			    bits(s, "SPIKE_PACK_" + std::to_string(n) + ".label" + std::to_string(k));
			if (b.mask != 0xffff)
				fail("spike labels must be 16 bit");
			pack_labels[size_t(n - 1)].push_back(b);
		}
	if (wait_time.mask > 0xffffffffu || addr_address.mask > 0xffffffffu ||
	    data_word.mask != 0xffffffffu || addr_byte_enables.mask != 0xf)
		fail("unexpected omnibus/timer field widths");

	auto header = [&](char const* name) {
		return (uint64_t(opcode(s, name)) << s.opcode_lsb) | (uint64_t(s.version) << s.version_lsb);
	};
	h_read_data = header("OMNIBUS_READ_DATA");
	h_systime = header("SYSTIME");
	h_spike = header("SPIKE");
	h_madc = header("MADC_SAMPLE");
	h_loopback = header("LOOPBACK_ECHO");
	h_error = header("ERROR");
	read_word = bits(s, "OMNIBUS_READ_DATA.word");
	systime_time = bits(s, "SYSTIME.time");
	spike_label = bits(s, "SPIKE.label");
	spike_timestamp = bits(s, "SPIKE.timestamp");
	madc_value = bits(s, "MADC_SAMPLE.value");
	madc_channel = bits(s, "MADC_SAMPLE.channel");
	madc_timestamp = bits(s, "MADC_SAMPLE.timestamp");
	echo_halt = bits(s, "LOOPBACK_ECHO.halt");
	error_code_bits = bits(s, "ERROR.code");
	error_argument = bits(s, "ERROR.argument");

	std::pair<char const*, Error> const errors[] = {
	    {"MALFORMED_WORD", Error::malformed_word},
	    {"UNKNOWN_OPCODE", Error::unknown_opcode},
	    {"UNMAPPED_ADDRESS", Error::unmapped_address},
	    {"WRITE_TO_READ_ONLY", Error::write_to_read_only},
	    {"READ_OF_WRITE_ONLY", Error::read_of_write_only},
	    {"DATA_WITHOUT_ADDRESS", Error::data_without_address},
	    {"ADDRESS_WITHOUT_DATA", Error::address_without_data},
	    {"PROGRAM_TOO_LONG", Error::program_too_long},
	    {"INTERNAL", Error::internal},
	};
	for (auto const& [name, e] : errors) {
		auto it = s.error_codes.find(name);
		if (it == s.error_codes.end())
			fail(std::string("the emulator needs error code ") + name);
		m_error_codes[size_t(e)] = it->second;
	}
}

} // namespace hxsim
