// The AdEx neuron kernel shared by hxsim.ModelSimulator and the chip's analog
// core: one forward-Euler step of N neurons, structure-of-arrays, vectorised
// over neurons, branch-free.
//
// Units: V mV, t us, C pF, g uS, I nA (pF*mV/us = nA = uS*mV).
//
// One step (Brian2's schedule: groups -> thresholds -> synapses -> resets):
//   h   = refc - 1 ; refc = max(h, 0) counts the refractory steps left
//   I   = c0 - gL*v + expc*exp((v - VT)*invDT) + ge*(Ee - cfe*v) + gi*(Ei - cfi*v) - wf*w + Iext
//   v'  = v + kC*I                  if refc <= H (integrating), else v (clamped)
//   w'  = w + kw*(a*(v - Ew) - w)
//   ge' = ge*de ; gi' = gi*di   (synaptic events are added by the caller after the step)
//   spike if refc <= 0 and v' >= Vth: v' = Vreset, w' += b, refc = R
// with the per-neuron constants of NeuronConstants (all derived, see
// ModelSimulator / the chip core). The right-hand side uses the values at the
// start of the step for every variable (simultaneous Euler update, as Brian2's
// `euler`). `cfe`/`cfi` = 1 for conductance-based inputs (ge*(Ee - v)), 0 for
// current-based ones (Ee = +1, Ei = -1: g is a current in nA).
//
// Floating point: IEEE double, no contraction (-ffp-contract=off for the
// kernel files), so every build (SSE2 baseline or AVX2) gives bit-identical
// results on every x86-64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "analog_kernel_raw.h"

namespace hxsim {
namespace kernel {

// Arrays are padded to a multiple of this many neurons (padding lanes are inert).
constexpr size_t lane_block = lane_block_of_kernel;

inline size_t padded(size_t n)
{
	return (n + lane_block - 1) / lane_block * lane_block;
}

// 64-byte aligned vector for SIMD loads.
template <typename T>
struct AlignedAllocator
{
	using value_type = T;
	AlignedAllocator() = default;
	template <typename U>
	AlignedAllocator(AlignedAllocator<U> const&)
	{}
	T* allocate(size_t n)
	{
		void* p = std::aligned_alloc(64, ((n * sizeof(T) + 63) / 64) * 64);
		if (!p)
			throw std::bad_alloc();
		return static_cast<T*>(p);
	}
	void deallocate(T* p, size_t) { std::free(p); }
	template <typename U>
	bool operator==(AlignedAllocator<U> const&) const
	{
		return true;
	}
	template <typename U>
	bool operator!=(AlignedAllocator<U> const&) const
	{
		return false;
	}
};
template <typename T>
using avector = std::vector<T, AlignedAllocator<T>>;

// Per-neuron constants of one step (derived from the model parameters and
// dt), indexed by kernel::Param. Call finalize() after changing them: it
// copies neuron 0 into the padding lanes (their spikes are ignored) and finds
// the constants that are the same for every neuron, which the kernel then
// reads from one cache line instead of streaming an array.
struct NeuronConstants
{
	avector<double> k[P_COUNT];
	bool uniform[P_COUNT] = {};
	alignas(64) double replicated[P_COUNT][lane_block] = {};
	// k interleaved by blocks of lane_block neurons (see RawStep::packed); empty when every
	// constant is uniform; compact when the usually uniform ones are (RawStep::compact)
	avector<double> packed;
	bool compact = false;
	RawParam raw[P_COUNT] = {}; // RawStep::k as finalize() left the arrays (points into this)

	NeuronConstants() = default;
	NeuronConstants(NeuronConstants const&) = delete; // raw would point into the original
	NeuronConstants& operator=(NeuronConstants const&) = delete;

	avector<double>& operator[](Param p) { return k[p]; }
	avector<double> const& operator[](Param p) const { return k[p]; }
	size_t size() const { return k[0].size(); }

	void resize(size_t n_padded);
	// after any change of k: pads, finds the uniform constants, builds packed and raw
	void finalize(size_t n_real);
};

// Dynamic state; g holds g_exc (first n_padded) then g_inh.
struct NeuronState
{
	avector<double> v, w, g, refc;
	size_t np = 0;
	void resize(size_t n_padded)
	{
		np = n_padded;
		v.assign(n_padded, 0.0);
		w.assign(n_padded, 0.0);
		g.assign(2 * n_padded, 0.0);
		refc.assign(n_padded, 0.0);
	}
	double* ge() { return g.data(); }
	double* gi() { return g.data() + np; }
	double const* ge() const { return g.data(); }
	double const* gi() const { return g.data() + np; }
};

struct StepArgs
{
	size_t n = 0; // padded neuron count (multiple of lane_block)
	NeuronConstants const* k = nullptr;
	NeuronState* s = nullptr;
	double const* iext = nullptr; // optional extra current per neuron (nA), e.g. coupling, noise
	int64_t* spiked = nullptr;    // out: -1 where the neuron spiked this step, else 0
	bool exponential = true;      // evaluate the exponential term at all
};

// One Euler step; returns true if any neuron spiked. Dispatches at run time
// to the widest build the CPU has (AVX-512, AVX2, else the SSE2 baseline; all
// bit-identical).
bool step(StepArgs const& args);

// Vectorisable exp used by the kernel, for tests: relative error < 2e-16 on
// [-700, 700] (the argument is clamped to that range).
double fast_exp(double x);

// y[i] = fast_exp(x[i]) for n values, vectorised (same results in every build).
void exp_n(double const* x, double* y, size_t n);

// For the correlation sensors: x[i] = -(t - tp[i]) / tau[i] and y[i] = fast_exp(x[i]), or 0
// where x[i] < -700 (also for tp[i] = -inf), for n values, vectorised (same results in every
// build and as the scalar expressions).
void pair_exp(double t, double const* tp, double const* tau, double* x, double* y, size_t n);

// Name of the kernel build in use ("avx512", "avx2" or "sse2").
char const* isa();

} // namespace kernel
} // namespace hxsim
