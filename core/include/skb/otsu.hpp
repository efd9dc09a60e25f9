// Otsu's threshold from a histogram, and NumPy's uniform-bin histogram rule: shared by every backend so the
// discrete choices (which bin a value falls in, which bin maximises the variance) are made one way.
#pragma once
#include <cstdint>
#include <vector>

namespace skb::otsu {

// Index of the bin maximising w1*w2*(m1-m2)^2 between bins i and i+1 (the first one on ties), in scikit-image's
// precisions: float32 counts and cumulative weights, class means in Acc (NumPy's promotion of float32 counts
// with the bin centres' type: float32 for float32 images, float64 otherwise).
template <class Acc, class Centre>
std::size_t best_bin(const std::vector<float>& counts, const std::vector<Centre>& centres) {
    const std::size_t n = counts.size();
    std::vector<float> w1(n), w2(n);
    std::vector<Acc> m1(n), m2(n);
    float wsum = 0;
    Acc msum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        w1[i] = wsum += counts[i];
        m1[i] = (msum += static_cast<Acc>(counts[i]) * static_cast<Acc>(centres[i])) / static_cast<Acc>(w1[i]);
    }
    wsum = 0;
    msum = 0;
    for (std::size_t i = n; i-- > 0;) {
        w2[i] = wsum += counts[i];
        m2[i] = (msum += static_cast<Acc>(counts[i]) * static_cast<Acc>(centres[i])) / static_cast<Acc>(w2[i]);
    }
    std::size_t best = 0;
    Acc best_variance = -1;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const Acc diff = m1[i] - m2[i + 1];
        const Acc variance = static_cast<Acc>(w1[i] * w2[i + 1]) * (diff * diff);
        if (variance > best_variance) {
            best_variance = variance;
            best = i;
        }
    }
    return best;
}

// np.histogram(values, nbins, range=(first, last)) evaluated in the image's float type F, as NumPy does it:
// edges from np.linspace in F, a computed bin index, then a correction against the stored edges.
template <class F> struct UniformBins {
    F first, last, delta;
    std::int64_t nbins;
    std::vector<F> edges;

    UniformBins(F lo, F hi, std::int64_t bins) : first(lo), last(hi), delta(hi - lo), nbins(bins), edges(bins + 1) {
        const F step = delta / static_cast<F>(nbins);
        for (std::int64_t i = 0; i <= nbins; ++i)
            edges[i] = step == F(0) ? static_cast<F>(i) / static_cast<F>(nbins) * delta + first
                                    : static_cast<F>(i) * step + first;
        edges[nbins] = last;
    }

    // The bin of x, for first <= x <= last.
    std::int64_t index(F x) const {
        auto bin = static_cast<std::int64_t>((x - first) / delta * static_cast<F>(nbins));
        if (bin == nbins) --bin;
        if (x < edges[bin]) --bin;
        else if (x >= edges[bin + 1] && bin != nbins - 1) ++bin;
        return bin;
    }

    std::vector<F> centres() const {
        std::vector<F> c(nbins);
        for (std::int64_t b = 0; b < nbins; ++b) c[b] = (edges[b] + edges[b + 1]) / F(2);
        return c;
    }
};

}  // namespace skb::otsu
