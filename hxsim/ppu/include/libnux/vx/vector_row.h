// openhx host build of libnux's vector rows: one synapse row of a PPU (256 entries, the
// even and odd halves of the chip's two 128-byte vectors) with element-wise arithmetic.
// Mod types wrap around (modulo 2^bits), FracSat types saturate (signed fractional:
// products are (a * b) >> (bits - 1)), as the PPU's vector unit does. Conversions between
// the types follow libnux (see the conversion operator).
#pragma once
#include "libnux/vx/attrib.h"
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace libnux::vx {

template <typename T, bool Saturating>
struct VectorRow
{
	typedef T Element;
	constexpr static size_t size = 256;
	T data[size] = {};

	VectorRow() = default;
	VectorRow(T value) { std::fill(data, data + size, value); }
	VectorRow(VectorRow const&) = default;
	VectorRow& operator=(VectorRow const&) = default;

	T& operator[](size_t index) { return data[index]; }
	T const& operator[](size_t index) const { return data[index]; }

	bool operator==(VectorRow const& other) const { return std::equal(data, data + size, other.data); }
	bool operator!=(VectorRow const& other) const { return !(*this == other); }

	static T clip(long long v)
	{
		if constexpr (Saturating) {
			long long const lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
			return T(std::min(hi, std::max(lo, v)));
		} else {
			return T(static_cast<std::make_unsigned_t<T>>(v));
		}
	}
	static T mul(T a, T b)
	{
		if constexpr (Saturating)
			return clip((static_cast<long long>(a) * b) >> (sizeof(T) * 8 - 1));
		else
			return clip(static_cast<long long>(a) * b);
	}

	VectorRow operator-() const
	{
		VectorRow r;
		for (size_t i = 0; i < size; ++i)
			r.data[i] = clip(-static_cast<long long>(data[i]));
		return r;
	}
	VectorRow& operator+=(VectorRow const& rhs)
	{
		for (size_t i = 0; i < size; ++i)
			data[i] = clip(static_cast<long long>(data[i]) + rhs.data[i]);
		return *this;
	}
	VectorRow& operator-=(VectorRow const& rhs)
	{
		for (size_t i = 0; i < size; ++i)
			data[i] = clip(static_cast<long long>(data[i]) - rhs.data[i]);
		return *this;
	}
	VectorRow& operator*=(VectorRow const& rhs)
	{
		for (size_t i = 0; i < size; ++i)
			data[i] = mul(data[i], rhs.data[i]);
		return *this;
	}
	VectorRow& operator<<=(int num_bits)
	{
		for (size_t i = 0; i < size; ++i)
			data[i] = clip(static_cast<long long>(data[i]) * (1LL << num_bits));
		return *this;
	}
	VectorRow& operator>>=(int num_bits)
	{
		for (size_t i = 0; i < size; ++i)
			data[i] = T(data[i] >> num_bits);
		return *this;
	}
	VectorRow operator+(VectorRow const& rhs) const { return VectorRow(*this) += rhs; }
	VectorRow operator-(VectorRow const& rhs) const { return VectorRow(*this) -= rhs; }
	VectorRow operator*(VectorRow const& rhs) const { return VectorRow(*this) *= rhs; }
	VectorRow operator<<(int n) const { return VectorRow(*this) <<= n; }
	VectorRow operator>>(int n) const { return VectorRow(*this) >>= n; }

	// the same entries in another element type, as libnux converts them: Mod <-> FracSat of
	// one width reinterpret the bits (0..127 stay, 128..255 <-> -128..-1); Mod8 <-> Mod16 keep
	// the value (16 -> 8: the low byte); FracSat8 <-> FracSat16 keep the fraction (the 8-bit
	// value is the high byte of the 16-bit one)
	template <typename U, bool S>
	explicit operator VectorRow<U, S>() const
	{
		VectorRow<U, S> r;
		for (size_t i = 0; i < size; ++i) {
			long long v = data[i];
			if constexpr (sizeof(U) == sizeof(T)) {
				r.data[i] = static_cast<U>(static_cast<std::make_unsigned_t<T>>(data[i]));
				continue;
			} else if constexpr (Saturating && S) {
				if constexpr (sizeof(U) > sizeof(T))
					v *= (1LL << (8 * (sizeof(U) - sizeof(T))));
				else
					v >>= 8 * (sizeof(T) - sizeof(U));
			} else {
				// mixed kinds and widths: reinterpret the low bytes (as the vector unit does)
				v = static_cast<long long>(static_cast<std::make_unsigned_t<T>>(data[i]));
			}
			r.data[i] = static_cast<U>(static_cast<std::make_unsigned_t<U>>(v));
		}
		return r;
	}
};

template <typename T, bool S>
VectorRow<T, S> operator+(T lhs, VectorRow<T, S> const& rhs)
{
	return VectorRow<T, S>(lhs) + rhs;
}
template <typename T, bool S>
VectorRow<T, S> operator-(T lhs, VectorRow<T, S> const& rhs)
{
	return VectorRow<T, S>(lhs) - rhs;
}
template <typename T, bool S>
VectorRow<T, S> operator*(T lhs, VectorRow<T, S> const& rhs)
{
	return VectorRow<T, S>(lhs) * rhs;
}

typedef VectorRow<uint8_t, false> VectorRowMod8;
typedef VectorRow<uint16_t, false> VectorRowMod16;
typedef VectorRow<int8_t, true> VectorRowFracSat8;
typedef VectorRow<int16_t, true> VectorRowFracSat16;

} // namespace libnux::vx
