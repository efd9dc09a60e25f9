// The opt backend's one morphology kernel: out = min (or max) over footprint offsets of the image extended by a
// border rule. Offsets are grouped by source row (dz, dy); for each output row every group loads its source row
// once, padded, and folds each dx shift in with a whole-row vectorized min/max. A box footprint is applied as
// three line passes (exact: a box is the product of its edges), so its cost grows with the sum, not the product,
// of its extents. Grayscale and binary ops (bool as 0/1 bytes) both run here.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/array.hpp"
#include "skb/morphology.hpp"
#include "skb/nvtx.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {

using Offsets = std::vector<std::vector<std::int64_t>>;

template <class T> inline T identity_of(Extremum which) {
    if constexpr (std::numeric_limits<T>::has_infinity)
        return which == Extremum::Min ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
    return which == Extremum::Min ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest();
}

template <Extremum Which, class T> inline void fold_row(T* __restrict acc, const T* __restrict src, std::int64_t n) {
    for (std::int64_t x = 0; x < n; ++x) {
        if constexpr (Which == Extremum::Min) acc[x] = src[x] < acc[x] ? src[x] : acc[x];
        else acc[x] = src[x] > acc[x] ? src[x] : acc[x];
    }
}

// One pass over a (Z, H, W) volume (Z = 1 for 2-d); offsets are (dz, dy, dx).
template <Extremum Which, class T>
void offset_pass(const T* in, T* out, std::int64_t Z, std::int64_t H, std::int64_t W, const Offsets& offsets,
                 const MorphologyBorder<T>& border, const RunOptions& options) {
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::int64_t>> groups;  // (dz, dy) -> dx
    std::int64_t pad = 0;
    for (const auto& o : offsets) {
        groups[{o[0], o[1]}].push_back(o[2]);
        pad = std::max(pad, std::abs(o[2]));
    }
    const T identity = identity_of<T>(Which);
    parallel_blocks(options, Z * H, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(W, 1)),
                    [&](std::int64_t begin, std::int64_t end) {
        Scratch<T> scratch;
        T* row = scratch.get(W + 2 * pad);
        for (std::int64_t zy = begin; zy < end; ++zy) {
            const std::int64_t z = zy / H, y = zy % H;
            T* acc = out + zy * W;
            fill_row(acc, W, identity);
            for (const auto& [dzdy, dxs] : groups) {
                const std::int64_t zz = border_index(z + dzdy.first, Z, border.mode);  // 2-d: Z = 1, dz = 0
                const std::int64_t yy = border_index(y + dzdy.second, H, border.mode);
                if (zz < 0 || yy < 0) {  // the whole source row lies outside (constant mode)
                    fill_row(row, W, border.outside);
                    fold_row<Which>(acc, row, W);
                    continue;
                }
                load_padded_row(in + (zz * H + yy) * W, W, pad, border.mode, border.outside, row, [](T v) { return v; });
                for (std::int64_t dx : dxs) fold_row<Which>(acc, row + pad + dx, W);
            }
        }
    });
}

// The extents and minimum offset of a footprint that is a full box, or nothing.
inline bool is_box(const Offsets& offsets, std::int64_t lo[3], std::int64_t hi[3]) {
    for (int d = 0; d < 3; ++d) {
        lo[d] = hi[d] = offsets.front()[d];
        for (const auto& o : offsets) lo[d] = std::min(lo[d], o[d]), hi[d] = std::max(hi[d], o[d]);
    }
    return static_cast<std::int64_t>(offsets.size()) == (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1);
}

// min/max filter of `image` (2-d or 3-d, offsets with one entry per axis) into a new array.
template <class T>
Array extremum_filter(const Array& image, const T* in, Offsets offsets, Extremum which, const MorphologyBorder<T>& border,
                      DType out_dtype, const RunOptions& options) {
    const Shape& s = image.shape();
    const std::int64_t Z = s.size() == 3 ? s[0] : 1, H = s[s.size() - 2], W = s.back();
    if (s.size() == 2)
        for (auto& o : offsets) o.insert(o.begin(), 0);
    Array result(out_dtype, s);
    T* out = reinterpret_cast<T*>(result.raw());
    auto pass = [&](const T* src, T* dst, const Offsets& o) {
        if (which == Extremum::Min) offset_pass<Extremum::Min>(src, dst, Z, H, W, o, border, options);
        else offset_pass<Extremum::Max>(src, dst, Z, H, W, o, border, options);
    };
    std::int64_t lo[3], hi[3];
    if (!is_box(offsets, lo, hi) || offsets.size() <= 3) {
        pass(in, out, offsets);
        return result;
    }
    // Box: lines along x, then y, then z, ping-ponging between the output and one temporary.
    Array temporary(out_dtype, s);
    T* tmp = reinterpret_cast<T*>(temporary.raw());
    std::vector<Offsets> lines(3);
    for (int d = 0; d < 3; ++d)
        for (std::int64_t k = lo[d]; k <= hi[d]; ++k) {
            std::vector<std::int64_t> o(3, 0);
            o[d] = k;
            lines[d].push_back(o);
        }
    pass(in, tmp, lines[2]);
    pass(tmp, out, lines[1]);
    if (hi[0] > lo[0]) {
        pass(out, tmp, lines[0]);
        std::copy_n(tmp, image.size(), out);
    }
    return result;
}

}  // namespace skb::opt
