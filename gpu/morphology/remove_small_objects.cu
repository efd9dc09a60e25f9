// CUDA morphology.remove_small_objects. Bool images: the components on the device (measure/components.cuh),
// each component's size counted at its root, then each pixel kept when its component is larger than max_size.
// Integer labels: sizes per value, in a table indexed by the value for uint8/uint16, and in a hash table
// (open addressing, linear probing, capacity a power of two at least twice the pixels) for int32/int64, whose
// values may be anything up to 2^63; negative labels are found on the device and refused after the one
// synchronisation (their flag comes back with the result). Counting threads take a few consecutive pixels and add
// runs of one key once, so that a large object does not serialise every pixel on one counter.
#include <array>
#include <bit>

#include <cstring>
#include <limits>
#include <optional>

#include "measure/components.cuh"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

using Count = unsigned long long;
constexpr unsigned kItems = 4;                // consecutive pixels per counting thread
constexpr Count kEmpty = ~Count{0};           // a free hash slot (labels are non-negative int64 values)

__device__ __forceinline__ std::int64_t slot_of(Count key, Count mask) {
    return static_cast<std::int64_t>((key * 0x9E3779B97F4A7C15ull >> 17) & mask);
}

// Adds `count` to key's counter, inserting the key on first sight.
__device__ __forceinline__ void hash_add(Count* keys, Count* counts, Count mask, Count key, Count count) {
    for (std::int64_t s = slot_of(key, mask);; s = (s + 1) & static_cast<std::int64_t>(mask)) {
        const Count old = atomicCAS(&keys[s], kEmpty, key);
        if (old == kEmpty || old == key) {
            atomicAdd(&counts[s], count);
            return;
        }
    }
}

__device__ __forceinline__ Count hash_count(const Count* keys, const Count* counts, Count mask, Count key) {
    for (std::int64_t s = slot_of(key, mask);; s = (s + 1) & static_cast<std::int64_t>(mask))
        if (keys[s] == key) return counts[s];
}

// Where pixel counts go: per root index (components), per value (uint8/uint16), or per hashed value.
struct Counter {
    Count* counts;
    Count* keys;  // hash table keys (nullptr: counts indexed directly)
    Count mask;   // hash capacity - 1
    long long* lowest;  // the smallest label seen (labels only)

    __device__ __forceinline__ void add(long long key, Count count) const {
        if (!keys) atomicAdd(&counts[key], count);
        else hash_add(keys, counts, mask, static_cast<Count>(key), count);
    }
    __device__ __forceinline__ Count of(long long key) const {
        return keys ? hash_count(keys, counts, mask, static_cast<Count>(key)) : counts[key];
    }
    std::array<const void*, 3> device_pointers() const { return {counts, keys, lowest}; }  // launch's check
};

// The key counted for pixel g: its component's root (bool images), or its label; -1: not counted.
template <class T, class Index> struct KeyOf {
    const T* labels;     // integer images
    const Index* root;   // bool images
    __device__ __forceinline__ long long operator()(std::int64_t g) const {
        if (root) return root[g];
        return static_cast<long long>(labels[g]);
    }
    std::array<const void*, 2> device_pointers() const { return {labels, root}; }  // for launch's argument check
};

template <class T, class Index> __global__ void count_kernel(KeyOf<T, Index> key_of, std::int64_t n, Counter counter) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x * kItems;
    for (std::int64_t first = (std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x) * kItems; first < n;
         first += stride) {
        long long key = -1;
        Count run = 0;
        for (std::int64_t g = first; g < first + kItems && g < n; ++g) {
            const long long k = key_of(g);
            if (k < 0 && !key_of.root) {  // a negative label: refused after the synchronisation
                atomicMin(counter.lowest, k);
                continue;
            }
            if (k != key) {
                if (run && key >= 0) counter.add(key, run);
                key = k;
                run = 0;
            }
            ++run;
        }
        if (run && key >= 0) counter.add(key, run);
    }
}

template <class T, class Index>
__global__ void keep_large_kernel(const T* in, KeyOf<T, Index> key_of, std::int64_t n, Counter counter,
                                  long long max_size, T* out) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const long long k = key_of(g);
        out[g] = k >= 0 && static_cast<long long>(counter.of(k)) > max_size ? in[g] : T{};
    }
}

template <class T, class Index>
void remove_on_device(const Array& image, int connectivity, long long max_size, Array& result) {
    const std::int64_t n = image.size();
    const DeviceBuffer<T> in = to_device<T>(image);
    std::optional<DeviceBuffer<Index>> root;
    std::int64_t slots = n;  // components: one counter per root index
    if constexpr (std::is_same_v<T, bool>) {
        root.emplace(static_cast<std::size_t>(n));
        components_on_device(in.data(), image.shape(), root->data(), KeyRule{0, false, connectivity});
    } else if constexpr (sizeof(T) <= 2) {
        slots = std::int64_t{1} << (8 * sizeof(T));
    } else {
        slots = static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(2 * n)));
    }
    const bool hashed = !std::is_same_v<T, bool> && sizeof(T) > 2;
    DeviceBuffer<Count> counts(static_cast<std::size_t>(slots));
    std::optional<DeviceBuffer<Count>> keys;
    launch(fill_kernel<Count>, per_pixel_config("morphology.remove_small_objects/clear", slots), counts.data(), slots,
           Count{0});
    if (hashed) {
        keys.emplace(static_cast<std::size_t>(slots));
        launch(fill_kernel<Count>, per_pixel_config("morphology.remove_small_objects/clear_keys", slots), keys->data(),
               slots, kEmpty);
    }
    DeviceBuffer<long long> lowest(1);
    launch(fill_kernel<long long>, per_pixel_config("morphology.remove_small_objects/clear_lowest", 1), lowest.data(),
           std::int64_t{1}, 0ll);
    const Counter counter{counts.data(), hashed ? keys->data() : nullptr, static_cast<Count>(slots - 1), lowest.data()};
    const KeyOf<T, Index> key_of{in.data(), root ? root->data() : nullptr};
    launch(count_kernel<T, Index>, per_pixel_config("morphology.remove_small_objects/count", (n + kItems - 1) / kItems),
           key_of, n, counter);
    DeviceBuffer<T> out(static_cast<std::size_t>(n));
    launch(keep_large_kernel<T, Index>, per_pixel_config("morphology.remove_small_objects/keep", n), in.data(), key_of,
           n, counter, max_size, out.data());
    long long lowest_label = 0;
    if constexpr (std::is_signed_v<T>)  // its bytes arrive with the result's synchronisation
        enqueue_copy(&lowest_label, lowest.data(), sizeof lowest_label, CopyKind::DeviceToHost);
    copy_to_host(result, out);
    if (lowest_label < 0)
        throw Error("morphology.remove_small_objects: label " + std::to_string(lowest_label) +
                    " is negative (negative labels are not supported)");
}

Array remove_small_objects(const Array& image, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("morphology.remove_small_objects/" SKB_GPU_BACKEND_NAME);
    Array result(image.dtype(), image.shape());
    if (image.size() == 0) return result;
    const long long max_size = params.integer("max_size");
    if (max_size == 0) {  // nothing has 0 pixels; scikit-image returns the copy before it looks at the labels
        std::memcpy(result.raw(), image.raw(), image.nbytes());
        return result;
    }
    const int connectivity = static_cast<int>(params.integer("connectivity"));
    visit_dtype<kLabelDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T>) throw Error("morphology.remove_small_objects: float images are not labels");
        else if (image.size() < std::numeric_limits<int>::max() / 2) remove_on_device<T, int>(image, connectivity, max_size, result);
        else remove_on_device<T, long long>(image, connectivity, max_size, result);
    });
    return result;
}

SKB_GPU_REGISTER_IMPL("morphology.remove_small_objects", remove_small_objects);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
