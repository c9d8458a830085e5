// The hxcomm word format, loaded from hxcomm.instructions at construction
// (opcodes, payload masks, field positions, error codes), so the instruction
// table exists once, in Python.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hxsim {

struct WireSpec
{
	uint32_t opcode_lsb = 0;
	uint32_t opcode_width = 0;
	uint32_t version_lsb = 0;
	uint32_t version_width = 0;
	uint32_t version = 0;
	uint32_t payload_width = 0;
	uint64_t max_program_words = 0;
	std::unordered_map<std::string, uint32_t> opcodes; // both directions
	std::vector<uint64_t> to_chip_payload_masks;       // by opcode
	// "NAME.field" -> (lsb, width)
	std::unordered_map<std::string, std::pair<uint32_t, uint32_t>> fields;
	std::unordered_map<std::string, uint32_t> error_codes; // ErrorCode name -> value
};

// One payload field.
struct Bits
{
	uint32_t lsb = 0;
	uint64_t mask = 0; // unshifted

	uint64_t get(uint64_t payload) const { return (payload >> lsb) & mask; }
	uint64_t put(uint64_t value) const { return (value & mask) << lsb; }
};

enum class Op : uint8_t
{
	unknown = 0,
	timer_reset,
	wait_until,
	barrier,
	omnibus_address,
	omnibus_data,
	spike_pack_1,
	spike_pack_2,
	spike_pack_3,
	systime_init,
	loopback,
	reset,
};

enum class Error : uint8_t
{
	malformed_word,
	unknown_opcode,
	unmapped_address,
	write_to_read_only,
	read_of_write_only,
	data_without_address,
	address_without_data,
	program_too_long,
	internal,
	count_
};

class Wire
{
public:
	// Throws std::invalid_argument if something the executor needs is missing.
	explicit Wire(WireSpec const& spec);

	// Classify a to-chip word. Returns false (and the error) for a malformed
	// word or an unknown opcode.
	bool decode(uint64_t word, Op& op, uint64_t& payload, Error& error) const
	{
		if (word >> m_comma_bit) {
			error = Error::malformed_word;
			return false;
		}
		uint32_t const opcode = uint32_t(word >> m_opcode_lsb) & m_opcode_mask;
		op = m_ops[opcode];
		if (op == Op::unknown) {
			error = Error::unknown_opcode;
			return false;
		}
		payload = word & m_payload_mask;
		if (((word >> m_version_lsb) & m_version_mask) != m_version ||
		    (payload & ~m_masks[opcode]) != 0) {
			error = Error::malformed_word;
			return false;
		}
		return true;
	}

	// A from-chip word with the given header.
	uint64_t word(uint64_t header, uint64_t payload) const { return header | payload; }

	uint32_t error_code(Error e) const { return m_error_codes[size_t(e)]; }
	uint64_t max_program_words() const { return m_max_program_words; }

	// To-chip fields.
	Bits wait_time, addr_address, addr_is_read, addr_byte_enables, data_word, systime_reset,
	    loopback_halt, reset_level;
	// Label fields of SPIKE_PACK_1/2/3 (index = pack size - 1).
	std::array<std::vector<Bits>, 3> pack_labels;

	// From-chip headers (opcode and version) and fields.
	uint64_t h_read_data = 0, h_systime = 0, h_spike = 0, h_madc = 0, h_loopback = 0, h_error = 0;
	Bits read_word, systime_time, spike_label, spike_timestamp, madc_value, madc_channel,
	    madc_timestamp, echo_halt, error_code_bits, error_argument;

private:
	uint32_t m_comma_bit = 63, m_opcode_lsb = 0, m_opcode_mask = 0;
	uint32_t m_version_lsb = 0, m_version_mask = 0, m_version = 0;
	uint64_t m_payload_mask = 0;
	uint64_t m_max_program_words = 0;
	std::vector<Op> m_ops;
	std::vector<uint64_t> m_masks;
	std::array<uint32_t, size_t(Error::count_)> m_error_codes{};
};

} // namespace hxsim
