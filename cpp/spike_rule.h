// The spike rule of a neuron circuit, written once for the vectorised kernel
// (analog_kernel_impl.h, one lane per neuron) and the chip core's scalar code
// (chip_neurons.cpp: multi-compartment nodes, bypass, forced spikes).
//
// Per step, with the refractory counter `refc` in steps:
//   refc = max(refc - 1, 0)                   count_down
//   the membrane integrates while refc <= H   integrating (H: reset holdoff)
//   a neuron may fire when refc <= 0          ready
//   it fires when ready and V >= V_th         spikes
//   at a spike: V = V_reset, w += b, refc = R reset
//
// The functions are templates over an `Ops` policy giving the value type
// (a double, or a GCC vector of doubles) and its `mask` (bool, or a vector of
// all-ones / all-zeros integers), `splat` (broadcast), `select(m, a, b)`
// (m ? a : b) and `max`. They have internal linkage (static), so the kernel's
// ISA-specific builds (-mavx2 and baseline) never share an instantiation
// through the linker. No standard headers: the kernel builds see only this.
#pragma once

namespace hxsim {
namespace spike_rule {

// The policy of the scalar (one neuron) form.
struct ScalarOps
{
	typedef double value;
	typedef bool mask;
	static double splat(double x) { return x; }
	static double select(bool m, double a, double b) { return m ? a : b; }
	static double max(double a, double b) { return a > b ? a : b; }
};

// The refractory counter at the start of a step: one step less, not below 0.
template <class Ops, class V>
static inline V count_down(V refc)
{
	return Ops::max(refc - Ops::splat(1.0), Ops::splat(0.0));
}

// The membrane integrates while the counter is at most the holdoff H (after
// the holdoff it is clamped to its reset potential until the counter runs out).
template <class Ops, class V>
static inline typename Ops::mask integrating(V refc, V H)
{
	return (typename Ops::mask)(refc <= H);
}

// Not refractory: the neuron may fire.
template <class Ops, class V>
static inline typename Ops::mask ready(V refc)
{
	return (typename Ops::mask)(refc <= Ops::splat(0.0));
}

// The neuron fires: not refractory and its membrane at or above the threshold.
template <class Ops, class V>
static inline typename Ops::mask spikes(V refc, V v, V Vth)
{
	return (typename Ops::mask)(ready<Ops>(refc) & (typename Ops::mask)(v >= Vth));
}

// The reset where `spk` holds: V to V_reset, w += b, the counter to R.
template <class Ops, class M, class V>
static inline void reset(M spk, V& v, V& w, V& refc, V Vreset, V b, V R)
{
	v = Ops::select(spk, Vreset, v);
	w = Ops::select(spk, w + b, w);
	refc = Ops::select(spk, R, refc);
}

} // namespace spike_rule
} // namespace hxsim
