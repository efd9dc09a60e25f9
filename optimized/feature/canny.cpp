// Opt feature.canny: the exact answer of the reference (each step in scikit-image's float type F: float32 for
// float32 images, float64 otherwise, since a different rounding flips an edge pixel), fused by row bands in
// parallel. A band walks its rows once: each smoothed row (Gaussian along y then x, each pass accumulated in double
// in SciPy's order and rounded to F, divided by the smoothed mask where scikit-image does), kept in a ring of
// three; each gradient-magnitude row from them (Sobel, mode reflect), kept in a ring of three; each row's
// non-maximum suppression (skb/canny.hpp) into a class per pixel: 0, 1 (survives), 2 (survives and strong). Rows
// outside a band's range are recomputed at its edges rather than shared. Hysteresis then floods the survivors
// 8-connected to a strong pixel, by row bands in parallel with rounds across their boundaries. With use_quantiles the magnitude of every
// pixel is needed first (np.percentile): it is stored, F per pixel, and suppressed from there.
// Scratch: rows in double (the line buffers SciPy accumulates in, so that a constant-mode cval enters unrounded)
// and, for F = float64, the rings: a few rows per thread, never an image, except the quantile case's magnitude
// (and its copy, which np.percentile's selection reorders).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "parallel.hpp"
#include "skb/border.hpp"
#include "skb/canny.hpp"
#include "skb/convert.hpp"
#include "skb/gaussian_kernel.hpp"
#include "skb/registry.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

// What every band reads: the image, the mask, the Gaussian taps, the border rule.
template <class T, class F> struct Source {
    const T* image;
    const bool* keep;  // the mask, or nullptr
    std::int64_t height, width;
    std::vector<double> taps;  // taps[j]: the weight of offsets +-j (taps[0] the centre); empty: no smoothing
    BorderMode mode;
    double cval;
    bool bleed;  // divide by the smoothed mask (constant mode, or a mask given)

    std::int64_t radius() const { return taps.empty() ? 0 : static_cast<std::int64_t>(taps.size()) - 1; }
};

// A band's rows. Input rows as F (img_as_float, masked pixels 0) and mask rows (0/1) are cached by image row in
// rings of 2r + 3 slots, so that each is converted once per band; smoothed and magnitude rows in rings of three.
template <class T, class F> class BandRows {
public:
    BandRows(const Source<T, F>& src) : src_(src), w_(src.width), slots_(2 * src.radius() + 3) {
        const std::int64_t r = src.radius();
        line_ = doubles_.get(2 * (w_ + 2 * r));
        accumulator_ = line_ + w_ + 2 * r;
        F* f = rows_.get(w_ * (2 * slots_ + 15));
        input_ring_ = f, mask_ring_ = f + slots_ * w_;
        f += 2 * slots_ * w_;
        smooth_ring_ = f, magnitude_ring = f + 3 * w_, vertical_ = f + 6 * w_, bleed_row_ = f + 7 * w_;
        interior_bleed_ = f + 8 * w_, derivative = f + 9 * w_, zeros_ = f + 12 * w_, ones_ = f + 13 * w_;
        spare_ = f + 14 * w_;
        std::fill(zeros_, zeros_ + w_, F(0));
        std::fill(ones_, ones_ + w_, F(1));
        input_rows_.assign(static_cast<std::size_t>(slots_), -1);
        mask_rows_.assign(static_cast<std::size_t>(slots_), -1);
    }

    // The smoothed row of image row y (inside the image), from the ring or computed into it.
    const F* smoothed(std::int64_t y) {
        const auto slot = static_cast<std::size_t>(y % 3);
        F* row = smooth_ring_ + static_cast<std::int64_t>(slot) * w_;
        if (smooth_rows_[slot] == y) return row;
        smooth(y, [this](std::int64_t yy) { return input(yy); }, row);
        if (src_.bleed) {
            const F* bleed = bleed_row(y);
            for (std::int64_t x = 0; x < w_; ++x) row[x] /= static_cast<F>(bleed[x] + std::numeric_limits<F>::epsilon());
        }
        smooth_rows_[slot] = y;
        return row;
    }

    F* magnitude_ring;
    F* derivative;  // 3 rows

private:
    const F* input(std::int64_t y) {
        const auto slot = static_cast<std::size_t>(y % slots_);
        F* row = input_ring_ + static_cast<std::int64_t>(slot) * w_;
        if (input_rows_[slot] != y) {
            const T* in = src_.image + y * w_;
            const bool* keep = src_.keep ? src_.keep + y * w_ : nullptr;
            for (std::int64_t x = 0; x < w_; ++x) row[x] = img_as_float<F>(in[x]);
            if (keep)
                for (std::int64_t x = 0; x < w_; ++x) row[x] = keep[x] ? row[x] : F(0);
            input_rows_[slot] = y;
        }
        return row;
    }
    const F* mask(std::int64_t y) {
        if (!src_.keep) return ones_;
        const auto slot = static_cast<std::size_t>(y % slots_);
        F* row = mask_ring_ + static_cast<std::int64_t>(slot) * w_;
        if (mask_rows_[slot] != y) {
            const bool* keep = src_.keep + y * w_;
            for (std::int64_t x = 0; x < w_; ++x) row[x] = keep[x] ? F(1) : F(0);
            mask_rows_[slot] = y;
        }
        return row;
    }
    // The smoothed mask (ones without a mask) of row y. Without a mask, every row at least r from the top and
    // bottom gives the same row: it is computed once.
    const F* bleed_row(std::int64_t y) {
        const std::int64_t r = src_.radius();
        const bool interior = !src_.keep && y >= r && y < src_.height - r;
        if (interior && interior_bleed_ready_) return interior_bleed_;
        F* row = interior ? interior_bleed_ : bleed_row_;
        smooth(y, [this](std::int64_t yy) { return mask(yy); }, row);
        interior_bleed_ready_ = interior_bleed_ready_ || interior;
        return row;
    }

    // SciPy's gaussian_filter on one row: the y pass (per x: the centre, then the pairs from the farthest in, in
    // double, rounded to F), then the x pass over it the same way; outside reads the border rule, and a constant
    // mode's cval enters unrounded (a zero row plus cval). Loops over x, so they vectorize; the order per pixel is
    // SciPy's.
    template <class Get> void smooth(std::int64_t y, Get get, F* out) {
        if (src_.taps.empty()) {  // sigma 0: SciPy copies
            const F* in = get(y);
            std::copy(in, in + w_, out);
            return;
        }
        const std::int64_t r = src_.radius(), h = src_.height;
        const double* taps = src_.taps.data();
        double* acc = accumulator_;
        const F* centre = get(y);
        for (std::int64_t x = 0; x < w_; ++x) acc[x] = static_cast<double>(centre[x]) * taps[0];
        for (std::int64_t j = r; j >= 1; --j) {
            const std::int64_t ya = border_index(y - j, h, src_.mode), yb = border_index(y + j, h, src_.mode);
            const F* a = ya < 0 ? zeros_ : get(ya);
            if (ya >= 0 && yb >= 0 && ya != yb && ya % slots_ == yb % slots_) {  // (wrap: b's row would evict a's)
                std::copy(a, a + w_, spare_);
                a = spare_;
            }
            const F* b = yb < 0 ? zeros_ : get(yb);
            const double ca = ya < 0 ? src_.cval : 0.0, cb = yb < 0 ? src_.cval : 0.0;
            const double tap = taps[j];
            for (std::int64_t x = 0; x < w_; ++x)
                acc[x] += ((static_cast<double>(a[x]) + ca) + (static_cast<double>(b[x]) + cb)) * tap;
        }
        for (std::int64_t x = 0; x < w_; ++x) vertical_[x] = static_cast<F>(acc[x]);
        double* p = line_ + r;  // p[x] for x in [-r, w + r)
        for (std::int64_t x = 0; x < w_; ++x) p[x] = static_cast<double>(vertical_[x]);
        for (std::int64_t i = 1; i <= r; ++i) {
            const std::int64_t left = border_index(-i, w_, src_.mode), right = border_index(w_ - 1 + i, w_, src_.mode);
            p[-i] = left < 0 ? src_.cval : p[left];
            p[w_ - 1 + i] = right < 0 ? src_.cval : p[right];
        }
        for (std::int64_t x = 0; x < w_; ++x) acc[x] = p[x] * taps[0];
        for (std::int64_t j = r; j >= 1; --j) {
            const double tap = taps[j];
            for (std::int64_t x = 0; x < w_; ++x) acc[x] += (p[x - j] + p[x + j]) * tap;
        }
        for (std::int64_t x = 0; x < w_; ++x) out[x] = static_cast<F>(acc[x]);
    }

    const Source<T, F>& src_;
    std::int64_t w_, slots_;
    Scratch<double> doubles_;
    Scratch<F> rows_;
    double* line_;
    double* accumulator_;
    F* input_ring_;
    F* mask_ring_;
    F* smooth_ring_;
    F* vertical_;
    F* bleed_row_;
    F* interior_bleed_;
    F* zeros_;
    F* ones_;
    F* spare_;
    bool interior_bleed_ready_ = false;
    std::vector<std::int64_t> input_rows_, mask_rows_;
    std::int64_t smooth_rows_[3] = {-1, -1, -1};
};

// Gradient magnitude of row y, with isobel and jsobel of that row (ndi.sobel: the [-1, 0, 1] pass then the
// [1, 2, 1] pass, each accumulated in double and rounded to F, mode reflect).
template <class T, class F> void gradient(BandRows<T, F>& rows, std::int64_t h, std::int64_t w, std::int64_t y,
                                          F* isobel, F* jsobel, F* magnitude) {
    const F* s[3];
    for (int k = 0; k < 3; ++k) s[k] = rows.smoothed(border_index(y - 1 + k, h, BorderMode::Reflect));
    const auto reflect = [w](std::int64_t x) { return border_index(x, w, BorderMode::Reflect); };
    const auto difference = [](F after, F before) {  // SciPy's (before - after) * -1.0, exactly
        return static_cast<F>(static_cast<double>(after) - static_cast<double>(before));
    };
    const auto smooth121 = [](F left, F centre, F right) {
        return static_cast<F>(static_cast<double>(centre) * 2.0 + (static_cast<double>(left) + static_cast<double>(right)));
    };
    F* dx[3] = {rows.derivative, rows.derivative + w, rows.derivative + 2 * w};
    for (int k = 0; k < 3; ++k) {  // jsobel's first pass on rows y-1, y, y+1
        dx[k][0] = difference(s[k][reflect(1)], s[k][reflect(-1)]);
        for (std::int64_t x = 1; x + 1 < w; ++x) dx[k][x] = difference(s[k][x + 1], s[k][x - 1]);
        if (w > 1) dx[k][w - 1] = difference(s[k][reflect(w)], s[k][w - 2]);
    }
    for (std::int64_t x = 0; x < w; ++x) jsobel[x] = smooth121(dx[0][x], dx[1][x], dx[2][x]);
    F* dy = rows.derivative;  // isobel's first pass on row y (dx is no longer needed)
    for (std::int64_t x = 0; x < w; ++x) dy[x] = difference(s[2][x], s[0][x]);
    isobel[0] = smooth121(dy[reflect(-1)], dy[0], dy[reflect(1)]);
    for (std::int64_t x = 1; x + 1 < w; ++x) isobel[x] = smooth121(dy[x - 1], dy[x], dy[x + 1]);
    if (w > 1) isobel[w - 1] = smooth121(dy[w - 2], dy[w - 1], dy[reflect(w)]);
    for (std::int64_t x = 0; x < w; ++x) {
        F m = isobel[x] * isobel[x];
        m += jsobel[x] * jsobel[x];
        magnitude[x] = std::sqrt(m);
    }
}

// The eroded mask at (y, x): inside the 1-pixel border, and with a mask, its 3x3 neighbourhood all True.
inline bool eroded(const bool* keep, std::int64_t y, std::int64_t x, std::int64_t h, std::int64_t w) {
    if (y < 1 || x < 1 || y >= h - 1 || x >= w - 1) return false;
    if (!keep) return true;
    for (std::int64_t dy = -1; dy <= 1; ++dy)
        for (std::int64_t dx = -1; dx <= 1; ++dx)
            if (!keep[(y + dy) * w + x + dx]) return false;
    return true;
}

// Class of each pixel of row y: 0, 1 (survives suppression), 2 (and strong).
template <class F>
void classify_row(const F* isobel, const F* above, const F* row, const F* below, std::int64_t y, std::int64_t h,
                  std::int64_t w, const bool* keep, const canny::Thresholds& t, std::uint8_t* out) {
    std::fill(out, out + w, std::uint8_t{0});
    if (y < 1 || y >= h - 1) return;
    const F* jsobel = isobel + w;
    for (std::int64_t x = 1; x + 1 < w; ++x) {
        if (!(row[x] >= static_cast<F>(t.low)) || !eroded(keep, y, x, h, w)) continue;
        if (canny::survives_suppression(isobel[x], jsobel[x], above, row, below, x, t.low))
            out[x] = canny::is_strong(row[x], t) ? 2 : 1;
    }
}

// Hysteresis: keeps the survivors (class 1 or 2) 8-connected to a strong pixel (class 2), by floods in parallel row
// bands. Each band floods from its strong pixels within its own rows; then, in rounds until none is found, the
// survivors on a band's first or last row that touch a kept pixel of the neighbouring band seed floods in their
// band (found in one parallel phase, flooded in the next, so that a band only ever writes its own rows). An edge
// crossing k band boundaries back and forth costs k rounds; edges are short next to bands of 64+ rows.
struct RowBands {
    std::int64_t height, width, rows, count;  // rows per band (the last may have fewer), band count
    RowBands(std::int64_t h, std::int64_t w, int threads)
        : height(h), width(w), rows(std::max<std::int64_t>(64, (h + 4 * threads - 1) / (4 * threads))),
          count((h + rows - 1) / rows) {}
    std::int64_t begin(std::int64_t b) const { return b * rows; }
    std::int64_t end(std::int64_t b) const { return std::min(height, (b + 1) * rows); }
};

// Floods from the pixels on `stack` (already kept) through survivors within rows [y0, y1).
void flood_within(const std::uint8_t* classes, std::int64_t w, std::int64_t y0, std::int64_t y1, bool* out,
                  std::vector<std::int64_t>& stack) {
    while (!stack.empty()) {
        const std::int64_t p = stack.back();
        stack.pop_back();
        const std::int64_t y = p / w, x = p % w;
        for (std::int64_t yy = std::max(y0, y - 1); yy <= std::min(y1 - 1, y + 1); ++yy)
            for (std::int64_t xx = std::max<std::int64_t>(0, x - 1); xx <= std::min(w - 1, x + 1); ++xx) {
                const std::int64_t q = yy * w + xx;
                if (classes[q] == 0 || out[q]) continue;
                out[q] = true;
                stack.push_back(q);
            }
    }
}

// Survivors of row y not yet kept that touch a kept pixel of row `other` (y - 1 or y + 1).
void seeds_across(const std::uint8_t* classes, const bool* out, std::int64_t w, std::int64_t y, std::int64_t other,
                  std::vector<std::int64_t>& seeds) {
    for (std::int64_t x = 0; x < w; ++x) {
        const std::int64_t p = y * w + x;
        if (classes[p] == 0 || out[p]) continue;
        const bool* o = out + other * w;
        if ((x > 0 && o[x - 1]) || o[x] || (x + 1 < w && o[x + 1])) seeds.push_back(p);
    }
}

void hysteresis(const std::uint8_t* classes, std::int64_t h, std::int64_t w, bool* out, const RunOptions& options) {
    const RowBands bands(h, w, thread_count(options));
    parallel_blocks(options, bands.count, 1, [&](std::int64_t first, std::int64_t last) {
        std::vector<std::int64_t> stack;
        for (std::int64_t b = first; b < last; ++b) {
            const std::int64_t y0 = bands.begin(b), y1 = bands.end(b), n = y1 * w;
            std::fill(out + y0 * w, out + n, false);
            for (std::int64_t s = y0 * w; s < n; ++s) {
                if ((s & 7) == 0 && s + 8 <= n) {  // most pixels are 0: skip 8 at a time
                    std::uint64_t word;
                    std::memcpy(&word, classes + s, sizeof word);
                    if (word == 0) {
                        s += 7;
                        continue;
                    }
                }
                if (classes[s] != 2 || out[s]) continue;
                out[s] = true;
                stack.push_back(s);
                flood_within(classes, w, y0, y1, out, stack);
            }
        }
    });
    std::vector<std::vector<std::int64_t>> seeds(static_cast<std::size_t>(bands.count));
    for (;;) {
        parallel_blocks(options, bands.count, 1, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t b = first; b < last; ++b) {
                auto& found = seeds[static_cast<std::size_t>(b)];
                if (b > 0) seeds_across(classes, out, w, bands.begin(b), bands.begin(b) - 1, found);
                if (b + 1 < bands.count) seeds_across(classes, out, w, bands.end(b) - 1, bands.end(b), found);
            }
        });
        if (std::all_of(seeds.begin(), seeds.end(), [](const auto& v) { return v.empty(); })) return;
        parallel_blocks(options, bands.count, 1, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t b = first; b < last; ++b) {
                auto& stack = seeds[static_cast<std::size_t>(b)];
                for (std::int64_t p : stack) out[p] = true;
                flood_within(classes, w, bands.begin(b), bands.end(b), out, stack);  // empties it
            }
        });
    }
}

template <class T, class F>
void canny_in(const Array& image, const bool* keep, const Params& params, const RunOptions& requested, Array& result) {
    const std::int64_t h = image.shape()[0], w = image.shape()[1];
    Source<T, F> src{image.data<T>(), keep, h, w, {}, parse_border_mode(params.choice("mode")), params.real("cval"),
                     false};
    src.bleed = src.mode == BorderMode::Constant || keep;
    const double sigma = params.real("sigma");
    if (sigma > kGaussianSkipSigma) {
        const std::vector<double> full = gaussian_kernel1d(sigma, 4.0);
        const std::size_t r = full.size() / 2;
        src.taps.assign(full.begin() + static_cast<std::ptrdiff_t>(r), full.end());  // offsets 0, 1, ... r
    }
    const auto radius = static_cast<std::int64_t>(src.taps.empty() ? 0 : src.taps.size() - 1);
    const RunOptions options = sized_for_work(requested, h * w * (4 * radius + 30));
    Array classes(DType::U8, image.shape());
    std::uint8_t* cls = classes.data<std::uint8_t>();
    // Bands of at least 64 rows: each recomputes the smoothed rows around its edges (2 + 2r input rows).
    const std::int64_t grain = std::max<std::int64_t>(64, h / (4 * thread_count(options)));
    canny::Thresholds t{};
    if (params.flag("use_quantiles")) {  // every magnitude first, for np.percentile
        Array magnitude_image(dtype_of<F>, image.shape());
        F* all = magnitude_image.data<F>();
        parallel_blocks(options, h, grain, [&](std::int64_t begin, std::int64_t end) {
            BandRows<T, F> rows(src);
            Scratch<F> sobel_rows;
            F* s = sobel_rows.get(2 * w);
            for (std::int64_t y = begin; y < end; ++y) gradient(rows, h, w, y, s, s + w, all + y * w);
        });
        Array values = magnitude_image.clone();  // np.percentile reorders its copy
        t = canny::thresholds<F>(params, image.dtype(), values.values<F>());
        parallel_blocks(options, h, grain, [&](std::int64_t begin, std::int64_t end) {
            BandRows<T, F> rows(src);
            Scratch<F> sobel_rows;
            F* s = sobel_rows.get(3 * w);
            for (std::int64_t y = begin; y < end; ++y) {
                if (y < 1 || y >= h - 1) {
                    std::fill(cls + y * w, cls + (y + 1) * w, std::uint8_t{0});
                    continue;
                }
                gradient(rows, h, w, y, s, s + w, s + 2 * w);  // isobel and jsobel of row y (its magnitude is stored)
                classify_row(s, all + (y - 1) * w, all + y * w, all + (y + 1) * w, y, h, w, keep, t, cls + y * w);
            }
        });
    } else {
        t = canny::thresholds<F>(params, image.dtype(), {});
        parallel_blocks(options, h, grain, [&](std::int64_t begin, std::int64_t end) {
            BandRows<T, F> rows(src);
            Scratch<F> sobel_rows;
            F* s = sobel_rows.get(6 * w);  // isobel and jsobel of the middle row, and of the row being computed
            F* middle_sobel = s;
            F* next_sobel = s + 2 * w;
            F* spare = s + 4 * w;
            // Magnitude rows y-1, y, y+1 in the ring; each row's sobel kept until it is classified.
            const auto magnitude_row = [&](std::int64_t y) {
                return rows.magnitude_ring + static_cast<std::int64_t>((y + 3) % 3) * w;
            };
            std::int64_t first = std::max<std::int64_t>(0, begin - 1);
            gradient(rows, h, w, first, spare, spare + w, magnitude_row(first));
            if (first + 1 < h) gradient(rows, h, w, first + 1, next_sobel, next_sobel + w, magnitude_row(first + 1));
            for (std::int64_t y = first + 1; y < end && y < h; ++y) {
                std::swap(middle_sobel, next_sobel);  // row y's sobel
                if (y + 1 < h) gradient(rows, h, w, y + 1, next_sobel, next_sobel + w, magnitude_row(y + 1));
                if (y >= begin)
                    classify_row(middle_sobel, magnitude_row(y - 1), magnitude_row(y), magnitude_row(y + 1), y, h, w,
                                 keep, t, cls + y * w);
            }
            if (begin == 0) std::fill(cls, cls + w, std::uint8_t{0});  // row 0 is never an edge
        });
    }
    hysteresis(cls, h, w, result.data<bool>(), options);
}

Array canny(const OpInputs& inputs, const Params& params, const RunOptions& options) {
    const Array& image = inputs.image();
    Array result = new_output(options, DType::Bool, image.shape());
    if (image.size() == 0) return result;
    const Array* mask = inputs.extra("mask");
    const bool* keep = mask ? mask->data<bool>() : nullptr;
    visit_dtype(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, float>) canny_in<T, float>(image, keep, params, options, result);
        else canny_in<T, double>(image, keep, params, options, result);
    });
    return result;
}

SKB_REGISTER_IMPL("feature.canny", "opt", canny);

}  // namespace
}  // namespace skb::opt
