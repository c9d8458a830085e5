// grenade._routing: the router's greedy distribution of external sources over PADI buses
// (grenade/routing.py, _Router.distribute_external): one pass over the (hemisphere, source)
// runs, each placed on the bus whose label groups grow least; in C++ because it is a per-source
// loop on the routing path. A module of its own: grenade does not import the emulator (hxsim).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace py = pybind11;

namespace {

constexpr int64_t kBuses = 4;
constexpr int64_t kColumns = 256;

template <typename T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

int64_t ceil_half(int64_t x)
{
	return (x + 1) / 2;
}

carray<int64_t> int_array(py::handle obj, char const* what, int64_t size)
{
	auto a = carray<int64_t>::ensure(obj);
	if (!a)
		throw py::type_error(std::string(what) + ": expected an integer array");
	if (size >= 0 && a.size() != size)
		throw py::value_error(
		    std::string(what) + ": expected " + std::to_string(size) + " values, got " +
		    std::to_string(a.size()));
	return a;
}

// One open label group per (hemisphere, bus): its in-degree per (receptor, column), its rows per
// receptor and its number of sources.
struct OpenGroup
{
	std::array<int64_t, 2 * kColumns> indegree{};
	std::array<int64_t, 2> rows{};
	int64_t count = 0;
	int64_t group = -1;
};

py::dict distribute_sources(
    py::handle starts_obj,
    py::handle hemisphere_obj,
    py::handle receptor_obj,
    py::handle column_obj,
    py::handle synapses_obj,
    py::handle closed_rows_obj,
    py::handle closed_drivers_obj,
    int64_t rows_per_bus,
    int64_t drivers_per_bus,
    int64_t sources_per_group)
{
	auto starts_a = int_array(starts_obj, "starts", -1);
	int64_t const runs = starts_a.size();
	auto hemisphere_a = int_array(hemisphere_obj, "hemisphere", -1);
	int64_t const n = hemisphere_a.size();
	auto receptor_a = int_array(receptor_obj, "receptor", n);
	auto column_a = int_array(column_obj, "column", n);
	auto synapses_a = int_array(synapses_obj, "synapses", n);
	auto closed_rows_a = int_array(closed_rows_obj, "closed_rows", 2 * kBuses);
	auto closed_drivers_a = int_array(closed_drivers_obj, "closed_drivers", 2 * kBuses);
	int64_t const* starts = starts_a.data();
	int64_t const* hs = hemisphere_a.data();
	int64_t const* rec = receptor_a.data();
	int64_t const* col = column_a.data();
	int64_t const* nsyn = synapses_a.data();
	for (int64_t i = 0; i < n; ++i) {
		if (hs[i] < 0 || hs[i] > 1 || rec[i] < 0 || rec[i] > 1 || col[i] < 0 || col[i] >= kColumns)
			throw py::value_error(
			    "connection " + std::to_string(i) + ": hemisphere " + std::to_string(hs[i]) +
			    ", receptor " + std::to_string(rec[i]) + ", column " + std::to_string(col[i]) +
			    " out of range (0..1, 0..1, 0..255)");
	}
	for (int64_t s = 0; s < runs; ++s) {
		int64_t const end = s + 1 < runs ? starts[s + 1] : n;
		if (starts[s] < 0 || starts[s] >= end || end > n)
			throw py::value_error("starts: run " + std::to_string(s) + " is empty or out of order");
	}

	std::array<int64_t, 2 * kBuses> closed_rows, closed_drivers;
	std::copy(closed_rows_a.data(), closed_rows_a.data() + 2 * kBuses, closed_rows.begin());
	std::copy(
	    closed_drivers_a.data(), closed_drivers_a.data() + 2 * kBuses, closed_drivers.begin());
	std::vector<OpenGroup> open(2 * kBuses);

	carray<int64_t> bus_out(runs), group_out(runs), label_out(runs);
	int64_t* bus_of = bus_out.mutable_data();
	int64_t* group_of = group_out.mutable_data();
	int64_t* label_of = label_out.mutable_data();
	std::vector<int64_t> group_hemisphere, group_bus;
	std::vector<int64_t> scratch;
	int64_t failed = -1;

	for (int64_t s = 0; s < runs; ++s) {
		int64_t const begin = starts[s];
		int64_t const end = s + 1 < runs ? starts[s + 1] : n;
		int64_t const h = hs[begin];
		// per receptor: present, largest synapse count of one connection
		std::array<bool, 2> present{false, false};
		std::array<int64_t, 2> largest{0, 0};
		for (int64_t i = begin; i < end; ++i) {
			present[rec[i]] = true;
			largest[rec[i]] = std::max(largest[rec[i]], nsyn[i]);
		}
		std::tuple<int64_t, int64_t, int64_t, int64_t> best;
		bool found = false;
		for (int64_t b = 0; b < kBuses; ++b) {
			OpenGroup const& g = open[h * kBuses + b];
			int64_t const open_rows = g.rows[0] + g.rows[1];
			int64_t const open_drivers = ceil_half(open_rows);
			int64_t inc_drivers, total_rows;
			if (g.count >= sources_per_group) {
				// the open group is full: this source starts a new one
				int64_t const new_rows = largest[0] + largest[1];
				inc_drivers = ceil_half(new_rows);
				total_rows = closed_rows[h * kBuses + b] + open_rows + new_rows;
			} else {
				std::array<int64_t, 2> new_r = g.rows;
				for (int64_t i = begin; i < end; ++i)
					new_r[rec[i]] =
					    std::max(new_r[rec[i]], g.indegree[rec[i] * kColumns + col[i]] + nsyn[i]);
				int64_t const new_rows = new_r[0] + new_r[1];
				inc_drivers = ceil_half(new_rows) - open_drivers;
				total_rows = closed_rows[h * kBuses + b] + new_rows;
			}
			int64_t const total_drivers =
			    closed_drivers[h * kBuses + b] + open_drivers + inc_drivers;
			if (total_rows > rows_per_bus || total_drivers > drivers_per_bus)
				continue;
			auto cand = std::make_tuple(inc_drivers, total_drivers, total_rows, b);
			if (!found || cand < best) {
				best = cand;
				found = true;
			}
		}
		if (!found) {
			failed = s;
			break;
		}
		int64_t const b = std::get<3>(best);
		OpenGroup& g = open[h * kBuses + b];
		if (g.count >= sources_per_group) {
			int64_t const rows = g.rows[0] + g.rows[1];
			closed_rows[h * kBuses + b] += rows;
			closed_drivers[h * kBuses + b] += ceil_half(rows);
			g = OpenGroup();
		}
		if (g.group < 0) {
			g.group = static_cast<int64_t>(group_hemisphere.size());
			group_hemisphere.push_back(h);
			group_bus.push_back(b);
		}
		// all values from the in-degrees before this source, written in connection order
		// (numpy's a[cols] += ns on repeated columns: the last one stays)
		scratch.resize(end - begin);
		for (int64_t i = begin; i < end; ++i)
			scratch[i - begin] = g.indegree[rec[i] * kColumns + col[i]] + nsyn[i];
		for (int64_t i = begin; i < end; ++i)
			g.indegree[rec[i] * kColumns + col[i]] = scratch[i - begin];
		for (int64_t i = begin; i < end; ++i)
			g.rows[rec[i]] = std::max(g.rows[rec[i]], g.indegree[rec[i] * kColumns + col[i]]);
		bus_of[s] = b;
		group_of[s] = g.group;
		label_of[s] = g.count;
		g.count += 1;
	}

	py::dict out;
	out["failed"] = failed;
	out["bus"] = bus_out;
	out["group"] = group_out;
	out["label"] = label_out;
	out["group_hemisphere"] =
	    py::array_t<int64_t>(group_hemisphere.size(), group_hemisphere.data());
	out["group_bus"] = py::array_t<int64_t>(group_bus.size(), group_bus.data());
	// rows and drivers in use per (hemisphere, bus), closed and open groups (for the error message)
	carray<int64_t> rows_in_use({int64_t(2), kBuses}), drivers_in_use({int64_t(2), kBuses});
	for (int64_t k = 0; k < 2 * kBuses; ++k) {
		int64_t const rows = open[k].rows[0] + open[k].rows[1];
		rows_in_use.mutable_data()[k] = closed_rows[k] + rows;
		drivers_in_use.mutable_data()[k] = closed_drivers[k] + ceil_half(rows);
	}
	out["rows_in_use"] = rows_in_use;
	out["drivers_in_use"] = drivers_in_use;
	return out;
}

} // namespace

PYBIND11_MODULE(_routing, m)
{
	m.doc() = "C++ hot paths of grenade's router (grenade/routing.py).";
	m.def(
	    "distribute_sources", &distribute_sources, py::arg("starts"), py::arg("hemisphere"),
	    py::arg("receptor"), py::arg("column"), py::arg("synapses"), py::arg("closed_rows"),
	    py::arg("closed_drivers"), py::arg("rows_per_bus"), py::arg("drivers_per_bus"),
	    py::arg("sources_per_group"),
	    "Greedy PADI-bus choice for external sources (grenade.routing, distribute_external).\n\n"
	    "The connections come sorted by (hemisphere, source); ``starts`` marks the first of each "
	    "(hemisphere, source) run. Each run goes, in order, to the bus of its hemisphere whose "
	    "open label group (at most ``sources_per_group`` sources) needs the fewest new drivers, "
	    "then the fewest drivers and rows in all, then the lowest bus, within ``rows_per_bus`` "
	    "rows and ``drivers_per_bus`` drivers including ``closed_rows`` / ``closed_drivers`` "
	    "(shape (2, 4)). Returns a dict: per run ``bus``, ``group`` (index among the new groups) "
	    "and ``label`` (6-bit synapse label); per new group ``group_hemisphere`` and "
	    "``group_bus``; ``failed``, the first run that fits on no bus, or -1 (runs after it are "
	    "not placed), and ``rows_in_use`` / ``drivers_in_use`` (2, 4) when it stopped.");
}
