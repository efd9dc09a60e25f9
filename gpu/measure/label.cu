// CUDA measure.label: block-based union-find (Playne & Hawick 2018; Allegretti et al. 2020) over a parent
// array of linear pixel indices, in six kernels:
//  1. local_merge: a block labels its tile in shared memory (keys, foreground flags and a tile-local parent
//     array; union-find with atomicMin), then writes each foreground pixel's global parent: the global index of
//     its tile-local root (background: -1);
//  2. border_merge: threads on a tile's faces join their pixel with equal-keyed neighbours in other tiles
//     (lock-free atomicMin union on the global array, finds compressing their path);
//  3. flatten: every foreground pixel finds and points at its root; roots are counted per block of pixels
//     (each thread a few consecutive ones) with a block scan (warp shuffles + shared memory), each root's rank
//     inside its block stored in the output;
//  4. exclusive_scan_on_device (runtime/block_scan.cuh): the per-block root counts become an exclusive prefix
//     sum, by a multi-block scan (each block scans a chunk and leaves its total; the totals are scanned the same
//     way until one block holds them, and added back): one launch up to 2^20 pixels, three up to 2^30;
//  5. number_roots: each root's label = its block's offset + its rank in the block + 1;
//  6. write_labels: every other pixel copies its root's label (background 0).
// Union links the larger root under the smaller, so each component's root is its smallest index: numbering
// roots in index order gives scikit-image's labels (C order of each component's first pixel). The indices are
// those of the scan order scikit-image uses (skb/label_order.hpp): the kernels see the image through a view
// whose axes are permuted into that order. A device entry: no copy of its own (called alone, one H2D of the image and one
// D2H of the labels).
// Neighbours join when both are foreground and their keys are equal: the value truncated to an integer, or for
// bool images foreground/background (the False pixels are foreground when background=1, as ndimage.label).
#include <algorithm>
#include <limits>
#include <memory>
#include <type_traits>

#include "measure/components.cuh"
#include "runtime/block_scan.cuh"
#include "runtime/device_array.hpp"
#include "runtime/fill.cuh"
#include "runtime/kernel.hpp"
#include "skb/label_order.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

// The first of the consecutive pixels of one thread of the per-pixel kernels.
__device__ __forceinline__ std::int64_t first_item() {
    return (std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x) * LabelPolicy::items;
}

template <class Index, class Label>
__global__ void flatten_kernel(Index* parent, std::int64_t n, View<Label, 3> out, Index* block_roots) {
    SKB_SHARED(Index, warp_sums, kWarpSize);
    const std::int64_t first = first_item();
    unsigned roots = 0;  // bit k: pixel first + k is a root
    Index count = 0;
    for (unsigned k = 0; k < LabelPolicy::items; ++k) {
        const std::int64_t g = first + k;
        if (g < n && atomicLoad(&parent[g]) >= 0 && uf_find(parent, static_cast<Index>(g)) == g) {
            roots |= 1u << k;
            ++count;
        }
    }
    Index total;
    Index rank = block_exclusive_scan(count, warp_sums, total);
    for (unsigned k = 0; k < LabelPolicy::items; ++k)
        if (roots >> k & 1u) at_index(out, first + k) = static_cast<Label>(rank++);
    if (threadIdx.x == 0) block_roots[blockIdx.x] = total;
}

template <class Index, class Label>
__global__ void number_roots_kernel(const Index* parent, std::int64_t n, View<Label, 3> out, const Index* roots_before) {
    const std::int64_t first = first_item();
    for (std::int64_t g = first; g < first + LabelPolicy::items && g < n; ++g)
        if (parent[g] == g) at_index(out, g) += static_cast<Label>(roots_before[blockIdx.x] + 1);
}

template <class Index, class Label>
__global__ void write_labels_kernel(const Index* parent, std::int64_t n, View<Label, 3> out) {
    const std::int64_t first = first_item();
    for (std::int64_t g = first; g < first + LabelPolicy::items && g < n; ++g) {
        const Index root = parent[g];
        if (root < 0) at_index(out, g) = 0;
        else if (root != g) at_index(out, g) = at_index(out, root);
    }
}

// Float images: elements with no int64 truncation (skb/label_order.hpp), which every backend refuses. Without
// a synchronisation of its own: such an element's label becomes -1 (and a flag is set), the result's download
// finds the -1 (or a pipeline's verify reads the flag), and only then is the input downloaded to name the first.
template <class T, class Label>
__global__ void mark_keyless_kernel(const T* in, std::int64_t n, Label* labels, unsigned* flag) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        if (!has_int64_key(in[g])) {
            labels[g] = Label{-1};
            atomicOr(flag, 1u);
        }
}

template <class T> [[noreturn]] void throw_first_keyless(const DeviceArray& input) {
    const Array image = input.download();
    check_int64_keys(image.data<T>(), image.size());
    throw InternalError("measure.label: the device marked an element without an integer label, the host found none");
}

template <class T, class Label> void refuse_keyless_floats(const DeviceArray& input, DeviceArray& result) {
    if constexpr (std::is_floating_point_v<T>) {
        auto flag = std::make_shared<DeviceBuffer<unsigned>>(1);
        launch(fill_kernel<unsigned>, grid_stride_config("measure.label/clear_flag", 1, 32, 1), flag->data(),
               std::int64_t{1}, 0u);
        launch(mark_keyless_kernel<T, Label>, grid_stride_config("measure.label/mark_keyless", input.size(), 256, 1024),
               input.data<T>(), input.size(), result.data<Label>(), flag->data());
        result.on_download([input](const Array& labels) {
            const auto values = labels.values<Label>();
            if (std::any_of(values.begin(), values.end(), [](Label l) { return l < 0; })) throw_first_keyless<T>(input);
        });
        result.on_verify([input, flag] {  // in a pipeline: 4 bytes instead of the whole result
            unsigned marked = 0;
            copy_to_host(std::span<unsigned>(&marked, 1), *flag);
            if (marked) throw_first_keyless<T>(input);
        });
    }
}

template <class T, class Index, class Label>
void label_on_device(const DeviceArray& input, DeviceArray& result, const std::vector<int>& scan_axes,
                     const KeyRule& rule) {
    // The image as 3-d (a plane gets a leading axis of 1), then its axes in scan order.
    const Shape volume = input.ndim() == 3 ? input.shape() : Shape{1, input.shape()[0], input.shape()[1]};
    const Shape strides = c_strides(volume);
    const int lead = 3 - input.ndim();
    View<const T, 3> in{input.data<T>()};
    View<Label, 3> out{result.data<Label>()};
    for (int d = 0; d < 3; ++d) {
        const int axis = d < lead ? d : lead + scan_axes[d - lead];
        in.extent[d] = out.extent[d] = volume[axis];
        in.stride[d] = out.stride[d] = strides[axis];
    }
    const std::int64_t n = result.size();
    DeviceBuffer<Index> parent(static_cast<std::size_t>(n));

    merge_components_on_device(in, parent.data(), rule);

    using P = LabelPolicy;
    const auto blocks = [](std::int64_t extent, unsigned per_block) {
        return static_cast<unsigned>((extent + per_block - 1) / per_block);
    };
    const unsigned scan_blocks = blocks(n, P::pixels_per_block);
    DeviceBuffer<Index> block_roots(scan_blocks);
    const auto per_pixel = [&](const char* name) {
        return LaunchConfig{.name = name, .grid = Dim3{scan_blocks}, .block = Dim3{P::scan_block}};
    };
    launch(flatten_kernel<Index, Label>, per_pixel("measure.label/flatten"), parent.data(), n, out,
           block_roots.data());
    exclusive_scan_on_device<P::scan_block, P::items>(block_roots.data(), std::int64_t{scan_blocks});
    launch(number_roots_kernel<Index, Label>, per_pixel("measure.label/number_roots"), parent.data(), n, out,
           block_roots.data());
    launch(write_labels_kernel<Index, Label>, per_pixel("measure.label/write_labels"), parent.data(), n, out);
}

DeviceArray label(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("measure.label/" SKB_GPU_BACKEND_NAME);
    if (input.ndim() != 2 && input.ndim() != 3)
        throw Error("measure.label: backend " SKB_GPU_BACKEND_NAME " labels 2-d and 3-d images, got shape " +
                    shape_string(input.shape()));
    const bool bool_input = input.dtype() == DType::Bool;
    const LabelParams lp = label_params(params, input.ndim());
    DeviceArray result(label_dtype(input.dtype()), input.shape());
    const std::int64_t n = result.size();
    if (n == 0) return result;
    // Bool images: foreground is True (False when background=1), as ndimage.label on `image != background`.
    const KeyRule rule{bool_input ? 0 : lp.background, bool_input && lp.background == 1, lp.connectivity};
    const std::vector<int> scan_axes = label_scan_axes(input.shape(), bool_input);
    visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        {
            using Label = std::conditional_t<std::is_same_v<T, bool>, std::int32_t, std::int64_t>;
            if (n >= static_cast<std::int64_t>(std::numeric_limits<Label>::max()) - 1)
                throw Error("measure.label: " + shape_string(input.shape()) + " has too many pixels for " +
                            std::string(dtype_name(dtype_of<Label>)) + " labels");
            if (n < std::numeric_limits<int>::max() - 1) label_on_device<T, int, Label>(input, result, scan_axes, rule);
            else label_on_device<T, long long, Label>(input, result, scan_axes, rule);
            refuse_keyless_floats<T, Label>(input, result);
        }
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("measure.label", label);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
