// Element types skbench reads, computes and writes, with their NumPy names and .npy descriptors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "skb/error.hpp"

namespace skb {

enum class DType : std::uint8_t { Bool, U8, U16, I32, I64, F32, F64 };
inline constexpr int kDTypeCount = 7;

constexpr std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::Bool:
        case DType::U8: return 1;
        case DType::U16: return 2;
        case DType::I32:
        case DType::F32: return 4;
        case DType::I64:
        case DType::F64: return 8;
    }
    return 0;
}

constexpr std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::Bool: return "bool";
        case DType::U8: return "uint8";
        case DType::U16: return "uint16";
        case DType::I32: return "int32";
        case DType::I64: return "int64";
        case DType::F32: return "float32";
        case DType::F64: return "float64";
    }
    return "?";
}

// Short tag used in benchmark names: u8, f32, ...
constexpr std::string_view dtype_tag(DType t) {
    switch (t) {
        case DType::Bool: return "b1";
        case DType::U8: return "u8";
        case DType::U16: return "u16";
        case DType::I32: return "i32";
        case DType::I64: return "i64";
        case DType::F32: return "f32";
        case DType::F64: return "f64";
    }
    return "?";
}

constexpr bool is_float(DType t) { return t == DType::F32 || t == DType::F64; }
constexpr bool is_integer(DType t) { return !is_float(t) && t != DType::Bool; }

// Parses a NumPy dtype name ("uint8") or short tag ("u8"); throws naming the bad value.
DType parse_dtype(std::string_view name);

template <class T> struct dtype_of_t;
template <> struct dtype_of_t<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of_t<std::uint8_t> { static constexpr DType value = DType::U8; };
template <> struct dtype_of_t<std::uint16_t> { static constexpr DType value = DType::U16; };
template <> struct dtype_of_t<std::int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of_t<std::int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of_t<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of_t<double> { static constexpr DType value = DType::F64; };
template <class T> inline constexpr DType dtype_of = dtype_of_t<T>::value;

// Calls fn(T{}) with the C++ type of `t`: the single switch from runtime dtype to template code.
template <class Fn> decltype(auto) visit_dtype(DType t, Fn&& fn) {
    switch (t) {
        case DType::Bool: return fn(bool{});
        case DType::U8: return fn(std::uint8_t{});
        case DType::U16: return fn(std::uint16_t{});
        case DType::I32: return fn(std::int32_t{});
        case DType::I64: return fn(std::int64_t{});
        case DType::F32: return fn(float{});
        case DType::F64: return fn(double{});
    }
    throw Error("invalid dtype code " + std::to_string(static_cast<int>(t)));
}

}  // namespace skb
