// Device memory, pinned host memory, streams, events and the two counted copies (skb/transfer_stats.hpp).
// On a GPU these wrap the device's stream-ordered memory pool (cudaMallocAsync/cudaFreeAsync), cudaMallocHost,
// cudaStream_t, cudaEvent_t and cudaMemcpyAsync. In the emulator device memory is a tracked allocation of its
// own, poisoned (kPoison32) whenever it is handed out, that kernels may use and host code may not: a kernel handed
// a host pointer, or a copy in the wrong direction, throws.
//
// Fixed costs per op call (counted in skb::gpu::transfer_stats(), the same way in both builds): work goes on the
// calling thread's stream without host waits; the op's result comes back with one D2H copy, which is its one
// synchronisation (syncs). Freed device memory stays in a pool for the next call (device_allocations counts
// only what the pool had to obtain anew).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "runtime/abi.hpp"
#include "skb/array.hpp"
#include "skb/error.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

// True when this build's backend can run: always in the emulator; with nvcc, when the CUDA runtime finds a
// device (false, without crashing, when there is no GPU or no driver).
bool device_available();
// One line for reports: the GPU's name and compute capability, or the emulator.
std::string device_description();

// Whether launch() and the copies run their full checks: every pointer argument of a kernel in device memory,
// both sides of a copy, and on a GPU a wait after every launch so that an execution error names its kernel.
// Always in the emulator. In backend `cuda`: in builds without NDEBUG, or when the environment sets
// SKB_GPU_CHECKS=1 (read once); otherwise only the checks that need no driver round trip per call run (the
// launch configuration, the kernel's attributes cached once per kernel, the host side of a copy), and an
// execution error surfaces at the op's synchronisation.
bool full_checks();

// Raw allocations (throw skb::Error on failure; freeing nullptr does nothing). Device memory is stream-ordered on
// the calling thread's stream (thread_stream()): a free hands the block back to the pool once the work queued
// before it is done, and an allocation on the same stream may reuse it at once. Device buffers therefore belong to
// the host thread that made them.
void* device_allocate(std::size_t bytes);
void device_free(void* p) noexcept;
void* pinned_allocate(std::size_t bytes);
void pinned_free(void* p) noexcept;
// Whether [p, p + bytes) lies in one live device allocation.
bool is_device_memory(const void* p, std::size_t bytes = 1);
// Page-locks memory the host already has, in place (cudaHostRegister / cudaHostUnregister); copies from it count
// as pinned (TransferStats::h2d_pinned_bytes). Also reachable through skb::gpu::find_host_pinning(backend).
void host_register(void* p, std::size_t bytes);
void host_unregister(void* p) noexcept;

// An ordered queue of device work (the emulator runs everything synchronously). Launches and copies that name no
// stream use the calling thread's (thread_stream()).
class Stream {
public:
    Stream();
    ~Stream();
    Stream(Stream&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Stream& operator=(Stream&& other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }
    // Waits for the stream's work (one counted sync), surfaces its errors, and reads the times of the copies and
    // launches it has finished.
    void synchronize() const;
    void* native() const { return handle_; }  // cudaStream_t

private:
    void* handle_ = nullptr;
};

// The calling host thread's stream, made on first use and kept for the thread's life (never destroyed, since
// device buffers in static objects may be freed after thread-local destructors have run). One stream per thread
// orders an op's work, and a pipeline's, without host waits.
const Stream& thread_stream();
inline const Stream& stream_or_thread(const Stream* stream) { return stream ? *stream : thread_stream(); }

// A point in a stream's work, for timing.
class Event {
public:
    Event();
    ~Event();
    Event(Event&& other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)), time_ns_(other.time_ns_) {}
    Event& operator=(Event&& other) noexcept {
        std::swap(handle_, other.handle_);
        time_ns_ = other.time_ns_;
        return *this;
    }
    void record(const Stream* stream = nullptr);
    void synchronize() const;  // one counted sync
    // Milliseconds between two recorded events.
    static double elapsed_ms(const Event& start, const Event& stop);

private:
    void* handle_ = nullptr;     // cudaEvent_t
    std::int64_t time_ns_ = 0;   // the emulator's steady clock at record()
};

enum class CopyKind { HostToDevice, DeviceToHost };
// Queues a copy on `stream` (the thread's when null), counts it (bytes, one call; its event-timed milliseconds
// once a synchronisation has passed it) and marks it with an NVTX range. Throws when the direction does not match
// the pointers (host memory where device memory belongs). The host may reuse an H2D copy's source when this
// returns; a D2H copy's bytes are on the host only after the stream's next synchronize().
void enqueue_copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, const Stream* stream = nullptr);

// enqueue_copy, and for a D2H copy the stream's synchronize(): the host wait an op ends with, when its result is
// in. An op with several results enqueues all but the last.
inline void copy_bytes(void* dst, const void* src, std::size_t bytes, CopyKind kind, const Stream* stream = nullptr) {
    enqueue_copy(dst, src, bytes, kind, stream);
    if (kind == CopyKind::DeviceToHost) stream_or_thread(stream).synchronize();
}

// An owned, uninitialised array of T in one memory space (DeviceSpace or PinnedSpace below).
template <class T, class Space> class Buffer {
    static_assert(std::is_trivially_copyable_v<T>, "GPU buffers hold plain data");

public:
    Buffer() = default;
    explicit Buffer(std::size_t count) : data_(static_cast<T*>(Space::allocate(count * sizeof(T)))), size_(count) {}
    ~Buffer() { Space::free(data_); }
    Buffer(Buffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    Buffer& operator=(Buffer&& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        return *this;
    }

    T* data() const { return data_; }
    std::size_t size() const { return size_; }
    std::size_t bytes() const { return size_ * sizeof(T); }
    std::span<T> span() const { return {data_, size_}; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

struct DeviceSpace {
    static void* allocate(std::size_t bytes) { return device_allocate(bytes); }
    static void free(void* p) noexcept { device_free(p); }
};
struct PinnedSpace {
    static void* allocate(std::size_t bytes) { return pinned_allocate(bytes); }
    static void free(void* p) noexcept { pinned_free(p); }
};

// Device memory: poison in the emulator until copied to or written by a kernel (data() and span() are device
// addresses, for kernel arguments).
template <class T> using DeviceBuffer = Buffer<T, DeviceSpace>;
// Page-locked host memory (cudaMallocHost): the fast path for copies.
template <class T> using PinnedHostBuffer = Buffer<T, PinnedSpace>;

template <class T> void copy_to_device(DeviceBuffer<T>& dst, std::span<const T> src, const Stream* stream = nullptr) {
    if (src.size() > dst.size())
        throw InternalError("copy_to_device: " + std::to_string(src.size()) + " elements into a device buffer of " +
                    std::to_string(dst.size()));
    copy_bytes(dst.data(), src.data(), src.size_bytes(), CopyKind::HostToDevice, stream);
}

template <class T> void copy_to_host(std::span<T> dst, const DeviceBuffer<T>& src, const Stream* stream = nullptr) {
    if (dst.size() > src.size())
        throw InternalError("copy_to_host: " + std::to_string(dst.size()) + " elements from a device buffer of " +
                    std::to_string(src.size()));
    copy_bytes(dst.data(), src.data(), dst.size_bytes(), CopyKind::DeviceToHost, stream);
}

// A new device buffer holding a copy of `src` (one counted H2D).
template <class T> DeviceBuffer<T> to_device(std::span<const T> src, const Stream* stream = nullptr) {
    DeviceBuffer<T> buffer(src.size());
    copy_to_device(buffer, src, stream);
    return buffer;
}

// The elements of an array of C++ type T (its dtype), on the device.
template <class T> DeviceBuffer<T> to_device(const Array& host, const Stream* stream = nullptr) {
    return to_device(host.values<T>(), stream);
}

// Fills an array of C++ type T (its dtype) from the device (one counted D2H).
template <class T> void copy_to_host(Array& dst, const DeviceBuffer<T>& src, const Stream* stream = nullptr) {
    copy_to_host(dst.values<T>(), src, stream);
}

}  // namespace skb::gpu::inline SKB_GPU_ABI
