// The runtime of backend `cuda` on the CUDA runtime API: allocations, streams, events, event-timed counted
// copies, and launch()'s checks and error reporting. Compiled by the host compiler against cudart.
#include <cuda_runtime_api.h>

#include <string>

#include "runtime/launch.hpp"
#include "skb/nvtx.hpp"
#include "skb/transfer_stats.hpp"

namespace skb::gpu::nv {
namespace {

void check(cudaError_t status, const std::string& what) {
    if (status != cudaSuccess) {
        (void)cudaGetLastError();  // clear a non-sticky error so later calls start clean
        throw Error(what + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
    }
}

cudaStream_t stream_of(const Stream* stream) { return stream ? static_cast<cudaStream_t>(stream->native()) : nullptr; }

bool is_memory_type(const void* p, bool device) {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    const bool on_device = attributes.type == cudaMemoryTypeDevice || attributes.type == cudaMemoryTypeManaged;
    return device ? on_device : !on_device;
}

void* allocate(cudaError_t (*allocator)(void**, std::size_t), std::size_t bytes, const char* what) {
    void* p = nullptr;
    check(allocator(&p, bytes ? bytes : 1), std::string(what) + " of " + std::to_string(bytes) + " bytes");
    return p;
}

}  // namespace

bool device_available() {
    static const bool available = [] {
        int count = 0;
        const cudaError_t status = cudaGetDeviceCount(&count);
        (void)cudaGetLastError();
        return status == cudaSuccess && count > 0;
    }();
    return available;
}

std::string device_description() {
    if (!device_available()) return "no CUDA device";
    int device = 0;
    cudaDeviceProp properties{};
    check(cudaGetDevice(&device), "cudaGetDevice");
    check(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
    return std::string(properties.name) + " (sm_" + std::to_string(properties.major) +
           std::to_string(properties.minor) + ", " + std::to_string(properties.multiProcessorCount) + " SMs, " +
           std::to_string(properties.totalGlobalMem >> 20) + " MiB)";
}

void* device_allocate(std::size_t bytes) { return allocate(cudaMalloc, bytes, "cudaMalloc"); }
void device_free(void* p) noexcept {
    if (p) (void)cudaFree(p);
}
void* pinned_allocate(std::size_t bytes) { return allocate(cudaMallocHost, bytes, "cudaMallocHost"); }
void pinned_free(void* p) noexcept {
    if (p) (void)cudaFreeHost(p);
}

bool is_device_memory(const void* p, std::size_t) { return p && is_memory_type(p, true); }

void host_register(void* p, std::size_t bytes) { check(cudaHostRegister(p, bytes, cudaHostRegisterDefault), "cudaHostRegister"); }
void host_unregister(void* p) noexcept {
    if (p) (void)cudaHostUnregister(p);
}

namespace {
bool is_pinned_host(const void* p) {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    return attributes.type == cudaMemoryTypeHost;
}
const bool host_pinning_installed = (set_host_pinning(SKB_GPU_BACKEND_NAME, {host_register, host_unregister}), true);
}  // namespace

Stream::Stream() {
    cudaStream_t s = nullptr;
    check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    handle_ = s;
}
Stream::~Stream() {
    if (handle_) (void)cudaStreamDestroy(static_cast<cudaStream_t>(handle_));
}
void Stream::synchronize() const { check(cudaStreamSynchronize(stream_of(this)), "cudaStreamSynchronize"); }

Event::Event() {
    cudaEvent_t e = nullptr;
    check(cudaEventCreate(&e), "cudaEventCreate");
    handle_ = e;
}
Event::~Event() {
    if (handle_) (void)cudaEventDestroy(static_cast<cudaEvent_t>(handle_));
}
void Event::record(const Stream* stream) {
    check(cudaEventRecord(static_cast<cudaEvent_t>(handle_), stream_of(stream)), "cudaEventRecord");
}
void Event::synchronize() const {
    check(cudaEventSynchronize(static_cast<cudaEvent_t>(handle_)), "cudaEventSynchronize");
}
double Event::elapsed_ms(const Event& start, const Event& stop) {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start.handle_), static_cast<cudaEvent_t>(stop.handle_)),
          "cudaEventElapsedTime");
    return ms;
}

void copy_bytes(void* dst, const void* src, std::size_t bytes, CopyKind kind, const Stream* stream) {
    const bool h2d = kind == CopyKind::HostToDevice;
    SKB_NVTX_RANGE(h2d ? "H2D" : "D2H");
    const std::string what = h2d ? "copy_to_device" : "copy_to_host";
    if (bytes > 0 && (!is_memory_type(h2d ? dst : src, true) || !is_memory_type(h2d ? src : dst, false)))
        throw InternalError(what + ": the pointers do not match the direction (host to device is dst device, src host)");
    Event start, stop;
    start.record(stream);
    check(cudaMemcpyAsync(dst, src, bytes, h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, stream_of(stream)),
          what);
    stop.record(stream);
    stop.synchronize();
    const double ms = Event::elapsed_ms(start, stop);
    const bool pinned = bytes > 0 && is_pinned_host(h2d ? src : dst);
    if (h2d) record_h2d(static_cast<std::int64_t>(bytes), ms, pinned);
    else record_d2h(static_cast<std::int64_t>(bytes), ms, pinned);
}

namespace detail {

void check_pointer_argument(const char* kernel, std::size_t index, const void* p) {
    if (p && !is_device_memory(p))
        throw InternalError(std::string("launch of kernel '") + kernel + "': kernel argument " + std::to_string(index) +
                    " is a host pointer, not device memory: copy it to a DeviceBuffer first");
}

void check_kernel_resources(const LaunchConfig& config, const void* kernel) {
    cudaFuncAttributes attributes{};
    check(cudaFuncGetAttributes(&attributes, kernel), std::string("cudaFuncGetAttributes of kernel '") + config.name + "'");
    const std::string what = std::string("launch of kernel '") + config.name + "': ";
    if (config.block.count() > static_cast<std::uint64_t>(attributes.maxThreadsPerBlock))
        throw Error(what + std::to_string(config.block.count()) + " threads per block, the kernel allows " +
                    std::to_string(attributes.maxThreadsPerBlock));
    if (attributes.sharedSizeBytes + config.dynamic_shared_bytes > kSharedMemoryLimit)
        throw Error(what + std::to_string(attributes.sharedSizeBytes) + " bytes of static and " +
                    std::to_string(config.dynamic_shared_bytes) + " of dynamic shared memory, more than 48 KiB");
}

KernelTimer::KernelTimer(const LaunchConfig& config) : config_(config) { start_.record(config.stream); }

void KernelTimer::finish() {
    const std::string what = std::string("kernel '") + config_.name + "'";
    check(cudaGetLastError(), "launch of " + what);
    stop_.record(config_.stream);
    try {
        stop_.synchronize();  // execution errors (an illegal address, a trap) surface here
    } catch (const Error& e) {
        throw Error(what + " failed: " + e.what());
    }
    record_kernel(Event::elapsed_ms(start_, stop_));
}

}  // namespace detail
}  // namespace skb::gpu::nv
