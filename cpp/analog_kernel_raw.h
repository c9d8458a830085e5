// The raw-pointer view of one kernel step: the only type the ISA-specific
// kernel builds see (no std:: templates cross into those translation units,
// so no inline function compiled with -mavx2 can be picked by the linker for
// baseline code).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hxsim {
namespace kernel {

// Arrays are padded to a multiple of this many neurons.
constexpr size_t lane_block_of_kernel = 8;

// The per-neuron constants of the kernel (see analog_kernel.h for the equations).
enum Param : unsigned
{
	P_kC,     // dt / C
	P_c0,     // gL*EL + I_offset (nA)
	P_gL,     // leak conductance
	P_VT,     // exponential threshold
	P_invDT,  // 1 / Delta_T
	P_expc,   // gL * Delta_T if the exponential term is on, else 0
	P_Vth,    // spike threshold (V_peak); +inf: never fires
	P_Vreset, // reset potential
	P_a,      // subthreshold adaptation
	P_Ew,     // adaptation reversal
	P_kw,     // dt / tau_w (0: w frozen)
	P_wf,     // 1 if w acts on the membrane, else 0
	P_b,      // spike-triggered adaptation
	P_Ee,     // exc. reversal (COBA) or +1 (CUBA)
	P_Ei,     // inh. reversal (COBA) or -1 (CUBA)
	P_cfe,    // 1 COBA, 0 CUBA (excitatory input)
	P_cfi,    // 1 COBA, 0 CUBA (inhibitory input)
	P_de,     // 1 - dt/tau_exc (Euler decay factor)
	P_di,     // 1 - dt/tau_inh
	P_R,      // refractory steps set at a spike
	P_H,      // the membrane integrates while refc <= H (reset holdoff; 0 in the model API)
	P_COUNT
};

// Constants that are usually the same for all neurons (mode flags and counters): when they
// are, the interleaved blocks (RawStep::packed) leave them out and the kernel holds them in
// registers (RawStep::compact).
constexpr bool usually_uniform(Param p)
{
	return p == P_wf || p == P_cfe || p == P_cfi || p == P_R || p == P_H;
}
// position of p among the constants a compact block holds (those not usually uniform)
constexpr unsigned compact_slot(Param p)
{
	unsigned s = 0;
	for (unsigned q = 0; q < unsigned(p); ++q)
		s += usually_uniform(Param(q)) ? 0 : 1;
	return s;
}
constexpr unsigned P_COMPACT = compact_slot(P_COUNT);

// One constant: per neuron (mask = ~0) or the same for all (mask = 0, `p`
// points to a block of identical values): lane i reads p[i & mask].
struct RawParam
{
	double const* p;
	size_t mask;
};

struct RawStep
{
	size_t n; // padded neuron count, a multiple of 8
	RawParam k[P_COUNT];
	// The same constants interleaved by blocks of 8 neurons (block b holds param p of its
	// neurons at packed[(b * P_COUNT + p) * 8]): one sequential stream instead of one per
	// varying constant. Null when every constant is uniform (then k[p] are read once).
	// compact: the usually uniform constants are uniform and left out (block b holds p at
	// packed[(b * P_COMPACT + compact_slot(p)) * 8]).
	double const* packed;
	bool compact;
	double *v, *w, *ge, *gi, *refc;
	double const* iext; // optional extra current (nA) per neuron, or null
	int64_t* spiked;    // out: -1 where the neuron spiked this step, else 0
	bool exponential;   // evaluate the exponential term at all
};

} // namespace kernel
} // namespace hxsim
