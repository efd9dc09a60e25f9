// The runtime of backend `cuda` on the CUDA runtime API: allocations from the device's stream-ordered memory
// pool, one stream per host thread, event-timed counted copies, and launch()'s checks and error reporting.
// Compiled by the host compiler against cudart.
//
// Per op call nothing waits for the device except the D2H copy of the result (Stream::synchronize): launches
// and copies record a pair of events each (from a per-thread pool of events), and the pairs are read when a
// synchronisation has passed them. Kernel attributes are read once per kernel. full_checks() adds back the
// per-launch checks that cost a driver round trip or a wait.
#include <cuda_runtime_api.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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

cudaStream_t stream_of(const Stream* stream) { return static_cast<cudaStream_t>(stream_or_thread(stream).native()); }

// What memory p is (cudaMemoryTypeUnregistered for pageable host memory or a pointer CUDA does not know).
cudaMemoryType memory_type(const void* p) {
    cudaPointerAttributes attributes{};
    if (cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
        (void)cudaGetLastError();
        return cudaMemoryTypeUnregistered;
    }
    return attributes.type;
}
bool on_device(cudaMemoryType type) { return type == cudaMemoryTypeDevice || type == cudaMemoryTypeManaged; }

void* allocate(cudaError_t (*allocator)(void**, std::size_t), std::size_t bytes, const char* what) {
    void* p = nullptr;
    check(allocator(&p, bytes ? bytes : 1), std::string(what) + " of " + std::to_string(bytes) + " bytes");
    return p;
}

// The device's default memory pool, set to keep what is freed (release threshold: all of it) so that a call's
// allocations reuse the previous call's memory instead of going back to the driver. device_allocate trims it
// when the device runs out.
cudaMemPool_t device_pool() {
    static const cudaMemPool_t pool = [] {
        int device = 0;
        check(cudaGetDevice(&device), "cudaGetDevice");
        cudaMemPool_t p = nullptr;
        check(cudaDeviceGetDefaultMemPool(&p, device), "cudaDeviceGetDefaultMemPool");
        std::uint64_t keep = std::numeric_limits<std::uint64_t>::max();
        check(cudaMemPoolSetAttribute(p, cudaMemPoolAttrReleaseThreshold, &keep), "cudaMemPoolSetAttribute");
        return p;
    }();
    return pool;
}

std::uint64_t pool_reserved_bytes(cudaMemPool_t pool) {
    std::uint64_t bytes = 0;
    check(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &bytes), "cudaMemPoolGetAttribute");
    return bytes;
}

// The event pairs of this thread's copies and launches, until a synchronisation has passed them; and spare
// events, so that timing a call creates none.
enum class Timed { H2D, D2H, Kernel };
struct Timings {
    struct Pair {
        cudaEvent_t start, stop;
        Timed what;
    };
    std::vector<Pair> pending;
    std::vector<cudaEvent_t> spare;

    cudaEvent_t take() {
        if (spare.empty()) {
            cudaEvent_t e = nullptr;
            check(cudaEventCreate(&e), "cudaEventCreate");
            return e;
        }
        const cudaEvent_t e = spare.back();
        spare.pop_back();
        return e;
    }

    // Adds the times of the finished pairs to transfer_stats() and keeps their events for reuse.
    void read_finished() {
        double ms[3] = {};
        auto kept = pending.begin();
        for (const Pair& p : pending) {
            float elapsed = 0;
            if (cudaEventQuery(p.stop) == cudaSuccess && cudaEventElapsedTime(&elapsed, p.start, p.stop) == cudaSuccess) {
                ms[static_cast<int>(p.what)] += elapsed;
                spare.push_back(p.start);
                spare.push_back(p.stop);
            } else {
                *kept++ = p;  // still in flight (another stream's): read at a later synchronisation
            }
        }
        pending.erase(kept, pending.end());
        add_times(ms[0], ms[1], ms[2]);
    }
};
// A pointer that is never destroyed, like thread_stream(): a buffer freed during exit may still record events.
Timings& timings() {
    thread_local Timings* const t = new Timings;
    return *t;
}

// A call that never synchronises (device arrays made and dropped) must not grow the pending pairs without bound.
constexpr std::size_t kMaxPendingTimings = 4096;

// Records `what` between two events on `stream`; enqueue() queues the work.
template <class Enqueue> void timed(cudaStream_t stream, Timed what, Enqueue&& enqueue) {
    Timings& t = timings();
    const cudaEvent_t start = t.take(), stop = t.take();
    check(cudaEventRecord(start, stream), "cudaEventRecord");
    enqueue();
    check(cudaEventRecord(stop, stream), "cudaEventRecord");
    t.pending.push_back({start, stop, what});
    if (t.pending.size() > kMaxPendingTimings) t.read_finished();
}

}  // namespace

bool full_checks() {
#if defined(NDEBUG)
    static const bool on = [] {
        const char* value = std::getenv("SKB_GPU_CHECKS");
        return value && std::strcmp(value, "1") == 0;
    }();
    return on;
#else
    return true;
#endif
}

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

void* device_allocate(std::size_t bytes) {
    const cudaMemPool_t pool = device_pool();
    const cudaStream_t stream = stream_of(nullptr);
    const std::uint64_t reserved = pool_reserved_bytes(pool);
    void* p = nullptr;
    cudaError_t status = cudaMallocAsync(&p, bytes ? bytes : 1, stream);
    if (status == cudaErrorMemoryAllocation) {
        // The pool keeps what ops freed: wait for this thread's frees, hand the unused memory back, try once more.
        (void)cudaGetLastError();
        thread_stream().synchronize();
        check(cudaMemPoolTrimTo(pool, 0), "cudaMemPoolTrimTo");
        status = cudaMallocAsync(&p, bytes ? bytes : 1, stream);
    }
    check(status, "cudaMallocAsync of " + std::to_string(bytes) + " bytes");
    if (pool_reserved_bytes(pool) > reserved) record_device_allocation();  // the pool grew: not a reuse
    return p;
}
void device_free(void* p) noexcept {
    if (p) (void)cudaFreeAsync(p, stream_of(nullptr));
}
void* pinned_allocate(std::size_t bytes) { return allocate(cudaMallocHost, bytes, "cudaMallocHost"); }
void pinned_free(void* p) noexcept {
    if (p) (void)cudaFreeHost(p);
}

bool is_device_memory(const void* p, std::size_t) { return p && on_device(memory_type(p)); }

void host_register(void* p, std::size_t bytes) { check(cudaHostRegister(p, bytes, cudaHostRegisterDefault), "cudaHostRegister"); }
void host_unregister(void* p) noexcept {
    if (p) (void)cudaHostUnregister(p);
}

namespace {
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
void Stream::synchronize() const {
    record_sync();
    check(cudaStreamSynchronize(static_cast<cudaStream_t>(handle_)),
          "cudaStreamSynchronize (a kernel or copy queued since the last one failed; SKB_GPU_CHECKS=1 names the kernel)");
    timings().read_finished();
}

const Stream& thread_stream() {
    thread_local const Stream* const stream = new Stream;
    return *stream;
}

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
    record_sync();
    check(cudaEventSynchronize(static_cast<cudaEvent_t>(handle_)), "cudaEventSynchronize");
}
double Event::elapsed_ms(const Event& start, const Event& stop) {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start.handle_), static_cast<cudaEvent_t>(stop.handle_)),
          "cudaEventElapsedTime");
    return ms;
}

void enqueue_copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, const Stream* stream) {
    const bool h2d = kind == CopyKind::HostToDevice;
    SKB_NVTX_RANGE(h2d ? "H2D" : "D2H");
    const char* what = h2d ? "copy_to_device" : "copy_to_host";
    // One pointer query per copy, of the host side: it tells pinned from pageable memory for the counters and
    // catches device memory where host memory belongs. The device side is queried with full checks only.
    const cudaMemoryType host = bytes > 0 ? memory_type(h2d ? src : dst) : cudaMemoryTypeUnregistered;
    if (bytes > 0 && (on_device(host) || (full_checks() && !is_device_memory(h2d ? dst : src))))
        throw InternalError(std::string(what) +
                            ": the pointers do not match the direction (host to device is dst device, src host)");
    const cudaStream_t s = stream_of(stream);
    timed(s, h2d ? Timed::H2D : Timed::D2H, [&] {
        check(cudaMemcpyAsync(dst, src, bytes, h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s), what);
    });
    const bool pinned = host == cudaMemoryTypeHost;
    if (h2d) record_h2d(static_cast<std::int64_t>(bytes), 0, pinned);
    else record_d2h(static_cast<std::int64_t>(bytes), 0, pinned);
}

namespace detail {

void check_pointer_argument(const char* kernel, std::size_t index, const void* p) {
    if (p && !is_device_memory(p))
        throw InternalError(std::string("launch of kernel '") + kernel + "': kernel argument " + std::to_string(index) +
                    " is a host pointer, not device memory: copy it to a DeviceBuffer first");
}

void check_kernel_resources(const LaunchConfig& config, const void* kernel) {
    // A kernel's attributes never change: read once per kernel (a driver call), then from this table.
    static std::mutex mutex;
    static std::unordered_map<const void*, cudaFuncAttributes> known;
    cudaFuncAttributes attributes{};
    {
        const std::lock_guard lock(mutex);
        const auto it = known.find(kernel);
        if (it != known.end()) {
            attributes = it->second;
        } else {
            check(cudaFuncGetAttributes(&attributes, kernel),
                  std::string("cudaFuncGetAttributes of kernel '") + config.name + "'");
            known.emplace(kernel, attributes);
        }
    }
    const std::string what = std::string("launch of kernel '") + config.name + "': ";
    if (config.block.count() > static_cast<std::uint64_t>(attributes.maxThreadsPerBlock))
        throw Error(what + std::to_string(config.block.count()) + " threads per block, the kernel allows " +
                    std::to_string(attributes.maxThreadsPerBlock));
    if (attributes.sharedSizeBytes + config.dynamic_shared_bytes > kSharedMemoryLimit)
        throw Error(what + std::to_string(attributes.sharedSizeBytes) + " bytes of static and " +
                    std::to_string(config.dynamic_shared_bytes) + " of dynamic shared memory, more than 48 KiB");
}

KernelTiming::KernelTiming(const LaunchConfig& config)
    : config_(config), stream_(stream_of(config.stream)), start_(timings().take()) {
    check(cudaEventRecord(static_cast<cudaEvent_t>(start_), static_cast<cudaStream_t>(stream_)), "cudaEventRecord");
}

void KernelTiming::finish() {
    const std::string what = std::string("kernel '") + config_.name + "'";
    Timings& t = timings();
    const auto start = static_cast<cudaEvent_t>(start_);
    const cudaError_t launched = cudaGetLastError();  // a refused launch: cheap, no wait
    if (launched != cudaSuccess) {
        t.spare.push_back(start);
        check(launched, "launch of " + what);
    }
    const cudaEvent_t stop = t.take();
    check(cudaEventRecord(stop, static_cast<cudaStream_t>(stream_)), "cudaEventRecord");
    t.pending.push_back({start, stop, Timed::Kernel});
    record_kernel(0);  // counted now; its time is added when a synchronisation reads the events
    if (full_checks()) {
        try {
            stream_or_thread(config_.stream).synchronize();  // execution errors (an illegal address, a trap) surface here
        } catch (const Error& e) {
            throw Error(what + " failed: " + e.what());
        }
    }
    if (t.pending.size() > kMaxPendingTimings) t.read_finished();
}

}  // namespace detail
}  // namespace skb::gpu::nv
