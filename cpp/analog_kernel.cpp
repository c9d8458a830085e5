// Run-time dispatch of the neuron kernel and the constant tables.
#include "analog_kernel.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace hxsim {
namespace kernel {

namespace avx512 {
bool step(RawStep const& a);
void exp_n(double const* x, double* y, size_t n);
void pair_exp(double t, double const* tp, double const* tau, double* x, double* y, size_t n);
} // namespace avx512
namespace avx2 {
bool step(RawStep const& a);
void exp_n(double const* x, double* y, size_t n);
void pair_exp(double t, double const* tp, double const* tau, double* x, double* y, size_t n);
} // namespace avx2
namespace sse2 {
bool step(RawStep const& a);
double fast_exp(double x);
void exp_n(double const* x, double* y, size_t n);
void pair_exp(double t, double const* tp, double const* tau, double* x, double* y, size_t n);
} // namespace sse2

namespace {
enum class Isa
{
	sse2,
	avx2,
	avx512
};

Isa isa_in_use()
{
#if defined(__x86_64__) || defined(__i386__)
	// HXSIM_KERNEL_ISA=sse2 / avx2 caps the build (tests compare them).
	static Isa const best = [] {
		char const* env = std::getenv("HXSIM_KERNEL_ISA");
		std::string const cap = env ? env : "";
		__builtin_cpu_init();
		if (cap == "sse2" || !__builtin_cpu_supports("avx2"))
			return Isa::sse2;
		if (cap == "avx2" || !__builtin_cpu_supports("avx512f"))
			return Isa::avx2;
		return Isa::avx512;
	}();
	return best;
#else
	return Isa::sse2;
#endif
}
} // namespace

bool step(StepArgs const& x)
{
	NeuronConstants const& k = *x.k;
	NeuronState& s = *x.s;
	RawStep r;
	r.n = x.n;
	std::memcpy(r.k, k.raw, sizeof r.k);
	r.packed = k.packed.empty() ? nullptr : k.packed.data();
	r.compact = k.compact;
	r.v = s.v.data();
	r.w = s.w.data();
	r.ge = s.ge();
	r.gi = s.gi();
	r.refc = s.refc.data();
	r.iext = x.iext;
	r.spiked = x.spiked;
	r.exponential = x.exponential;
	switch (isa_in_use()) {
		case Isa::avx512:
			return avx512::step(r);
		case Isa::avx2:
			return avx2::step(r);
		default:
			return sse2::step(r);
	}
}

double fast_exp(double x)
{
	return sse2::fast_exp(x);
}

void exp_n(double const* x, double* y, size_t n)
{
	switch (isa_in_use()) {
		case Isa::avx512:
			return avx512::exp_n(x, y, n);
		case Isa::avx2:
			return avx2::exp_n(x, y, n);
		default:
			return sse2::exp_n(x, y, n);
	}
}

void pair_exp(double t, double const* tp, double const* tau, double* x, double* y, size_t n)
{
	switch (isa_in_use()) {
		case Isa::avx512:
			return avx512::pair_exp(t, tp, tau, x, y, n);
		case Isa::avx2:
			return avx2::pair_exp(t, tp, tau, x, y, n);
		default:
			return sse2::pair_exp(t, tp, tau, x, y, n);
	}
}

char const* isa()
{
	switch (isa_in_use()) {
		case Isa::avx512:
			return "avx512";
		case Isa::avx2:
			return "avx2";
		default:
			return "sse2";
	}
}

void NeuronConstants::resize(size_t n)
{
	for (unsigned p = 0; p < P_COUNT; ++p)
		k[p].assign(n, 0.0);
	k[P_invDT].assign(n, 1.0);
	k[P_de].assign(n, 1.0);
	k[P_di].assign(n, 1.0);
	k[P_Vth].assign(n, std::numeric_limits<double>::infinity());
	finalize(n);
}

void NeuronConstants::finalize(size_t n_real)
{
	size_t const n = size();
	for (unsigned p = 0; p < P_COUNT; ++p) {
		avector<double>& a = k[p];
		if (n_real > 0)
			for (size_t i = n_real; i < n; ++i)
				a[i] = a[0];
		bool same = true;
		for (size_t i = 1; i < n && same; ++i)
			same = std::memcmp(&a[i], &a[0], sizeof(double)) == 0;
		uniform[p] = same && n > 0;
		for (size_t l = 0; l < lane_block; ++l)
			replicated[p][l] = n > 0 ? a[0] : 0.0;
	}
	bool all_uniform = true;
	for (unsigned p = 0; p < P_COUNT; ++p) {
		all_uniform &= uniform[p];
		raw[p] = uniform[p] ? RawParam{replicated[p], 0} : RawParam{k[p].data(), ~size_t(0)};
	}
	compact = false;
	if (all_uniform) {
		packed.clear();
		return;
	}
	compact = true;
	for (unsigned p = 0; p < P_COUNT; ++p)
		compact &= uniform[p] || !usually_uniform(Param(p));
	size_t const stride = compact ? P_COMPACT : P_COUNT;
	packed.resize(n * stride);
	for (size_t b = 0; b < n / lane_block; ++b)
		for (unsigned p = 0; p < P_COUNT; ++p) {
			if (compact && usually_uniform(Param(p)))
				continue;
			size_t const slot = compact ? compact_slot(Param(p)) : p;
			std::memcpy(
			    &packed[(b * stride + slot) * lane_block], &k[p][b * lane_block],
			    lane_block * sizeof(double));
		}
}

} // namespace kernel
} // namespace hxsim
