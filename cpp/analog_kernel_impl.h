// Body of the neuron kernel, compiled three times (analog_kernel_sse2.cpp baseline,
// analog_kernel_avx2.cpp with -mavx2, analog_kernel_avx512.cpp with -mavx512f) into
// the namespace HXSIM_KERNEL_NS. Written with GCC vector extensions (native width:
// 8 doubles with AVX-512, 4 with AVX2, 2 with SSE2; with the narrower ones two
// blocks per loop iteration give the out-of-order core two independent dependency
// chains), so one source serves every build. Selects
// are bit operations (GCC lowers vector ?: badly when the width is not
// native). No FP contraction: every build gives bit-identical results.
#pragma once

#include "analog_kernel_raw.h"
#include "spike_rule.h"

#include <cstring>

namespace hxsim {
namespace kernel {
namespace HXSIM_KERNEL_NS {

#if defined(__AVX512F__)
constexpr size_t W = 8; // doubles per native vector
#elif defined(__AVX__)
constexpr size_t W = 4;
#else
constexpr size_t W = 2;
#endif
// blocks per loop iteration (two independent dependency chains where the lane block has room)
constexpr size_t U = lane_block_of_kernel >= 2 * W ? 2 : 1;
typedef double vd __attribute__((vector_size(8 * W)));
typedef long long vi __attribute__((vector_size(8 * W)));

static inline vd load(double const* p)
{
	vd r;
	std::memcpy(&r, p, sizeof r);
	return r;
}
static inline void store(double* p, vd x)
{
	std::memcpy(p, &x, sizeof x);
}
static inline vd splat(double x)
{
	return x - vd{}; // broadcast
}
static inline vi bits_of(vd x)
{
	vi r;
	std::memcpy(&r, &x, sizeof r);
	return r;
}
static inline vd from_bits(vi x)
{
	vd r;
	std::memcpy(&r, &x, sizeof r);
	return r;
}
static inline vd vabs(vd x)
{
	return from_bits(bits_of(x) & (vi{} + 0x7fffffffffffffffll));
}
// Values below 1e-30 become 0: decaying conductances and adaptation reach an
// exact rest instead of crawling through subnormals (slow on x86, and a
// chip at rest could never be recognised as such). No effect on V (far below
// its ulp).
static inline vd flush(vd x)
{
	return from_bits(bits_of(x) & (vabs(x) >= splat(1e-30)));
}

// m ? a : b per lane (m: all ones / all zeros); a blend with AVX, bit
// operations otherwise (GCC would lower ?: on a non-native width to branches).
static inline vd select(vi m, vd a, vd b)
{
#ifdef __AVX__
	return m ? a : b;
#else
	// The empty asm hides the mask's origin: otherwise GCC turns the bit
	// select back into a conditional and scalarises it.
	__asm__("" : "+x"(m));
	return from_bits((m & bits_of(a)) | (~m & bits_of(b)));
#endif
}
static inline vd vmin(vd a, vd b)
{
	return select(a < b, a, b);
}
static inline vd vmax(vd a, vd b)
{
	return select(a > b, a, b);
}

// exp(x): x = n*ln2 + r, |r| <= ln2/2 (Cody-Waite split of ln2), Taylor
// polynomial of degree 12 for e^r (truncation < 2e-16 relative) evaluated
// with Estrin's scheme (short dependency chains), times 2^n built in the
// exponent bits. x is clamped to [-700, 700].
static inline vd vexp(vd x)
{
	x = vmin(vmax(x, splat(-700.0)), splat(700.0));
	vd const magic = splat(6755399441055744.0); // 1.5 * 2^52: rounds to an integer
	vd const t = x * splat(1.4426950408889634) + magic;
	vd const n = t - magic;
	vd r = x - n * splat(6.93145751953125e-1);
	r = r - n * splat(1.42860682030941723212e-6);
	vd const r2 = r * r;
	vd const r4 = r2 * r2;
	vd const r8 = r4 * r4;
	vd const q0 = splat(1.0) + r;                                   // c0 + c1 r
	vd const q1 = splat(1.0 / 2) + splat(1.0 / 6) * r;              // c2 + c3 r
	vd const q2 = splat(1.0 / 24) + splat(1.0 / 120) * r;           // c4 + c5 r
	vd const q3 = splat(1.0 / 720) + splat(1.0 / 5040) * r;         // c6 + c7 r
	vd const q4 = splat(1.0 / 40320) + splat(1.0 / 362880) * r;     // c8 + c9 r
	vd const q5 = splat(1.0 / 3628800) + splat(1.0 / 39916800) * r; // c10 + c11 r
	vd const s0 = q0 + q1 * r2;
	vd const s1 = q2 + q3 * r2;
	vd const s2 = q4 + q5 * r2;
	vd const u0 = s0 + s1 * r4;
	vd const u1 = s2 + splat(1.0 / 479001600) * r4; // + c12 r^12 (= c12 r4 * r8)
	vd const p = u0 + u1 * r8;
	vi bits;
	std::memcpy(&bits, &t, sizeof bits);
	bits = (bits + 1023) << 52; // the low bits of t hold n: 2^n in the exponent field
	vd scale;
	std::memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

// The vector policy of the spike rule (spike_rule.h).
struct VecOps
{
	typedef vd value;
	typedef vi mask;
	static vd splat(double x) { return kernel::HXSIM_KERNEL_NS::splat(x); }
	static vd select(vi m, vd a, vd b) { return kernel::HXSIM_KERNEL_NS::select(m, a, b); }
	static vd max(vd a, vd b) { return vmax(a, b); }
};

// Local copy of the step's pointers: the stores of the loop (memcpy, which may
// alias anything) then cannot force the compiler to reload them.
struct Ptrs
{
	double const* p[P_COUNT];
	size_t m[P_COUNT];
	double const* packed;
	double *v, *w, *ge, *gi, *refc;
	double const* iext;
	int64_t* spiked;
};

// Where the constants come from: every one the same for all neurons, held in registers
// (UNIFORM); all from the interleaved blocks (PACKED); the usually uniform ones in registers
// and the rest from compact blocks (COMPACT; see RawStep::packed).
enum Layout
{
	UNIFORM,
	PACKED,
	COMPACT
};

template <Layout L>
struct Constants
{
	static constexpr size_t stride = L == COMPACT ? P_COMPACT : P_COUNT;
	double const* kb;
	vd const* u;
	Constants(Ptrs const& a, vd const* u_, size_t i) :
	    kb(a.packed + (i / lane_block_of_kernel) * (stride * lane_block_of_kernel) +
	       i % lane_block_of_kernel),
	    u(u_)
	{}
	template <Param p>
	vd get() const
	{
		if constexpr (L == UNIFORM || (L == COMPACT && usually_uniform(p)))
			return u[p];
		else if constexpr (L == COMPACT)
			return load(kb + compact_slot(p) * lane_block_of_kernel);
		else
			return load(kb + p * lane_block_of_kernel);
	}
};

template <bool EXP, bool EXT, Layout L>
static inline vi block(Ptrs const& a, vd const* u, size_t i)
{
	Constants<L> const c(a, u, i);
#define K(p) c.template get<p>()
	vd const v = load(a.v + i);
	vd const w = load(a.w + i);
	vd const ge = load(a.ge + i);
	vd const gi = load(a.gi + i);
	vd refc = spike_rule::count_down<VecOps>(load(a.refc + i));
	vd I = K(P_c0) - K(P_gL) * v;
	if constexpr (EXP)
		I = I + K(P_expc) * vexp((v - K(P_VT)) * K(P_invDT));
	I = I + ge * (K(P_Ee) - K(P_cfe) * v);
	I = I + gi * (K(P_Ei) - K(P_cfi) * v);
	I = I - K(P_wf) * w;
	if constexpr (EXT)
		I = I + load(a.iext + i);
	vd vn = select(spike_rule::integrating<VecOps>(refc, K(P_H)), v + K(P_kC) * I, v);
	vd wn = w + K(P_kw) * (K(P_a) * (v - K(P_Ew)) - w);
	store(a.ge + i, flush(ge * K(P_de)));
	store(a.gi + i, flush(gi * K(P_di)));
	vi const spk = spike_rule::spikes<VecOps>(refc, vn, K(P_Vth));
	spike_rule::reset<VecOps>(spk, vn, wn, refc, K(P_Vreset), K(P_b), K(P_R));
	store(a.v + i, vn);
	store(a.w + i, flush(wn));
	store(a.refc + i, refc);
	std::memcpy(a.spiked + i, &spk, sizeof spk);
	return spk;
#undef K
}

template <bool EXP, bool EXT, Layout L>
static bool step_impl(RawStep const& r)
{
	Ptrs a;
	vd u[P_COUNT];
	for (unsigned p = 0; p < P_COUNT; ++p) {
		a.p[p] = r.k[p].p;
		a.m[p] = r.k[p].mask;
		u[p] = splat(r.k[p].p[0]);
	}
	a.v = r.v;
	a.w = r.w;
	a.ge = r.ge;
	a.gi = r.gi;
	a.refc = r.refc;
	a.iext = r.iext;
	a.spiked = r.spiked;
	a.packed = r.packed;
	size_t const n = r.n;
	vi any = vi{};
	static_assert(lane_block_of_kernel % (U * W) == 0, "padding must fit the unrolled loop");
	for (size_t i = 0; i < n; i += U * W) {
		any |= block<EXP, EXT, L>(a, u, i);
		if constexpr (U == 2)
			any |= block<EXP, EXT, L>(a, u, i + W);
	}
	long long x = 0;
	for (size_t l = 0; l < W; ++l)
		x |= any[l];
	return x != 0;
}

template <Layout L>
static bool step_layout(RawStep const& a)
{
	if (a.exponential)
		return a.iext ? step_impl<true, true, L>(a) : step_impl<true, false, L>(a);
	return a.iext ? step_impl<false, true, L>(a) : step_impl<false, false, L>(a);
}

bool step(RawStep const& a)
{
	if (!a.packed)
		return step_layout<UNIFORM>(a);
	return a.compact ? step_layout<COMPACT>(a) : step_layout<PACKED>(a);
}

double fast_exp(double x)
{
	return vexp(splat(x))[0];
}

void exp_n(double const* x, double* y, size_t n)
{
	size_t i = 0;
	for (; i + W <= n; i += W)
		store(y + i, vexp(load(x + i)));
	if (i < n) {
		double in[W] = {}, out[W];
		std::memcpy(in, x + i, (n - i) * sizeof(double));
		store(out, vexp(load(in)));
		std::memcpy(y + i, out, (n - i) * sizeof(double));
	}
}

// one vector of pairs: below the clamp of vexp (and for an infinite dt) a pair adds nothing
static inline void pair_vector(double t, double const* tp, double const* tau, double* x, double* y)
{
	vd const xi = -(splat(t) - load(tp)) / load(tau);
	store(x, xi);
	store(y, from_bits(bits_of(vexp(xi)) & (xi >= splat(-700.0))));
}

void pair_exp(double t, double const* tp, double const* tau, double* x, double* y, size_t n)
{
	size_t i = 0;
	for (; i + W <= n; i += W)
		pair_vector(t, tp + i, tau + i, x + i, y + i);
	if (i < n) {
		// the rest in one vector: padded lanes (dt 0, tau 1) are computed and dropped
		double tpv[W], tauv[W], xo[W], yo[W];
		for (size_t l = 0; l < W; ++l) {
			tpv[l] = i + l < n ? tp[i + l] : t;
			tauv[l] = i + l < n ? tau[i + l] : 1.0;
		}
		pair_vector(t, tpv, tauv, xo, yo);
		std::memcpy(x + i, xo, (n - i) * sizeof(double));
		std::memcpy(y + i, yo, (n - i) * sizeof(double));
	}
}

} // namespace HXSIM_KERNEL_NS
} // namespace kernel
} // namespace hxsim
