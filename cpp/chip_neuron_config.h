// The NeuronConfig fields the analog core reads, listed once: an index per
// field, its register-map name, and the decoded values of every NeuronConfig
// instance. The neuron, multi-compartment and readout decoders all read them
// through this one table.
#pragma once

#include "register_file.h"
#include "regmap.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hxsim {

struct NeuronConfigFields
{
	enum Index
	{
		leak_div,
		leak_mul,
		inh_coba,
		exc_coba,
		invert_b,
		invert_a,
		adapt,
		expo,
		inh_small_cap,
		exc_small_cap,
		inh_high_res,
		exc_high_res,
		mem_offset,
		cap_size,
		invert_offset,
		fire,
		threshold,
		syn_inh,
		syn_exc,
		bypass_inh,
		bypass_exc,
		soma_right,
		bottom,
		mc_cond,
		membrane_right,
		soma,
		mc_mul,
		mc_div,
		enable_readout,
		readout_source,
		count
	};

	// register-map names, in the order of Index
	static constexpr char const* names[count] = {
	    "NeuronConfig.enable_leak_division",
	    "NeuronConfig.enable_leak_multiplication",
	    "NeuronConfig.enable_synaptic_input_inhibitory_coba_mode",
	    "NeuronConfig.enable_synaptic_input_excitatory_coba_mode",
	    "NeuronConfig.invert_adaptation_b",
	    "NeuronConfig.invert_adaptation_a",
	    "NeuronConfig.enable_adaptation",
	    "NeuronConfig.enable_exponential",
	    "NeuronConfig.enable_synaptic_input_inhibitory_small_capacitance",
	    "NeuronConfig.enable_synaptic_input_excitatory_small_capacitance",
	    "NeuronConfig.enable_synaptic_input_inhibitory_high_resistance",
	    "NeuronConfig.enable_synaptic_input_excitatory_high_resistance",
	    "NeuronConfig.enable_membrane_offset",
	    "NeuronConfig.membrane_capacitor_size",
	    "NeuronConfig.invert_membrane_offset",
	    "NeuronConfig.enable_fire",
	    "NeuronConfig.enable_threshold_comparator",
	    "NeuronConfig.enable_synaptic_input_inhibitory",
	    "NeuronConfig.enable_synaptic_input_excitatory",
	    "NeuronConfig.enable_bypass_inhibitory",
	    "NeuronConfig.enable_bypass_excitatory",
	    "NeuronConfig.connect_soma_right",
	    "NeuronConfig.connect_bottom",
	    "NeuronConfig.enable_multicomp_conductance",
	    "NeuronConfig.connect_membrane_right",
	    "NeuronConfig.connect_soma",
	    "NeuronConfig.enable_multicomp_conductance_multiplication",
	    "NeuronConfig.enable_multicomp_conductance_division",
	    "NeuronConfig.enable_readout",
	    "NeuronConfig.readout_source",
	};

	FieldId id[count] = {};

	void resolve(RegisterMap const& map)
	{
		for (int i = 0; i < count; ++i)
			id[i] = map.field_id(names[i]);
	}
};

// Every NeuronConfig field of every instance, read at once.
struct NeuronConfigTable
{
	std::vector<int64_t> values[NeuronConfigFields::count];

	void read(ConfigView const& v, NeuronConfigFields const& f)
	{
		for (int i = 0; i < NeuronConfigFields::count; ++i) {
			values[i].resize(v.instances(f.id[i]));
			v.get_all(f.id[i], 0, values[i].data());
		}
	}
	int64_t get(NeuronConfigFields::Index field, uint32_t instance) const
	{
		return values[field][instance];
	}
	bool on(NeuronConfigFields::Index field, uint32_t instance) const
	{
		return values[field][instance] != 0;
	}
};

} // namespace hxsim
