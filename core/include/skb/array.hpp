// Owning, dtype-tagged, C-ordered arrays with 64-byte aligned, audited storage, and strided views over them.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "skb/dtype.hpp"
#include "skb/error.hpp"
#include "skb/hd.hpp"

namespace skb {

using Shape = std::vector<std::int64_t>;

std::int64_t element_count(const Shape& shape);
std::string shape_string(const Shape& shape);  // "17x23", "()" for 0-d
Shape c_strides(const Shape& shape);           // in elements

inline constexpr std::size_t kArrayAlignment = 64;

namespace detail {
// Frees an array's storage and tells the allocation audit (nothing for borrowed storage: the caller's memory).
struct AuditedFree {
    std::size_t bytes = 0;
    DType dtype = DType::U8;
    bool owned = true;
    void operator()(std::byte* p) const;
};
}  // namespace detail

class Array {
public:
    Array() = default;
    // Uninitialised storage (callers overwrite every element); use zeros() when that is not so.
    Array(DType dtype, Shape shape);
    static Array zeros(DType dtype, Shape shape);
    // An array over memory the caller owns and keeps alive (an out= buffer): never freed or audited here, and
    // `data` must be aligned for the dtype and hold the shape's bytes.
    static Array borrow(void* data, DType dtype, Shape shape);
    bool borrowed() const { return !storage_.get_deleter().owned; }
    template <class T> static Array scalar(T value) {
        Array a(dtype_of<T>, Shape{});
        *a.data<T>() = value;
        return a;
    }

    Array(Array&&) noexcept = default;
    Array& operator=(Array&&) noexcept = default;
    Array(const Array&) = delete;  // copies are explicit: clone()
    Array& operator=(const Array&) = delete;
    Array clone() const;

    DType dtype() const { return dtype_; }
    const Shape& shape() const { return shape_; }
    int ndim() const { return static_cast<int>(shape_.size()); }
    std::int64_t size() const { return size_; }
    std::size_t nbytes() const { return static_cast<std::size_t>(size_) * dtype_size(dtype_); }
    bool empty() const { return size_ == 0; }

    void* raw() { return storage_.get(); }
    const void* raw() const { return storage_.get(); }
    template <class T> T* data() {
        check_type(dtype_of<T>);
        return reinterpret_cast<T*>(storage_.get());
    }
    template <class T> const T* data() const {
        check_type(dtype_of<T>);
        return reinterpret_cast<const T*>(storage_.get());
    }
    template <class T> std::span<T> values() { return {data<T>(), static_cast<std::size_t>(size_)}; }
    template <class T> std::span<const T> values() const { return {data<T>(), static_cast<std::size_t>(size_)}; }

private:
    void check_type(DType requested) const;

    DType dtype_ = DType::U8;
    Shape shape_;
    std::int64_t size_ = 0;
    std::unique_ptr<std::byte, detail::AuditedFree> storage_;
};

// A strided N-d view (element strides). Plain data, so device code can take it by value.
template <class T, int N> struct View {
    T* data = nullptr;
    std::array<std::int64_t, N> extent{};
    std::array<std::int64_t, N> stride{};

    template <class... I> SKB_HD T& operator()(I... index) const {
        static_assert(sizeof...(I) == N, "one index per axis");
        const std::int64_t idx[N] = {static_cast<std::int64_t>(index)...};
        std::int64_t offset = 0;
        for (int d = 0; d < N; ++d) offset += idx[d] * stride[d];
        return data[offset];
    }
};
template <class T> using View2D = View<T, 2>;
template <class T> using View3D = View<T, 3>;

template <class T, int N> View<T, N> make_view(T* data, const Shape& shape) {
    if (static_cast<int>(shape.size()) != N)
        throw Error("expected a " + std::to_string(N) + "-d array, got shape " + shape_string(shape));
    View<T, N> v;
    v.data = data;
    const Shape strides = c_strides(shape);
    for (int d = 0; d < N; ++d) {
        v.extent[d] = shape[d];
        v.stride[d] = strides[d];
    }
    return v;
}
template <class T, int N> View<T, N> view(Array& a) { return make_view<T, N>(a.data<T>(), a.shape()); }
template <class T, int N> View<const T, N> view(const Array& a) {
    return make_view<const T, N>(a.data<T>(), a.shape());
}

// The 1-d lines of a C-ordered array along one axis: line (o, i) starts at o*length*inner + i and steps by inner.
struct AxisLines {
    std::int64_t outer = 1;   // product of extents before the axis
    std::int64_t length = 1;  // extent of the axis
    std::int64_t inner = 1;   // product of extents after the axis (the stride along it)

    AxisLines(const Shape& shape, int axis);
    std::int64_t count() const { return outer * inner; }
    std::int64_t start(std::int64_t line) const { return (line / inner) * length * inner + line % inner; }
};

}  // namespace skb
