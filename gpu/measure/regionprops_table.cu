// CUDA measure.regionprops_table: each region's sums on the device, the table on the host by the arithmetic every
// backend shares (skb/regionprops.hpp). Two passes over the labels: the largest label (a block reduction, one
// 8-byte read: the table's length depends on it), then one thread per row segment of kSegment pixels walking its
// runs and adding each run's closed-form sums (regionprops::run_sums) to its label's counters with integer atomics
// (exact, so any order gives the same sums), intensities per pixel in registers, flushed per run (the float64 sum
// with atomicAdd: order-dependent rounding, within the tolerance; min and max as order-preserving keys). The
// counters come back in one D2H each, after the one wait. Labels <= 0 are background. The table is dense (one
// slot per label value up to the largest): labels beyond max(pixels, 65536) are refused, where ref and opt use a
// hash table. A device entry that returns the host table: it ends a device pipeline (the coins graph: one H2D of
// the image, the 8-byte read and the counters back).
#include <array>
#include <vector>

#include "runtime/device_array.hpp"
#include "runtime/fill.cuh"
#include "runtime/kernel.hpp"
#include "runtime/ordered_key.cuh"
#include "skb/nvtx.hpp"
#include "skb/regionprops.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

using Sum = unsigned long long;  // CUDA's 64-bit atomicAdd/atomicMin/atomicMax type

struct RegionpropsPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 4096;
};
constexpr std::int64_t kSegment = 64;  // pixels of a row per thread: runs inside it cost one flush each

// Counter arrays, field-major: field f of label l at fields[f * slots + l].
enum Field { kCount = 0, kLo = 1, kHi = 4, kSum = 7, kSum2 = 10, kFields = 16 };

struct Counters {
    Sum* fields;
    double* intensity_sum;  // nullptr without an intensity image
    Sum* intensity_min;     // keys (ordered_key.cuh) of the float64 values
    Sum* intensity_max;
    std::int64_t slots;
    __device__ __forceinline__ Sum* at(int field, std::int64_t label) const { return fields + field * slots + label; }
    std::array<const void*, 4> device_pointers() const {  // for launch's argument check
        return {fields, intensity_sum, intensity_min, intensity_max};
    }
};

template <class L> __global__ void largest_label_kernel(const L* labels, std::int64_t n, long long* largest) {
    constexpr unsigned warps = RegionpropsPolicy::block / kWarpSize;
    SKB_SHARED(long long, warp_max, warps);
    long long top = 0;
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        const auto v = static_cast<long long>(labels[i]);
        top = v > top ? v : top;
    }
    for (unsigned offset = kWarpSize / 2; offset > 0; offset /= 2) {
        const long long other = __shfl_down_sync(kFullMask, top, offset);
        top = other > top ? other : top;
    }
    if (threadIdx.x % kWarpSize == 0) warp_max[threadIdx.x / kWarpSize] = top;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (unsigned w = 1; w < warps; ++w) top = warp_max[w] > top ? warp_max[w] : top;
        atomicMax(largest, top);
    }
}

// A run [x0, x0 + length) of `label` on the row at coord (coord[ndim - 1] = x0), with its intensities' sum, min, max.
__device__ __forceinline__ void add_run(const Counters& c, long long label, const std::int64_t* coord, int ndim,
                                        std::int64_t length, double sum, double lo, double hi) {
    const regionprops::RunSums r = regionprops::run_sums(coord, ndim, length);
    atomicAdd(c.at(kCount, label), static_cast<Sum>(length));
    for (int a = 0; a < ndim; ++a) {
        atomicMin(c.at(kLo + a, label), static_cast<Sum>(coord[a]));
        atomicMax(c.at(kHi + a, label), static_cast<Sum>(a == ndim - 1 ? r.x_last : coord[a]));
        atomicAdd(c.at(kSum + a, label), static_cast<Sum>(r.sum[a]));
        for (int b = a; b < ndim; ++b) {
            const int p = regionprops::pair_index(a, b);
            atomicAdd(c.at(kSum2 + p, label), static_cast<Sum>(r.sum2[p]));
        }
    }
    if (c.intensity_sum) {
        atomicAdd(c.intensity_sum + label, sum);
        atomicMin(c.intensity_min + label, key_of(lo));
        atomicMax(c.intensity_max + label, key_of(hi));
    }
}

// One thread per (row, segment); rows are the image's lines along its last axis, `extent` its shape.
template <class L, class I>
__global__ void region_sums_kernel(const L* labels, const I* intensity, std::int64_t rows, int ndim,
                                   std::int64_t height, std::int64_t width, Counters counters) {
    const std::int64_t segments = (width + kSegment - 1) / kSegment;
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t t = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; t < rows * segments; t += stride) {
        const std::int64_t row = t / segments, x0 = t % segments * kSegment;
        const std::int64_t x1 = x0 + kSegment < width ? x0 + kSegment : width;
        std::int64_t coord[3] = {};
        if (ndim == 3) {
            coord[0] = row / height;
            coord[1] = row % height;
        } else {
            coord[0] = row;
        }
        const L* line = labels + row * width;
        std::int64_t start = x0;
        double sum = 0, lo = 0, hi = 0;
        for (std::int64_t x = x0; x < x1; ++x) {
            double v = 0;
            if constexpr (!std::is_same_v<I, void>) v = static_cast<double>(intensity[row * width + x]);
            if (x == start) {
                sum = v;
                lo = hi = v;
            } else {
                sum += v;
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            if (x + 1 == x1 || line[x + 1] != line[x]) {  // the run ends here
                const auto label = static_cast<long long>(line[x]);
                if (label > 0) {
                    coord[ndim - 1] = start;
                    add_run(counters, label, coord, ndim, x + 1 - start, sum, lo, hi);
                }
                start = x + 1;
            }
        }
    }
}

template <class L, class I>
std::vector<regionprops::RegionSums> region_sums_on_device(const DeviceArray& image, const DeviceArray* intensity) {
    const std::int64_t n = image.size();
    const L* labels = image.data<L>();
    DeviceBuffer<long long> largest(1);
    launch(fill_kernel<long long>, grid_stride_config("measure.regionprops_table/clear", 1, 32, 1), largest.data(),
           std::int64_t{1}, 0ll);
    launch(largest_label_kernel<L>,
           grid_stride_config("measure.regionprops_table/largest", n, RegionpropsPolicy::block,
                              RegionpropsPolicy::max_blocks),
           labels, n, largest.data());
    long long top = 0;
    copy_bytes(&top, largest.data(), sizeof top, CopyKind::DeviceToHost);  // the table's length: wait for it
    if (top <= 0) return {};
    const long long bound = n > 65536 ? n : 65536;
    if (top > bound)
        throw Error("measure.regionprops_table: label " + std::to_string(top) + " is beyond the cuda backend's dense "
                    "table (labels up to max(pixels, 65536) = " + std::to_string(bound) + "; ref and opt take any)");
    const std::int64_t slots = top + 1;
    DeviceBuffer<Sum> fields(static_cast<std::size_t>(kFields * slots));
    const auto fill = [&](Sum* p, std::int64_t count, Sum value) {
        launch(fill_kernel<Sum>, grid_stride_config("measure.regionprops_table/clear", count, RegionpropsPolicy::block,
                                                    RegionpropsPolicy::max_blocks),
               p, count, value);
    };
    fill(fields.data(), kFields * slots, 0);
    fill(fields.data() + kLo * slots, 3 * slots, ~Sum{0});
    DeviceBuffer<double> intensity_sum(intensity ? static_cast<std::size_t>(slots) : 0);
    DeviceBuffer<Sum> intensity_keys(intensity ? static_cast<std::size_t>(2 * slots) : 0);
    Counters counters{fields.data(), nullptr, nullptr, nullptr, slots};
    if constexpr (!std::is_same_v<I, void>) {
        launch(fill_kernel<double>, grid_stride_config("measure.regionprops_table/clear", slots,
                                                       RegionpropsPolicy::block, RegionpropsPolicy::max_blocks),
               intensity_sum.data(), slots, 0.0);
        fill(intensity_keys.data(), slots, ~Sum{0});
        fill(intensity_keys.data() + slots, slots, 0);
        counters.intensity_sum = intensity_sum.data();
        counters.intensity_min = intensity_keys.data();
        counters.intensity_max = intensity_keys.data() + slots;
    }
    const int ndim = image.ndim();
    const std::int64_t width = image.shape().back(), rows = n / width;
    const std::int64_t height = ndim == 3 ? image.shape()[1] : 1;
    const I* intensity_data = nullptr;
    if constexpr (!std::is_same_v<I, void>) intensity_data = intensity->data<I>();
    launch(region_sums_kernel<L, I>,
           grid_stride_config("measure.regionprops_table/sums", rows * ((width + kSegment - 1) / kSegment),
                              RegionpropsPolicy::block, RegionpropsPolicy::max_blocks),
           labels, intensity_data, rows, ndim, height, width, counters);
    std::vector<Sum> host(static_cast<std::size_t>(kFields * slots));
    std::vector<double> host_sum(intensity ? static_cast<std::size_t>(slots) : 0);
    std::vector<Sum> host_keys(intensity ? static_cast<std::size_t>(2 * slots) : 0);
    if (intensity) {  // queued; their bytes arrive with the last copy's wait
        enqueue_copy(host_sum.data(), intensity_sum.data(), host_sum.size() * sizeof(double), CopyKind::DeviceToHost);
        enqueue_copy(host_keys.data(), intensity_keys.data(), host_keys.size() * sizeof(Sum), CopyKind::DeviceToHost);
    }
    copy_bytes(host.data(), fields.data(), host.size() * sizeof(Sum), CopyKind::DeviceToHost);
    std::vector<regionprops::RegionSums> regions;
    const auto field = [&](int f, std::int64_t label) { return host[static_cast<std::size_t>(f * slots + label)]; };
    for (std::int64_t label = 1; label < slots; ++label) {
        if (field(kCount, label) == 0) continue;
        regionprops::RegionSums r;
        r.label = label;
        r.count = static_cast<std::int64_t>(field(kCount, label));
        for (int a = 0; a < ndim; ++a) {
            r.lo[a] = static_cast<std::int64_t>(field(kLo + a, label));
            r.hi[a] = static_cast<std::int64_t>(field(kHi + a, label));
            r.sum[a] = static_cast<std::int64_t>(field(kSum + a, label));
        }
        for (int p = 0; p < 6; ++p) r.sum2[p] = static_cast<std::int64_t>(field(kSum2 + p, label));
        if (intensity) {
            r.intensity_sum = host_sum[static_cast<std::size_t>(label)];
            r.intensity_min = value_of<double>(host_keys[static_cast<std::size_t>(label)]);
            r.intensity_max = value_of<double>(host_keys[static_cast<std::size_t>(slots + label)]);
        }
        regions.push_back(r);
    }
    return regions;
}

Array regionprops_table(const DeviceInputs& inputs, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("measure.regionprops_table/" SKB_GPU_BACKEND_NAME);
    const DeviceArray& image = inputs.image();
    const DeviceArray* intensity = inputs.extra("intensity_image");
    std::vector<regionprops::RegionSums> regions;
    if (image.size() > 0)
        visit_dtype(image.dtype(), [&](auto label_tag) {
            using L = decltype(label_tag);
            if constexpr (std::is_integral_v<L> && !std::is_same_v<L, bool>) {
                if (!intensity) {
                    regions = region_sums_on_device<L, void>(image, nullptr);
                    return;
                }
                visit_dtype(intensity->dtype(), [&](auto value_tag) {
                    regions = region_sums_on_device<L, decltype(value_tag)>(image, intensity);
                });
            } else {
                throw Error("measure.regionprops_table: " + std::string(dtype_name(image.dtype())) +
                            " is not a label dtype");
            }
        });
    return regionprops::write_table(regions, params.choices("properties"), image.ndim());
}

SKB_GPU_REGISTER_DEVICE_IMPL("measure.regionprops_table", regionprops_table);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
