// CUDA filters.median (SciPy's median_filter semantics, skb/median.hpp): one thread per output pixel selects the
// window's element of rank count/2 by bisection over order-preserving keys of the values (runtime/ordered_key.cuh):
// one pass over the window for its smallest and largest key, then one counting pass per halving of that range
// (at most 8 for uint8, 16 for uint16, 32 or 64 for floats), so any footprint size runs with no per-thread
// storage and the answer is exact. The window travels as its rows (dz, dy, dx0..dx1) in the launch arguments;
// outside the image reads through the border rule (cval converted to the image's dtype first, as SciPy does).
// A NaN in a float image makes the pixels whose window holds it NaN and sets a device flag; the download's check
// (or, for an intermediate of a pipeline, the flag's 4 bytes) then names the first NaN of the input (the error
// path alone pays that copy). A device entry: it chains on the device.
#include <algorithm>
#include <cmath>
#include <memory>
#include <span>

#include "runtime/device_array.hpp"
#include "runtime/fill.cuh"
#include "runtime/kernel.hpp"
#include "runtime/ordered_key.cuh"
#include "skb/border.hpp"
#include "skb/median.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct MedianPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 65535;
    static constexpr int max_rows = 128;  // window rows in the launch arguments (2 KiB)
};

struct WindowRow {
    int dz, dy, dx0, dx1;  // a run of consecutive x offsets in source row (z + dz, y + dy)
};

struct MedianWindow {
    WindowRow rows[MedianPolicy::max_rows];
    int row_count;
    int rank;
};

// visit(value) for every element of pixel (z, y, x)'s window.
template <class T, class Visit>
__device__ __forceinline__ void for_each_element(const View<const T, 3>& in, const MedianWindow& w, BorderMode mode,
                                                 T cval, std::int64_t z, std::int64_t y, std::int64_t x, Visit visit) {
    for (int r = 0; r < w.row_count; ++r) {
        const WindowRow row = w.rows[r];
        const std::int64_t zz = border_index(z + row.dz, in.extent[0], mode);
        const std::int64_t yy = border_index(y + row.dy, in.extent[1], mode);
        for (int dx = row.dx0; dx <= row.dx1; ++dx) {
            const std::int64_t xx = border_index(x + dx, in.extent[2], mode);
            visit(zz < 0 || yy < 0 || xx < 0 ? cval : in(zz, yy, xx));
        }
    }
}

template <class T>
__global__ void median_kernel(View<const T, 3> in, View<T, 3> out, MedianWindow w, BorderMode mode, T cval,
                              unsigned* saw_nan) {
    using K = Key<T>;
    const std::int64_t n = in.extent[0] * in.extent[1] * in.extent[2];
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        const std::int64_t x = i % in.extent[2], y = i / in.extent[2] % in.extent[1], z = i / (in.extent[2] * in.extent[1]);
        K lo = ~K{0}, hi = 0;
        bool nan = false;
        for_each_element<T>(in, w, mode, cval, z, y, x, [&](T v) {
            if constexpr (std::is_floating_point_v<T>) nan = nan || v != v;
            const K k = key_of<T>(v);
            lo = k < lo ? k : lo;
            hi = k > hi ? k : hi;
        });
        if constexpr (std::is_floating_point_v<T>) {
            if (nan) {
                out(z, y, x) = static_cast<T>(NAN);  // the download's check names the input's NaN
                atomicOr(saw_nan, 1u);                // (and an intermediate's probe reads this flag)
                continue;
            }
        }
        while (lo < hi) {  // the smallest key with more than `rank` elements at or below it
            const K mid = lo + (hi - lo) / 2;
            int at_or_below = 0;
            for_each_element<T>(in, w, mode, cval, z, y, x, [&](T v) { at_or_below += key_of<T>(v) <= mid; });
            if (at_or_below > w.rank) hi = mid;
            else lo = mid + 1;
        }
        out(z, y, x) = value_of<T>(lo);
    }
}

MedianWindow window_rows(const Footprint& footprint, int ndim) {
    MedianWindow w{};
    const auto offsets = footprint.offsets(EvenCentre::End);  // C order: rows together, x ascending in each
    w.rank = static_cast<int>(offsets.size() / 2);
    for (const auto& o : offsets) {
        const int dz = ndim == 3 ? static_cast<int>(o[0]) : 0;
        const int dy = static_cast<int>(o[o.size() - 2]), dx = static_cast<int>(o.back());
        WindowRow* last = w.row_count > 0 ? &w.rows[w.row_count - 1] : nullptr;
        if (last && last->dz == dz && last->dy == dy && last->dx1 == dx - 1) {
            last->dx1 = dx;
            continue;
        }
        if (w.row_count == MedianPolicy::max_rows)
            throw Error("filters.median: footprint " + footprint.spec + " has more than " +
                        std::to_string(MedianPolicy::max_rows) + " runs of x offsets, beyond the " SKB_GPU_BACKEND_NAME
                        " backend's launch arguments (ref and opt take any footprint)");
        w.rows[w.row_count++] = WindowRow{dz, dy, dx, dx};
    }
    return w;
}

template <class T>
void launch_median(const DeviceArray& input, DeviceArray& result, const MedianWindow& w, BorderMode mode, T cval,
                   unsigned* saw_nan) {
    const Shape& shape = input.shape();
    const Shape volume = input.ndim() == 3 ? shape : Shape{1, shape[0], shape[1]};
    launch(median_kernel<T>,
           grid_stride_config("filters.median", input.size(), MedianPolicy::block, MedianPolicy::max_blocks),
           make_view<const T, 3>(input.data<T>(), volume), make_view<T, 3>(result.data<T>(), volume), w, mode, cval,
           saw_nan);
}

// Names the first NaN of a float image (the error path alone pays its download).
template <class T> void throw_first_nan(const DeviceArray& input) {
    const Array image = input.download();
    const auto in = image.values<T>();
    for (std::size_t i = 0; i < in.size(); ++i)
        if (std::isnan(in[i])) median::throw_nan_at(static_cast<std::int64_t>(i));
}

DeviceArray median(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("filters.median/" SKB_GPU_BACKEND_NAME);
    DeviceArray result(input.dtype(), input.shape());
    if (input.size() == 0) return result;
    const MedianWindow w = window_rows(median::window(params, input.ndim()), input.ndim());
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double cval = params.real("cval");
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) > 2 && std::is_integral_v<T>) {
            throw Error("filters.median: " + std::string(dtype_name(input.dtype())) + " is not supported");
        } else {
            // Float images: a flag set by a window holding a NaN (integer images have none: no buffer, no launch).
            std::shared_ptr<DeviceBuffer<unsigned>> saw_nan;
            if constexpr (std::is_floating_point_v<T>) {
                saw_nan = std::make_shared<DeviceBuffer<unsigned>>(1);
                launch(fill_kernel<unsigned>, grid_stride_config("filters.median/clear_flag", 1, 32, 1),
                       saw_nan->data(), std::int64_t{1}, 0u);
            }
            launch_median<T>(input, result, w, mode, median::from_double<T>(cval),
                             saw_nan ? saw_nan->data() : static_cast<unsigned*>(nullptr));
            if constexpr (std::is_floating_point_v<T>) {
                result.on_download([input](const Array& answer) {
                    const auto values = answer.values<T>();
                    if (std::any_of(values.begin(), values.end(), [](T v) { return std::isnan(v); }))
                        throw_first_nan<T>(input);
                });
                result.on_verify([input, saw_nan] {  // in a pipeline: 4 bytes instead of the whole result
                    unsigned flag = 0;
                    copy_to_host(std::span<unsigned>(&flag, 1), *saw_nan);
                    if (flag) throw_first_nan<T>(input);
                });
            }
        }
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("filters.median", median);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
