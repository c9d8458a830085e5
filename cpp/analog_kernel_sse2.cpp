// Baseline (SSE2, any x86-64) build of the neuron kernel.
#define HXSIM_KERNEL_NS sse2
#include "analog_kernel_impl.h"
