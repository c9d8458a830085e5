// The register map as the emulator sees it: loaded at start from the numeric
// tables of haldls.tables.flat_register_map(), never hard-coded here.
//
// Every word of every instance of every register gets a *slot*. Slots are laid
// out register after register, instance after instance (enum order), so the
// words of one register form one contiguous block: a field of all 512 neurons
// is a strided walk over one array. Address -> slot goes through a two-level
// page table (O(1), two loads; see RegisterMap::slot).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace hxsim {

enum class Access : uint8_t
{
	ReadWrite = 0, // reads back what was written
	ReadOnly = 1,  // answered from emulator state; writes are errors
	Trigger = 2,   // a write causes an action; reads are errors
};

using RegisterId = uint32_t;
using FieldId = uint32_t;

struct RegisterInfo
{
	std::string name;
	uint32_t base = 0;
	uint32_t words = 0; // words per instance
	Access access = Access::ReadWrite;
	std::vector<uint32_t> radices; // mixed-radix digits of the enum, outermost first
	std::vector<uint32_t> strides; // address stride of each digit
	uint32_t size = 0;             // number of instances
	uint32_t first_slot = 0;       // slot of (instance 0, word 0)

	uint32_t slot(uint32_t instance, uint32_t word) const
	{
		return first_slot + instance * words + word;
	}
};

struct FieldLane
{
	uint32_t word;
	uint32_t shift;
};

struct FieldInfo
{
	std::string name; // "Register.field"
	RegisterId reg = 0;
	uint32_t width = 0;
	uint32_t count = 0; // lanes
	bool is_signed = false;
	uint32_t mask = 0; // (1 << width) - 1
	std::vector<FieldLane> lanes;
};

// The raw tables of flat_register_map(), copied out of Python.
struct RegisterMapTables
{
	std::vector<std::string> names;
	std::vector<int64_t>
	    registers; // rows of row_width: base, words, access, n, radices.., strides..
	size_t row_width = 0;
	std::vector<uint32_t> defaults;       // words of one default instance per register
	std::vector<int64_t> default_offsets; // per register, into defaults
	std::vector<std::string> field_names;
	std::vector<int64_t> fields; // rows of 6: reg, width, count, signed, first lane, kind
	std::vector<int64_t> lanes;  // rows of 2: word, shift
};

class RegisterMap
{
public:
	static constexpr int32_t unmapped = -1;

	// Throws std::invalid_argument on inconsistent tables (overlapping
	// addresses, fields outside their word, ...): fail at load, not later.
	explicit RegisterMap(RegisterMapTables const& tables);

	RegisterId register_id(std::string const& name) const;
	FieldId field_id(std::string const& name) const; // "Register.field"
	bool has_register(std::string const& name) const { return m_reg_by_name.count(name) != 0; }
	bool has_field(std::string const& name) const { return m_field_by_name.count(name) != 0; }

	RegisterInfo const& reg(RegisterId id) const { return m_registers[id]; }
	FieldInfo const& field(FieldId id) const { return m_fields[id]; }
	size_t num_registers() const { return m_registers.size(); }
	size_t num_fields() const { return m_fields.size(); }
	size_t num_slots() const { return m_slot_reg.size(); }

	// Slot of an omnibus address, or `unmapped`.
	int32_t slot(uint32_t address) const
	{
		uint32_t const page = m_top[address >> page_bits];
		return m_pages[(size_t(page) << page_bits) | (address & page_mask)];
	}
	RegisterId reg_of_slot(uint32_t slot) const { return m_slot_reg[slot]; }

	// Reset content of the whole register file (one entry per slot).
	std::vector<uint32_t> const& defaults() const { return m_defaults; }

	// Address of (register, instance, word), by the mixed-radix rule.
	uint32_t address(RegisterId id, uint32_t instance, uint32_t word) const;

private:
	static constexpr unsigned page_bits = 12;
	static constexpr uint32_t page_mask = (1u << page_bits) - 1;

	std::vector<RegisterInfo> m_registers;
	std::vector<FieldInfo> m_fields;
	std::unordered_map<std::string, RegisterId> m_reg_by_name;
	std::unordered_map<std::string, FieldId> m_field_by_name;
	std::vector<uint16_t> m_slot_reg;
	std::vector<uint32_t> m_defaults;
	std::vector<uint16_t> m_top;  // address >> page_bits -> page; page 0 = all unmapped
	std::vector<int32_t> m_pages; // page << page_bits | offset -> slot
};

} // namespace hxsim
