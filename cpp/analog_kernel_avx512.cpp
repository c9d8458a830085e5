// AVX-512 build of the neuron kernel: this translation unit is compiled with
// -mavx512f (see CMakeLists.txt) and entered only when the CPU reports AVX-512F
// (dispatch in analog_kernel.cpp). It sees nothing but raw pointers.
#define HXSIM_KERNEL_NS avx512
#include "analog_kernel_impl.h"
