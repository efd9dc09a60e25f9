// Opt feature.canny: the exact answer of the reference (each step in scikit-image's float type F: float32 for
// float32 images, float64 otherwise, since a different rounding flips an edge pixel), fused by row bands in
// parallel. A band walks its rows once: each smoothed row (Gaussian along y then x, each pass accumulated in double
// in SciPy's order and rounded to F, divided by the smoothed mask where scikit-image does), kept in a ring of
// three; each gradient-magnitude row from them (Sobel, mode reflect), kept in a ring of three; each row's
// non-maximum suppression (skb/canny.hpp) into a class per pixel: 0, 1 (survives), 2 (survives and strong). Rows
// outside a band's range are recomputed at its edges rather than shared. Hysteresis then floods the survivors
// 8-connected to a strong pixel, on one thread (edges are sparse). With use_quantiles the magnitude of every
// pixel is needed first (np.percentile): it is stored, F per pixel, and suppressed from there.
// Scratch: rows in double (the line buffers SciPy accumulates in, so that a constant-mode cval enters unrounded)
// and, for F = float64, the rings: a few rows per thread, never an image, except the quantile case's magnitude
// (and its copy, which np.percentile's selection reorders).
#include <algorithm>
#include <cmath>
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

// What every band reads: the image as F (masked pixels 0), the Gaussian taps, the border rule.
template <class T, class F> struct Source {
    const T* image;
    const bool* keep;  // the mask, or nullptr
    std::int64_t height, width;
    std::vector<double> taps;  // taps[j]: the weight of offsets +-j (taps[0] the centre); empty: no smoothing
    BorderMode mode;
    double cval;
    bool bleed;  // divide by the smoothed mask (constant mode, or a mask given)

    double value(std::int64_t y, std::int64_t x) const {  // the float image scikit-image smooths, in double
        const std::int64_t i = y * width + x;
        return keep && !keep[i] ? 0.0 : static_cast<double>(img_as_float<F>(image[i]));
    }
    double ones(std::int64_t y, std::int64_t x) const { return keep && !keep[y * width + x] ? 0.0 : 1.0; }
};

// Per-thread rows: `line` (double, width + 2r) for the passes, rings of smoothed and magnitude rows (F).
template <class F> struct BandRows {
    Scratch<double> line_buffer;
    Scratch<F> ring_buffer;
    double* line;
    F* smooth_ring;  // 3 rows
    F* magnitude_ring;  // 3 rows
    F* vertical;  // the y pass of the current row
    F* mask_row;  // the smoothed mask of the current row
    F* derivative;  // 3 rows of the [-1, 0, 1] pass along x (jsobel's first pass), and one along y (isobel's)
    std::int64_t smooth_rows[3] = {-1, -1, -1};  // the image row each ring slot holds
    std::int64_t magnitude_rows[3] = {-2, -2, -2};

    BandRows(std::int64_t width, std::int64_t radius) {
        line = line_buffer.get(width + 2 * radius + 2);
        F* r = ring_buffer.get(width * 12);
        smooth_ring = r, magnitude_ring = r + 3 * width, vertical = r + 6 * width, mask_row = r + 7 * width;
        derivative = r + 8 * width;
    }
};

// One smoothed row: the y pass (for each x, the centre then the pairs from the farthest in, in double, rounded to
// F), then the x pass over it the same way, reading outside through the border rule (cval unrounded).
template <class T, class F, class Read>
void smooth_row(const Source<T, F>& src, std::int64_t y, Read read, double* line, F* vertical, F* out) {
    const std::int64_t w = src.width;
    if (src.taps.empty()) {  // sigma 0: SciPy copies
        for (std::int64_t x = 0; x < w; ++x) out[x] = static_cast<F>(read(y, x));
        return;
    }
    const auto r = static_cast<std::int64_t>(src.taps.size()) - 1;
    const double* taps = src.taps.data();
    for (std::int64_t x = 0; x < w; ++x) line[x] = read(y, x) * taps[0];  // the centre term, then the pairs
    for (std::int64_t j = r; j >= 1; --j) {
        const std::int64_t above = border_index(y - j, src.height, src.mode), below = border_index(y + j, src.height, src.mode);
        for (std::int64_t x = 0; x < w; ++x) {
            const double a = above < 0 ? src.cval : read(above, x), b = below < 0 ? src.cval : read(below, x);
            line[x] += (a + b) * taps[j];
        }
    }
    for (std::int64_t x = 0; x < w; ++x) vertical[x] = static_cast<F>(line[x]);
    double* padded = line + r;  // padded[x] for x in [-r, w + r)
    for (std::int64_t x = 0; x < w; ++x) padded[x] = static_cast<double>(vertical[x]);
    for (std::int64_t i = 1; i <= r; ++i) {
        const std::int64_t left = border_index(-i, w, src.mode), right = border_index(w - 1 + i, w, src.mode);
        padded[-i] = left < 0 ? src.cval : padded[left];
        padded[w - 1 + i] = right < 0 ? src.cval : padded[right];
    }
    for (std::int64_t x = 0; x < w; ++x) {
        double sum = padded[x] * taps[0];
        for (std::int64_t j = r; j >= 1; --j) sum += (padded[x - j] + padded[x + j]) * taps[j];
        out[x] = static_cast<F>(sum);
    }
}

template <class T, class F> class Band {
public:
    Band(const Source<T, F>& src, BandRows<F>& rows) : src_(src), rows_(rows) {}

    // The smoothed row of image row y (y inside the image), from the ring or computed into it.
    const F* smoothed(std::int64_t y) {
        const std::size_t slot = static_cast<std::size_t>(y % 3);
        F* row = rows_.smooth_ring + static_cast<std::int64_t>(slot) * src_.width;
        if (rows_.smooth_rows[slot] == y) return row;
        smooth_row(src_, y, [this](std::int64_t yy, std::int64_t xx) { return src_.value(yy, xx); }, rows_.line,
                   rows_.vertical, row);
        if (src_.bleed) {
            smooth_row(src_, y, [this](std::int64_t yy, std::int64_t xx) { return src_.ones(yy, xx); }, rows_.line,
                       rows_.vertical, rows_.mask_row);
            for (std::int64_t x = 0; x < src_.width; ++x)
                row[x] /= static_cast<F>(rows_.mask_row[x] + std::numeric_limits<F>::epsilon());
        }
        rows_.smooth_rows[slot] = y;
        return row;
    }

    // Gradient magnitude of row y, with isobel and jsobel of that row in `isobel`, `jsobel` (ndi.sobel: the
    // [-1, 0, 1] pass then the [1, 2, 1] pass, each rounded to F, mode reflect).
    void gradient(std::int64_t y, F* isobel, F* jsobel, F* magnitude) {
        const std::int64_t w = src_.width, h = src_.height;
        const F* rows[3];
        for (int k = 0; k < 3; ++k) rows[k] = smoothed(border_index(y - 1 + k, h, BorderMode::Reflect));
        const auto reflect = [w](std::int64_t x) { return border_index(x, w, BorderMode::Reflect); };
        F* dx[3] = {rows_.derivative, rows_.derivative + w, rows_.derivative + 2 * w};
        for (int k = 0; k < 3; ++k)  // jsobel's first pass on rows y-1, y, y+1
            for (std::int64_t x = 0; x < w; ++x)
                dx[k][x] = static_cast<F>(static_cast<double>(rows[k][reflect(x + 1)]) -
                                          static_cast<double>(rows[k][reflect(x - 1)]));
        for (std::int64_t x = 0; x < w; ++x)
            jsobel[x] = static_cast<F>(static_cast<double>(dx[1][x]) * 2.0 +
                                       (static_cast<double>(dx[0][x]) + static_cast<double>(dx[2][x])));
        F* dy = rows_.derivative;  // isobel's first pass on row y (dx is no longer needed)
        for (std::int64_t x = 0; x < w; ++x)
            dy[x] = static_cast<F>(static_cast<double>(rows[2][x]) - static_cast<double>(rows[0][x]));
        for (std::int64_t x = 0; x < w; ++x)
            isobel[x] = static_cast<F>(static_cast<double>(dy[x]) * 2.0 +
                                       (static_cast<double>(dy[reflect(x - 1)]) + static_cast<double>(dy[reflect(x + 1)])));
        for (std::int64_t x = 0; x < w; ++x) {
            F m = isobel[x] * isobel[x];
            m += jsobel[x] * jsobel[x];
            magnitude[x] = std::sqrt(m);
        }
    }

private:
    const Source<T, F>& src_;
    BandRows<F>& rows_;
};

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

// Keeps the survivors 8-connected to a strong pixel.
void hysteresis(const std::uint8_t* classes, std::int64_t h, std::int64_t w, bool* out) {
    std::fill(out, out + h * w, false);
    std::vector<std::int64_t> stack;
    for (std::int64_t s = 0; s < h * w; ++s) {
        if (classes[s] != 2 || out[s]) continue;
        out[s] = true;
        stack.push_back(s);
        while (!stack.empty()) {
            const std::int64_t p = stack.back();
            stack.pop_back();
            const std::int64_t y = p / w, x = p % w;
            for (std::int64_t yy = std::max<std::int64_t>(0, y - 1); yy <= std::min(h - 1, y + 1); ++yy)
                for (std::int64_t xx = std::max<std::int64_t>(0, x - 1); xx <= std::min(w - 1, x + 1); ++xx) {
                    const std::int64_t q = yy * w + xx;
                    if (classes[q] == 0 || out[q]) continue;
                    out[q] = true;
                    stack.push_back(q);
                }
        }
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
    const std::int64_t grain = std::max<std::int64_t>(8, 65536 / std::max<std::int64_t>(1, w * (radius + 8)));
    canny::Thresholds t{};
    if (params.flag("use_quantiles")) {  // every magnitude first, for np.percentile
        Array magnitude_image(dtype_of<F>, image.shape());
        F* all = magnitude_image.data<F>();
        parallel_blocks(options, h, grain, [&](std::int64_t begin, std::int64_t end) {
            BandRows<F> rows(w, radius);
            Band<T, F> band(src, rows);
            Scratch<F> sobel_rows;
            F* s = sobel_rows.get(2 * w);
            for (std::int64_t y = begin; y < end; ++y) band.gradient(y, s, s + w, all + y * w);
        });
        Array values = magnitude_image.clone();  // np.percentile reorders its copy
        t = canny::thresholds<F>(params, image.dtype(), values.values<F>());
        parallel_blocks(options, h, grain, [&](std::int64_t begin, std::int64_t end) {
            BandRows<F> rows(w, radius);
            Band<T, F> band(src, rows);
            Scratch<F> sobel_rows;
            F* s = sobel_rows.get(3 * w);
            for (std::int64_t y = begin; y < end; ++y) {
                if (y < 1 || y >= h - 1) {
                    std::fill(cls + y * w, cls + (y + 1) * w, std::uint8_t{0});
                    continue;
                }
                band.gradient(y, s, s + w, s + 2 * w);  // isobel and jsobel of row y (its magnitude is stored)
                classify_row(s, all + (y - 1) * w, all + y * w, all + (y + 1) * w, y, h, w, keep, t, cls + y * w);
            }
        });
    } else {
        t = canny::thresholds<F>(params, image.dtype(), {});
        parallel_blocks(options, h, grain, [&](std::int64_t begin, std::int64_t end) {
            BandRows<F> rows(w, radius);
            Band<T, F> band(src, rows);
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
            band.gradient(first, spare, spare + w, magnitude_row(first));
            if (first + 1 < h) band.gradient(first + 1, next_sobel, next_sobel + w, magnitude_row(first + 1));
            for (std::int64_t y = first + 1; y < end && y < h; ++y) {
                std::swap(middle_sobel, next_sobel);  // row y's sobel
                if (y + 1 < h) band.gradient(y + 1, next_sobel, next_sobel + w, magnitude_row(y + 1));
                if (y >= begin)
                    classify_row(middle_sobel, magnitude_row(y - 1), magnitude_row(y), magnitude_row(y + 1), y, h, w,
                                 keep, t, cls + y * w);
            }
            if (begin == 0) std::fill(cls, cls + w, std::uint8_t{0});  // row 0 is never an edge
        });
    }
    hysteresis(cls, h, w, result.data<bool>());
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
