#include "regmap.h"

#include <limits>
#include <sstream>
#include <stdexcept>

namespace hxsim {

namespace {

[[noreturn]] void fail(std::string const& what)
{
	throw std::invalid_argument("register map: " + what);
}

std::string hex(uint64_t v)
{
	std::ostringstream s;
	s << "0x" << std::hex << v;
	return s.str();
}

} // namespace

RegisterMap::RegisterMap(RegisterMapTables const& t)
{
	size_t const n = t.names.size();
	size_t const rw = t.row_width;
	if (rw < 4 || (rw - 4) % 2 != 0)
		fail("bad register row width " + std::to_string(rw));
	size_t const max_radices = (rw - 4) / 2;
	if (t.registers.size() != n * rw)
		fail("register table size does not match the names");
	if (t.default_offsets.size() != n)
		fail("default_offsets size does not match the names");
	if (n >= std::numeric_limits<uint16_t>::max())
		fail("too many registers");

	uint64_t slots = 0;
	m_registers.reserve(n);
	for (size_t i = 0; i < n; ++i) {
		int64_t const* row = &t.registers[i * rw];
		RegisterInfo r;
		r.name = t.names[i];
		if (row[0] < 0 || row[0] > int64_t(UINT32_MAX))
			fail(r.name + ": base out of range");
		if (row[1] < 1 || row[1] > 1024)
			fail(r.name + ": bad word count");
		if (row[2] < 0 || row[2] > 2)
			fail(r.name + ": bad access kind");
		if (row[3] < 0 || size_t(row[3]) > max_radices)
			fail(r.name + ": bad number of radices");
		r.base = uint32_t(row[0]);
		r.words = uint32_t(row[1]);
		r.access = Access(row[2]);
		uint64_t size = 1;
		uint64_t last = uint64_t(r.base) + r.words - 1;
		for (int64_t k = 0; k < row[3]; ++k) {
			int64_t const radix = row[4 + k];
			int64_t const stride = row[4 + max_radices + k];
			if (radix < 1 || radix > (1 << 24) || stride < 0 || stride > int64_t(UINT32_MAX))
				fail(r.name + ": bad radix/stride");
			r.radices.push_back(uint32_t(radix));
			r.strides.push_back(uint32_t(stride));
			size *= uint64_t(radix);
			last += uint64_t(radix - 1) * uint64_t(stride);
		}
		if (size * r.words > (1u << 26))
			fail(r.name + ": too many words");
		if (last > UINT32_MAX)
			fail(r.name + ": addresses beyond 32 bit");
		r.size = uint32_t(size);
		r.first_slot = uint32_t(slots);
		slots += size * r.words;
		if (t.default_offsets[i] < 0 || size_t(t.default_offsets[i]) + r.words > t.defaults.size())
			fail(r.name + ": defaults out of range");
		if (!m_reg_by_name.emplace(r.name, RegisterId(i)).second)
			fail("duplicate register name " + r.name);
		m_registers.push_back(std::move(r));
	}
	if (slots > (1u << 28))
		fail("register file too large");

	// Slots, defaults and the page table.
	m_slot_reg.resize(slots);
	m_defaults.resize(slots);
	m_top.assign(size_t(1) << (32 - page_bits), 0);
	m_pages.assign(size_t(1) << page_bits, unmapped); // page 0: nothing mapped
	for (size_t i = 0; i < n; ++i) {
		RegisterInfo const& r = m_registers[i];
		uint32_t const* def = &t.defaults[size_t(t.default_offsets[i])];
		for (uint32_t e = 0; e < r.size; ++e) {
			uint32_t const a0 = address(RegisterId(i), e, 0);
			for (uint32_t w = 0; w < r.words; ++w) {
				uint32_t const s = r.slot(e, w);
				m_slot_reg[s] = uint16_t(i);
				m_defaults[s] = def[w];
				uint32_t const a = a0 + w;
				uint16_t& page = m_top[a >> page_bits];
				if (page == 0) {
					if (m_pages.size() >> page_bits >= std::numeric_limits<uint16_t>::max())
						fail("too many address pages");
					page = uint16_t(m_pages.size() >> page_bits);
					m_pages.resize(m_pages.size() + (size_t(1) << page_bits), unmapped);
				}
				int32_t& entry = m_pages[(size_t(page) << page_bits) | (a & page_mask)];
				if (entry != unmapped)
					fail(
					    "address " + hex(a) + " of " + r.name + " is already used by " +
					    m_registers[m_slot_reg[uint32_t(entry)]].name);
				entry = int32_t(s);
			}
		}
	}

	// Fields.
	size_t const m = t.field_names.size();
	if (t.fields.size() != m * 6)
		fail("field table size does not match the field names");
	if (t.lanes.size() % 2 != 0)
		fail("bad lane table");
	size_t const num_lanes = t.lanes.size() / 2;
	m_fields.reserve(m);
	for (size_t i = 0; i < m; ++i) {
		int64_t const* row = &t.fields[i * 6];
		FieldInfo f;
		f.name = t.field_names[i];
		if (row[0] < 0 || size_t(row[0]) >= n)
			fail(f.name + ": bad register id");
		if (row[1] < 1 || row[1] > 32)
			fail(f.name + ": width must be 1..32");
		if (row[2] < 1 || row[4] < 0 || size_t(row[4] + row[2]) > num_lanes)
			fail(f.name + ": bad lanes");
		f.reg = RegisterId(row[0]);
		f.width = uint32_t(row[1]);
		f.count = uint32_t(row[2]);
		f.is_signed = row[3] != 0;
		f.mask = f.width == 32 ? 0xffffffffu : ((1u << f.width) - 1);
		RegisterInfo const& r = m_registers[f.reg];
		for (uint32_t k = 0; k < f.count; ++k) {
			int64_t const word = t.lanes[size_t(row[4] + k) * 2];
			int64_t const shift = t.lanes[size_t(row[4] + k) * 2 + 1];
			if (word < 0 || word >= int64_t(r.words) || shift < 0 || shift + f.width > 32)
				fail(f.name + ": lane outside its register word");
			f.lanes.push_back({uint32_t(word), uint32_t(shift)});
		}
		if (!m_field_by_name.emplace(f.name, FieldId(i)).second)
			fail("duplicate field name " + f.name);
		m_fields.push_back(std::move(f));
	}
}

RegisterId RegisterMap::register_id(std::string const& name) const
{
	auto it = m_reg_by_name.find(name);
	if (it == m_reg_by_name.end())
		fail("the emulator needs register " + name + ", which the map does not define");
	return it->second;
}

FieldId RegisterMap::field_id(std::string const& name) const
{
	auto it = m_field_by_name.find(name);
	if (it == m_field_by_name.end())
		fail("the emulator needs field " + name + ", which the map does not define");
	return it->second;
}

uint32_t RegisterMap::address(RegisterId id, uint32_t instance, uint32_t word) const
{
	RegisterInfo const& r = m_registers[id];
	uint64_t a = r.base;
	uint32_t rest = instance;
	for (size_t k = r.radices.size(); k-- > 0;) {
		a += uint64_t(rest % r.radices[k]) * r.strides[k];
		rest /= r.radices[k];
	}
	return uint32_t(a + word);
}

} // namespace hxsim
