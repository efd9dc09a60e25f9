// The emulator's memory: device and pinned allocations are tracked (so launch() and the copies can tell device
// memory from host memory) and poisoned whenever they are handed out (so data that never reached the device reads
// as signalling NaNs). They come from the ordinary heap, so ASan still sees a kernel's out-of-bounds access.
// Freed device memory is kept, as the GPU build's memory pool keeps it, and handed out again for an allocation of
// the same size: exact sizes, so ASan's bounds stay the allocation's; kept blocks are ASan-poisoned, so a use after
// free is still caught. transfer_stats().device_allocations counts the allocations the pool could not serve.
// Streams are no-ops (everything is synchronous) that count their synchronisations; events read a steady clock.
#include <sanitizer/asan_interface.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "runtime/launch.hpp"
#include "skb/nvtx.hpp"
#include "skb/transfer_stats.hpp"

namespace skb::gpu::emu {
namespace {

using Clock = std::chrono::steady_clock;

enum class Region { Device, Pinned, Registered };  // Registered: host memory page-locked in place

// The most freed device memory the pool keeps (the GPU build keeps all of it, up to the device's size): enough for
// every benchmark case's working set, so that from a case's second call on nothing is allocated.
constexpr std::size_t kKeptDeviceBytes = std::size_t{1} << 30;

class Heap {
public:
    void* allocate(std::size_t bytes, Region region) {
        const std::size_t size = block_size(bytes);
        void* p = region == Region::Device ? take_kept(size) : nullptr;
        if (!p) {
            p = ::operator new(size, std::align_val_t{256});
            if (region == Region::Device) record_device_allocation();
        }
        auto* words = static_cast<std::uint32_t*>(p);
        std::fill(words, words + size / 4, kPoison32);
        const std::lock_guard lock(mutex_);
        live_[reinterpret_cast<std::uintptr_t>(p)] = Allocation{bytes, region};
        return p;
    }

    void free(void* p, Region region) noexcept {
        if (!p) return;
        std::size_t size = 0;
        {
            const std::lock_guard lock(mutex_);
            const auto it = live_.find(reinterpret_cast<std::uintptr_t>(p));
            if (it == live_.end() || it->second.region != region) std::abort();  // a bug in the buffer classes
            size = block_size(it->second.bytes);
            live_.erase(it);
            if (region == Region::Device && size <= kKeptDeviceBytes && !exiting_) {
                // Make room by releasing the largest kept blocks first (deterministic, and it keeps the most blocks).
                while (kept_bytes_ + size > kKeptDeviceBytes) {
                    const auto largest = std::prev(kept_.end());
                    kept_bytes_ -= largest->first;
                    release(largest->second, largest->first);
                    kept_.erase(largest);
                }
                ASAN_POISON_MEMORY_REGION(p, size);
                kept_.emplace(size, p);
                kept_bytes_ += size;
                return;
            }
        }
        ::operator delete(p, std::align_val_t{256});
    }

    // At exit: the kept blocks go back to the host heap (leak checkers such as the heaptrack memory tests would
    // otherwise count the pool as leaked), and blocks freed from then on (static buffers) are not kept.
    void release_kept() noexcept {
        const std::lock_guard lock(mutex_);
        exiting_ = true;
        for (const auto& [size, p] : kept_) release(p, size);
        kept_.clear();
        kept_bytes_ = 0;
    }

    // cudaHostRegister's bookkeeping: the range is the caller's memory (never poisoned, never freed here).
    void add_registered(void* p, std::size_t bytes) {
        const std::lock_guard lock(mutex_);
        if (!live_.emplace(reinterpret_cast<std::uintptr_t>(p), Allocation{bytes, Region::Registered}).second)
            throw Error("host_register: memory at " + std::to_string(reinterpret_cast<std::uintptr_t>(p)) +
                        " is already registered or allocated by the emulator");
    }
    void remove_registered(void* p) noexcept {
        const std::lock_guard lock(mutex_);
        const auto it = live_.find(reinterpret_cast<std::uintptr_t>(p));
        if (it != live_.end() && it->second.region == Region::Registered) live_.erase(it);
    }

    // Whether [p, p + bytes) lies inside one live allocation of `region`.
    bool contains(const void* p, std::size_t bytes, Region region) const {
        const auto address = reinterpret_cast<std::uintptr_t>(p);
        const std::lock_guard lock(mutex_);
        auto it = live_.upper_bound(address);
        if (it == live_.begin()) return false;
        --it;
        return it->second.region == region && address + bytes <= it->first + std::max<std::size_t>(it->second.bytes, 1);
    }

private:
    struct Allocation {
        std::size_t bytes;
        Region region;
    };

    // What is allocated for `bytes`: whole poison words, at least one.
    static std::size_t block_size(std::size_t bytes) { return (std::max<std::size_t>(bytes, 4) + 3) / 4 * 4; }

    // A kept device block of exactly `size` bytes, or nullptr.
    void* take_kept(std::size_t size) {
        const std::lock_guard lock(mutex_);
        const auto it = kept_.find(size);
        if (it == kept_.end()) return nullptr;
        void* p = it->second;
        kept_.erase(it);
        kept_bytes_ -= size;
        ASAN_UNPOISON_MEMORY_REGION(p, size);
        return p;
    }

    static void release(void* p, std::size_t size) {
        ASAN_UNPOISON_MEMORY_REGION(p, size);
        ::operator delete(p, std::align_val_t{256});
    }

    mutable std::mutex mutex_;
    std::map<std::uintptr_t, Allocation> live_;
    std::multimap<std::size_t, void*> kept_;  // freed device blocks by size
    std::size_t kept_bytes_ = 0;
    bool exiting_ = false;
};

Heap& heap() {
    static Heap* const h = [] {
        auto* made = new Heap;  // never destroyed: buffers in static objects may outlive any order
        std::atexit([] { heap().release_kept(); });
        return made;
    }();
    return *h;
}

std::string address_text(const void* p) {
    char text[32];
    std::snprintf(text, sizeof text, "%p", p);
    return text;
}

}  // namespace

bool device_available() { return true; }

std::string device_description() {
    return "CPU emulator of the CUDA execution model (" + std::to_string(std::thread::hardware_concurrency()) +
           " host threads)";
}

void* device_allocate(std::size_t bytes) { return heap().allocate(bytes, Region::Device); }
void device_free(void* p) noexcept { heap().free(p, Region::Device); }
void* pinned_allocate(std::size_t bytes) { return heap().allocate(bytes, Region::Pinned); }
void pinned_free(void* p) noexcept { heap().free(p, Region::Pinned); }

bool is_device_memory(const void* p, std::size_t bytes) { return heap().contains(p, bytes, Region::Device); }

void host_register(void* p, std::size_t bytes) { heap().add_registered(p, bytes); }
void host_unregister(void* p) noexcept { heap().remove_registered(p); }

namespace {
bool is_pinned_host(const void* p, std::size_t bytes) {
    return heap().contains(p, bytes, Region::Pinned) || heap().contains(p, bytes, Region::Registered);
}
const bool host_pinning_installed = (set_host_pinning(SKB_GPU_BACKEND_NAME, {host_register, host_unregister}), true);
}  // namespace

bool full_checks() { return true; }

Stream::Stream() = default;
Stream::~Stream() = default;
void Stream::synchronize() const { record_sync(); }  // the work is done already: counted, as on a GPU

// Everything runs synchronously, so every thread may share one stream; never destroyed, as on a GPU.
const Stream& thread_stream() {
    static const Stream* const stream = new Stream;
    return *stream;
}

Event::Event() = default;
Event::~Event() = default;
void Event::record(const Stream*) {
    time_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
void Event::synchronize() const { record_sync(); }
double Event::elapsed_ms(const Event& start, const Event& stop) { return (stop.time_ns_ - start.time_ns_) / 1e6; }

// Copies at once (the emulator has no queue); copy_bytes then counts the synchronisation a GPU needs.
void enqueue_copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, const Stream*) {
    const bool h2d = kind == CopyKind::HostToDevice;
    SKB_NVTX_RANGE(h2d ? "H2D" : "D2H");
    const char* what = h2d ? "copy_to_device" : "copy_to_host";
    const void* device = h2d ? dst : src;
    const void* host = h2d ? src : dst;
    if (bytes > 0 && !is_device_memory(device, bytes))
        throw InternalError(std::string(what) + ": " + std::to_string(bytes) + " bytes at " + address_text(device) +
                    " are not device memory");
    if (bytes > 0 && is_device_memory(host, 1))
        throw InternalError(std::string(what) + ": the host side " + address_text(host) + " is device memory");
    const auto start = Clock::now();
    if (bytes > 0) std::memcpy(dst, src, bytes);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const bool pinned = bytes > 0 && is_pinned_host(host, bytes);
    if (h2d) record_h2d(static_cast<std::int64_t>(bytes), ms, pinned);
    else record_d2h(static_cast<std::int64_t>(bytes), ms, pinned);
}

namespace detail {

void check_pointer_argument(const char* kernel, std::size_t index, const void* p) {
    if (p && !is_device_memory(p, 1))
        throw InternalError(std::string("launch of kernel '") + kernel + "': kernel argument " + std::to_string(index) +
                    " is a host pointer (" + address_text(p) + "), not device memory: copy it to a DeviceBuffer first");
}

}  // namespace detail
}  // namespace skb::gpu::emu
