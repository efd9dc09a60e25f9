// Products that are never fused into a following add. Where a discrete choice hangs on the exact rounding of
// a*b+c (NumPy's bin edges, the class means of Otsu's scan), backends compiled with contraction (the opt tree's
// -ffp-contract=fast, nvcc's default --fmad=true) would otherwise round it once as an FMA where NumPy rounds
// twice, and pick another bin. product_unfused(a, b) is a*b rounded to F, whatever the contraction flags.
#pragma once
#include "skb/hd.hpp"

namespace skb {

template <class F> SKB_HD inline F product_unfused(F a, F b) {
#if defined(__CUDA_ARCH__)
    // The _rn intrinsics are never merged into an FMA.
    if constexpr (sizeof(F) == 4) return __fmul_rn(a, b);
    else return __dmul_rn(a, b);
#else
    F p = a * b;
    // An empty asm that "changes" p: the compiler must materialise the rounded product and cannot contract it.
#if defined(__SSE2__)
    asm("" : "+x"(p));
#elif defined(__aarch64__)
    asm("" : "+w"(p));
#else
    asm("" : "+m"(p));
#endif
    return p;
#endif
}

}  // namespace skb
