// openhx host build of libnux/vx/vector_if.h: element-wise selection by comparing a mask
// with zero. Signed element types compare as signed, unsigned ones as unsigned (never < 0).
#pragma once
#include "libnux/vx/vector_row.h"
#include <cstddef>

namespace libnux::vx {

enum class VectorIfCondition
{
	greater,
	lesser,
	equal,
	greater_equal,
	lesser_equal,
	unequal,
};

// value_true[i] where (mask[i] <condition> 0), else value_false[i].
template <typename VectorMask, typename VectorValue>
VectorValue vector_if(
    VectorMask const& mask,
    VectorIfCondition const condition,
    VectorValue const& value_true,
    VectorValue const& value_false)
{
	static_assert(
	    sizeof(typename VectorMask::Element) == sizeof(typename VectorValue::Element),
	    "Element size of mask and value need to match.");
	static_assert(VectorMask::size == VectorValue::size, "Element number of mask and value need to match.");
	VectorValue r;
	for (size_t i = 0; i < VectorValue::size; ++i) {
		auto const m = mask[i];
		bool c = false;
		switch (condition) {
			case VectorIfCondition::greater:
				c = m > 0;
				break;
			case VectorIfCondition::lesser:
				c = m < 0;
				break;
			case VectorIfCondition::equal:
				c = m == 0;
				break;
			case VectorIfCondition::greater_equal:
				c = m >= 0;
				break;
			case VectorIfCondition::lesser_equal:
				c = m <= 0;
				break;
			case VectorIfCondition::unequal:
				c = m != 0;
				break;
		}
		r[i] = c ? value_true[i] : value_false[i];
	}
	return r;
}

} // namespace libnux::vx
