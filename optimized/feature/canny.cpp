// Opt feature.canny: the exact answer of the reference (each step in scikit-image's float type F: float32 for
// float32 images, float64 otherwise, since a different rounding flips an edge pixel), fused by row bands in
// parallel. A band walks its rows once:
//  - each smoothed row: the Gaussian along y then x, each pass accumulated in double in SciPy's order and rounded
//    to F, over a block of outputs held in vector registers; divided by the smoothed mask where scikit-image does.
//    Kept in a ring of three with its [-1, 0, 1] x-difference (Sobel's first jsobel pass, done once per row);
//  - each gradient-magnitude row from them (Sobel, mode reflect), kept in a ring of three;
//  - each row's non-maximum suppression (the rule of skb/canny.hpp, written branch-free so that it vectorizes,
//    skipped for blocks with no pixel at the low threshold): a class per pixel, 0, 1 (survives), 2 (and strong).
// Rows outside a band's range are recomputed at its edges rather than shared. Hysteresis then floods the survivors
// 8-connected to a strong pixel, by row bands in parallel with rounds across their boundaries: a flood touches
// only the edges it keeps (a few percent of the pixels), where labelling every survivor's component costs more.
// With use_quantiles the magnitude of every pixel is needed first (np.percentile): it is stored, F per pixel,
// and suppressed from there.
// Scratch: rows in double (the line buffers SciPy accumulates in, so that a constant-mode cval enters unrounded)
// and the rings: a few rows per thread; the class image (a byte per pixel); the quantile case's magnitude (and
// its copy, which np.percentile's selection reorders).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/border.hpp"
#include "skb/canny.hpp"
#include "skb/convert.hpp"
#include "skb/gaussian_kernel.hpp"
#include "skb/registry.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

// Doubles in vector registers (GCC vector extensions at the target's width), and the floats that convert to them.
using Doubles = double __attribute__((vector_size(kVectorBytes)));
using HalfFloats = float __attribute__((vector_size(kVectorBytes / 2)));
constexpr std::int64_t kLanes = kVectorBytes / static_cast<std::int64_t>(sizeof(double));
constexpr std::int64_t kVectors = 2, kBlock = kLanes * kVectors;

// Floats widened to doubles (GCC 12 splits the generic conversion into halves at 512 bits: the instruction is one).
inline Doubles widened(HalfFloats v) {
#if defined(__AVX512F__)
    return _mm512_cvtps_pd(v);
#else
    return __builtin_convertvector(v, Doubles);
#endif
}

template <class F> inline Doubles load_doubles(const F* p) {
    if constexpr (std::is_same_v<F, double>) {
        Doubles v;
        std::memcpy(&v, p, sizeof v);
        return v;
    } else {
        HalfFloats v;
        std::memcpy(&v, p, sizeof v);
        return widened(v);
    }
}
template <class F> inline void store_rounded(F* p, Doubles v) {  // each lane rounded to F
    if constexpr (std::is_same_v<F, double>) {
        std::memcpy(p, &v, sizeof v);
    } else {
        const HalfFloats f = __builtin_convertvector(v, HalfFloats);
        std::memcpy(p, &f, sizeof f);
    }
}

// Values rounded to F (exact in double already: this is float32's rounding, kept in double lanes). Float32's
// products and quotients computed in double and rounded once are float32's own (53 >= 2 * 24 + 2 bits).
template <class F> inline Doubles rounded_to(Doubles v) {
    if constexpr (std::is_same_v<F, double>) return v;
    else return widened(__builtin_convertvector(v, HalfFloats));
}
// SciPy's correlate1d with a symmetric kernel, at n outputs: out[x] = F(sum) with sum, in double,
// at(0)[x] * taps[0], then += ((at(-j)[x] + ca[j]) + (at(j)[x] + cb[j])) * taps[j] for j = r down to 1. `at(k)`
// points at what offset k reads (a row of F across rows, a shifted double line along one); ca and cb, the constant
// mode's cval added to rows outside the image (read only when kOffsets), enter unrounded as in SciPy's line buffer.
// With a divisor row, each output is then divided by it in F (canny's bleed correction, fused into the store).
template <bool kOffsets, class In, class F, class RowAt>
void symmetric_taps(RowAt at, const double* taps, std::int64_t r, const double* ca, const double* cb,
                    std::int64_t n, F* __restrict out, const F* divisor = nullptr) {
    std::int64_t x = 0;
    for (; x + kBlock <= n; x += kBlock) {
        Doubles acc[kVectors];
        const In* c = at(0) + x;
        for (int v = 0; v < kVectors; ++v) acc[v] = load_doubles(c + v * kLanes) * taps[0];
        for (std::int64_t j = r; j >= 1; --j) {
            const In* a = at(-j) + x;
            const In* b = at(j) + x;
            const double tap = taps[j];
            for (int v = 0; v < kVectors; ++v) {
                Doubles sa = load_doubles(a + v * kLanes), sb = load_doubles(b + v * kLanes);
                if constexpr (kOffsets) sa += ca[j], sb += cb[j];
                acc[v] += (sa + sb) * tap;
            }
        }
        for (int v = 0; v < kVectors; ++v) {
            if (divisor) acc[v] = rounded_to<F>(acc[v]) / load_doubles(divisor + x + v * kLanes);
            store_rounded(out + x + v * kLanes, acc[v]);
        }
    }
    for (; x < n; ++x) {
        double acc = static_cast<double>(at(0)[x]) * taps[0];
        for (std::int64_t j = r; j >= 1; --j) {
            double sa = static_cast<double>(at(-j)[x]), sb = static_cast<double>(at(j)[x]);
            if constexpr (kOffsets) sa += ca[j], sb += cb[j];
            acc += (sa + sb) * taps[j];
        }
        out[x] = static_cast<F>(acc);
        if (divisor) out[x] /= divisor[x];
    }
}

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

// A smoothed row and its x-difference (jsobel's first pass: SciPy's (before - after) * -1.0, mode reflect).
template <class F> struct SmoothedRow {
    const F* values;
    const F* x_difference;
};

template <class F> inline F difference(F after, F before) {  // SciPy's (before - after) * -1.0, exactly
    return static_cast<F>(static_cast<double>(after) - static_cast<double>(before));
}
template <class F> inline F smooth121(F left, F centre, F right) {  // SciPy's [1, 2, 1] correlation, exactly
    return static_cast<F>(static_cast<double>(centre) * 2.0 + (static_cast<double>(left) + static_cast<double>(right)));
}

// A band's rows. Input rows as F (img_as_float, masked pixels 0) and mask rows (0/1) are cached by image row in
// rings of 2r + 3 slots, so that each is converted once per band and the 2r + 1 rows an interior row reads are
// all resident; smoothed rows (with their x-differences) in a ring of three.
template <class T, class F> class BandRows {
public:
    BandRows(const Source<T, F>& src) : src_(src), w_(src.width), r_(src.radius()), slots_(2 * src.radius() + 3) {
        line_ = doubles_.get(w_ + 2 * r_);
        F* f = rows_.get(w_ * (2 * slots_ + (2 * r_ + 1) + 14));
        input_ring_ = f, mask_ring_ = f + slots_ * w_;
        f += 2 * slots_ * w_;
        window_ = f;  // 2r + 1 rows: what a row near the top or bottom reads, each copied as the border rule maps it
        f += (2 * r_ + 1) * w_;
        smooth_ring_ = f, difference_ring_ = f + 3 * w_, magnitude_ring = f + 6 * w_, vertical_ = f + 9 * w_;
        divisor_ = f + 10 * w_, interior_divisor_ = f + 11 * w_, zeros_ = f + 12 * w_, ones_ = f + 13 * w_;
        std::fill(zeros_, zeros_ + w_, F(0));
        std::fill(ones_, ones_ + w_, F(1));
        input_rows_.assign(static_cast<std::size_t>(slots_), -1);
        mask_rows_.assign(static_cast<std::size_t>(slots_), -1);
    }

    // The smoothed row of image row y (inside the image), from the ring or computed into it.
    SmoothedRow<F> smoothed(std::int64_t y) {
        const auto slot = static_cast<std::int64_t>(y % 3);
        F* row = smooth_ring_ + slot * w_;
        F* dx = difference_ring_ + slot * w_;
        if (smooth_rows_[slot] == y) return {row, dx};
        smooth(y, [this](std::int64_t yy) { return input(yy); }, row, src_.bleed ? divisor_row(y) : nullptr);
        const auto reflect = [this](std::int64_t x) { return border_index(x, w_, BorderMode::Reflect); };
        dx[0] = difference(row[reflect(1)], row[reflect(-1)]);
        for (std::int64_t x = 1; x + 1 < w_; ++x) dx[x] = difference(row[x + 1], row[x - 1]);
        if (w_ > 1) dx[w_ - 1] = difference(row[reflect(w_)], row[w_ - 2]);
        smooth_rows_[slot] = y;
        return {row, dx};
    }

    F* magnitude_ring;

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
    // What row y is divided by: its smoothed mask (ones without a mask) plus F's epsilon, in F. Without a mask,
    // every row at least r from the top and bottom has the same divisor: it is computed once.
    const F* divisor_row(std::int64_t y) {
        const bool interior = !src_.keep && y >= r_ && y < src_.height - r_;
        if (interior && interior_divisor_ready_) return interior_divisor_;
        F* row = interior ? interior_divisor_ : divisor_;
        smooth(y, [this](std::int64_t yy) { return mask(yy); }, row, nullptr);
        for (std::int64_t x = 0; x < w_; ++x) row[x] = static_cast<F>(row[x] + std::numeric_limits<F>::epsilon());
        interior_divisor_ready_ = interior_divisor_ready_ || interior;
        return row;
    }

    // SciPy's gaussian_filter on one row: the y pass (rounded to F), then the x pass over it, divided by `divisor`
    // if given. Rows outside the image read the border rule; in constant mode they are zero rows plus cval,
    // entering unrounded.
    template <class Get> void smooth(std::int64_t y, Get get, F* out, const F* divisor) {
        if (src_.taps.empty()) {  // sigma 0: SciPy copies
            const F* in = get(y);
            for (std::int64_t x = 0; x < w_; ++x) out[x] = divisor ? static_cast<F>(in[x] / divisor[x]) : in[x];
            return;
        }
        // The y pass's row: in the x pass's double line at once for F = float64, else rounded to F first.
        F* vertical = vertical_;
        if constexpr (std::is_same_v<F, double>) vertical = line_ + r_;
        const double* taps = src_.taps.data();
        std::vector<const F*>& rows = window_rows_;  // rows[r + k]: the row offset k reads
        rows.resize(static_cast<std::size_t>(2 * r_ + 1));
        if (y >= r_ && y + r_ < src_.height) {  // all 2r + 1 rows inside: consecutive, so resident in the ring
            for (std::int64_t k = -r_; k <= r_; ++k) rows[static_cast<std::size_t>(r_ + k)] = get(y + k);
            symmetric_taps<false, F>([&](std::int64_t k) { return rows[static_cast<std::size_t>(r_ + k)]; }, taps, r_,
                                     nullptr, nullptr, w_, vertical);
        } else {
            std::vector<double>& offset = window_offsets_;  // offset[r + k]: the cval row offset k adds
            offset.assign(static_cast<std::size_t>(2 * r_ + 1), 0.0);
            for (std::int64_t k = -r_; k <= r_; ++k) {
                const auto i = static_cast<std::size_t>(r_ + k);
                const std::int64_t source = border_index(y + k, src_.height, src_.mode);
                if (source < 0) {
                    rows[i] = zeros_, offset[i] = src_.cval;
                } else {  // copied: a row the border rule maps from far away may share a ring slot
                    const F* in = get(source);
                    F* copy = window_ + static_cast<std::int64_t>(i) * w_;
                    std::copy(in, in + w_, copy);
                    rows[i] = copy;
                }
            }
            std::vector<double>& above = window_above_;
            std::vector<double>& below = window_below_;
            above.assign(static_cast<std::size_t>(r_ + 1), 0.0), below.assign(static_cast<std::size_t>(r_ + 1), 0.0);
            for (std::int64_t j = 1; j <= r_; ++j)
                above[static_cast<std::size_t>(j)] = offset[static_cast<std::size_t>(r_ - j)],
                below[static_cast<std::size_t>(j)] = offset[static_cast<std::size_t>(r_ + j)];
            symmetric_taps<true, F>([&](std::int64_t k) { return rows[static_cast<std::size_t>(r_ + k)]; }, taps, r_,
                                    above.data(), below.data(), w_, vertical);
        }
        double* p = line_ + r_;  // p[x] for x in [-r, w + r)
        if constexpr (!std::is_same_v<F, double>)
            for (std::int64_t x = 0; x < w_; ++x) p[x] = static_cast<double>(vertical_[x]);
        for (std::int64_t i = 1; i <= r_; ++i) {
            const std::int64_t left = border_index(-i, w_, src_.mode), right = border_index(w_ - 1 + i, w_, src_.mode);
            p[-i] = left < 0 ? src_.cval : p[left];
            p[w_ - 1 + i] = right < 0 ? src_.cval : p[right];
        }
        symmetric_taps<false, double>([p](std::int64_t k) { return p + k; }, taps, r_, nullptr, nullptr, w_, out,
                                      divisor);
    }

    const Source<T, F>& src_;
    std::int64_t w_, r_, slots_;
    Scratch<double> doubles_;
    Scratch<F> rows_;
    double* line_;
    F* input_ring_;
    F* mask_ring_;
    F* window_;
    F* smooth_ring_;
    F* difference_ring_;
    F* vertical_;
    F* divisor_;
    F* interior_divisor_;
    F* zeros_;
    F* ones_;
    bool interior_divisor_ready_ = false;
    std::vector<std::int64_t> input_rows_, mask_rows_;
    std::int64_t smooth_rows_[3] = {-1, -1, -1};
    std::vector<const F*> window_rows_;
    std::vector<double> window_offsets_, window_above_, window_below_;
};

// Gradient magnitude of row y, with isobel and jsobel of that row (ndi.sobel: the [-1, 0, 1] pass then the
// [1, 2, 1] pass, each accumulated in double and rounded to F, mode reflect).
template <class T, class F> void gradient(BandRows<T, F>& rows, std::int64_t h, std::int64_t w, std::int64_t y,
                                          F* isobel, F* jsobel, F* magnitude) {
    SmoothedRow<F> s[3];
    for (int k = 0; k < 3; ++k) s[k] = rows.smoothed(border_index(y - 1 + k, h, BorderMode::Reflect));
    const auto reflect = [w](std::int64_t x) { return border_index(x, w, BorderMode::Reflect); };
    const F *d0 = s[0].x_difference, *d1 = s[1].x_difference, *d2 = s[2].x_difference;
    const F *above = s[0].values, *below = s[2].values;
    const auto dy = [above, below](std::int64_t x) { return difference(below[x], above[x]); };  // isobel's 1st pass
    // isobel, jsobel and the squared magnitude (in F, as scikit-image rounds it) of pixel x; its square root below.
    const auto pixel = [&](std::int64_t x, F dy_left, F dy_right) {
        const F i = smooth121(dy_left, dy(x), dy_right), j = smooth121(d0[x], d1[x], d2[x]);
        isobel[x] = i, jsobel[x] = j;
        F m = i * i;
        m += j * j;
        magnitude[x] = m;
    };
    pixel(0, dy(reflect(-1)), dy(reflect(1)));
    std::int64_t x = 1;
    for (; x + kLanes < w; x += kLanes) {  // kLanes pixels at once, the same roundings
        const auto v = [](const F* p) { return load_doubles(p); };
        const Doubles j = rounded_to<F>(v(d1 + x) * 2.0 + (v(d0 + x) + v(d2 + x)));
        const Doubles dy_left = rounded_to<F>(v(below + x - 1) - v(above + x - 1));
        const Doubles dy_centre = rounded_to<F>(v(below + x) - v(above + x));
        const Doubles dy_right = rounded_to<F>(v(below + x + 1) - v(above + x + 1));
        const Doubles i = rounded_to<F>(dy_centre * 2.0 + (dy_left + dy_right));
        store_rounded(isobel + x, i);
        store_rounded(jsobel + x, j);
        store_rounded(magnitude + x, rounded_to<F>(i * i) + rounded_to<F>(j * j));
    }
    for (; x + 1 < w; ++x) pixel(x, dy(x - 1), dy(x + 1));
    if (w > 1) pixel(w - 1, dy(w - 2), dy(reflect(w)));
    for (std::int64_t k = 0; k < w; ++k) magnitude[k] = std::sqrt(magnitude[k]);
}

using Bytes = signed char __attribute__((vector_size(kLanes)));

// canny::survives_suppression (skb/canny.hpp) on kLanes pixels at once, lane by lane the same selects, products
// and comparisons; writes each one's class: 0, 1 (survives), 2 (survives and is strong).
template <class F>
inline void classify_lanes(const F* isobel, const F* jsobel, const F* above, const F* row, const F* below,
                           std::int64_t x, double low, double high, std::uint8_t* out) {
    const Doubles m = load_doubles(row + x), si = load_doubles(isobel + x), sj = load_doubles(jsobel + x);
    const Doubles up_left = load_doubles(above + x - 1), up = load_doubles(above + x);
    const Doubles up_right = load_doubles(above + x + 1), left = load_doubles(row + x - 1);
    const Doubles right = load_doubles(row + x + 1), down_left = load_doubles(below + x - 1);
    const Doubles down = load_doubles(below + x), down_right = load_doubles(below + x + 1);
    const Doubles zero = {};
    const auto same_sign = (si <= zero) == (sj <= zero);
    const Doubles ai = si < zero ? -si : si, aj = sj < zero ? -sj : sj;
    const auto along_row = same_sign ? ~(ai > aj) : (ai < aj);
    const Doubles w = rounded_to<F>((along_row ? ai : aj) / (along_row ? aj : ai));
    const Doubles n11 = along_row ? right : same_sign ? down : up;
    const Doubles n21 = along_row ? left : same_sign ? up : down;
    const Doubles n12 = same_sign ? down_right : up_right;
    const Doubles n22 = same_sign ? up_left : down_left;
    const Doubles complement = 1.0 - w;
    const Doubles plus = rounded_to<F>(n12 * w) + n11 * complement;
    const Doubles minus = rounded_to<F>(n22 * w) + n21 * complement;
    const auto kept = (m >= low) & (plus <= m) & (minus <= m);
    const Bytes classes = (__builtin_convertvector(kept, Bytes) & 1) + (__builtin_convertvector(kept & (m >= high), Bytes) & 1);
    std::memcpy(out + x, &classes, sizeof classes);
}

// Whether any of row[x0, x1) is at least `low` (vector compares OR'd, then one test of all lanes).
template <class F> inline bool any_at_least(const F* row, std::int64_t x0, std::int64_t x1, double low) {
    std::int64_t x = x0;
    bool any = false;
    if (x + kLanes <= x1) {
        auto hits = load_doubles(row + x) >= low;
        for (x += kLanes; x + kLanes <= x1; x += kLanes) hits |= load_doubles(row + x) >= low;
        const Bytes bytes = __builtin_convertvector(hits, Bytes);
        std::uint64_t word = 0;
        std::memcpy(&word, &bytes, sizeof bytes);
        any = word != 0;
    }
    for (; x < x1; ++x) any |= static_cast<double>(row[x]) >= low;
    return any;
}

// The class of each pixel of row y, 0 < y < h - 1 (the rows around it given): 0, 1 (survives suppression), 2 (and
// strong); the first and last pixel are never edges. Blocks with no magnitude at the low threshold are skipped; the rest go kLanes pixels at
// a time. `inside`: the eroded mask's row, or nullptr (no mask).
constexpr std::int64_t kClassifyBlock = 32;
template <class F>
void classify_row(const F* isobel, const F* jsobel, const F* above, const F* row, const F* below, const bool* inside,
                  const canny::Thresholds& t, std::int64_t w, std::uint8_t* out) {
    std::fill(out, out + w, std::uint8_t{0});
    const F low = static_cast<F>(t.low);
    // The thresholds as the doubles a magnitude (exactly a double) is compared with: is_strong's two types.
    const double high = t.high_in_f64 ? t.high : static_cast<double>(static_cast<F>(t.high));
    for (std::int64_t x0 = 1; x0 + 1 < w; x0 += kClassifyBlock) {
        const std::int64_t end = std::min(x0 + kClassifyBlock, w - 1);
        if (!any_at_least(row, x0, end, static_cast<double>(low))) continue;
        std::int64_t x = x0;
        for (; x + kLanes <= end; x += kLanes)
            classify_lanes(isobel, jsobel, above, row, below, x, static_cast<double>(low), high, out);
        for (; x < end; ++x)
            if (canny::survives_suppression(isobel[x], jsobel[x], above, row, below, x, t.low))
                out[x] = canny::is_strong(row[x], t) ? 2 : 1;
    }
    if (inside)
        for (std::int64_t x = 0; x < w; ++x) out[x] = inside[x] ? out[x] : std::uint8_t{0};
}

// The eroded mask of row y (0 < y < h - 1): its 3x3 neighbourhood all True.
void eroded_mask_row(const bool* keep, std::int64_t y, std::int64_t w, bool* out) {
    const bool *a = keep + (y - 1) * w, *b = keep + y * w, *c = keep + (y + 1) * w;
    out[0] = out[w - 1] = false;
    for (std::int64_t x = 1; x + 1 < w; ++x)
        out[x] = a[x - 1] & a[x] & a[x + 1] & b[x - 1] & b[x] & b[x + 1] & c[x - 1] & c[x] & c[x + 1];
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

// Floods from the pixels on `stack` (already kept) through survivors within rows [y0, y1); empties `stack`. No
// survivor lies on the image's first or last row or column, so every neighbour of one is inside the image: a step
// is an offset, checked against the band only on its first and last row. The eight steps are taken branch-free
// (pushed unconditionally, the top advanced by whether the neighbour is new): whether a neighbour survives is
// what a branch would mispredict.
void flood_within(const std::uint8_t* classes, std::int64_t w, std::int64_t y0, std::int64_t y1, bool* out,
                  std::vector<std::int64_t>& stack) {
    const std::int64_t lo = y0 * w, hi = y1 * w;
    const std::int64_t steps[8] = {-w - 1, -w, -w + 1, -1, 1, w - 1, w, w + 1};
    std::size_t top = stack.size();
    while (top > 0) {
        const std::int64_t p = stack[--top];
        if (stack.size() < top + 8) stack.resize(2 * stack.size() + 64);
        std::int64_t* pending = stack.data() + top;
        const bool edge_row = p < lo + w || p >= hi - w;
        std::size_t pushed = 0;
        for (std::int64_t d : steps) {
            const std::int64_t q = p + d;
            if (edge_row && (q < lo || q >= hi)) continue;
            const bool grow = (classes[q] != 0) & !out[q];
            out[q] = out[q] | grow;
            pending[pushed] = q;
            pushed += grow;
        }
        top += pushed;
    }
    stack.clear();
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
            // Strong pixels (class 2: bit 1 of its byte) found 8 bytes at a time.
            constexpr std::uint64_t kStrongBits = 0x0202020202020202ULL;
            for (std::int64_t s = y0 * w; s < n; s += 8) {
                std::uint64_t strong;
                if (s + 8 <= n) {
                    std::memcpy(&strong, classes + s, sizeof strong);
                    strong &= kStrongBits;
                } else {
                    strong = 0;
                    for (std::int64_t k = 0; s + k < n; ++k) strong |= std::uint64_t{classes[s + k] == 2} << (8 * k + 1);
                }
                static_assert(std::endian::native == std::endian::little, "byte k of the word is bits 8k..8k+7");
                for (; strong != 0; strong &= strong - 1) {
                    const std::int64_t p = s + std::countr_zero(strong) / 8;
                    if (out[p]) continue;
                    out[p] = true;
                    stack.push_back(p);
                    flood_within(classes, w, y0, y1, out, stack);
                }
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
    Array class_image(DType::U8, image.shape());
    std::uint8_t* classes = class_image.data<std::uint8_t>();
    // Bands of at least 64 rows: each recomputes the smoothed rows around its edges (2 + 2r input rows).
    const std::int64_t grain = std::max<std::int64_t>(64, h / (4 * thread_count(options)));
    canny::Thresholds t{};
    // Row y's survivors from its gradient and the magnitude rows around it (rows 0 and h - 1 have none);
    // `inside`: a row of scratch for the eroded mask.
    const auto classify = [&](std::int64_t y, const F* isobel, const F* jsobel, const F* above, const F* row,
                              const F* below, bool* inside) {
        std::uint8_t* out = classes + y * w;
        if (y < 1 || y >= h - 1 || w < 3) {
            std::fill(out, out + w, std::uint8_t{0});
            return;
        }
        if (keep) eroded_mask_row(keep, y, w, inside);
        classify_row(isobel, jsobel, above, row, below, keep ? inside : nullptr, t, w, out);
    };
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
            Scratch<bool> inside_row;
            bool* inside = inside_row.get(w);
            for (std::int64_t y = begin; y < end; ++y) {
                // isobel and jsobel of row y again (its magnitude is stored)
                if (y >= 1 && y < h - 1) gradient(rows, h, w, y, s, s + w, s + 2 * w);
                classify(y, s, s + w, all + std::max<std::int64_t>(y - 1, 0) * w, all + y * w,
                         all + std::min(y + 1, h - 1) * w, inside);
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
            Scratch<bool> inside_row;
            bool* inside = inside_row.get(w);
            // Magnitude rows y-1, y, y+1 in the ring; each row's sobel kept until it is classified.
            const auto magnitude_row = [&](std::int64_t y) {
                return rows.magnitude_ring + static_cast<std::int64_t>((y + 3) % 3) * w;
            };
            const std::int64_t first = std::max<std::int64_t>(0, begin - 1);
            gradient(rows, h, w, first, spare, spare + w, magnitude_row(first));
            if (first + 1 < h) gradient(rows, h, w, first + 1, next_sobel, next_sobel + w, magnitude_row(first + 1));
            if (begin == 0) classify(0, nullptr, nullptr, nullptr, nullptr, nullptr, inside);
            for (std::int64_t y = first + 1; y < end && y < h; ++y) {
                std::swap(middle_sobel, next_sobel);  // row y's sobel
                if (y + 1 < h) gradient(rows, h, w, y + 1, next_sobel, next_sobel + w, magnitude_row(y + 1));
                if (y >= begin)
                    classify(y, middle_sobel, middle_sobel + w, magnitude_row(y - 1), magnitude_row(y),
                             magnitude_row(y + 1), inside);
            }
        });
    }
    hysteresis(classes, h, w, result.data<bool>(), options);
}

Array canny(const OpInputs& inputs, const Params& params, const RunOptions& options) {
    const Array& image = inputs.image();
    Array result = new_output(options, DType::Bool, image.shape());
    if (image.size() == 0) return result;
    const Array* mask = inputs.extra("mask");
    const bool* keep = mask ? mask->data<bool>() : nullptr;
    visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, float>) canny_in<T, float>(image, keep, params, options, result);
        else canny_in<T, double>(image, keep, params, options, result);
    });
    return result;
}

SKB_REGISTER_IMPL("feature.canny", "opt", canny);

}  // namespace
}  // namespace skb::opt
