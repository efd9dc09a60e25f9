// The emulator's memory: device and pinned allocations are tracked (so launch() and the copies can tell device
// memory from host memory) and poisoned when allocated (so data that never reached the device reads as
// signalling NaNs). They come from the ordinary heap, so ASan still sees a kernel's out-of-bounds access.
// Streams are no-ops (everything is synchronous); events read a steady clock.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
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

class Heap {
public:
    void* allocate(std::size_t bytes, Region region) {
        const std::size_t size = std::max<std::size_t>(bytes, 4);
        void* p = ::operator new((size + 3) / 4 * 4, std::align_val_t{256});
        auto* words = static_cast<std::uint32_t*>(p);
        std::fill(words, words + (size + 3) / 4, kPoison32);
        const std::lock_guard lock(mutex_);
        live_[reinterpret_cast<std::uintptr_t>(p)] = Allocation{bytes, region};
        return p;
    }

    void free(void* p, Region region) noexcept {
        if (!p) return;
        {
            const std::lock_guard lock(mutex_);
            const auto it = live_.find(reinterpret_cast<std::uintptr_t>(p));
            if (it == live_.end() || it->second.region != region) std::abort();  // a bug in the buffer classes
            live_.erase(it);
        }
        ::operator delete(p, std::align_val_t{256});
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
    mutable std::mutex mutex_;
    std::map<std::uintptr_t, Allocation> live_;
};

Heap& heap() {
    static Heap* const h = new Heap;  // never destroyed: buffers in static objects may outlive any order
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

Stream::Stream() = default;
Stream::~Stream() = default;
void Stream::synchronize() const {}

Event::Event() = default;
Event::~Event() = default;
void Event::record(const Stream*) {
    time_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
void Event::synchronize() const {}
double Event::elapsed_ms(const Event& start, const Event& stop) { return (stop.time_ns_ - start.time_ns_) / 1e6; }

void copy_bytes(void* dst, const void* src, std::size_t bytes, CopyKind kind, const Stream*) {
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
