// CUDA filters.frangi, filters.hessian, filters.sato, filters.meijering (device entries). The image is cast to
// float32 (negated for bright ridges) by one kernel; per sigma, feature/gaussian_hessian.cuh's elements, then
// two element-wise kernels: the first takes each pixel's eigenvalues (skb/ridges.hpp's closed forms, as opt) to
// its response (sato, meijering) or frangi's terms, written over the elements it read, and reduces the maximum
// that a default gamma (the first sigma's largest ||lambda||) or meijering's normalization needs into a device
// key (a block's maximum by warp shuffles, one atomicMax per block); the second finishes the response from
// that key and folds it into the running maximum over sigmas. Nothing returns to the host before the answer.
#include "feature/gaussian_hessian.cuh"
#include "runtime/device_array.hpp"
#include "runtime/fill.cuh"
#include "runtime/kernel.hpp"
#include "runtime/ordered_key.cuh"
#include "skb/nvtx.hpp"
#include "skb/ridges.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

enum class Filter { Frangi, Hessian, Sato, Meijering };

struct RidgePolicy {
    static constexpr unsigned threads = 256;
    static constexpr unsigned max_blocks = 4096;
};

template <class T> __global__ void cast_kernel(const T* in, float* out, std::int64_t n, bool negate) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
        out[i] = negate ? -static_cast<float>(in[i]) : static_cast<float>(in[i]);
}

struct ResponseParams {
    Filter filter;
    int ndim;
    double sigma;
    float mix;          // meijering's alpha
    bool reduce;        // reduce the maximum into *key: frangi's S (default gamma, first sigma), meijering's response
};

// Per pixel: eigenvalues of h[0..count) at i, then frangi's terms (r_a2, r_b2, s into h[0], h[1], h[2]) or the
// response (into h[0]); the block's maximum of s or of the response into *key.
__global__ void response_kernel(float* h0, float* h1, float* h2, const float* h3, const float* h4, const float* h5,
                                std::int64_t n, ResponseParams p, Key<float>* key) {
    constexpr unsigned warps = RidgePolicy::threads / kWarpSize;
    SKB_SHARED(Key<float>, warp_max, warps);
    Key<float> best = 0;
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        float e[3];
        if (p.ndim == 2) {
            ridges::eigenvalues2(h0[i], h1[i], h2[i], e);
        } else {
            double d[3];
            ridges::eigenvalues3(h0[i], h1[i], h2[i], h3[i], h4[i], h5[i], d);
            for (int k = 0; k < 3; ++k) e[k] = static_cast<float>(d[k]);
        }
        float reduced;
        if (p.filter == Filter::Frangi || p.filter == Filter::Hessian) {
            const ridges::FrangiTerms<float> t = ridges::frangi_terms(e, p.ndim);
            h0[i] = t.r_a2;
            h1[i] = t.r_b2;
            h2[i] = t.s;
            reduced = t.s;
        } else {
            reduced = h0[i] = p.filter == Filter::Sato ? ridges::sato_response(e, p.ndim, p.sigma)
                                                       : ridges::meijering_response(e, p.ndim, p.mix);
        }
        if (p.reduce) best = best < key_of(reduced) ? key_of(reduced) : best;
    }
    if (!p.reduce) return;  // the same for every thread of the grid: no barrier is skipped by some threads only
    for (unsigned offset = kWarpSize / 2; offset > 0; offset /= 2) {
        const Key<float> other = __shfl_down_sync(kFullMask, best, offset);
        best = best < other ? other : best;
    }
    if (threadIdx.x % kWarpSize == 0) warp_max[threadIdx.x / kWarpSize] = best;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (unsigned w = 1; w < warps; ++w) best = best < warp_max[w] ? warp_max[w] : best;
        atomicMax(key, best);
    }
}

struct FoldParams {
    Filter filter;
    double alpha, beta;
    float gamma;          // frangi's gamma, when given
    bool gamma_from_key;  // frangi without a gamma: half of *gamma_key's maximum (1 if that is 0)
    bool first;           // the first sigma: the running maximum starts at 0
    bool replace_zeros;   // filters.hessian's last sigma: responses <= 0 become 1
};

// The response at this sigma from response_kernel's output, folded into best.
__global__ void fold_kernel(const float* h0, const float* h1, const float* h2, float* best, std::int64_t n, FoldParams p,
                            const Key<float>* gamma_key, const Key<float>* meijering_key) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    float gamma = p.gamma;
    if (p.gamma_from_key) {
        gamma = value_of<float>(*gamma_key) / 2.0f;
        if (gamma == 0.0f) gamma = 1.0f;
    }
    const float largest = p.filter == Filter::Meijering ? value_of<float>(*meijering_key) : 0.0f;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        float v;
        if (p.filter == Filter::Frangi || p.filter == Filter::Hessian)
            v = ridges::frangi_response(ridges::FrangiTerms<float>{h0[i], h1[i], h2[i]}, p.alpha, p.beta, gamma);
        else v = h0[i];
        if (largest > 0.0f) v /= largest;  // meijering: this sigma's maximum
        float b = p.first ? ridges::maximum(0.0f, v) : ridges::maximum(best[i], v);
        if (p.replace_zeros && b <= 0.0f) b = 1.0f;
        best[i] = b;
    }
}

template <Filter filter> DeviceArray ridge_filter(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("filters.ridges/" SKB_GPU_BACKEND_NAME);
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    const std::int64_t n = input.size();
    const std::vector<double> sigmas = params.reals("sigmas");
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const auto cval = static_cast<float>(params.real("cval"));
    constexpr bool frangi = filter == Filter::Frangi || filter == Filter::Hessian;
    const bool gamma_given = frangi && !params.is_none("gamma");
    const LaunchConfig config = grid_stride_config("filters.ridges", n, RidgePolicy::threads, RidgePolicy::max_blocks);

    DeviceArray image(DType::F32, shape);  // astype(float32), negated for bright ridges
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        launch(cast_kernel<T>, config, input.data<T>(), image.data<float>(), n, !params.flag("black_ridges"));
    });
    const ridges::ElementAxes axes = ridges::element_axes(ndim);
    DeviceArray elements(DType::F32, Shape{axes.count, n});
    float* h[6] = {};
    for (int k = 0; k < axes.count; ++k) h[k] = elements.data<float>() + k * n;
    DeviceBuffer<Key<float>> keys(2);  // the first sigma's largest S; this sigma's largest meijering response
    DeviceArray result(DType::F32, shape);
    DeviceGaussianHessian hessian(shape);
    launch(fill_kernel<Key<float>>, {.name = "filters.ridges/keys", .block = {2}}, keys.data(),
           std::int64_t{2}, Key<float>{0});
    for (std::size_t si = 0; si < sigmas.size(); ++si) {
        hessian.compute(image.data<float>(), sigmas[si], mode, cval, axes, h);
        const bool reduce = filter == Filter::Meijering || (frangi && !gamma_given && si == 0);
        Key<float>* key = keys.data() + (filter == Filter::Meijering ? 1 : 0);
        if (filter == Filter::Meijering && si > 0)
            launch(fill_kernel<Key<float>>, {.name = "filters.ridges/key"}, key, std::int64_t{1}, Key<float>{0});
        const ResponseParams rp{filter, ndim, sigmas[si],
                                static_cast<float>(filter != Filter::Meijering ? 0.0
                                                   : params.is_none("alpha") ? 1.0 / (ndim + 1)
                                                                             : params.real("alpha")),
                                reduce};
        launch(response_kernel, config, h[0], h[1], h[2], ndim == 3 ? h[3] : h[0], ndim == 3 ? h[4] : h[0],
               ndim == 3 ? h[5] : h[0], n, rp, key);
        const FoldParams fp{filter, frangi ? params.real("alpha") : 0.0, frangi ? params.real("beta") : 0.0,
                            gamma_given ? static_cast<float>(params.real("gamma")) : 0.0f, frangi && !gamma_given, si == 0,
                            filter == Filter::Hessian && si + 1 == sigmas.size()};
        launch(fold_kernel, config, h[0], h[1], h[2], result.data<float>(), n, fp, keys.data(),
               keys.data() + 1);
    }
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("filters.frangi", ridge_filter<Filter::Frangi>);
SKB_GPU_REGISTER_DEVICE_IMPL("filters.hessian", ridge_filter<Filter::Hessian>);
SKB_GPU_REGISTER_DEVICE_IMPL("filters.sato", ridge_filter<Filter::Sato>);
SKB_GPU_REGISTER_DEVICE_IMPL("filters.meijering", ridge_filter<Filter::Meijering>);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
