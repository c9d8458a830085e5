// AVX2 build of the neuron kernel: this translation unit is compiled with
// -mavx2 (see CMakeLists.txt) and entered only when the CPU reports AVX2
// (dispatch in analog_kernel.cpp). It sees nothing but raw pointers.
#define HXSIM_KERNEL_NS avx2
#include "analog_kernel_impl.h"
