// The opt backend's morphology kernels: out = min (or max) over footprint offsets of the image extended by a
// border rule. Box footprints run through box_filter.hpp (van Herk line passes, any size at constant cost per
// pixel, in place when asked). Other footprints group their offsets by source row (dz, dy): for each output row
// every group loads its source row once, padded, and folds each dx shift in with a whole-row vectorized
// min/max. Grayscale and binary ops (bool as 0/1 bytes) both run here.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "box_filter.hpp"
#include "skb/array.hpp"
#include "skb/footprint.hpp"
#include "skb/nvtx.hpp"

namespace skb::opt {

using Offsets = std::vector<std::vector<std::int64_t>>;

// Element operations of `passes` filter passes with these offsets, for the grain policy (an upper bound for
// boxes, which van Herk's passes filter at a few operations per pixel and axis whatever their size).
inline std::int64_t morphology_work(const Array& image, const Offsets& offsets, int passes) {
    return image.size() * std::max<std::int64_t>(1, static_cast<std::int64_t>(offsets.size())) * passes;
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
    const T identity = extremum_identity<Which, T>();
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

// A footprint on a (Z, H, W) volume: offsets as (dz, dy, dx), and the box it spans if it is a full box.
struct VolumeFootprint {
    std::int64_t Z, H, W;
    Offsets offsets;
    bool box;
    std::int64_t lo[3], hi[3];

    VolumeFootprint(const Shape& s, Offsets o) : offsets(std::move(o)) {
        Z = s.size() == 3 ? s[0] : 1, H = s[s.size() - 2], W = s.back();
        if (s.size() == 2)
            for (auto& offset : offsets) offset.insert(offset.begin(), 0);
        // (Boxes containing the origin only: the in-place halo bookkeeping relies on lo <= 0 <= hi.)
        box = !offsets.empty() && is_box(offsets, lo, hi) && lo[0] <= 0 && lo[1] <= 0 && lo[2] <= 0 && hi[0] >= 0 &&
              hi[1] >= 0 && hi[2] >= 0;
    }
};

template <class T>
void extremum_pass(const T* src, T* dst, const VolumeFootprint& f, Extremum which, const MorphologyBorder<T>& border,
                   const RunOptions& options) {
    if (f.box) {
        if (which == Extremum::Min) box_filter<Extremum::Min>(src, dst, f.Z, f.H, f.W, f.lo, f.hi, border, options);
        else box_filter<Extremum::Max>(src, dst, f.Z, f.H, f.W, f.lo, f.hi, border, options);
    } else {
        if (which == Extremum::Min) offset_pass<Extremum::Min>(src, dst, f.Z, f.H, f.W, f.offsets, border, options);
        else offset_pass<Extremum::Max>(src, dst, f.Z, f.H, f.W, f.offsets, border, options);
    }
}

// min/max filter of `image` (2-d or 3-d, offsets with one entry per axis) into a new array of `out_dtype` (the
// image's own type, or bool over 0/1 bytes).
template <class T>
Array extremum_filter(const Array& image, const Offsets& offsets, Extremum which, const MorphologyBorder<T>& border,
                      DType out_dtype, const RunOptions& options) {
    const VolumeFootprint f(image.shape(), offsets);
    Array result(out_dtype, image.shape());
    extremum_pass(static_cast<const T*>(image.raw()), static_cast<T*>(result.raw()), f, which, border, options);
    return result;
}

// The same filter replacing `image`: in place for boxes (no second full-size array), else through a new array.
template <class T>
void extremum_filter_in_place(Array& image, const Offsets& offsets, Extremum which, const MorphologyBorder<T>& border,
                              const RunOptions& options) {
    const VolumeFootprint f(image.shape(), offsets);
    if (f.box) extremum_pass(static_cast<const T*>(image.raw()), static_cast<T*>(image.raw()), f, which, border, options);
    else image = extremum_filter<T>(image, offsets, which, border, image.dtype(), options);
}

}  // namespace skb::opt
