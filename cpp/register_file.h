// The register file (one 32-bit word per slot) and ConfigView, the read-only,
// field-level window the analog core decodes its configuration through.
#pragma once

#include "regmap.h"

#include <cstdint>
#include <vector>

namespace hxsim {

class RegisterFile
{
public:
	explicit RegisterFile(RegisterMap const& map) :
	    m_map(map), m_words(map.defaults()), m_versions(map.num_registers(), 0)
	{}

	// Back to the reset state (all registers at their defaults).
	void reset()
	{
		m_words = m_map.defaults();
		for (auto& v : m_versions)
			++v;
		++m_writes;
	}

	uint32_t word(uint32_t slot) const { return m_words[slot]; }

	void set(uint32_t slot, uint32_t value)
	{
		m_words[slot] = value;
		++m_versions[m_map.reg_of_slot(slot)];
		++m_writes;
	}

	// Bumped on every write to a register: lets a core cache decoded parameters.
	uint64_t version(RegisterId reg) const { return m_versions[reg]; }
	// Bumped on every write to any register (and at a reset).
	uint64_t writes() const { return m_writes; }

	RegisterMap const& map() const { return m_map; }
	uint32_t const* data() const { return m_words.data(); }

private:
	RegisterMap const& m_map;
	std::vector<uint32_t> m_words;
	std::vector<uint64_t> m_versions;
	uint64_t m_writes = 0;
};

// Field accessor with everything resolved, for hot paths (single-word lanes).
struct FieldRef
{
	uint32_t first_slot = 0;
	uint32_t words = 0;
	uint32_t mask = 0;
	bool is_signed = false;
	uint32_t width = 0;
	std::vector<FieldLane> lanes;

	FieldRef() = default;
	FieldRef(RegisterMap const& map, FieldId id)
	{
		FieldInfo const& f = map.field(id);
		RegisterInfo const& r = map.reg(f.reg);
		first_slot = r.first_slot;
		words = r.words;
		mask = f.mask;
		width = f.width;
		is_signed = f.is_signed;
		lanes = f.lanes;
	}

	uint32_t raw(uint32_t const* file, uint32_t instance, uint32_t lane = 0) const
	{
		FieldLane const& l = lanes[lane];
		return (file[first_slot + instance * words + l.word] >> l.shift) & mask;
	}

	int64_t value(uint32_t const* file, uint32_t instance, uint32_t lane = 0) const
	{
		uint32_t const v = raw(file, instance, lane);
		if (is_signed && (v >> (width - 1)) & 1u)
			return int64_t(v) - (int64_t(1) << width);
		return int64_t(v);
	}

	// `word` with this field's lane set to `value` (other bits kept).
	uint32_t put(uint32_t word, uint32_t value, uint32_t lane = 0) const
	{
		FieldLane const& l = lanes[lane];
		return (word & ~(mask << l.shift)) | ((value & mask) << l.shift);
	}
};

// What an AnalogCore may see of the configuration: field values by id,
// resolved from names once (map().field_id("NeuronConfig.enable_fire")).
class ConfigView
{
public:
	explicit ConfigView(RegisterFile const& file) : m_file(file) {}

	RegisterMap const& map() const { return m_file.map(); }

	// Number of instances of the field's register and of lanes of the field.
	uint32_t instances(FieldId f) const { return map().reg(map().field(f).reg).size; }
	uint32_t lanes(FieldId f) const { return map().field(f).count; }

	// One value (sign-extended for signed fields).
	int64_t get(FieldId f, uint32_t instance, uint32_t lane = 0) const
	{
		FieldInfo const& fi = map().field(f);
		RegisterInfo const& r = map().reg(fi.reg);
		FieldLane const& l = fi.lanes[lane];
		uint32_t const v = (m_file.word(r.slot(instance, l.word)) >> l.shift) & fi.mask;
		if (fi.is_signed && (v >> (fi.width - 1)) & 1u)
			return int64_t(v) - (int64_t(1) << fi.width);
		return int64_t(v);
	}

	// One lane of the field for all instances: out[instances(f)].
	template <typename T>
	void get_all(FieldId f, uint32_t lane, T* out) const
	{
		FieldInfo const& fi = map().field(f);
		RegisterInfo const& r = map().reg(fi.reg);
		FieldLane const& l = fi.lanes[lane];
		uint32_t const* p = m_file.data() + r.first_slot + l.word;
		for (uint32_t i = 0; i < r.size; ++i, p += r.words) {
			uint32_t const v = (*p >> l.shift) & fi.mask;
			if (fi.is_signed && (v >> (fi.width - 1)) & 1u)
				out[i] = T(int64_t(v) - (int64_t(1) << fi.width));
			else
				out[i] = T(v);
		}
	}

	// All lanes of all instances, instance-major: out[instances(f) * lanes(f)].
	template <typename T>
	void get_all_lanes(FieldId f, T* out) const
	{
		uint32_t const n = instances(f), c = lanes(f);
		std::vector<T> tmp(n);
		for (uint32_t k = 0; k < c; ++k) {
			get_all(f, k, tmp.data());
			for (uint32_t i = 0; i < n; ++i)
				out[size_t(i) * c + k] = tmp[i];
		}
	}

	// Changes whenever the register is written (cache invalidation).
	uint64_t version(RegisterId reg) const { return m_file.version(reg); }
	// Changes whenever any register is written.
	uint64_t writes() const { return m_file.writes(); }

	// Raw words of one register, instance-major (words per instance = reg(id).words).
	uint32_t const* words(RegisterId reg) const
	{
		return m_file.data() + map().reg(reg).first_slot;
	}

private:
	RegisterFile const& m_file;
};

} // namespace hxsim
