// Element types skbench reads, computes and writes, with their NumPy names and .npy descriptors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

// A set of dtypes fixed at compile time: what an op accepts. Its spec lists them (list()) and its backends dispatch
// over them (visit_dtype<Set>), so code is instantiated only for dtypes the op can be given.
struct DTypeSet {
    std::uint32_t bits = 0;
    constexpr DTypeSet(std::initializer_list<DType> dtypes) {
        for (DType t : dtypes) bits |= 1u << static_cast<unsigned>(t);
    }
    constexpr bool contains(DType t) const { return (bits >> static_cast<unsigned>(t)) & 1u; }
    std::vector<DType> list() const {
        std::vector<DType> out;
        for (int i = 0; i < kDTypeCount; ++i)
            if (contains(static_cast<DType>(i))) out.push_back(static_cast<DType>(i));
        return out;
    }
};
// What most image ops accept (scikit-image's images: bool, small unsigned integers, floats).
inline constexpr DTypeSet kImageDTypes{DType::Bool, DType::U8, DType::U16, DType::F32, DType::F64};
// Label images and masks: bool and the integers.
inline constexpr DTypeSet kLabelDTypes{DType::Bool, DType::U8, DType::U16, DType::I32, DType::I64};
inline constexpr DTypeSet kAllDTypes{DType::Bool, DType::U8, DType::U16, DType::I32, DType::I64, DType::F32, DType::F64};

// Calls fn(T{}) with the C++ type of `t`, for the dtypes of Accepted only: the single switch from runtime dtype to
// template code. Any other dtype throws (an op's spec refuses it before its backend runs).
template <DTypeSet Accepted, class Fn> decltype(auto) visit_dtype(DType t, Fn&& fn) {
#define SKB_VISIT_CASE(D, T) \
    case DType::D:           \
        if constexpr (Accepted.contains(DType::D)) return fn(T{}); \
        break;
    switch (t) {
        SKB_VISIT_CASE(Bool, bool)
        SKB_VISIT_CASE(U8, std::uint8_t)
        SKB_VISIT_CASE(U16, std::uint16_t)
        SKB_VISIT_CASE(I32, std::int32_t)
        SKB_VISIT_CASE(I64, std::int64_t)
        SKB_VISIT_CASE(F32, float)
        SKB_VISIT_CASE(F64, double)
    }
#undef SKB_VISIT_CASE
    if (static_cast<int>(t) >= kDTypeCount) throw Error("invalid dtype code " + std::to_string(static_cast<int>(t)));
    throw Error("dtype " + std::string(dtype_name(t)) + " reached a dispatch that does not take it");
}

// Every dtype (helpers that serve all ops: conversions, I/O).
template <class Fn> decltype(auto) visit_dtype(DType t, Fn&& fn) {
    return visit_dtype<kAllDTypes>(t, std::forward<Fn>(fn));
}

}  // namespace skb
