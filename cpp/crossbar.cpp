#include "crossbar.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace hxsim {

namespace {

[[noreturn]] void fail(std::string const& what)
{
	throw std::invalid_argument("crossbar: " + what);
}

} // namespace

Crossbar::Crossbar(RegisterMap const& map, std::vector<CrossbarNode> nodes) :
    m_nodes(std::move(nodes))
{
	RegisterId const node_reg = map.register_id("CrossbarNode");
	if (map.reg(node_reg).size != m_nodes.size() || map.reg(node_reg).words != 1)
		fail(
		    "the node table has " + std::to_string(m_nodes.size()) +
		    " nodes, the CrossbarNode register " + std::to_string(map.reg(node_reg).size));
	m_drop_reg = map.register_id("CrossbarInputDropCounter");
	m_out_reg = map.register_id("CrossbarOutputEventCounter");
	uint32_t const inputs = map.reg(m_drop_reg).size;
	m_num_outputs = map.reg(m_out_reg).size;

	FieldRef const mask(map, map.field_id("CrossbarNode.mask"));
	FieldRef const target(map, map.field_id("CrossbarNode.target"));
	FieldRef const drop(map, map.field_id("CrossbarNode.enable_drop_counter"));
	FieldId const enable_id = map.field_id("CrossbarOutputConfig.enable_event_counter");
	FieldRef const enable(map, enable_id);
	m_drop_value = FieldRef(map, map.field_id("CrossbarInputDropCounter.value"));
	m_out_value = FieldRef(map, map.field_id("CrossbarOutputEventCounter.value"));
	if (drop.width != 1 || enable.width != 1)
		fail("enable bits must be 1 bit wide");
	if (enable.lanes.size() < m_num_outputs)
		fail("enable_event_counter has fewer lanes than there are outputs");
	if (map.reg(map.field(enable_id).reg).size != 1)
		fail("CrossbarOutputConfig must be a single register");
	m_mask_shift = mask.lanes[0].shift;
	m_mask_bits = mask.mask;
	m_target_shift = target.lanes[0].shift;
	m_target_bits = target.mask;
	m_drop_shift = drop.lanes[0].shift;
	for (uint32_t o = 0; o < m_num_outputs; ++o)
		m_outputs.push_back({enable.first_slot + enable.lanes[o].word, enable.lanes[o].shift});

	m_by_input.assign(inputs, {});
	for (uint32_t n = 0; n < m_nodes.size(); ++n) {
		if (m_nodes[n].input >= inputs || m_nodes[n].output >= m_num_outputs)
			fail(
			    "node " + std::to_string(n) + " outside the " + std::to_string(inputs) + "x" +
			    std::to_string(m_num_outputs) + " grid");
		m_by_input[m_nodes[n].input].push_back({map.reg(node_reg).slot(n, 0), m_nodes[n].output});
	}
	m_drop_counts.assign(inputs, 0);
	m_out_counts.assign(m_num_outputs, 0);
}

void Crossbar::clear_counters()
{
	std::fill(m_drop_counts.begin(), m_drop_counts.end(), 0);
	std::fill(m_out_counts.begin(), m_out_counts.end(), 0);
}

} // namespace hxsim
