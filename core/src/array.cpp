#include "skb/array.hpp"

#include <sys/mman.h>

#include <cstring>
#include <limits>
#include <new>

#include "skb/audit.hpp"

namespace skb {

std::int64_t element_count(const Shape& shape) {
    std::int64_t n = 1;
    for (std::int64_t extent : shape) {
        if (extent < 0) throw Error("negative extent " + std::to_string(extent) + " in shape " + shape_string(shape));
        if (extent != 0 && n > std::numeric_limits<std::int64_t>::max() / extent)
            throw Error("shape " + shape_string(shape) + " has too many elements");
        n *= extent;
    }
    return n;
}

std::string shape_string(const Shape& shape) {
    if (shape.empty()) return "()";
    std::string s;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += 'x';
        s += std::to_string(shape[i]);
    }
    return s;
}

Shape c_strides(const Shape& shape) {
    Shape strides(shape.size(), 1);
    for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
    return strides;
}

namespace {

// Arrays above glibc's largest dynamic mmap threshold (32 MiB on 64-bit) are mapped afresh by every allocation,
// so they are aligned to 2 MiB and offered transparent huge pages, as NumPy does for its large buffers: first-touch
// page faults on a fresh 244 MB output cost ~90 ms with 4 KiB pages and ~15 ms with huge pages. Smaller ones stay
// plain allocations, which glibc hands back after a free without new page faults; a 2 MiB-aligned allocation
// would defeat that (measured: a 16 MB output took 10 huge-page faults every call, +0.45 ms on a 1.1 ms op).
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugePageThreshold = std::size_t{32} << 20;

std::size_t alignment_for(std::size_t bytes) { return bytes >= kHugePageThreshold ? kHugePage : kArrayAlignment; }

}  // namespace

void detail::AuditedFree::operator()(std::byte* p) const {
    if (!p || !owned) return;
    ::operator delete[](p, std::align_val_t{alignment_for(bytes)});
    audit::record_free(bytes, dtype);
}

Array::Array(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)), size_(element_count(shape_)) {
    const std::size_t bytes = nbytes();
    if (static_cast<std::uint64_t>(size_) > std::numeric_limits<std::size_t>::max() / dtype_size(dtype_))
        throw Error("array of shape " + shape_string(shape_) + " is too large");
    // Zero-size arrays still get a distinct (minimal) block so data() is never null.
    const std::size_t alloc = bytes == 0 ? kArrayAlignment : bytes;
    auto* p = static_cast<std::byte*>(::operator new[](alloc, std::align_val_t{alignment_for(alloc)}));
    if (alloc >= kHugePageThreshold) ::madvise(p, alloc & ~(kHugePage - 1), MADV_HUGEPAGE);  // advice only
    audit::record_allocation(alloc, dtype_);
    storage_ = std::unique_ptr<std::byte, detail::AuditedFree>(p, detail::AuditedFree{alloc, dtype_});
}

Array Array::borrow(void* data, DType dtype, Shape shape) {
    if (!data) throw InternalError("Array::borrow of a null pointer");
    if (reinterpret_cast<std::uintptr_t>(data) % dtype_size(dtype) != 0)
        throw InternalError("Array::borrow: memory not aligned for " + std::string(dtype_name(dtype)));
    Array a;
    a.dtype_ = dtype;
    a.shape_ = std::move(shape);
    a.size_ = element_count(a.shape_);
    a.storage_ = std::unique_ptr<std::byte, detail::AuditedFree>(static_cast<std::byte*>(data),
                                                                  detail::AuditedFree{a.nbytes(), dtype, false});
    return a;
}

Array Array::zeros(DType dtype, Shape shape) {
    Array a(dtype, std::move(shape));
    std::memset(a.raw(), 0, a.nbytes());
    return a;
}

Array Array::clone() const {
    Array a(dtype_, shape_);
    if (nbytes()) std::memcpy(a.raw(), raw(), nbytes());
    return a;
}

void Array::check_type(DType requested) const {
    if (requested != dtype_)
        throw Error("array holds " + std::string(dtype_name(dtype_)) + ", accessed as " +
                    std::string(dtype_name(requested)));
}

AxisLines::AxisLines(const Shape& shape, int axis) {
    for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
        if (d < axis) outer *= shape[d];
        else if (d == axis) length = shape[d];
        else inner *= shape[d];
    }
}

}  // namespace skb

#include "skb/nd.hpp"

skb::Array skb::cast_array(const Array& input, DType to) {
    Array result(to, input.shape());
    visit_dtype(input.dtype(), [&](auto from_tag) {
        using From = decltype(from_tag);
        visit_dtype(to, [&](auto to_tag) {
            using To = decltype(to_tag);
            const From* in = input.data<From>();
            To* out = result.data<To>();
            for (std::int64_t i = 0; i < input.size(); ++i) out[i] = static_cast<To>(in[i]);
        });
    });
    return result;
}
