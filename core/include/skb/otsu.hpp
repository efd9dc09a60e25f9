// Otsu's threshold from a histogram, and NumPy's uniform-bin histogram rule: shared by every backend so the
// discrete choices (which bin a value falls in, which bin maximises the variance) are made one way. Where such
// a choice hangs on the rounding of a*b+c, the product is product_unfused: the opt tree's -ffp-contract=fast and
// nvcc's FMA contraction would otherwise round it once where NumPy rounds twice (and pick another bin).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "skb/error.hpp"
#include "skb/hd.hpp"
#include "skb/unfused.hpp"

namespace skb::otsu {

// The between-class variance of a split, from the two classes' float32 weights and Acc means, rounded as
// scikit-image rounds it: the weight product in float32, the rest in Acc. Shared by best_bin and the GPU's
// parallel scan so that both round it one way.
template <class Acc> SKB_HD Acc split_variance(float w1, Acc m1, float w2, Acc m2) {
    const Acc diff = m1 - m2;
    return static_cast<Acc>(w1 * w2) * (diff * diff);
}

// Index of the bin maximising w1*w2*(m1-m2)^2 between bins i and i+1 (the first one on ties), in scikit-image's
// precisions: float32 counts and cumulative weights, class means in Acc (NumPy's promotion of float32 counts
// with the bin centres' type: float32 for float32 images, float64 otherwise). count(i) and centre(i) read bin i;
// w2 and m2 are scratch for n values (the upper class's weight and mean, summed from the top bin down as
// NumPy's reversed cumsum does); the lower class's are running sums. Host and device code (one GPU thread).
template <class Acc, class CountAt, class CentreAt>
SKB_HD std::int64_t best_bin(std::int64_t n, CountAt count, CentreAt centre, float* w2, Acc* m2) {
    float wsum = 0;
    Acc msum = 0;
    for (std::int64_t i = n; i-- > 0;) {
        w2[i] = wsum += count(i);
        m2[i] = (msum += product_unfused(static_cast<Acc>(count(i)), static_cast<Acc>(centre(i)))) /
                static_cast<Acc>(w2[i]);
    }
    wsum = 0;
    msum = 0;
    std::int64_t best = 0;
    Acc best_variance = -1;
    for (std::int64_t i = 0; i + 1 < n; ++i) {
        const float w1 = wsum += count(i);
        const Acc m1 = (msum += product_unfused(static_cast<Acc>(count(i)), static_cast<Acc>(centre(i)))) /
                       static_cast<Acc>(w1);
        const Acc variance = split_variance<Acc>(w1, m1, w2[i + 1], m2[i + 1]);
        if (variance > best_variance) {
            best_variance = variance;
            best = i;
        }
    }
    return best;
}

// np.histogram(values, nbins, range=(first, last)) evaluated in the image's float type F, as NumPy does it:
// edges from np.linspace in F, a computed bin index, then a correction against the edges. Plain data whose
// edges are computed on demand, so device kernels take it by value and bin with this same code.
template <class F> struct UniformBins {
    F first, last, delta, step;
    std::int64_t nbins;

    SKB_HD UniformBins(F lo, F hi, std::int64_t bins)
        : first(lo), last(hi), delta(hi - lo), step(delta / static_cast<F>(bins)), nbins(bins) {}

    // Edge i of the nbins + 1: linspace's i * step + first (i / nbins * delta + first when step underflows),
    // the product rounded before the add; the last edge is `last` exactly.
    SKB_HD F edge(std::int64_t i) const {
        if (i == nbins) return last;
        const F offset = step == F(0) ? product_unfused(static_cast<F>(i) / static_cast<F>(nbins), delta)
                                      : product_unfused(static_cast<F>(i), step);
        return offset + first;
    }

    // The bin of x, for first <= x <= last.
    SKB_HD std::int64_t index(F x) const {
        auto bin = static_cast<std::int64_t>((x - first) / delta * static_cast<F>(nbins));
        if (bin == nbins) --bin;
        if (x < edge(bin)) --bin;
        else if (x >= edge(bin + 1) && bin != nbins - 1) ++bin;
        return bin;
    }

    SKB_HD F centre(std::int64_t b) const { return (edge(b) + edge(b + 1)) / F(2); }
};

// The threshold of a float image from its counts over `bins` (a bin centre, in F).
template <class F, class Count> F float_threshold(std::span<const Count> tally, const UniformBins<F>& bins) {
    const auto n = static_cast<std::int64_t>(tally.size());
    std::vector<float> w2(tally.size());
    std::vector<F> m2(tally.size());
    const std::int64_t best = best_bin<F>(
        n, [&](std::int64_t i) { return static_cast<float>(tally[i]); }, [&](std::int64_t i) { return bins.centre(i); },
        w2.data(), m2.data());
    return bins.centre(best);
}

// The threshold of an integer image from its counts of the values min, min + 1, ... (one bin per integer; the
// centres are int64, so the class means are float64).
template <class Count> std::int64_t integer_threshold(std::span<const Count> tally, std::int64_t min) {
    const auto n = static_cast<std::int64_t>(tally.size());
    std::vector<float> w2(tally.size());
    std::vector<double> m2(tally.size());
    return min + best_bin<double>(
                     n, [&](std::int64_t i) { return static_cast<float>(tally[i]); }, [&](std::int64_t i) { return min + i; },
                     w2.data(), m2.data());
}

// The one error for a NaN or infinity in a float image (flat index of the first).
[[noreturn]] inline void throw_non_finite(std::int64_t index) {
    throw Error("filters.threshold_otsu: input holds a non-finite value at flat index " + std::to_string(index));
}

}  // namespace skb::otsu
