// openhx host build of hate/tuple.h: hate::for_each over several tuple-like containers
// (std::array, std::tuple) in step: f(get<0>(a)..., ), f(get<1>(a)...), ...
#pragma once
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hate {

namespace detail {
template <size_t I, typename F, typename... Ts>
void apply_at(F& f, Ts&&... ts)
{
	f(std::get<I>(std::forward<Ts>(ts))...);
}

template <typename F, size_t... I, typename... Ts>
void for_each_impl(F& f, std::index_sequence<I...>, Ts&&... ts)
{
	(apply_at<I>(f, std::forward<Ts>(ts)...), ...);
}
} // namespace detail

template <typename F, typename T, typename... Ts>
void for_each(F&& f, T&& t, Ts&&... ts)
{
	constexpr size_t n = std::tuple_size<std::decay_t<T>>::value;
	static_assert(
	    ((std::tuple_size<std::decay_t<Ts>>::value == n) && ...),
	    "hate::for_each needs containers of equal size");
	detail::for_each_impl(f, std::make_index_sequence<n>{}, std::forward<T>(t), std::forward<Ts>(ts)...);
}

} // namespace hate
