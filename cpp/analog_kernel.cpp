// Run-time dispatch of the neuron kernel and the constant tables.
#include "analog_kernel.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

namespace hxsim {
namespace kernel {

namespace avx2 {
bool step(RawStep const& a);
}
namespace sse2 {
bool step(RawStep const& a);
double fast_exp(double x);
} // namespace sse2

namespace {
bool use_avx2()
{
#if defined(__x86_64__) || defined(__i386__)
	// HXSIM_KERNEL_ISA=sse2 forces the baseline build (tests compare both).
	static bool const yes = [] {
		char const* env = std::getenv("HXSIM_KERNEL_ISA");
		if (env && std::string(env) == "sse2")
			return false;
		__builtin_cpu_init();
		return __builtin_cpu_supports("avx2") != 0;
	}();
	return yes;
#else
	return false;
#endif
}
} // namespace

bool step(StepArgs const& x)
{
	NeuronConstants const& k = *x.k;
	NeuronState& s = *x.s;
	RawStep r;
	r.n = x.n;
	for (unsigned p = 0; p < P_COUNT; ++p)
		r.k[p] = k.uniform[p] ? RawParam{k.replicated[p], 0} : RawParam{k.k[p].data(), ~size_t(0)};
	r.v = s.v.data();
	r.w = s.w.data();
	r.ge = s.ge();
	r.gi = s.gi();
	r.refc = s.refc.data();
	r.iext = x.iext;
	r.spiked = x.spiked;
	r.exponential = x.exponential;
	return use_avx2() ? avx2::step(r) : sse2::step(r);
}

double fast_exp(double x)
{
	return sse2::fast_exp(x);
}

char const* isa()
{
	return use_avx2() ? "avx2" : "sse2";
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
}

} // namespace kernel
} // namespace hxsim
