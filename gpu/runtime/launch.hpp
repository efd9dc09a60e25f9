// The one way to start a kernel: launch(kernel, config, args...). Kernel files never write <<<>>>; this header
// does, once, for nvcc. Before anything runs, launch checks the configuration (extents, threads per block,
// shared memory against the 48 KiB default) and, with full_checks() (runtime/memory.hpp), that every pointer
// argument (a raw pointer, or a struct whose `data` member is one, such as skb::View) points into device memory;
// it throws skb::Error with one line naming the kernel. On a GPU it then checks the kernel's resources (its
// attributes, read once per kernel), queues the launch on the stream without waiting, and surfaces a launch
// error at once; an execution error surfaces at the op's synchronisation (with full checks, right after the
// launch, naming the kernel). In the emulator it runs the grid on the CPU and surfaces divergent barriers, hangs
// and the like. Each launch is an NVTX range named after the kernel, counted and timed (events, read at the next
// synchronisation) into skb::gpu::transfer_stats().
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "runtime/abi.hpp"
#include "runtime/memory.hpp"
#include "skb/error.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

// Like cudaLaunchConfig_t: where and how a kernel runs.
struct LaunchConfig {
    const char* name = "kernel";  // NVTX range and error messages: "filters.sobel/2d"
    Dim3 grid{1};
    Dim3 block{1};
    std::size_t dynamic_shared_bytes = 0;
    const Stream* stream = nullptr;  // nullptr: the calling thread's (thread_stream())
};

// A 1-d launch for a grid-stride loop over n items: enough blocks of `block` threads to cover n, at most
// `max_blocks` (each thread then strides over several items).
inline LaunchConfig grid_stride_config(const char* name, std::int64_t n, unsigned block, unsigned max_blocks) {
    const std::int64_t needed = (n + block - 1) / block;
    const auto blocks = static_cast<unsigned>(needed < 1 ? 1 : needed > max_blocks ? max_blocks : needed);
    return LaunchConfig{.name = name, .grid = Dim3{blocks}, .block = Dim3{block}};
}

inline std::string dim3_text(Dim3 d) {
    return std::to_string(d.x) + "x" + std::to_string(d.y) + "x" + std::to_string(d.z);
}

// Throws naming the kernel when CUDA would refuse the configuration: skb::InternalError for what the launching code
// chose (block shape, shared memory: a bug), skb::Error for a grid too large, which an input too big for the
// device's grid limits causes.
inline void check_launch_config(const LaunchConfig& config) {
    const std::string what = std::string("launch of kernel '") + config.name + "': ";
    if (config.grid.count() == 0 || config.block.count() == 0)
        throw InternalError(what + "empty grid " + dim3_text(config.grid) + " or block " + dim3_text(config.block));
    if (config.block.count() > kMaxThreadsPerBlock)
        throw InternalError(what + "block " + dim3_text(config.block) + " has " + std::to_string(config.block.count()) +
                            " threads, more than " + std::to_string(kMaxThreadsPerBlock));
    if (config.block.x > 1024 || config.block.y > 1024 || config.block.z > 64)
        throw InternalError(what + "block " + dim3_text(config.block) + " exceeds 1024x1024x64");
    if (config.grid.x > 2147483647u || config.grid.y > 65535 || config.grid.z > 65535)
        throw Error(what + "grid " + dim3_text(config.grid) + " exceeds 2147483647x65535x65535");
    if (config.dynamic_shared_bytes > kSharedMemoryLimit)
        throw InternalError(what + std::to_string(config.dynamic_shared_bytes) +
                            " bytes of dynamic shared memory, more than the 48 KiB default");
}

namespace detail {

// Throws unless p is null or points into device memory.
void check_pointer_argument(const char* kernel, std::size_t index, const void* p);

template <class P>
concept HasDataPointer = requires(const P& p) { requires std::is_pointer_v<decltype(p.data)>; };

// A struct holding pointers other than `data` lists them (test gpu_pointer_members finds structs that don't).
template <class P>
concept HasDevicePointers = requires(const P& p) {
    { *p.device_pointers().begin() } -> std::convertible_to<const void*>;
};

template <class P> void check_argument(const char* kernel, std::size_t index, const P& p) {
    if constexpr (std::is_pointer_v<P>) check_pointer_argument(kernel, index, p);
    else if constexpr (HasDataPointer<P>) check_pointer_argument(kernel, index, p.data);
    else if constexpr (HasDevicePointers<P>)
        for (const void* nested : p.device_pointers()) check_pointer_argument(kernel, index, nested);
}

template <class Tuple, std::size_t... I>
void check_arguments(const char* kernel, const Tuple& values, std::index_sequence<I...>) {
    (check_argument(kernel, I, std::get<I>(values)), ...);
}

#if defined(SKB_GPU_EMULATOR)
// Runs every block of the grid on the emulator; invoke(bound) is one thread's call of the kernel.
void run_grid(const LaunchConfig& config, void (*invoke)(const void* bound), const void* bound);
#else
// Throws when the kernel's own limits (threads per block, static + dynamic shared memory) refuse the config; the
// kernel's attributes are read from the driver once per kernel.
void check_kernel_resources(const LaunchConfig& config, const void* kernel);
// Brackets a launch with events on its stream (read at the stream's next synchronisation) and counts it. finish()
// throws naming the kernel on a launch error; with full checks it also waits for the kernel, so that an execution
// error names it too.
class KernelTiming {
public:
    explicit KernelTiming(const LaunchConfig& config);
    void finish();
    void* stream() const { return stream_; }  // cudaStream_t

private:
    const LaunchConfig& config_;
    void* stream_;
    void* start_;
};
#endif

}  // namespace detail

#if defined(SKB_GPU_EMULATOR) || defined(__CUDACC__)
template <class... Params, class... Args>
void launch(void (*kernel)(Params...), const LaunchConfig& config, Args&&... args) {
    static_assert(sizeof...(Params) == sizeof...(Args), "launch: one argument per kernel parameter");
    static_assert((!std::is_reference_v<Params> && ...), "kernel parameters are passed by value");
    static_assert((std::is_trivially_copyable_v<std::remove_cv_t<Params>> && ...),
                  "kernel parameters are copied bytewise to the device");
    check_launch_config(config);
    using Values = std::tuple<std::remove_cv_t<Params>...>;
    const Values values(std::forward<Args>(args)...);
    if (full_checks()) detail::check_arguments(config.name, values, std::index_sequence_for<Params...>{});
    SKB_NVTX_RANGE(config.name);
#if defined(SKB_GPU_EMULATOR)
    struct Bound {
        void (*kernel)(Params...);
        const Values* values;
    };
    const Bound bound{kernel, &values};
    detail::run_grid(
        config,
        [](const void* b) {
            const auto* p = static_cast<const Bound*>(b);
            std::apply(p->kernel, *p->values);
        },
        &bound);
#else
    detail::check_kernel_resources(config, reinterpret_cast<const void*>(kernel));
    detail::KernelTiming timing(config);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        kernel<<<dim3(config.grid.x, config.grid.y, config.grid.z),
                 dim3(config.block.x, config.block.y, config.block.z), config.dynamic_shared_bytes,
                 static_cast<cudaStream_t>(timing.stream())>>>(std::get<I>(values)...);
    }(std::index_sequence_for<Params...>{});
    timing.finish();
#endif
}
#endif

}  // namespace skb::gpu::inline SKB_GPU_ABI
