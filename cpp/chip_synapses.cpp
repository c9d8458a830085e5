// Synapse arrays, synapse drivers with STP, and correlation sensors of the
// analog core (chip_impl.h).
#include "chip_impl.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <set>

#include <pthread.h>
#include <unistd.h>

namespace hxsim {
namespace chip {

// --- synapse arrays -------------------------------------------------------------------------

Synapses::Synapses(Tables const& t)
{
	syn_gain = t.mismatch("synapse_gain", 2 * num_rows * num_columns);
	rows.resize(2 * num_rows);
	for (Row& r : rows) {
		std::fill(std::begin(r.offsets), std::end(r.offsets), 0);
		std::fill(std::begin(r.hit_offsets), std::end(r.hit_offsets), 0);
	}
}

void Synapses::resolve(RegisterMap const& map)
{
	weights = map.field_id("SynapseWeightQuad.values");
	labels = map.field_id("SynapseLabelQuad.values");
	if (map.field(weights).count != 4 || map.field(labels).count != 4)
		fail("quad registers must have 4 lanes (EntryOnQuad)");
}

void Synapses::decode(
    ConfigView const& v, Geometry const& geo, std::function<void()> const& before_restructure)
{
	RegisterInfo const& wr = v.map().reg(v.map().field(weights).reg);
	uint32_t const nq = wr.size;
	uint32_t const* pw = v.words(v.map().field(weights).reg);
	uint32_t const* pl = v.words(v.map().field(labels).reg);
	uint32_t const stride_w = wr.words, stride_l = v.map().reg(v.map().field(labels).reg).words;
	bool const first = weight_words.size() != nq;
	bool restructuring = false;
	if (first) {
		before_restructure();
		restructuring = true;
		weight_words.assign(nq, 0);
		label_words.assign(nq, 0);
	}
	int64_t const ss = geo.synapse_quad_strides[0], sr = geo.synapse_quad_strides[1],
	              sq = geo.synapse_quad_strides[2];
	FieldRef const W(v.map(), weights), L(v.map(), labels);
	bool const contiguous = sq == 1 && stride_w == 1 && stride_l == 1;
	for (uint32_t h = 0; h < 2; ++h)
		for (uint32_t r = 0; r < num_rows; ++r) {
			bool weights_changed = first, labels_changed = first;
			uint32_t const i0 = uint32_t(h * ss + r * sr);
			if (contiguous) {
				// one row's 64 quads lie side by side
				weights_changed |=
				    std::memcmp(pw + i0, &weight_words[i0], 64 * sizeof(uint32_t)) != 0;
				labels_changed |=
				    std::memcmp(pl + i0, &label_words[i0], 64 * sizeof(uint32_t)) != 0;
			} else {
				for (uint32_t q = 0; q < 64; ++q) {
					uint32_t const i = uint32_t(i0 + q * sq);
					weights_changed |= pw[i * stride_w] != weight_words[i];
					labels_changed |= pl[i * stride_l] != label_words[i];
				}
			}
			if (!weights_changed && !labels_changed)
				continue;
			for (uint32_t q = 0; q < 64; ++q) {
				uint32_t const i = uint32_t(h * ss + r * sr + q * sq);
				weight_words[i] = pw[i * stride_w];
				label_words[i] = pl[i * stride_l];
			}
			Row& row = rows[h * num_rows + r];
			auto weight_of = [&](uint32_t col) {
				uint32_t const i = uint32_t(h * ss + r * sr + geo.col_quad[col] * sq);
				return uint8_t((weight_words[i] >> W.lanes[geo.col_entry[col]].shift) & W.mask);
			};
			if (!labels_changed && row.syn.size() == num_columns) {
				// the same labels: the same order, new weights
				for (Syn& s : row.syn)
					s.weight = float(double(weight_of(s.column)) * syn_gain[s.index]);
			} else {
				if (!restructuring) {
					before_restructure();
					restructuring = true;
				}
				// counting sort by label; columns ascending within a label
				uint16_t count[65] = {};
				uint8_t lab_of[num_columns];
				for (uint32_t col = 0; col < num_columns; ++col) {
					uint32_t const i = uint32_t(h * ss + r * sr + geo.col_quad[col] * sq);
					uint32_t const e = geo.col_entry[col];
					lab_of[col] = uint8_t(((label_words[i] >> L.lanes[e].shift) & L.mask) & 63);
					++count[lab_of[col] + 1];
				}
				for (uint32_t lab = 0; lab < 64; ++lab)
					count[lab + 1] = uint16_t(count[lab + 1] + count[lab]);
				std::copy(std::begin(count), std::end(count), std::begin(row.offsets));
				row.syn.resize(num_columns);
				for (uint32_t col = 0; col < num_columns; ++col) {
					uint32_t const idx = (h * num_rows + r) * num_columns + col;
					row.syn[count[lab_of[col]]++] = {
					    uint16_t(col), uint16_t(geo.neuron_at[h][col]),
					    float(double(weight_of(col)) * syn_gain[idx]), idx};
				}
			}
			// the synapses a pre spike reaches: nonzero weights, by label
			row.hits.clear();
			row.hit_offsets[0] = 0;
			for (uint32_t lab = 0; lab < 64; ++lab) {
				for (uint32_t j = row.offsets[lab]; j < row.offsets[lab + 1]; ++j)
					if (row.syn[j].weight > 0.0f)
						row.hits.push_back({row.syn[j].neuron, row.syn[j].weight});
				row.hit_offsets[lab + 1] = uint16_t(row.hits.size());
			}
		}
}

// --- correlation sensors --------------------------------------------------------------------

Correlation::Correlation(Tables const& t)
{
	T_ramp = t.transfer("syn_i_bias_ramp", 4);
	T_store = t.transfer("syn_i_bias_store", 4);
	for (uint32_t q = 0; q < 4; ++q) // cells at 0 until written
		block_tau_amp[q] = T_ramp(0.0, q), block_tau_amp[4 + q] = T_store(0.0, q);
	k_corr_reset = t.constant("correlation_reset_code");
	k_corr_step = t.constant("correlation_calib_step");
	corr_gain = t.mismatch("correlation_gain", 2 * num_rows * num_columns);
	last_post.assign(num_neurons, 0.0);
	for (auto& c : neuron_readout)
		c.assign(2 * num_columns, 0);
}

void Correlation::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	time_calibs = F("SynapseCorrelationCalibQuad.time_calibs");
	amp_calibs = F("SynapseCorrelationCalibQuad.amp_calibs");
	neuron_causal = F("ColumnCorrelationQuad.enable_cadc_neuron_readout_causal");
	neuron_acausal = F("ColumnCorrelationQuad.enable_cadc_neuron_readout_acausal");
	capmem_value = F("CapMemCell.value");
	capmem_enable = F("CapMemBlockConfig.enable_capmem");
	calib_time_ref = FieldRef(map, time_calibs);
	calib_amp_ref = FieldRef(map, amp_calibs);
	for (FieldRef const* r : {&calib_time_ref, &calib_amp_ref})
		for (FieldLane const& l : r->lanes)
			if (l.word != r->lanes[0].word)
				fail("correlation calibration lanes must share one word");
}

void Correlation::decode_calib(ConfigView const& v)
{
	// the calibration bits, turned into per-sensor kernels when next used (alloc)
	RegisterId const reg = v.map().field(time_calibs).reg;
	RegisterInfo const& ri = v.map().reg(reg);
	uint32_t const* words = v.words(reg);
	std::vector<uint32_t> tw(ri.size), aw(ri.size);
	uint32_t const wt = calib_time_ref.lanes[0].word, wa = calib_amp_ref.lanes[0].word;
	for (uint32_t q = 0; q < ri.size; ++q) {
		tw[q] = words[q * ri.words + wt];
		aw[q] = words[q * ri.words + wa];
	}
	if (tw != calib_time_words || aw != calib_amp_words) {
		calib_time_words = std::move(tw);
		calib_amp_words = std::move(aw);
		kernel_stale = true;
	}
}

void Correlation::decode(ConfigView const& v, Geometry const& geo)
{
	std::vector<int64_t> nc(v.instances(neuron_causal) * 4), na(v.instances(neuron_acausal) * 4);
	v.get_all_lanes(neuron_causal, nc.data());
	v.get_all_lanes(neuron_acausal, na.data());
	for (uint32_t n = 0; n < num_neurons; ++n) {
		Geometry::Neuron const& g = geo.neurons[n];
		neuron_readout[0][g.hemisphere * num_columns + g.column] =
		    uint8_t(nc[g.corrq * 4 + g.entry]);
		neuron_readout[1][g.hemisphere * num_columns + g.column] =
		    uint8_t(na[g.corrq * 4 + g.entry]);
	}
}

std::array<double, 8> Correlation::biases(ConfigView const& v, Geometry const& geo) const
{
	std::array<double, 8> out;
	for (uint32_t q = 0; q < 4; ++q) {
		bool const on = v.get(capmem_enable, q) != 0;
		auto cell = [&](int64_t c) {
			int64_t const x = on ? v.get(capmem_value, uint32_t(c)) : 0;
			return x > 1022 ? 0.0 : double(x); // 1023: refresh disabled, the cell decays to 0
		};
		out[q] = T_ramp(cell(geo.ramp_cells[q]), q);
		out[4 + q] = T_store(cell(geo.store_cells[q]), q);
	}
	return out;
}

void Correlation::reset_state()
{
	std::fill(last_post.begin(), last_post.end(), -inf);
	++memo_epoch;
	allocated = false;
	for (auto* a : {&amp_r, &acausal, &tau_c, &amp_c, &causal, &pre_before, &last_event})
		a->clear();
	key_r.clear();
	kernel_stale = true;
	active.clear();
	marked.clear();
}

void Correlation::reorder()
{
	size_t const nsyn = 2 * num_rows * num_columns;
	bool const first = column_at.size() != nsyn;
	if (first) {
		column_at.resize(nsyn);
		position_of.resize(nsyn);
		label_c.assign(nsyn, 0);
	}
	std::vector<double> tmp;
	for (uint32_t hr = 0; hr < 2 * num_rows; ++hr) {
		Synapses::Row const& rw = syn->rows[hr];
		uint32_t const h = hr / num_rows, row = hr % num_rows;
		uint32_t const base = hr * num_columns;
		auto column = [&](uint32_t j) { return rw.syn.empty() ? j : uint32_t(rw.syn[j].column); };
		uint8_t label[num_columns] = {}; // by position
		if (!rw.syn.empty())
			for (uint32_t lab = 0; lab < 64; ++lab)
				for (uint32_t j = rw.offsets[lab]; j < rw.offsets[lab + 1]; ++j)
					label[j] = uint8_t(lab);
		bool same = !first;
		for (uint32_t j = 0; j < num_columns && same; ++j)
			same = column_at[base + j] == column(j) &&
			       label_c[column_index(h, row, column(j))] == label[j];
		if (same)
			continue;
		if (allocated && !first) {
			for (auto* a : {&amp_r, &acausal}) {
				tmp.assign(a->begin() + base, a->begin() + base + num_columns);
				for (uint32_t j = 0; j < num_columns; ++j)
					(*a)[base + j] = tmp[position_of[base + column(j)]];
			}
			std::fill(marked.begin() + hr * 64, marked.begin() + (hr + 1) * 64, uint8_t(0));
			// the row's pre spikes so far, per synapse, before its labels change
			double* const ev = &last_event[size_t(hr) * 64];
			for (uint32_t col = 0; col < num_columns; ++col) {
				uint32_t const ci = column_index(h, row, col);
				double const t = ev[label_c[ci]];
				if (t > -inf)
					pre_before[ci] = t;
			}
			std::fill(ev, ev + 64, -inf);
		}
		for (uint32_t j = 0; j < num_columns; ++j) {
			uint32_t const col = column(j);
			column_at[base + j] = uint16_t(col);
			position_of[base + col] = uint16_t(j);
			label_c[column_index(h, row, col)] = label[j];
		}
		if (allocated && !first)
			kernel_stale = true; // key_r follows the new positions (alloc())
	}
}

void Correlation::alloc(Geometry const& geo)
{
	size_t const nsyn = 2 * num_rows * num_columns;
	if (!allocated) {
		for (auto* a : {&amp_r, &acausal, &tau_c, &amp_c, &causal})
			a->assign(nsyn, 0.0);
		key_r.assign(nsyn, 0);
		pre_before.assign(nsyn, -inf);
		last_event.assign(2 * num_rows * 64, -inf);
		active.assign(2 * num_columns * 4, 0);
		marked.assign(2 * num_rows * 64, 0);
		allocated = true;
	}
	if (!kernel_stale)
		return;
	// tau = tau_block (1 + 0.2 (time_calib - 1.5)), amp = lsb_block gain (1 + 0.2 (amp_calib - 1.5))
	uint32_t const codes = calib_time_ref.mask + 1;
	if (codes > 64)
		fail("correlation time calibration wider than 6 bits");
	tau_of_code.resize(4 * codes);
	for (uint32_t b = 0; b < 4; ++b)
		for (uint32_t c = 0; c < codes; ++c)
			tau_of_code[b * codes + c] = block_tau_amp[b] * (1.0 + k_corr_step * (double(c) - 1.5));
	size_t const keys = num_neurons * tau_of_code.size();
	std::vector<int32_t> key_of(keys, -1); // (neuron, code) -> dense key; first: used or not
	for (uint32_t idx = 0; idx < nsyn; ++idx) {
		uint32_t const col = idx % num_columns, hr = idx / num_columns;
		uint32_t const h = hr / num_rows, row = hr % num_rows;
		uint32_t const q = geo.quad_of(idx);
		FieldLane const& lt = calib_time_ref.lanes[geo.col_entry[col]];
		FieldLane const& la = calib_amp_ref.lanes[geo.col_entry[col]];
		uint32_t const ct = (calib_time_words[q] >> lt.shift) & calib_time_ref.mask;
		double const ca = double((calib_amp_words[q] >> la.shift) & calib_amp_ref.mask);
		uint32_t const b = geo.neurons[geo.neuron_at[h][col]].block;
		double const amp = block_tau_amp[4 + b] * corr_gain[idx] * (1.0 + k_corr_step * (ca - 1.5));
		uint32_t const s = slot(h, row, col), ci = column_index(h, row, col);
		key_r[s] = uint32_t(geo.neuron_at[h][col] * tau_of_code.size() + b * codes + ct);
		key_of[key_r[s]] = 0;
		tau_c[ci] = tau_of_code[b * codes + ct];
		amp_r[s] = amp_c[ci] = amp;
	}
	// the pairs in use, numbered in (neuron, code) order: a small memo, mostly in cache
	key_neuron.clear();
	key_tau.clear();
	for (size_t k = 0; k < keys; ++k)
		if (key_of[k] == 0) {
			key_of[k] = int32_t(key_neuron.size());
			key_neuron.push_back(uint32_t(k / tau_of_code.size()));
			key_tau.push_back(tau_of_code[k % tau_of_code.size()]);
		}
	for (uint32_t& k : key_r)
		k = uint32_t(key_of[k]);
	memo.assign(key_neuron.size(), Memo{0.0, 0});
	++memo_epoch;
	kernel_stale = false;
}

// Both sides add amp * exp(-dt / tau) per pair to one accumulator, in the order of the
// spikes; exp(x) below -700 (the vector exp's clamp) counts as 0, and so does a pair with
// no partner yet (dt infinite; adding amp * 0 leaves a sum as it is). Each accumulator has one kind of partner (causal: post
// spikes, acausal: pre spikes), so taking each spike's pairs at once keeps every sum's order.
void Correlation::memo_misses(double t_us, uint32_t m)
{
	kernel::pair_exp(t_us, t_buf, u_buf, x_buf, e_buf, m);
	for (uint32_t i = 0; i < m; ++i)
		memo[s_buf[i]].e = e_buf[i];
}

void Correlation::pre_rows(Geometry const& geo, uint32_t const* rows, uint32_t count, double t_us)
{
	if (!allocated || kernel_stale)
		alloc(geo);
	// A pair's factor depends on (t, the neuron's last post spike, tau): the rows an event
	// reaches at once (a weight split over rows, both rows of a driver) share it, so each
	// (neuron, time code) is computed once per pre-spike time (memo valid for `memo_epoch`).
	if (t_us != memo_t) {
		memo_t = t_us;
		++memo_epoch;
	}
	uint32_t m = 0;
	for (uint32_t r = 0; r < count; ++r) {
		uint32_t const h = rows[r] >> 14, row = (rows[r] >> 6) & 255, address = rows[r] & 63;
		Synapses::Row const& rw = syn->rows[h * num_rows + row];
		uint32_t const b = rw.offsets[address], n = rw.offsets[address + 1] - b;
		if (n == 0)
			continue;
		uint32_t const group = (h * num_rows + row) * 64 + address;
		last_event[group] = t_us;
		uint32_t const base = (h * num_rows + row) * num_columns + b;
		if (!marked[group]) {
			// the group's columns see this row active (for their post spikes)
			marked[group] = 1;
			uint64_t const bit = uint64_t(1) << (row % 64);
			uint64_t* const act = &active[h * num_columns * 4 + row / 64];
			for (uint32_t j = 0; j < n; ++j)
				act[column_at[base + j] * 4] |= bit;
		}
		if (m + n > 256) {
			memo_misses(t_us, m);
			m = 0;
		}
		uint32_t const* const key = &key_r[base];
		for (uint32_t j = 0; j < n; ++j) {
			uint32_t const k = key[j];
			if (memo[k].stamp != memo_epoch) {
				memo[k].stamp = memo_epoch;
				s_buf[m] = k;
				t_buf[m] = last_post[key_neuron[k]];
				u_buf[m] = key_tau[k];
				++m;
			}
		}
	}
	memo_misses(t_us, m);
	for (uint32_t r = 0; r < count; ++r) {
		uint32_t const h = rows[r] >> 14, row = (rows[r] >> 6) & 255, address = rows[r] & 63;
		Synapses::Row const& rw = syn->rows[h * num_rows + row];
		uint32_t const b = rw.offsets[address], n = rw.offsets[address + 1] - b;
		uint32_t const base = (h * num_rows + row) * num_columns + b;
		double* const acc = &acausal[base];
		double const* const amp = &amp_r[base];
		uint32_t const* const key = &key_r[base];
		for (uint32_t j = 0; j < n; ++j)
			acc[j] += amp[j] * memo[key[j]].e;
	}
}

void Correlation::post(Geometry const& geo, uint32_t n, double t_us)
{
	last_post[n] = t_us;
	++memo_epoch; // the pre side's factors of this neuron change
	if (!allocated)
		return;
	if (kernel_stale)
		alloc(geo);
	Geometry::Neuron const& g = geo.neurons[n];
	uint32_t const hc = g.hemisphere * num_columns + g.column;
	uint32_t const cbase = hc * num_rows;
	double const* const ev = &last_event[size_t(g.hemisphere) * num_rows * 64];
	size_t m = 0;
	for (uint32_t k = 0; k < 4; ++k)
		for (uint64_t bits = active[hc * 4 + k]; bits; bits &= bits - 1) {
			uint32_t const row = k * 64 + uint32_t(__builtin_ctzll(bits));
			uint32_t const ci = cbase + row;
			double const te = ev[row * 64 + label_c[ci]];
			s_buf[m] = ci;
			t_buf[m] = te > -inf ? te : pre_before[ci];
			u_buf[m] = tau_c[ci];
			++m;
		}
	kernel::pair_exp(t_us, t_buf, u_buf, x_buf, e_buf, m);
	for (size_t j = 0; j < m; ++j)
		causal[s_buf[j]] += amp_c[s_buf[j]] * e_buf[j];
}

void Correlation::reset_quad(ChipSetup const& setup, uint32_t instance)
{
	if (!allocated)
		return;
	int64_t const* st = setup.synapse_quad_strides.data();
	uint32_t const h = uint32_t(instance / st[0]);
	uint32_t const r = uint32_t((instance % st[0]) / st[1]);
	uint32_t const q = uint32_t((instance % st[1]) / st[2]);
	for (uint32_t e = 0; e < 4; ++e) {
		uint32_t const col = uint32_t(setup.quad_columns[q * 4 + e]);
		causal[column_index(h, r, col)] = acausal[slot(h, r, col)] = 0.0;
	}
}

// --- correlation log and its worker ----------------------------------------------------------

// A fork copies a worker's half-applied batch without the thread applying it: before a fork,
// every log's worker finishes what it has (pthread_atfork), so the child takes over idle logs.
namespace {
std::mutex& logs_mutex()
{
	static std::mutex* m = new std::mutex(); // never destroyed: used until the process ends
	return *m;
}
std::set<CorrelationLog*>& logs()
{
	static auto* s = new std::set<CorrelationLog*>();
	return *s;
}
void before_fork()
{
	logs_mutex().lock(); // held across the fork: no log comes or goes meanwhile
	for (CorrelationLog* log : logs())
		log->settle_for_fork();
}
void after_fork()
{
	logs_mutex().unlock();
}
} // namespace

CorrelationLog::CorrelationLog(Correlation& c, Geometry const& g, Synapses const& s) :
    corr(c), geo(g), syn(s)
{
	char const* env = std::getenv("HXSIM_CORRELATION_THREAD");
	threaded = !(env && std::string(env) == "0") && std::thread::hardware_concurrency() > 1;
	filling.reserve(batch);
	static std::once_flag registered;
	std::call_once(registered, [] { pthread_atfork(before_fork, after_fork, after_fork); });
	std::lock_guard<std::mutex> lock(logs_mutex());
	logs().insert(this);
}

void CorrelationLog::settle_for_fork()
{
	if (!worker.joinable() || long(getpid()) != owner)
		return;
	std::unique_lock<std::mutex> lock(m);
	cv.wait(lock, [&] { return !busy && queued.empty(); });
}

CorrelationLog::~CorrelationLog()
{
	{
		std::lock_guard<std::mutex> lock(logs_mutex());
		logs().erase(this);
	}
	if (worker.joinable()) {
		if (long(getpid()) == owner) {
			{
				std::lock_guard<std::mutex> lock(m);
				stop = true;
			}
			cv.notify_all();
			worker.join();
		} else {
			worker.detach(); // a forked copy: the thread is not ours
		}
	}
}

void CorrelationLog::apply(std::vector<Event> const& events)
{
	for (Event const& e : events) {
		if (e.what >> 31) {
			corr.post(geo, e.what & 0x7fffffffu, e.t_us);
		} else if (e.what >> 30) {
			corr.pre_rows(geo, list_at(e.what & 0x3fffffffu), e.count, e.t_us);
		} else {
			corr.pre_rows(geo, &e.what, 1, e.t_us);
		}
	}
}

void CorrelationLog::clear_lists()
{
	for (uint32_t c = 0; c < n_chunks; ++c)
		chunks[c].reset();
	n_chunks = chunk_used = 0;
	list_of.clear();
}

uint32_t CorrelationLog::register_rows(std::vector<uint32_t> const& rows)
{
	auto it = list_of.find(rows);
	if (it != list_of.end())
		return it->second;
	uint32_t const chunk_size = 1u << chunk_bits;
	if (rows.size() > chunk_size)
		fail("an event reaches more synapse rows than a row list holds");
	if (n_chunks == 0 || chunk_used + rows.size() > chunk_size) {
		if (n_chunks == max_chunks)
			fail("too many distinct event row lists for the correlation log");
		chunks[n_chunks++] = std::make_unique<uint32_t[]>(chunk_size);
		chunk_used = 0;
	}
	uint32_t const list = ((n_chunks - 1) << chunk_bits) | chunk_used;
	std::copy(rows.begin(), rows.end(), &chunks[n_chunks - 1][chunk_used]);
	chunk_used += uint32_t(rows.size());
	list_of.emplace(rows, list);
	return list;
}

void CorrelationLog::run()
{
	std::unique_lock<std::mutex> lock(m);
	for (;;) {
		cv.wait(lock, [&] { return !queued.empty() || stop; });
		if (queued.empty())
			return;
		inflight.swap(queued.front());
		queued.pop_front();
		busy = true;
		lock.unlock();
		apply(inflight);
		lock.lock();
		busy = false;
		inflight.clear();
		spare.push_back(std::move(inflight));
		inflight = std::vector<Event>();
		cv.notify_all();
	}
}

void CorrelationLog::wait_idle()
{
	if (!worker.joinable())
		return;
	if (long(getpid()) != owner) {
		// forked: the worker did not come along (before_fork() let it finish its batches; any
		// left, from a fork that skipped the handlers, are applied here)
		worker.detach();
		new (&m) std::mutex();
		new (&cv) std::condition_variable();
		if (busy)
			apply(inflight);
		for (auto const& q : queued)
			apply(q);
		queued.clear();
		inflight.clear();
		busy = stop = false;
		return;
	}
	std::unique_lock<std::mutex> lock(m);
	cv.wait(lock, [&] { return !busy && queued.empty(); });
}

void CorrelationLog::hand_off()
{
	if (!threaded) {
		apply(filling);
		filling.clear();
		return;
	}
	if (worker.joinable() && long(getpid()) != owner)
		wait_idle(); // forked: apply here what the parent's worker held
	if (!worker.joinable()) {
		owner = long(getpid());
		worker = std::thread([this] { run(); });
	}
	std::vector<Event> next;
	{
		std::unique_lock<std::mutex> lock(m);
		cv.wait(lock, [&] { return queued.size() < max_queued; });
		queued.push_back(std::move(filling));
		if (!spare.empty()) {
			next = std::move(spare.back());
			spare.pop_back();
		}
	}
	cv.notify_all();
	filling = std::move(next);
	filling.clear();
	filling.reserve(batch);
}

void CorrelationLog::sync()
{
	wait_idle();
	apply(filling);
	filling.clear();
}

// --- synapse drivers ------------------------------------------------------------------------

Drivers::Drivers(Tables const& t)
{
	k_stp_unit = t.constant("stp_tau_rec_unit_us");
	drivers.resize(num_drivers);
}

void Drivers::resolve(RegisterMap const& map)
{
	auto F = [&](char const* name) { return map.field_id(name); };
	sd_util = F("SynapseDriverConfig.utilization");
	sd_offset = F("SynapseDriverConfig.offset");
	sd_mask = F("SynapseDriverConfig.row_address_compare_mask");
	sd_receiver = F("SynapseDriverConfig.enable_receiver");
	sd_recovery = F("SynapseDriverConfig.recovery");
	sd_mode_bottom = F("SynapseDriverConfig.row_mode_bottom");
	sd_mode_top = F("SynapseDriverConfig.row_mode_top");
	sd_stp = F("SynapseDriverConfig.enable_stp");
	sd_enable_recovery = F("SynapseDriverConfig.enable_recovery");
	stp_clock = F("CommonSTPConfig.enable_recovery_clock");
	stp_speed = F("CommonSTPConfig.recovery_clock_speed");
}

void Drivers::decode(ConfigView const& v, Geometry const& geo)
{
	bool const clock_on[2] = {v.get(stp_clock, 0) != 0, v.get(stp_clock, 1) != 0};
	double const speed[2] = {double(v.get(stp_speed, 0)), double(v.get(stp_speed, 1))};
	// SynapseDriverConfig instances are SynapseDriverOnDLS enums (= our driver index)
	for (auto& hemisphere : receiving)
		for (auto& bus : hemisphere)
			bus.clear();
	for (uint32_t d = 0; d < num_drivers; ++d) {
		Driver& dr = drivers[d];
		uint32_t const h = geo.drivers[d].hemisphere;
		dr.receiver = v.get(sd_receiver, d) != 0;
		dr.mask = uint32_t(v.get(sd_mask, d));
		dr.mode_top = uint32_t(v.get(sd_mode_top, d));
		dr.mode_bottom = uint32_t(v.get(sd_mode_bottom, d));
		dr.stp = v.get(sd_stp, d) != 0;
		dr.U = (double(v.get(sd_util, d)) + 1.0) / 16.0;
		dr.offset = double(v.get(sd_offset, d)) / 30.0;
		dr.recovery = v.get(sd_enable_recovery, d) != 0 && clock_on[h];
		dr.tau_rec = k_stp_unit * (double(v.get(sd_recovery, d)) + 1.0) * (speed[h] + 1.0);
	}
	for (uint32_t h = 0; h < 2; ++h)
		for (uint32_t b = 0; b < 4; ++b)
			for (uint32_t d : geo.bus_drivers[h][b])
				if (drivers[d].receiver)
					receiving[h][b].push_back(d);
}

void Drivers::reset_state()
{
	pending.clear();
	for (Driver& d : drivers) {
		d.resources = 1.0;
		d.t_last = -inf;
	}
}

void Drivers::invalidate_compiled()
{
	if (compiled.empty())
		return;
	compiled.clear();
	std::fill(compiled_of.begin(), compiled_of.end(), -1);
}

Drivers::Compiled Drivers::compile(
    Pending const& e, Geometry const& geo, Synapses const& syn, Neurons const& neurons) const
{
	Compiled c;
	uint32_t const rs = (e.label >> 6) & 31, addr = e.label & 63;
	uint32_t const np = uint32_t(neurons.s.np);
	c.direct = neurons.any_bypass;
	for (uint32_t d : receiving[e.hemisphere][e.bus]) {
		Driver const& dr = drivers[d];
		if (((rs ^ geo.drivers[d].index) & dr.mask) != 0)
			continue;
		c.direct |= dr.stp;
		for (int half = 0; half < 2; ++half) {
			uint32_t const mode = half ? dr.mode_bottom : dr.mode_top;
			uint32_t const row = half ? geo.drivers[d].row_bottom : geo.drivers[d].row_top;
			if (mode == 0)
				continue;
			Synapses::Row const& rw = syn.rows[e.hemisphere * num_rows + row];
			if (rw.offsets[addr] == rw.offsets[addr + 1])
				continue;
			c.pre.push_back((e.hemisphere << 14) | (row << 6) | addr);
			for (uint32_t j = rw.hit_offsets[addr]; j < rw.hit_offsets[addr + 1]; ++j) {
				Synapses::Hit const& h = rw.hits[j];
				// the direct path adds (1.0 * w) * gain: the same double as w * gain
				if (mode & 1) {
					c.target.push_back(h.neuron);
					c.inc.push_back(double(h.weight) * neurons.gain_e[h.neuron]);
				}
				if (mode & 2) {
					c.target.push_back(np + h.neuron);
					c.inc.push_back(double(h.weight) * neurons.gain_i[h.neuron]);
				}
			}
		}
	}
	if (c.direct) {
		c.pre.clear();
		c.target.clear();
		c.inc.clear();
	}
	return c;
}

void Drivers::deliver(
    Pending const& e,
    Geometry const& geo,
    Synapses const& syn,
    CorrelationLog& corr,
    Neurons& neurons)
{
	size_t const key = (size_t(e.hemisphere) * 4 + e.bus) * 2048 + (e.label & 2047);
	if (compiled_of.empty())
		compiled_of.assign(2 * 4 * 2048, -1);
	int32_t slot = compiled_of[key];
	if (slot < 0) {
		slot = int32_t(compiled.size());
		compiled.push_back(compile(e, geo, syn, neurons));
		compiled_of[key] = slot;
	}
	Compiled& c = compiled[size_t(slot)];
	if (c.direct)
		return deliver_direct(e, geo, syn, corr, neurons);
	double const t_us = double(e.cycle) * cycle_us;
	if (!c.pre.empty()) {
		if (c.pre_list < 0)
			c.pre_list = corr.register_rows(c.pre);
		corr.pre_list(t_us, uint32_t(c.pre_list), uint32_t(c.pre.size()));
	}
	double* const g = neurons.s.g.data();
	uint32_t const* const target = c.target.data();
	double const* const inc = c.inc.data();
	size_t const n = c.target.size();
	for (size_t j = 0; j < n; ++j)
		g[target[j]] += inc[j];
}

void Drivers::deliver_direct(
    Pending const& e,
    Geometry const& geo,
    Synapses const& syn,
    CorrelationLog& corr,
    Neurons& neurons)
{
	uint32_t const rs = (e.label >> 6) & 31, addr = e.label & 63;
	double const t_us = double(e.cycle) * cycle_us;
	double* const ge = neurons.s.ge();
	double* const gi = neurons.s.gi();
	for (uint32_t d : receiving[e.hemisphere][e.bus]) {
		Driver& dr = drivers[d];
		if (((rs ^ geo.drivers[d].index) & dr.mask) != 0)
			continue;
		double m = 1.0;
		if (dr.stp) {
			if (dr.recovery && dr.t_last > -inf)
				dr.resources =
				    1.0 - (1.0 - dr.resources) * std::exp(-(t_us - dr.t_last) / dr.tau_rec);
			m = dr.resources + (1.0 - dr.resources) * dr.offset;
			dr.resources -= dr.U * dr.resources;
			dr.t_last = t_us;
		}
		for (int half = 0; half < 2; ++half) {
			uint32_t const mode = half ? dr.mode_bottom : dr.mode_top;
			uint32_t const row = half ? geo.drivers[d].row_bottom : geo.drivers[d].row_top;
			if (mode == 0)
				continue; // no pulse reaches a disabled row
			Synapses::Row const& rw = syn.rows[e.hemisphere * num_rows + row];
			if (rw.offsets[addr] == rw.offsets[addr + 1])
				continue;
			// the correlation sensors see every pre spike at their synapses
			corr.pre(t_us, e.hemisphere, row, addr);
			for (uint32_t j = rw.hit_offsets[addr]; j < rw.hit_offsets[addr + 1]; ++j) {
				Synapses::Hit const& h = rw.hits[j];
				uint32_t const n = h.neuron;
				double const a = m * double(h.weight);
				if (mode & 1) {
					ge[n] += a * neurons.gain_e[n];
					if (neurons.bypass_e[n])
						neurons.force_fire(n);
				}
				if (mode & 2) {
					gi[n] += a * neurons.gain_i[n];
					if (neurons.bypass_i[n])
						neurons.force_fire(n);
				}
			}
		}
	}
}

} // namespace chip
} // namespace hxsim
