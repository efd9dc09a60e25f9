// CUDA ndimage.binary_fill_holes for connectivity structures (the default cross, square:3, cube:3, or any
// generate_binary_structure(ndim, c)): the components of the False pixels on the device
// (measure/components.cuh, nonzero is True), one kernel marks the components with a pixel on a face of the image,
// and one writes True everywhere except on marked components. A device entry (runtime/device_array.hpp): in a
// pipeline (seed.tomography: the objects mask from numpy.greater) the mask stays on the device; alone, one H2D copy
// and one D2H copy.
// Other structures (disk:2, square:5, even rectangles, whose steps need not be symmetric) flood from outside by
// repeated passes: each pass reaches every open pixel one step from a reached pixel or from outside (reading the
// states other threads write in the same pass, so it often goes further), until a pass changes nothing; each pass
// ends with one synchronisation, to read whether it changed anything (4 bytes D2H), and the structure's steps
// are one more small H2D.
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "measure/components.cuh"
#include "runtime/device_array.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

template <class Index>
__global__ void mark_outside_kernel(const Index* root, VolumeShape shape, std::int64_t n, unsigned* outside) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        if (root[g] >= 0 && in_border_band(g, shape, 1)) atomicOr(&outside[root[g]], 1u);
}

template <class Index>
__global__ void write_filled_kernel(const Index* root, const unsigned* outside, std::int64_t n, bool* out) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        out[g] = root[g] < 0 || !outside[root[g]];
}

enum : unsigned { kOpen = 0, kWall = 1, kReached = 2 };

template <class T> __global__ void init_states_kernel(const T* in, std::int64_t n, unsigned* state) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        state[g] = in[g] != T{} ? kWall : kOpen;
}

// One pass of the flood: an open pixel x is reached when x - d lies outside the image or is reached, for a step d
// of the structure (steps: `count` offsets of 3 entries each, the leading ones 0 for a plane).
__global__ void flood_pass_kernel(VolumeShape shape, const long long* steps, int count, std::int64_t n,
                                  unsigned* state, unsigned* changed) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        if (atomicLoad(&state[g]) != kOpen) continue;
        const std::int64_t x = g % shape.extent[2], y = g / shape.extent[2] % shape.extent[1],
                           z = g / (shape.extent[2] * shape.extent[1]);
        for (int k = 0; k < count; ++k) {
            const std::int64_t fz = z - steps[3 * k], fy = y - steps[3 * k + 1], fx = x - steps[3 * k + 2];
            const bool outside = fz < 0 || fz >= shape.extent[0] || fy < 0 || fy >= shape.extent[1] || fx < 0 ||
                                 fx >= shape.extent[2];
            if (outside || atomicLoad(&state[(fz * shape.extent[1] + fy) * shape.extent[2] + fx]) == kReached) {
                atomicExch(&state[g], static_cast<unsigned>(kReached));
                atomicOr(changed, 1u);
                break;
            }
        }
    }
}

__global__ void write_unreached_kernel(const unsigned* state, std::int64_t n, bool* out) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        out[g] = state[g] != kReached;
}

template <class T> void flood_on_device(const DeviceArray& image, const Footprint& structure, DeviceArray& result) {
    const std::int64_t n = image.size();
    const T* in = image.data<T>();
    std::vector<long long> steps;
    for (const auto& d : structure.offsets(EvenCentre::End)) {
        for (int lead = image.ndim(); lead < 3; ++lead) steps.push_back(0);
        steps.insert(steps.end(), d.begin(), d.end());
    }
    const DeviceBuffer<long long> steps_on_device = to_device<long long>(std::span<const long long>(steps));
    DeviceBuffer<unsigned> state(static_cast<std::size_t>(n));
    launch(init_states_kernel<T>, per_pixel_config("ndimage.binary_fill_holes/init", n), in, n, state.data());
    DeviceBuffer<unsigned> changed(1);
    for (unsigned was_changed = 1; was_changed;) {
        launch(fill_kernel<unsigned>, per_pixel_config("ndimage.binary_fill_holes/clear_changed", 1), changed.data(),
               std::int64_t{1}, 0u);
        launch(flood_pass_kernel, per_pixel_config("ndimage.binary_fill_holes/flood", n), volume_shape(image.shape()),
               steps_on_device.data(), static_cast<int>(steps.size() / 3), n, state.data(), changed.data());
        copy_to_host(std::span<unsigned>(&was_changed, 1), changed);
    }
    launch(write_unreached_kernel, per_pixel_config("ndimage.binary_fill_holes/write", n), state.data(), n,
           result.data<bool>());
}

template <class T, class Index>
void fill_holes_on_device(const DeviceArray& image, int connectivity, DeviceArray& result) {
    const std::int64_t n = image.size();
    DeviceBuffer<Index> root(static_cast<std::size_t>(n));
    // Foreground for the labelling: the False (zero) pixels.
    components_on_device(image.data<T>(), image.shape(), root.data(), KeyRule{0, true, connectivity, true});
    DeviceBuffer<unsigned> outside(static_cast<std::size_t>(n));
    launch(fill_kernel<unsigned>, per_pixel_config("ndimage.binary_fill_holes/clear_flags", n), outside.data(), n, 0u);
    launch(mark_outside_kernel<Index>, per_pixel_config("ndimage.binary_fill_holes/mark", n), root.data(),
           volume_shape(image.shape()), n, outside.data());
    launch(write_filled_kernel<Index>, per_pixel_config("ndimage.binary_fill_holes/write", n), root.data(),
           outside.data(), n, result.data<bool>());
}

DeviceArray binary_fill_holes(const DeviceArray& image, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("ndimage.binary_fill_holes/" SKB_GPU_BACKEND_NAME);
    const Footprint* given = params.footprint("structure");
    const std::optional<int> connectivity = given ? given->connectivity() : 1;
    DeviceArray result(DType::Bool, image.shape());
    if (image.size() == 0) return result;
    visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if (!connectivity) flood_on_device<T>(image, *given, result);
        else if (image.size() < std::numeric_limits<int>::max() - 1) fill_holes_on_device<T, int>(image, *connectivity, result);
        else fill_holes_on_device<T, long long>(image, *connectivity, result);
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("ndimage.binary_fill_holes", binary_fill_holes);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
