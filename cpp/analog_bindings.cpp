// Python bindings of the analog side: the kernel test hooks and the core of
// hxsim.ModelSimulator (hxsim/model.py validates arguments and converts units;
// this layer only moves arrays, with the GIL released while simulating).
#include "analog_bindings.h"

#include "analog_chip.h"
#include "analog_kernel.h"
#include "analog_model.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace hxsim {

namespace {

template <typename T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <typename T>
carray<T> vec1(py::handle obj, size_t n, char const* what)
{
	carray<T> a = carray<T>::ensure(obj);
	if (!a || a.ndim() != 1 || size_t(a.size()) != n)
		throw py::value_error(
		    std::string(what) + ": expected a 1-D array of length " + std::to_string(n));
	return a;
}

template <typename T>
py::array_t<T> to_numpy(std::vector<T>&& v)
{
	auto* heap = new std::vector<T>(std::move(v));
	py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
	return py::array_t<T>({heap->size()}, {sizeof(T)}, heap->data(), owner);
}

ModelParams params_from(py::dict d, size_t n)
{
	ModelParams p;
	p.resize(n);
	auto get = [&](char const* name, std::vector<double>& out) {
		carray<double> a = vec1<double>(d[name], n, name);
		out.assign(a.data(), a.data() + n);
	};
	auto getb = [&](char const* name, std::vector<uint8_t>& out) {
		carray<uint8_t> a = vec1<uint8_t>(d[name], n, name);
		out.assign(a.data(), a.data() + n);
	};
	get("C", p.C);
	get("g_leak", p.g_leak);
	get("E_leak", p.E_leak);
	get("V_T", p.V_T);
	get("delta_T", p.delta_T);
	get("V_peak", p.V_peak);
	get("V_reset", p.V_reset);
	get("t_ref", p.t_ref);
	get("a", p.a);
	get("b", p.b);
	get("tau_w", p.tau_w);
	get("E_w", p.E_w);
	get("E_exc", p.E_exc);
	get("E_inh", p.E_inh);
	get("tau_exc", p.tau_exc);
	get("tau_inh", p.tau_inh);
	get("I_offset", p.I_offset);
	getb("coba", p.coba);
	getb("exponential", p.exponential);
	getb("adaptation", p.adaptation);
	return p;
}

template <typename T>
std::vector<T> vec(py::handle obj, char const* what)
{
	carray<T> a = carray<T>::ensure(obj);
	if (!a)
		throw py::type_error(std::string(what) + ": expected a numeric array");
	return std::vector<T>(a.data(), a.data() + a.size());
}

} // namespace

std::unique_ptr<AnalogCore> make_analog_core(py::object obj)
{
	if (obj.is_none())
		return nullptr;
	py::dict d = obj.cast<py::dict>();
	ChipSetup su;
	su.dt_us = d["dt"].cast<double>();
	su.noise = d["noise"].cast<double>();
	su.noise_seed = d["noise_seed"].cast<uint64_t>();
	for (auto item : d["transfers"].cast<py::dict>()) {
		py::tuple t = item.second.cast<py::tuple>();
		ChipSetup::TransferSpec spec;
		spec.form = t[0].cast<int>();
		spec.c0 = t[1].cast<double>();
		spec.c1 = t[2].cast<double>();
		spec.gain = vec<double>(t[3], "transfer gain");
		spec.offset = vec<double>(t[4], "transfer offset");
		if (t.size() >= 7) {
			spec.y_min = t[5].cast<double>();
			spec.y_max = t[6].cast<double>();
		}
		if (t.size() >= 8)
			spec.capmem_row = t[7].cast<int>();
		su.transfers[item.first.cast<std::string>()] = std::move(spec);
	}
	for (auto item : d["constants"].cast<py::dict>())
		su.constants[item.first.cast<std::string>()] = item.second.cast<double>();
	for (auto item : d["mismatch"].cast<py::dict>())
		su.mismatch[item.first.cast<std::string>()] = vec<double>(item.second, "mismatch");
	py::dict g = d["geometry"].cast<py::dict>();
	carray<int64_t> neurons = carray<int64_t>::ensure(g["neurons"]);
	if (!neurons || neurons.ndim() != 2)
		throw py::value_error("geometry.neurons: expected a 2-D integer array");
	su.neuron_columns = size_t(neurons.shape(1));
	su.neurons.assign(neurons.data(), neurons.data() + neurons.size());
	su.capmem_cells = vec<int64_t>(g["capmem_cells"], "capmem_cells");
	py::list names = g["shared_cell_names"].cast<py::list>();
	std::vector<int64_t> shared = vec<int64_t>(g["shared_cells"], "shared_cells");
	for (size_t i = 0; i < names.size(); ++i) {
		std::string const name = names[i].cast<std::string>();
		std::vector<int64_t>* to = name == "syn_i_bias_dac"     ? &su.dac_cells
		                           : name == "syn_i_bias_ramp"  ? &su.ramp_cells
		                           : name == "syn_i_bias_store" ? &su.store_cells
		                                                        : nullptr;
		if (to)
			to->assign(shared.begin() + int64_t(4 * i), shared.begin() + int64_t(4 * i + 4));
	}
	su.quad_columns = vec<int64_t>(g["quad_columns"], "quad_columns");
	su.synapse_quad_strides = vec<int64_t>(g["synapse_quad_strides"], "synapse_quad_strides");
	su.column_quad_strides = vec<int64_t>(g["column_quad_strides"], "column_quad_strides");
	su.cadc_sample_strides = vec<int64_t>(g["cadc_sample_strides"], "cadc_sample_strides");
	su.cadc_channel_strides = vec<int64_t>(g["cadc_channel_strides"], "cadc_channel_strides");
	su.drivers = vec<int64_t>(g["drivers"], "drivers");
	su.neuron_reset_atomic = vec<int64_t>(g["neuron_reset_atomic"], "neuron_reset_atomic");
	su.neuron_reset_quad = vec<int64_t>(g["neuron_reset_quad"], "neuron_reset_quad");
	if (g.contains("board_mux1_pad")) {
		su.board_mux1_pad = vec<int64_t>(g["board_mux1_pad"], "board_mux1_pad");
		su.board_mux2_dac = vec<int64_t>(g["board_mux2_dac"], "board_mux2_dac");
		su.board_dac_full_scale_mv =
		    vec<double>(g["board_dac_full_scale_mv"], "board_dac_full_scale_mv");
	}
	try {
		return std::make_unique<ChipCore>(std::move(su));
	} catch (std::invalid_argument const& e) {
		throw py::value_error(e.what());
	}
}

void bind_analog(py::module_& m)
{
	m.def(
	    "kernel_isa", &kernel::isa,
	    "Instruction set of the neuron kernel in use (avx512/avx2/sse2).");
	m.def(
	    "kernel_exp",
	    [](carray<double> x) {
		    carray<double> out(x.request().shape);
		    double const* in = x.data();
		    double* o = out.mutable_data();
		    for (ssize_t i = 0; i < x.size(); ++i)
			    o[i] = kernel::fast_exp(in[i]);
		    return out;
	    },
	    py::arg("x"), "The kernel's exp (test aid), element-wise.");

	py::class_<ModelSimulator>(
	    m, "ModelSimulatorCore", "C++ part of hxsim.ModelSimulator (use that class).")
	    .def(
	        py::init<uint32_t, uint32_t, double, uint64_t>(), py::arg("n_neurons"),
	        py::arg("n_inputs"), py::arg("dt"), py::arg("seed"))
	    .def_property_readonly("n_neurons", &ModelSimulator::n_neurons)
	    .def_property_readonly("n_inputs", &ModelSimulator::n_inputs)
	    .def_property_readonly("dt", &ModelSimulator::dt)
	    .def_property_readonly("step", &ModelSimulator::step)
	    .def_property_readonly("num_synapses", &ModelSimulator::num_synapses)
	    .def(
	        "set_parameters",
	        [](ModelSimulator& s, py::dict d) { s.set_parameters(params_from(d, s.n_neurons())); },
	        py::arg("params"))
	    .def(
	        "set_state",
	        [](ModelSimulator& s, py::object v, py::object w, py::object ge, py::object gi) {
		        size_t const n = s.n_neurons();
		        carray<double> av, aw, age, agi;
		        if (!v.is_none())
			        av = vec1<double>(v, n, "v");
		        if (!w.is_none())
			        aw = vec1<double>(w, n, "w");
		        if (!ge.is_none())
			        age = vec1<double>(ge, n, "g_exc");
		        if (!gi.is_none())
			        agi = vec1<double>(gi, n, "g_inh");
		        s.set_state(
		            v.is_none() ? nullptr : av.data(), w.is_none() ? nullptr : aw.data(),
		            ge.is_none() ? nullptr : age.data(), gi.is_none() ? nullptr : agi.data());
	        },
	        py::arg("v"), py::arg("w"), py::arg("g_exc"), py::arg("g_inh"))
	    .def(
	        "get_state",
	        [](ModelSimulator const& s) {
		        size_t const n = s.n_neurons();
		        py::array_t<double> v(n), w(n), ge(n), gi(n), rc(n);
		        s.get_state(
		            v.mutable_data(), w.mutable_data(), ge.mutable_data(), gi.mutable_data(),
		            rc.mutable_data());
		        py::dict d;
		        d["v"] = v;
		        d["w"] = w;
		        d["g_exc"] = ge;
		        d["g_inh"] = gi;
		        d["refractory_steps"] = rc;
		        return d;
	        })
	    .def(
	        "connect",
	        [](ModelSimulator& s, py::object pre, py::object post, py::object weight,
	           py::object receptor, py::object delay_steps) {
		        carray<int64_t> a = carray<int64_t>::ensure(pre);
		        if (!a || a.ndim() != 1)
			        throw py::value_error("pre: expected a 1-D integer array");
		        size_t const n = size_t(a.size());
		        carray<int64_t> b = vec1<int64_t>(post, n, "post");
		        carray<double> c = vec1<double>(weight, n, "weight");
		        carray<int64_t> d = vec1<int64_t>(receptor, n, "receptor");
		        carray<int64_t> e = vec1<int64_t>(delay_steps, n, "delay_steps");
		        s.connect(n, a.data(), b.data(), c.data(), d.data(), e.data());
	        },
	        py::arg("pre"), py::arg("post"), py::arg("weight"), py::arg("receptor"),
	        py::arg("delay_steps"))
	    .def(
	        "run",
	        [](ModelSimulator& s, uint64_t steps, py::object input_steps, py::object input_sources,
	           std::vector<int64_t> record) {
		        carray<int64_t> st = carray<int64_t>::ensure(input_steps);
		        if (!st || st.ndim() != 1)
			        throw py::value_error("input_steps: expected a 1-D integer array");
		        carray<int64_t> src =
		            vec1<int64_t>(input_sources, size_t(st.size()), "input_sources");
		        ModelRunResult r;
		        {
			        py::gil_scoped_release release;
			        r = s.run(steps, size_t(st.size()), st.data(), src.data(), record);
		        }
		        py::dict d;
		        size_t const n_rec = record.size();
		        d["spike_steps"] = to_numpy(std::move(r.spike_steps));
		        d["spike_neurons"] = to_numpy(std::move(r.spike_neurons));
		        d["events"] = r.events;
		        d["wall_s"] = r.wall_s;
		        py::array_t<double> v = to_numpy(std::move(r.v));
		        d["v"] = v.reshape({n_rec, size_t(steps)});
		        return d;
	        },
	        py::arg("steps"), py::arg("input_steps"), py::arg("input_sources"), py::arg("record"));
}

} // namespace hxsim
