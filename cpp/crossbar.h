// The event-routing crossbar: 20 inputs, 12 outputs, only the existing nodes
// (76 on HX v3, given by halco at load time). A node passes an event iff
// (label[13:0] & mask) == target. Counters live here; their register words
// are composed on read from the map's field layout.
#pragma once

#include "register_file.h"

#include <cstdint>
#include <vector>

namespace hxsim {

// Spike label layout (halco SpikeLabel): bits 15..14 = SPL1 address (which
// L2 link / crossbar L2 input), bits 13..0 = NeuronLabel (what nodes match).
constexpr uint32_t spike_label_spl1_shift = 14;
constexpr uint32_t neuron_label_mask = 0x3fff;

struct CrossbarNode
{
	uint32_t input;
	uint32_t output;
};

class Crossbar
{
public:
	// `nodes` in CrossbarNode register instance order. Throws
	// std::invalid_argument if the map and the node table disagree.
	Crossbar(RegisterMap const& map, std::vector<CrossbarNode> nodes);

	uint32_t num_inputs() const { return uint32_t(m_by_input.size()); }
	uint32_t num_outputs() const { return m_num_outputs; }
	std::vector<CrossbarNode> const& nodes() const { return m_nodes; }

	// Route one event; calls on_output(output) for every passing node in node
	// order and updates the counters. Returns the number of outputs reached.
	template <typename F>
	uint32_t route(uint32_t const* file, uint32_t input, uint32_t label14, F&& on_output)
	{
		uint32_t passed = 0;
		bool drop_counted = false;
		for (NodeRef const& n : m_by_input[input]) {
			uint32_t const w = file[n.slot];
			uint32_t const mask = (w >> m_mask_shift) & m_mask_bits;
			uint32_t const target = (w >> m_target_shift) & m_target_bits;
			drop_counted |= ((w >> m_drop_shift) & 1u) != 0;
			if ((label14 & mask) == target) {
				++passed;
				OutputRef const& o = m_outputs[n.output];
				if ((file[o.enable_slot] >> o.enable_shift) & 1u)
					m_out_counts[n.output] = (m_out_counts[n.output] + 1) & m_out_value.mask;
				on_output(n.output);
			}
		}
		if (passed == 0 && drop_counted)
			m_drop_counts[input] = (m_drop_counts[input] + 1) & m_drop_value.mask;
		return passed;
	}

	void clear_counters();
	uint32_t drop_counter_word(uint32_t input) const
	{
		return m_drop_value.put(0, m_drop_counts[input]);
	}
	uint32_t output_counter_word(uint32_t output) const
	{
		return m_out_value.put(0, m_out_counts[output]);
	}

	RegisterId drop_counter_register() const { return m_drop_reg; }
	RegisterId output_counter_register() const { return m_out_reg; }

private:
	// Hot-path copies of the field layout (resolved from the map at load).
	struct NodeRef
	{
		uint32_t slot; // the node's CrossbarNode word
		uint32_t output;
	};
	struct OutputRef
	{
		uint32_t enable_slot; // CrossbarOutputConfig word holding enable_event_counter[o]
		uint32_t enable_shift;
	};

	std::vector<CrossbarNode> m_nodes;
	std::vector<std::vector<NodeRef>> m_by_input;
	std::vector<OutputRef> m_outputs;
	uint32_t m_num_outputs = 0;
	uint32_t m_mask_shift = 0, m_mask_bits = 0, m_target_shift = 0, m_target_bits = 0,
	         m_drop_shift = 0;
	FieldRef m_drop_value, m_out_value;
	RegisterId m_drop_reg = 0, m_out_reg = 0;
	std::vector<uint32_t> m_drop_counts, m_out_counts;
};

} // namespace hxsim
