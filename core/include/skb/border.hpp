// Boundary extension rules shared by every stencil op (SciPy ndimage semantics), usable from device code.
#pragma once
#include <cstdint>
#include <string_view>

#include "skb/hd.hpp"

namespace skb {

// Extensions of `a b c d` beyond either end (they repeat periodically when a kernel is longer than the line):
//   reflect  d c b a | a b c d | d c b a    (half-sample symmetric, period 2n)
//   mirror     d c b | a b c d | c b a      (whole-sample symmetric, period 2n-2)
//   nearest  a a a a | a b c d | d d d d
//   wrap     a b c d | a b c d | a b c d
//   constant k k k k | a b c d | k k k k    (k = cval)
enum class BorderMode { Reflect, Mirror, Nearest, Wrap, Constant };

// Maps a possibly out-of-range index i on a line of n >= 1 samples to the sample it reads,
// or -1 for "outside, use cval" (constant mode only).
SKB_HD inline std::int64_t border_index(std::int64_t i, std::int64_t n, BorderMode mode) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
        case BorderMode::Reflect: {
            const std::int64_t period = 2 * n;
            std::int64_t k = i % period;
            if (k < 0) k += period;
            return k < n ? k : period - 1 - k;
        }
        case BorderMode::Mirror: {
            if (n == 1) return 0;
            const std::int64_t period = 2 * n - 2;
            std::int64_t k = i % period;
            if (k < 0) k += period;
            return k < n ? k : period - k;
        }
        case BorderMode::Nearest: return i < 0 ? 0 : n - 1;
        case BorderMode::Wrap: {
            std::int64_t k = i % n;
            return k < 0 ? k + n : k;
        }
        case BorderMode::Constant: return -1;
    }
    return -1;
}

std::string_view border_mode_name(BorderMode mode);
// Parses reflect|mirror|nearest|wrap|constant; throws skb::Error naming the bad value.
BorderMode parse_border_mode(std::string_view name);

}  // namespace skb
