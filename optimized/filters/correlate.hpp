// The opt backend's 1-d correlation with a symmetric or antisymmetric kernel (filters.gaussian's passes, the
// ridge filters' Gaussian derivatives): a block of outputs summed in vector registers over the taps.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace skb::opt {

// Taps by their distance from the centre: w[0] the centre, w[j] the weight of offset -j; offset +j weighs
// `sign` * w[j] (+1 symmetric, -1 antisymmetric: a first derivative's kernel).
struct Taps {
    std::vector<float> w{1.0f};
    int sign = 1;
    std::int64_t radius() const { return static_cast<std::int64_t>(w.size()) - 1; }
};

// Taps are summed over a block of outputs held in vector registers (GCC/Clang vector extensions: AVX2/AVX-512
// with -march=native, SSE pairs otherwise), so each tap costs two loads and an add/FMA per vector, never a reload
// and store of the output.
using Vec = float __attribute__((vector_size(32)));  // 8 floats
constexpr std::int64_t kLanes = 8, kVectors = 4, kBlock = kLanes * kVectors;

inline Vec load(const float* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// acc + w * s rounded as the vector blocks round it, so that an output's value never depends on whether it fell in
// a block or in the tail (a chunk of an image, skbench.dask's, must equal the whole image's): fused where the
// target has FMA (-ffp-contract=fast fuses the vector code there; GCC left this scalar loop unfused), else the two
// roundings the vector code then does too.
inline float multiply_add(float w, float s, float acc) {
#if defined(__FMA__)
    return std::fma(w, s, acc);
#else
    return acc + w * s;
#endif
}

// out[x] = w[0]*at(0)[x] + sum_j w[j] * (at(-j)[x] + sign * at(+j)[x]) for x in [0, n): `at(k)` points at the row
// that offset k reads (a shifted pointer into one padded row for the x pass, another row for the y and z passes).
template <int kSign, class RowAt>
inline void correlate_signed(RowAt at, float* __restrict out, std::int64_t n, const Taps& t) {
    const std::int64_t r = t.radius();
    const auto pair = [](auto lo, auto hi) {
        if constexpr (kSign > 0) return lo + hi;
        else return lo - hi;
    };
    std::int64_t x = 0;
    for (; x + kBlock <= n; x += kBlock) {
        Vec acc[kVectors];
        const float* c = at(0) + x;
        for (int v = 0; v < kVectors; ++v) acc[v] = t.w[0] * load(c + v * kLanes);
        for (std::int64_t j = 1; j <= r; ++j) {
            const float* lo = at(-j) + x;
            const float* hi = at(j) + x;
            const float wj = t.w[j];
            for (int v = 0; v < kVectors; ++v) acc[v] += wj * pair(load(lo + v * kLanes), load(hi + v * kLanes));
        }
        for (int v = 0; v < kVectors; ++v) store(out + x + v * kLanes, acc[v]);
    }
    for (; x < n; ++x) {
        float acc = t.w[0] * at(0)[x];
        for (std::int64_t j = 1; j <= r; ++j) acc = multiply_add(t.w[j], pair(at(-j)[x], at(j)[x]), acc);
        out[x] = acc;
    }
}
template <class RowAt> inline void correlate(RowAt at, float* __restrict out, std::int64_t n, const Taps& t) {
    if (t.sign < 0) correlate_signed<-1>(at, out, n, t);
    else correlate_signed<1>(at, out, n, t);
}

}  // namespace skb::opt
