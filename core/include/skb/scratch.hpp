// Growable scratch space that the allocation audit sees (backends' per-thread tile buffers count toward peak).
#pragma once
#include <cstdint>

#include "skb/array.hpp"

namespace skb {

template <class T> class Scratch {
public:
    // At least n elements; contents are not preserved when it grows.
    T* get(std::int64_t n) {
        if (buffer_.size() < n) buffer_ = Array(dtype_of<T>, Shape{n});
        return buffer_.template data<T>();
    }

private:
    Array buffer_;
};

}  // namespace skb
