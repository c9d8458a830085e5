// openhx host build of libnux/vx/helper.h: small helpers kernels use.
#pragma once
#include <cstddef>

namespace libnux::vx {
template <typename T>
constexpr T const& bounded(T const& value, T const& lo, T const& hi)
{
	return value < lo ? lo : (hi < value ? hi : value);
}
} // namespace libnux::vx
